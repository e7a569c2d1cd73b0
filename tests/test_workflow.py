"""The workflow module: guarded transitions, one immutable event each, optimistic locking."""

import datetime as dt

import pytest
from django.db import connection, transaction
from django.db.utils import DatabaseError
from django.utils import timezone

from zhili.requests.choices import Action, State
from zhili.requests.models import ImmutableEventError, RequestEvent, ServiceRequest
from zhili.workflow import actions
from zhili.workflow.errors import ActionForbidden, RuleViolation, StaleRequest, TransitionNotAllowed

pytestmark = pytest.mark.django_db


@pytest.fixture
def dispatched(make_request, unit):
    request = make_request()
    actions.dispatch(request, unit("370102-D09"))
    return request


def test_intake_writes_one_event_and_a_public_number(make_request):
    request = make_request(requester_phone="138-1234-5678")
    assert request.state == State.RECEIVED
    assert request.number.startswith("LX") and request.number.endswith(f"-{request.pk:06d}")
    assert request.requester_phone == "13812345678"
    [event] = request.events.all()
    assert (event.seq, event.action, event.to_state, event.actor) == (1, Action.INTAKE, State.RECEIVED, None)


def test_empty_text_is_refused_and_nothing_stored():
    with pytest.raises(RuleViolation) as error:
        actions.intake(title="标题", description="   ")
    assert error.value.field == "description"
    assert not ServiceRequest.objects.exists()


def test_every_step_writes_exactly_one_event_with_seq_equal_to_version(dispatched, user):
    handler = user("zhujian")
    actions.accept(dispatched, actor=handler)
    actions.reply(dispatched, "已修复路面。", actor=handler)
    actions.approve_review(dispatched, actor=user("dispatcher"))
    actions.follow_up(dispatched, actor=user("operator"), contacted=True, solved=True,
                      service_satisfaction="satisfied", result_satisfaction="basically_satisfied")
    actions.close(dispatched, actor=user("dispatcher"))
    dispatched.refresh_from_db()
    events = list(dispatched.events.order_by("seq"))
    assert [e.action for e in events] == [Action.INTAKE, Action.DISPATCH, Action.ACCEPT, Action.REPLY,
                                          Action.APPROVE_REVIEW, Action.FOLLOW_UP, Action.CLOSE]
    assert [e.seq for e in events] == [1, 2, 3, 4, 5, 6, 7] and dispatched.version == 7
    assert [(e.from_state, e.to_state) for e in events[1:]] == [
        (State.RECEIVED, State.DISPATCHED), (State.DISPATCHED, State.IN_PROGRESS),
        (State.IN_PROGRESS, State.REPLIED), (State.REPLIED, State.AWAITING_FOLLOW_UP),
        (State.AWAITING_FOLLOW_UP, State.AWAITING_FOLLOW_UP), (State.AWAITING_FOLLOW_UP, State.CLOSED)]
    assert events[2].actor == handler and events[2].actor_unit.code == "370102-D09"
    assert dispatched.state == State.CLOSED and dispatched.closed_at is not None


def test_a_handler_of_another_unit_cannot_accept(dispatched, user):
    with pytest.raises(ActionForbidden, match="主办单位"):
        actions.accept(dispatched, actor=user("jiaoti"))
    dispatched.refresh_from_db()
    assert dispatched.state == State.DISPATCHED and dispatched.events.count() == 2


def test_an_operator_cannot_dispatch_and_a_handler_cannot_close(dispatched, make_request, user, unit):
    with pytest.raises(ActionForbidden):
        actions.dispatch(make_request(), unit("370102-D09"), actor=user("operator"))
    actions.accept(dispatched, actor=user("zhujian"))
    actions.reply(dispatched, "已处理。", actor=user("zhujian"))
    with pytest.raises(ActionForbidden):
        actions.approve_review(dispatched, actor=user("zhujian"))
    assert dispatched.state == State.REPLIED


def test_a_step_from_the_wrong_state_is_refused_and_changes_nothing(dispatched, user):
    with pytest.raises(TransitionNotAllowed, match="待签收"):
        actions.reply(dispatched, "答复", actor=user("zhujian"))
    dispatched.refresh_from_db()
    assert dispatched.version == 2 and dispatched.events.count() == 2


def test_a_stale_update_is_refused_with_a_clear_message(dispatched, user):
    first = ServiceRequest.objects.get(pk=dispatched.pk)
    second = ServiceRequest.objects.get(pk=dispatched.pk)
    actions.accept(first, actor=user("zhujian"))
    with pytest.raises(StaleRequest, match="已被他人更新"):
        actions.accept(second, actor=user("zhujian_lead"))
    assert dispatched.events.filter(action=Action.ACCEPT).count() == 1


def test_an_expected_version_that_is_not_current_is_refused(dispatched, user):
    with pytest.raises(StaleRequest):
        actions.accept(dispatched, actor=user("zhujian"), expected_version=1)


def test_only_the_system_may_backdate_a_step(dispatched, user):
    import datetime as dt

    with pytest.raises(RuleViolation):
        actions.accept(dispatched, actor=user("zhujian"), at=dt.datetime(2020, 1, 1, tzinfo=dt.UTC))


def test_events_cannot_be_changed_or_deleted(dispatched):
    event = dispatched.events.first()
    event.note = "改写历史"
    with pytest.raises(ImmutableEventError):
        event.save()
    with pytest.raises(ImmutableEventError):
        event.delete()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the trigger exists on PostgreSQL only")
def test_the_database_refuses_to_change_events_on_postgresql(dispatched):
    for statement in ("UPDATE requests_requestevent SET note = 'x'", "DELETE FROM requests_requestevent"):
        with pytest.raises(DatabaseError, match="immutable"), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(statement)
    assert RequestEvent.objects.filter(request=dispatched).count() == 2


def test_allowed_actions_depend_on_role_unit_and_state(dispatched, user):
    assert actions.allowed_actions(dispatched, user("zhujian")) == [Action.ACCEPT]
    assert actions.allowed_actions(dispatched, user("zhujian_lead")) == [
        Action.ACCEPT, Action.RETURN, Action.ADD_ASSISTING_UNIT]
    assert actions.allowed_actions(dispatched, user("jiaoti")) == []
    assert actions.allowed_actions(dispatched, user("operator")) == [Action.MERGE]
    assert set(actions.allowed_actions(dispatched, user("supervisor"))) == {Action.URGE, Action.SUPERVISE,
                                                                             Action.ESCALATE}


# --- batched writes (engine.batched) -------------------------------------------------------------

def test_batched_steps_write_one_update_and_one_event_per_step(make_request, unit):
    from zhili.taxonomy.models import Category
    from zhili.workflow.engine import batched

    request = make_request()
    category = Category.objects.filter(level=3).first()
    with batched():
        actions.classify(request, category)
        actions.dispatch(request, unit("370102-D03"))
        assert not RequestEvent.objects.filter(request=request, seq__gt=1).exists()  # written at the end
    stored = ServiceRequest.objects.get(pk=request.pk)
    assert (stored.state, stored.version, stored.category_id, stored.lead_unit.code) == (
        State.DISPATCHED, 3, category.pk, "370102-D03")
    assert stored.due_at == request.due_at
    events = list(stored.events.order_by("seq").values_list("seq", "action", "from_state", "to_state"))
    assert events == [(1, Action.INTAKE, "", State.RECEIVED), (2, Action.CLASSIFY, State.RECEIVED, State.RECEIVED),
                      (3, Action.DISPATCH, State.RECEIVED, State.DISPATCHED)]


def test_a_batch_writes_nothing_when_the_order_changed_meanwhile(make_request, unit):
    from django.db.models import F

    from zhili.taxonomy.models import Category
    from zhili.workflow.engine import batched

    request = make_request()
    category = Category.objects.filter(level=3).first()
    with pytest.raises(StaleRequest), batched():
        actions.classify(request, category)
        ServiceRequest.objects.filter(pk=request.pk).update(version=F("version") + 1)  # someone else
    stored = ServiceRequest.objects.get(pk=request.pk)
    assert stored.category_id is None and stored.state == State.RECEIVED
    assert list(stored.events.values_list("action", flat=True)) == [Action.INTAKE]
    # The object is its row again (not the refused steps), so a retry is not a false conflict.
    assert (request.version, request.category_id, request.state) == (stored.version, None, State.RECEIVED)
    actions.classify(request, category)
    assert ServiceRequest.objects.get(pk=request.pk).category == category


def test_a_refused_step_inside_a_batch_writes_none_of_its_steps(make_request, unit):
    from zhili.taxonomy.models import Category
    from zhili.workflow.engine import batched

    request = make_request()
    category = Category.objects.filter(level=3).first()
    with pytest.raises(RuleViolation), batched():
        actions.classify(request, category)
        actions.dispatch(request, unit("370102001002"))  # a community may not lead an order
    assert list(ServiceRequest.objects.get(pk=request.pk).events.values_list("action", flat=True)) == [Action.INTAKE]


def test_intake_inside_a_batch_writes_the_new_order_once(unit):
    """On PostgreSQL intake takes the order's id from the sequence, so the number is known before
    the row is written: the block's end INSERTs the order as its steps left it (no UPDATE), then
    its events. SQLite INSERTs at intake and UPDATEs once at the end."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from zhili.taxonomy.models import Category
    from zhili.workflow.engine import batched

    category = Category.objects.filter(level=3).first()
    with CaptureQueriesContext(connection) as queries, batched():
        request = actions.intake(title="路灯不亮", description="泉城路路灯不亮")
        actions.classify(request, category)
        actions.dispatch(request, unit("370102-D03"))
        if connection.vendor == "postgresql":  # numbered, but not written before the block's end
            assert request.number and not ServiceRequest.objects.filter(number=request.number).exists()
    kinds = [q["sql"].split()[0].upper() for q in queries.captured_queries]
    stored = ServiceRequest.objects.get(pk=request.pk)
    assert stored.number == request.number and stored.number.endswith(f"-{stored.pk:06d}")
    assert (stored.state, stored.version, stored.lead_unit.code) == (State.DISPATCHED, 3, "370102-D03")
    assert list(stored.events.values_list("seq", "action")) == [
        (1, Action.INTAKE), (2, Action.CLASSIFY), (3, Action.DISPATCH)]
    assert kinds.count("UPDATE") == (0 if connection.vendor == "postgresql" else 1), kinds


def test_a_refused_step_after_intake_in_a_batch_leaves_no_order(unit):
    from zhili.taxonomy.models import Category
    from zhili.workflow.engine import batched

    before = ServiceRequest.objects.count(), RequestEvent.objects.count()
    with pytest.raises(RuleViolation), batched():
        request = actions.intake(title="路灯不亮", description="泉城路路灯不亮")
        actions.classify(request, Category.objects.filter(level=3).first())
        actions.dispatch(request, unit("370102001002"))  # a community may not lead an order
    assert (ServiceRequest.objects.count(), RequestEvent.objects.count()) == before
    # The object of the order that does not exist keeps no id or number a later save could take.
    assert request.pk is None and request.number is None


def test_only_single_write_steps_may_be_batched(make_request, user):
    """A step with writes of its own beside the order's (直办 closes duplicates, 不予受理 …) is
    refused inside a batch: a rollback inside the block could not take back its queued row."""
    from zhili.workflow.engine import batched

    request = make_request()
    with pytest.raises(RuntimeError), batched():
        actions.decline(request, "litigation", actor=user("operator"))
    assert ServiceRequest.objects.get(pk=request.pk).state == State.RECEIVED


def _past(make_request, unit, with_unit: bool):
    at = timezone.make_aware(dt.datetime(2019, 3, 4, 9, 30))
    request = make_request(at=at)
    if with_unit:
        actions.dispatch(request, unit("370102-D09"), at=at)
    return request, at, at + dt.timedelta(days=3)


@pytest.mark.parametrize("with_unit", [True, False])
def test_a_past_matter_is_replied_by_its_unit_if_it_has_one_then_archived(make_request, unit, with_unit):
    """GIVEN a historical order (import --history, Open311 history) THEN record_past_handling gives it
    its unit's reply when it has a unit, and closes it by 历史归档 at the last moment known."""
    request, at, closed_at = _past(make_request, unit, with_unit)
    actions.record_past_handling(request, at=at, closed_at=closed_at, reply_text="已修复路面")
    request.refresh_from_db()
    assert request.state == State.CLOSED and request.resolution == "archived"
    assert request.closed_at == closed_at
    steps = list(request.events.values_list("action", flat=True))
    if with_unit:
        assert steps[-3:] == [Action.ACCEPT, Action.REPLY, Action.ARCHIVE]
        assert request.replied_at == closed_at and request.events.get(action=Action.REPLY).note == "已修复路面"
    else:
        assert Action.REPLY not in steps and steps[-1] == Action.ARCHIVE


def test_a_past_matter_not_archived_leaves_its_reply_for_review(make_request, unit):
    request, at, closed_at = _past(make_request, unit, True)
    actions.record_past_handling(request, at=at, closed_at=closed_at, reply_text="已修复路面", archive_it=False)
    request.refresh_from_db()
    assert request.state == State.REPLIED and request.closed_at is None


def test_a_past_matter_archived_already_is_left_as_it_is(make_request, unit):
    request, at, closed_at = _past(make_request, unit, False)
    actions.record_past_handling(request, at=at, closed_at=closed_at)
    version = ServiceRequest.objects.get(pk=request.pk).version
    actions.record_past_handling(request, at=at, closed_at=closed_at)  # archived already: nothing to do
    assert ServiceRequest.objects.get(pk=request.pk).version == version


def test_a_reply_that_cannot_be_recorded_is_refused_not_dropped(make_request, unit):
    """GIVEN an order of a unit that is closed already THEN a past reply for it raises (a reply is
    never dropped quietly) and the order is unchanged."""
    request, at, closed_at = _past(make_request, unit, True)
    actions.record_past_handling(request, at=at, closed_at=closed_at, reply_text="已修复路面")
    version = ServiceRequest.objects.get(pk=request.pk).version
    with pytest.raises(TransitionNotAllowed):
        actions.record_past_handling(request, at=at, closed_at=closed_at, reply_text="再次答复")
    assert ServiceRequest.objects.get(pk=request.pk).version == version
