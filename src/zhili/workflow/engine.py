"""Applying a declared transition: permission, state, version guard, one event, one transaction.

Every step in ``zhili.workflow.actions`` ends in ``apply``. Nothing else writes a
ServiceRequest's state, units or deadline.
"""

import contextlib
import datetime as dt
from contextvars import ContextVar

from django.db import DatabaseError, transaction
from django.db.models import F
from django.db.transaction import TransactionManagementError
from django.utils import timezone
from django.utils.translation import gettext

from zhili.organisation.models import Unit
from zhili.organisation.roles import Role, roles_of, unit_ids_of
from zhili.organisation.subtree import is_within, unit_paths
from zhili.requests.choices import Action, State
from zhili.requests.models import RequestEvent, ServiceRequest

from .errors import ActionForbidden, RuleViolation, StaleRequest, TransitionNotAllowed
from .rules import SYSTEM, TRANSITIONS


def _unit_paths(actor) -> list[str]:
    """The materialised paths of the actor's units, cached on the user object (one query a request)."""
    cached = getattr(actor, "_zhili_unit_paths", None)
    if cached is None:
        cached = unit_paths(actor)
        actor._zhili_unit_paths = cached
    return cached


def actor_in_unit(actor, unit_id: int | None) -> bool:
    """True when the actor belongs to the unit or to a unit above it."""
    if unit_id is None:
        return False
    path = Unit.objects.filter(pk=unit_id).values_list("path", flat=True).first()
    return is_within(path, _unit_paths(actor))


def check_actor(request: ServiceRequest, action: str, actor) -> None:
    """Raise ActionForbidden unless ``actor`` (None = the system) may take ``action`` on ``request``.

    A hotline role named by the transition acts on any order; a unit role only on orders of its
    unit (lead or assisting, as the transition says). Superusers hold every role but, acting as a
    unit, still need a membership.
    """
    transition = TRANSITIONS[action]
    if actor is None:
        if SYSTEM not in transition.roles:
            raise ActionForbidden(gettext("“%(action)s”必须由工作人员操作") % {"action": transition.label()})
        return
    held = roles_of(actor) & transition.roles
    if not held:
        raise ActionForbidden(gettext("您的角色无权执行“%(action)s”") % {"action": transition.label()})
    if not transition.unit_bound or held & Role.DISTRICT_WIDE:
        return
    if transition.unit_bound == "lead":
        if request.lead_unit_id is None:
            raise ActionForbidden(gettext("工单尚未派给任何单位"))
        if not actor_in_unit(actor, request.lead_unit_id):
            raise ActionForbidden(gettext("只有主办单位的人员可以“%(action)s”") % {"action": transition.label()})
    elif transition.unit_bound == "assisting":
        assisting = request.assisting_units.values_list("unit_id", flat=True)
        if not any(actor_in_unit(actor, unit_id) for unit_id in assisting):
            raise ActionForbidden(gettext("只有协办单位的人员可以“%(action)s”") % {"action": transition.label()})


def check_version(request: ServiceRequest, expected_version: int | None) -> None:
    """StaleRequest when the actor saw another version than the one loaded (checked first, so a
    stale form always gets the conflict message, whatever else changed)."""
    if expected_version is not None and expected_version != request.version:
        raise StaleRequest(gettext("该工单已被他人更新，请刷新页面后重试"))


def check_state(request: ServiceRequest, action: str, expected_version: int | None = None) -> None:
    """TransitionNotAllowed unless the order's state (and the step's guard) allow ``action``."""
    check_version(request, expected_version)
    transition = TRANSITIONS[action]
    if request.state not in transition.sources:
        raise TransitionNotAllowed(gettext("工单当前状态为“%(state)s”，不能“%(action)s”")
                                   % {"state": State(request.state).label, "action": transition.label()})
    if transition.guard is not None and not transition.guard(request):
        raise TransitionNotAllowed(str(transition.guard_message))


def when(actor, at: dt.datetime | None) -> dt.datetime:
    """The moment of a step: now, or a historical ``at`` that only the system may give."""
    if at is not None and actor is not None:
        raise RuleViolation(gettext("只有系统导入可以指定历史时间"), field="at")
    return at or timezone.now()


class _Pending:
    """One order's steps inside a ``batched`` block: the version and state the block found it in
    (the guard of its one UPDATE; a new order is INSERTed instead), the fields its steps set, and
    their events in order."""

    def __init__(self, request: ServiceRequest, version: int, state: str, new: bool = False) -> None:
        self.request, self.version, self.state, self.new = request, version, state, new
        self.changes: dict = {}
        self.events: list[RequestEvent] = []


class _Batch:
    def __init__(self) -> None:
        self.pending: dict[int, _Pending] = {}

    def add(self, request: ServiceRequest, version: int, state: str, changes: dict, event: RequestEvent,
            new: bool = False) -> None:
        pending = self.pending.get(id(request))
        if pending is None:
            pending = self.pending[id(request)] = _Pending(request, version, state, new)
        pending.changes.update(changes)
        pending.events.append(event)

    def flush(self) -> None:
        events = []
        for pending in self.pending.values():
            request = pending.request
            if pending.new:  # not in the table yet: one INSERT of the order as its steps left it
                request.save(force_insert=True)
            else:
                updated = ServiceRequest.objects.filter(
                    pk=request.pk, version=pending.version, state=pending.state
                ).update(version=request.version, updated_at=timezone.now(), **pending.changes)
                if updated != 1:
                    raise StaleRequest(gettext("该工单已被他人更新，请刷新页面后重试"))
            events += pending.events
        if events:
            RequestEvent.objects.bulk_create(events)


_batch: ContextVar[_Batch | None] = ContextVar("zhili_workflow_batch", default=None)
# The steps that may be batched: each is one write of the order and one event, with no writes
# of its own beside them that a rollback inside the block could undo while its queued row stays.
BATCHABLE = frozenset({Action.CLASSIFY, Action.QUEUE_FOR_DISPATCH, Action.DISPATCH, Action.ACCEPT, Action.REPLY,
                       Action.ARCHIVE})


@contextlib.contextmanager
def batched():
    """Steps taken inside the block write together at its end, in one transaction: per order one
    UPDATE (all the fields its steps set, guarded by the version and state the block found) and
    one INSERT of every step's event — the same checks, the same rows, one immutable event per
    step, fewer statements (intake → classify → dispatch: 3 instead of 7). A new order whose id
    intake reserved (PostgreSQL) is not in the table until the end: one INSERT of the order as
    its steps left it, then its events (the order's row is written once).

    Every check runs when the step is taken, on the order object as the earlier steps left it;
    only the writes wait. Inside the block read the order from the object the steps were given
    (the database row catches up at the end). An error inside writes nothing of the batch (the
    transaction rolls back); an order changed by someone else meanwhile raises StaleRequest at
    the end; after any error the orders' objects are reloaded from their rows (a new order that
    was never written loses its reserved id and number: it does not exist). Nested blocks join
    the outermost one. Only the steps in ``BATCHABLE`` may be taken inside (others raise
    RuntimeError), and no code inside may catch a step's error and go on (its queued writes would
    stay). Used by ``actions.route`` and the Open311 POST (intake and route together).
    """
    if _batch.get() is not None:
        yield
        return
    batch = _Batch()
    token = _batch.set(batch)
    try:
        with transaction.atomic():
            yield
            _batch.reset(token)
            token = None
            batch.flush()
    except BaseException:
        # Nothing was written: the objects go back to their rows (a new order has none: its
        # reserved id and number are taken off the object; a row INSERTed at intake is gone) —
        # unless an enclosing transaction is already doomed (one_transaction takes no savepoints):
        # it rolls back whole and its objects are not used again.
        reload = not transaction.get_connection().needs_rollback
        for pending in batch.pending.values():
            request = pending.request
            if pending.new:  # never written: no id or number that a later save could take for real
                request.pk = request.number = None
            elif reload:
                try:
                    request.refresh_from_db()
                except ServiceRequest.DoesNotExist:  # INSERTed at intake inside the block, gone with it
                    request.pk = request.number = None
                except (DatabaseError, TransactionManagementError):
                    pass
        raise
    finally:
        if token is not None:
            _batch.reset(token)


def defer(request: ServiceRequest, changes: dict, event: RequestEvent, new: bool = False) -> bool:
    """Inside ``batched``: queue ``changes`` to the order (already set on the object, its
    version unchanged) and ``event`` for the block's end, and return True. Outside: False — the
    caller writes them itself. ``new``: the order is not in the table yet (intake with a
    reserved id): the block's end INSERTs it, with every field its steps set, before the events."""
    batch = _batch.get()
    if batch is None:
        return False
    batch.add(request, request.version, request.state, changes, event, new=new)
    return True


def apply(request: ServiceRequest, action: str, actor, *, at: dt.datetime, changes: dict | None = None,
          expected_version: int | None = None, note: str = "", data: dict | None = None,
          confidence: float | None = None, to_unit: Unit | None = None, checked: bool = False) -> RequestEvent:
    """Check role, unit and state; update the row guarded by its version; write one event.

    ``changes`` are the fields the step sets (the state is added from the transition). The
    update matches on (pk, version, state): if another actor changed the order since it was
    loaded, StaleRequest is raised and nothing is written. Returns the event.
    """
    transition = TRANSITIONS[action]
    check_version(request, expected_version)
    if not checked:
        check_state(request, action)
        check_actor(request, action, actor)
    version = request.version
    from_state, from_unit_id = request.state, request.lead_unit_id
    changes = dict(changes or {})
    target = transition.target_from(from_state)
    if target != from_state:
        changes["state"] = target
    batch = _batch.get()
    if batch is not None:  # inside ``batched``: checked now, written at the block's end
        if action not in BATCHABLE:
            raise RuntimeError(f"workflow step {action} cannot be taken inside batched()")
        for field, value in changes.items():
            setattr(request, field, value)
        request.version = version + 1
        event = _event(request, action, actor, from_state, from_unit_id, to_unit, note, confidence, data, at)
        batch.add(request, version, from_state, changes, event)
        return event
    with transaction.atomic():
        updated = ServiceRequest.objects.filter(pk=request.pk, version=version, state=from_state).update(
            version=F("version") + 1, updated_at=timezone.now(), **changes
        )
        if updated != 1:
            raise StaleRequest(gettext("该工单已被他人更新，请刷新页面后重试"))
        for field, value in changes.items():
            setattr(request, field, value)
        request.version = version + 1
        event = _event(request, action, actor, from_state, from_unit_id, to_unit, note, confidence, data, at)
        event.save(force_insert=True)
    return event


def _event(request, action, actor, from_state, from_unit_id, to_unit, note, confidence, data, at) -> RequestEvent:
    """The (unsaved) event of the step that just brought ``request`` to its current version."""
    return RequestEvent(
        request=request, seq=request.version, action=action, actor=actor,
        actor_unit_id=(unit_ids_of(actor)[:1] or [None])[0] if actor else None,
        from_state=from_state, to_state=request.state, from_unit_id=from_unit_id, to_unit=to_unit,
        note=note, confidence=confidence, data=data or {}, at=at,
    )


def state_allows(request: ServiceRequest, action: str) -> bool:
    """True when the order's state (and the step's guard) allow ``action``, whoever takes it:
    ``check_state`` without the exception."""
    transition = TRANSITIONS[action]
    return request.state in transition.sources and (transition.guard is None or transition.guard(request))


def allowed_actions(request: ServiceRequest, actor) -> list[str]:
    """The actions ``actor`` may take on ``request`` in its current state (what a page offers)."""
    result = []
    for action, transition in TRANSITIONS.items():
        if actor is None or not state_allows(request, action):
            continue
        if SYSTEM in transition.roles and len(transition.roles) == 1:
            continue
        try:
            check_actor(request, action, actor)
        except ActionForbidden:
            continue
        result.append(action)
    return result
