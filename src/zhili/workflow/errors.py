"""Errors raised by workflow actions. Every message is Chinese and fit to show to the user."""


class WorkflowError(Exception):
    """Base class: the action was refused and nothing changed. ``field`` names the input at fault."""

    def __init__(self, message: str, field: str | None = None):
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
