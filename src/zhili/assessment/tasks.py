"""Periodic assessment jobs on the task queue (huey): keep the rollups current, score new replies,
and compute the hotspots of this month and the last (pages and reports also do what they need
when it is small enough; these jobs keep a big district's pages fast)."""

import datetime as dt
import logging

from django.conf import settings
from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from . import hotspots, replies, rollups
from .periods import Period

logger = logging.getLogger("zhili.assessment")


@db_periodic_task(crontab(minute=f"*/{settings.ZHILI_ROLLUP_INTERVAL_MINUTES}"))
def refresh_rollups():
    """Every few minutes: read the new events into the rollups."""
    result = rollups.refresh()
    logger.info("汇总表：事件 %s，天数 %s，工单 %s，%.2f 秒", result.events, result.days, result.requests, result.seconds)
    return result.__dict__


@db_periodic_task(crontab(minute="20", hour="1"))
def nightly_assessment():
    """At night: score the replies not yet scored; recompute this month's and last month's hotspots."""
    scored = replies.assess_replies()
    this_month = Period.of_month(dt.date.today())
    for period in (this_month.previous(), this_month):
        hotspots.find_hotspots(period)
    logger.info("答复评分 %s 件；热点已更新", scored)
    return {"replies": scored}
