"""Yellow and red cards, reminders and automatic escalation (SD17), run by the worker.

``issue_cards(now)`` is idempotent: a yellow card once per deadline; a red card on the first
working day overdue and one more on each later working day (never two on the same day, no
catch-up for days the worker did not run); after ``RED_CARDS_BEFORE_ESCALATION`` red cards the
order is escalated (提级督办) once. Orders changed by someone else meanwhile are skipped and
picked up by the next run.
"""

import datetime as dt
import logging
from dataclasses import dataclass

from django.db.models import Q
from django.utils import timezone

from zhili.requests.choices import Action, State
from zhili.requests.models import ServiceRequest
from zhili.workcalendar import service as calendar

from . import actions, rules
from .errors import WorkflowError

logger = logging.getLogger("zhili.workflow")


@dataclass
class CardRun:
    yellow: int = 0
    red: int = 0
    escalated: int = 0
    skipped: int = 0


def yellow_due(request: ServiceRequest, now: dt.datetime) -> bool:
    """Due within the next working day (the deadline's day or the working day before it)."""
    if request.due_at is None or request.due_at <= now:
        return False
    return calendar.working_days_between(now, request.due_at) <= 1


def red_due(request: ServiceRequest, now: dt.datetime) -> bool:
    """Overdue on a working day after the deadline, with no red card yet today."""
    if request.due_at is None or request.due_at >= now:
        return False
    today = calendar.local_date(now)
    if not calendar.is_working_day(today) or calendar.working_days_between(request.due_at, now) < 1:
        return False
    return request.red_carded_at is None or calendar.local_date(request.red_carded_at) < today


def issue_cards(now: dt.datetime | None = None) -> CardRun:
    """One pass over the open orders. Returns what was issued."""
    now = now or timezone.now()
    run = CardRun()
    horizon = calendar.add_working_days(now, 1, count_start_day=False)
    candidates = ServiceRequest.objects.filter(state__in=[State.DISPATCHED, State.IN_PROGRESS],
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
                        actions.supervise(request, Action.ESCALATE, note=f"连续 {request.red_cards} 张红牌，自动提级督办")
                        run.escalated += 1
            elif yellow_due(request, now):
                actions.yellow_card(request, at=now)
                run.yellow += 1
        except WorkflowError as exc:  # changed by someone meanwhile: the next run sees it
            logger.info("跳过工单 %s：%s", request.number, exc)
            run.skipped += 1
    return run
