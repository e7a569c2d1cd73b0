"""Periodic jobs on the task queue (huey; see docs/dependencies.md)."""

import logging

from django.conf import settings
from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from .cards import issue_cards

logger = logging.getLogger("zhili.workflow")


@db_periodic_task(crontab(minute=f"*/{settings.ZHILI_CARD_INTERVAL_MINUTES}"))
def cards_and_reminders():
    """Every few minutes: yellow/red cards, reminders to units, escalation (SD17)."""
    run = issue_cards()
    logger.info("黄牌 %s，红牌 %s，提级 %s，跳过 %s", run.yellow, run.red, run.escalated, run.skipped)
    return run.__dict__
