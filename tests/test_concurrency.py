"""Two processes act on the same order at once, on PostgreSQL: one wins, the other gets a
conflict; no event is lost or doubled (optimistic locking, architecture.md)."""

import multiprocessing

import pytest
from django.db import connection, connections

from zhili.requests.choices import Action
from zhili.requests.models import RequestEvent, ServiceRequest
from zhili.workflow import actions

# transaction=True: the two processes must see committed rows. pytest-django runs such tests after
# the ordinary ones, so the flush after it does not take the reference data from other tests.
pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.postgres,
              pytest.mark.usefixtures("reference_data")]  # an earlier transaction=True test may have flushed it


def _accept_at_the_same_time(pk, username, barrier, results):
    from django.contrib.auth import get_user_model

    from zhili.workflow.errors import WorkflowError

    connections.close_all()  # a fresh connection in this process
    request = ServiceRequest.objects.get(pk=pk)
    actor = get_user_model().objects.get(username=username)
    barrier.wait(timeout=20)
    try:
        actions.accept(request, actor=actor)
        results.put((username, "ok"))
    except WorkflowError as exc:
        results.put((username, type(exc).__name__))
    finally:
        connections.close_all()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="runs in `make test`'s PostgreSQL pass")
def test_two_processes_accepting_at_once_one_wins_one_conflicts(make_request, unit):
    request = make_request()
    actions.dispatch(request, unit("370102-D09"))
    connections.close_all()
    context = multiprocessing.get_context("fork")
    barrier, results = context.Barrier(2), context.Queue()
    workers = [context.Process(target=_accept_at_the_same_time, args=(request.pk, name, barrier, results))
               for name in ("zhujian", "zhujian_lead")]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=60)
        assert worker.exitcode == 0
    outcomes = sorted(results.get(timeout=5)[1] for _ in workers)
    assert outcomes == ["StaleRequest", "ok"]
    request.refresh_from_db()
    assert request.version == 3
    assert RequestEvent.objects.filter(request=request, action=Action.ACCEPT).count() == 1
    assert list(request.events.values_list("seq", flat=True)) == [1, 2, 3]
