"""``open311.submit.one_transaction``: a POST without savepoints inside, that never ends quietly."""

import pytest
from django.db import DataError, connection, transaction
from django.db.transaction import TransactionManagementError

from zhili.open311.submit import one_transaction
from zhili.organisation.models import PlaceAlias, Unit

pytestmark = pytest.mark.django_db



def _alias(name):
    return PlaceAlias(alias=name, unit=Unit.objects.get(code="370102001"))


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql",
                    reason="the savepoint switch takes effect on PostgreSQL: runs in `make test`'s PostgreSQL pass")
def test_an_error_caught_inside_makes_the_block_fail_not_commit_quietly():
    """GIVEN code inside the block that catches a database error and goes on
    THEN the block raises (no 201 for a request never stored), nothing is kept, and the
    connection takes savepoints again afterwards."""
    with pytest.raises(TransactionManagementError), one_transaction():
        _alias("测试别名甲").save()
        try:
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute("SELECT 1 / 0")
        except DataError:
            pass
    assert not PlaceAlias.objects.filter(alias="测试别名甲").exists()
    assert connection.features.uses_savepoints is True


def test_nesting_restores_the_flag():
    with one_transaction():
        with one_transaction():
            assert connection.features.uses_savepoints is False
        assert connection.features.uses_savepoints is False
        _alias("测试别名乙").save()
    assert connection.features.uses_savepoints is True
    assert PlaceAlias.objects.filter(alias="测试别名乙").exists()
