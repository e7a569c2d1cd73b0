"""Errors raised by workflow actions, and the one rule for the workflow's text (docs/i18n.md).

- A refusal (the errors below) is interface, never stored: shown beside a form field, in a page's
  message or in an API response. Its message is made with ``gettext`` when it is raised, so it is
  in the language of the request: the user's choice (the footer's switch), else ``LANGUAGE_CODE``
  — the API and Open311, called without the cookie, answer in Chinese.
- A record (an event's note or data, a reminder's message) is stored and stays Chinese whatever
  the language of the request that wrote it: its text is marked with ``gettext_noop`` (so it is in
  the catalogue) and rendered by ``recorded``, which also renders a translatable value in it
  (a state or action label, a dispatch rule) in Chinese.
"""

from django.utils import translation


def recorded(message: str, **params) -> str:
    """The text to store for ``message`` (a ``gettext_noop`` Chinese msgid with ``%(name)s``
    placeholders) filled with ``params``: Chinese whatever language is active, lazy labels
    among the params included (rendered with translations deactivated, i.e. as their msgids)."""
    if not params:
        return message
    with translation.override(None):
        return message % {name: value if isinstance(value, int | float) else str(value)
                          for name, value in params.items()}


class WorkflowError(Exception):
    """Base class: the action was refused and nothing changed. ``field`` names the input at fault.
    ``message`` is already in the request's language (``gettext`` at raise time)."""

    def __init__(self, message: str, field: str | None = None):
        message = str(message)
        super().__init__(message)
        self.message = message
        self.field = field


class TransitionNotAllowed(WorkflowError):
    """The order's current state does not allow this action."""


class ActionForbidden(WorkflowError):
    """The actor's role or unit does not allow this action on this order."""


class RuleViolation(WorkflowError):
    """A rule of the step (a time limit, a required field) refuses it."""


class StaleRequest(WorkflowError):
    """Somebody else changed the order since the actor loaded it (optimistic locking)."""
