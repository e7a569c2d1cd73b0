"""``zhili.dbbackends.postgresql``: Django's PostgreSQL backend, a small batch inserted with VALUES."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from zhili.requests.models import RequestEvent
from zhili.workflow import actions

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.postgres,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="runs in `make test`'s PostgreSQL pass"),
]


def _insert(order, rows: int) -> str:
    events = [RequestEvent(request=order, seq=100 + i, action="intake", to_state="received",
                           note=f"第{i}条", data={"i": i}) for i in range(rows)]
    with CaptureQueriesContext(connection) as queries:
        RequestEvent.objects.bulk_create(events)
    (sql,) = [q["sql"] for q in queries.captured_queries]
    return sql


def test_the_settings_choose_zhilis_backend():
    assert connection.settings_dict["ENGINE"] == "zhili.dbbackends.postgresql"
    assert connection.vendor == "postgresql"


@pytest.mark.parametrize("rows, unnest", [(2, False), (31, False), (32, True), (40, True)])
def test_a_batch_under_the_threshold_is_inserted_with_values_and_stored_alike(rows, unnest):
    """GIVEN a batch of events THEN under UNNEST_MIN_ROWS (32) rows the INSERT lists VALUES, from
    32 rows it is Django's UNNEST; either way every row is stored with its own values."""
    order = actions.intake(title="测试", description="批量写入")
    sql = _insert(order, rows)
    assert ("UNNEST" in sql) is unnest
    assert (" VALUES " in sql) is not unnest
    stored = list(order.events.filter(seq__gte=100).order_by("seq").values_list("seq", "note", "data"))
    assert stored == [(100 + i, f"第{i}条", {"i": i}) for i in range(rows)]
