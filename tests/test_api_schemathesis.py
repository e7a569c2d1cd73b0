"""schemathesis against the native API, in process through the WSGI app (same database
transaction as the test): for every operation of the schema the app serves, generated requests
with an administrator's token and a real order's number must never give a 5xx, and every answer
must match the schema (status code documented, content type, body).

Bounded: a few examples per operation (``MAX_EXAMPLES``), no shrinking time limit, so the suite
stays fast on both databases.
"""

import pytest
import schemathesis
from django.core.cache import cache
from django.core.wsgi import get_wsgi_application
from hypothesis import HealthCheck, settings
from rest_framework.authtoken.models import Token
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

MAX_EXAMPLES = 6
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]

schema = schemathesis.openapi.from_wsgi("/api/v1/schema/?format=json", get_wsgi_application())


@pytest.fixture(autouse=True)
def keep_the_test_connection():
    """Calls go straight into the WSGI app, in this thread: stop Django closing the database
    connection at the end of each request (it would end the test's transaction on PostgreSQL),
    as Django's own test client does."""
    from django.core import signals
    from django.db import close_old_connections

    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def admin_token(db, user):
    cache.clear()  # no throttle counts from earlier tests
    token, _ = Token.objects.get_or_create(user=user("admin"))
    return token.key


@pytest.fixture
def order(make_request, unit):
    """An order in progress at 区住建局, for the path parameter ``number``."""
    from zhili.workflow import actions

    request = make_request()
    actions.dispatch(request, unit("370102-D09"))
    return request


@pytest.mark.django_db
@schema.parametrize()
@settings(max_examples=MAX_EXAMPLES, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                 HealthCheck.filter_too_much])
def test_the_api_keeps_to_its_schema(case, admin_token, order):
    if "number" in (case.path_parameters or {}):
        case.path_parameters["number"] = order.number
    if isinstance(case.body, dict) and "version" in case.body:
        order.refresh_from_db()
        case.body["version"] = order.version  # reach the workflow, not only the 409
    response = case.call(headers={"Authorization": f"Token {admin_token}"})
    case.validate_response(response, checks=CHECKS)
