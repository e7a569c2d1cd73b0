"""Yellow and red cards, reminders and automatic escalation (SD17), run by the worker.

``issue_cards(now)`` is idempotent: a yellow card once per deadline; a red card on the first
working day overdue and one more on each later working day (never two on the same day, no
catch-up for days the worker did not run); after ``RED_CARDS_BEFORE_ESCALATION`` red cards the
order is escalated (提级督办) once. Orders changed by someone else meanwhile are skipped and
picked up by the next run.

Urgent orders with a limit in natural hours (BJ 13: the hotline runs 24×7) are carded in natural
time, not on the work calendar: yellow when at most ``YELLOW_SHARE_OF_HOURS`` of the limit is
left (the working-day rule's proportion: 1 working day before the end of the 5-working-day
limit, JN 24 / SD17, is the last 20 %; a 24-hour matter turns yellow 4.8 hours before its
deadline, a 2-hour one 24 minutes before), red as soon as the deadline has passed — weekends and
holidays included — and one more red card each time another full limit has elapsed since the
last one (a 24-hour matter: one a day; never two within one limit, no catch-up).
"""

import datetime as dt
import logging
from dataclasses import dataclass

from django.db.models import Max, Q
from django.utils import timezone
from django.utils.translation import gettext_noop

from zhili.requests.choices import Action, State
from zhili.requests.models import ServiceRequest
from zhili.taxonomy.models import Category
from zhili.workcalendar import service as calendar

from . import actions, rules
from .errors import WorkflowError, recorded

logger = logging.getLogger("zhili.workflow")


@dataclass
class CardRun:
    yellow: int = 0
    red: int = 0
    escalated: int = 0
    skipped: int = 0


# The share of an hour limit left when the yellow card comes: 1 working day of the default
# 5-working-day limit (SD17 yellow card rule over JN 24's limit), so both kinds warn at the same
# point of their limit.
YELLOW_SHARE_OF_HOURS = 0.2


def time_limit_hours(request: ServiceRequest) -> int | None:
    """The order's urgent limit in natural hours, or None for a working-day deadline. Read from
    the ``with_time_limit()`` annotation when the queryset has it (no query), else with one query."""
    if hasattr(request, "time_limit_hours"):
        return request.time_limit_hours
    if request.pk is None:
        return None
    return (ServiceRequest.objects.with_time_limit().filter(pk=request.pk)
            .values_list("time_limit_hours", flat=True).first())


def yellow_due(request: ServiceRequest, now: dt.datetime) -> bool:
    """Not yet due, and due soon: for a working-day deadline within the next working day (the
    deadline's day or the working day before it); for an hour limit when at most
    ``YELLOW_SHARE_OF_HOURS`` of the limit is left, in natural time."""
    if request.due_at is None or request.due_at <= now:
        return False
    hours = time_limit_hours(request)
    if hours:
        return request.due_at - now <= dt.timedelta(hours=hours * YELLOW_SHARE_OF_HOURS)
    return calendar.working_days_between(now, request.due_at) <= 1


def red_due(request: ServiceRequest, now: dt.datetime) -> bool:
    """Overdue, and no red card yet for this stretch: for a working-day deadline on a working day
    after the deadline's day, with no red card yet today; for an hour limit at once (natural time,
    any day), then again each time another full limit has passed since the last red card."""
    if request.due_at is None or request.due_at >= now:
        return False
    hours = time_limit_hours(request)
    if hours:
        last = request.red_carded_at
        return last is None or last < request.due_at or now - last >= dt.timedelta(hours=hours)
    today = calendar.local_date(now)
    if not calendar.is_working_day(today) or calendar.working_days_between(request.due_at, now) < 1:
        return False
    return request.red_carded_at is None or calendar.local_date(request.red_carded_at) < today


def issue_cards(now: dt.datetime | None = None) -> CardRun:
    """One pass over the open orders. Returns what was issued."""
    now = now or timezone.now()
    run = CardRun()
    horizon = calendar.add_working_days(now, 1, count_start_day=False)
    # An hour limit longer than 5 days can turn yellow further ahead than the next working day.
    longest = Category.objects.aggregate(longest=Max("time_limit_hours"))["longest"] or 0
    horizon = max(horizon, now + dt.timedelta(hours=longest * YELLOW_SHARE_OF_HOURS))
    candidates = ServiceRequest.objects.with_time_limit().filter(state__in=[State.DISPATCHED, State.IN_PROGRESS],
                                               due_at__isnull=False).filter(
        Q(due_at__lt=now) | Q(due_at__lte=horizon, yellow_carded_at__isnull=True)
    ).order_by("due_at")
    for request in candidates.iterator(chunk_size=500):
        try:
            if request.due_at < now:
                if red_due(request, now):
                    actions.red_card(request, at=now)
                    run.red += 1
                    if (request.red_cards >= rules.RED_CARDS_BEFORE_ESCALATION and request.supervision_level < 3):
                        actions.supervise(request, Action.ESCALATE, note=recorded(
                            gettext_noop("连续 %(count)s 张红牌，自动提级督办"), count=request.red_cards))
                        run.escalated += 1
            elif yellow_due(request, now):
                actions.yellow_card(request, at=now)
                run.yellow += 1
        except WorkflowError as exc:  # changed by someone meanwhile: the next run sees it
            logger.info("跳过工单 %s：%s", request.number, exc)
            run.skipped += 1
    return run
