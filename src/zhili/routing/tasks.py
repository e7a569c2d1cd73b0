"""Periodic routing jobs on the task queue."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from .training import retrain_if_changed


@db_periodic_task(crontab(day_of_week="0", hour="3", minute="0"))
def retrain_category_model():
    """Every Sunday at 03:00 UTC: learn from the week's dispatcher corrections, if any."""
    return retrain_if_changed()
