"""The native API (/api/v1/) on input a database cannot hold, bodies that are not objects, and the
workflow rules every channel shares (split size, who may lead an order): always the API's 400
``{"detail", "field", "code"}`` in Chinese, never a 500, and nothing changes."""

import json

import pytest
from django.core.cache import cache
from rest_framework.authtoken.models import Token

from zhili.requests.choices import State
from zhili.requests.models import RequestEvent, ServiceRequest
from zhili.workflow import actions
from zhili.workflow.actions import SPLIT_MAX_PARTS
from zhili.workflow.errors import RuleViolation

pytestmark = pytest.mark.django_db

API = "/api/v1"
DISTRICT, COMMUNITY, SUBDISTRICT = "370102", "370102001002", "370102001"


@pytest.fixture(autouse=True)
def fresh_throttle_counts():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def api(client, user):
    def as_user(username):
        token, _ = Token.objects.get_or_create(user=user(username))
        client.defaults["HTTP_AUTHORIZATION"] = f"Token {token.key}"
        return client

    return as_user


def post_step(client, number, action, body, content_type="application/json"):
    data = json.dumps(body) if content_type == "application/json" and not isinstance(body, str) else body
    return client.post(f"{API}/requests/{number}/actions/{action}/", data, content_type=content_type)


def unchanged(order: ServiceRequest) -> bool:
    fresh = ServiceRequest.objects.get(pk=order.pk)
    return fresh.version == order.version and fresh.state == order.state and \
        RequestEvent.objects.filter(request=order).count() == order.version


# --- NUL ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("query", ["q=%00", "q=%E8%B7%AF%00", "state=received%00", "received_from=2026-01-01%00",
                                   "page=1%00", "lead_unit=%00"])
def test_a_nul_in_the_list_query_string_is_a_400_naming_the_parameter(api, query):
    response = api("dispatcher").get(f"{API}/requests/?{query}")
    assert response.status_code == 400, response.content
    body = response.json()
    name = query.split("=")[0]
    assert body["field"] == name and body["code"] == "invalid"
    assert "空字符" in body["detail"]


def test_a_nul_in_a_step_body_is_a_400_and_nothing_changes(api, make_request):
    order = make_request()
    response = post_step(api("operator"), order.number, "queue_for_dispatch",
                         {"version": order.version, "reason": "需要\u0000人工"})
    assert response.status_code == 400
    assert response.json()["field"] == "reason" and "空字符" in response.json()["detail"]
    assert unchanged(order)


def test_a_nul_inside_a_split_part_names_the_part(api, make_request):
    order = make_request()
    response = post_step(api("dispatcher"), order.number, "split", {"version": order.version, "parts": [
        {"title": "路面\x00", "text": "路面破损", "unit": "370102-D09"},
        {"title": "校门", "text": "校门拥堵", "unit": "370102-D03"}]})
    assert response.status_code == 400
    assert response.json()["field"] == "parts[0].title"
    assert unchanged(order)


def test_a_nul_in_a_form_encoded_step_body_is_a_400(api, make_request):
    order = make_request()
    response = post_step(api("operator"), order.number, "queue_for_dispatch",
                         f"version={order.version}&reason=%00", content_type="application/x-www-form-urlencoded")
    assert response.status_code == 400 and response.json()["field"] == "reason"
    assert unchanged(order)


# --- a JSON body that is not an object -------------------------------------------------------------

@pytest.mark.parametrize("body", ["[]", '[{"version": 1}]', '"accept"', "1", "null", "false"])
def test_a_json_body_that_is_not_an_object_is_a_400(api, make_request, body):
    order = make_request()
    response = post_step(api("operator"), order.number, "queue_for_dispatch", body)
    assert response.status_code == 400, response.content
    assert response.json()["code"] == "invalid" and "JSON 对象" in response.json()["detail"]
    assert unchanged(order)


# --- split: a bounded number of parts --------------------------------------------------------------

def test_a_split_into_more_parts_than_the_limit_is_refused_by_the_api(api, make_request):
    order = make_request()
    parts = [{"title": f"第{i}项", "text": "内容", "unit": "370102-D09"} for i in range(SPLIT_MAX_PARTS + 1)]
    response = post_step(api("dispatcher"), order.number, "split", {"version": order.version, "parts": parts})
    assert response.status_code == 400
    assert response.json()["field"] == "parts" and f"最多 {SPLIT_MAX_PARTS} 项" in response.json()["detail"]
    assert unchanged(order) and ServiceRequest.objects.count() == 1


def test_a_split_at_the_limit_is_taken(api, make_request):
    order = make_request()
    parts = [{"title": f"第{i}项", "text": "内容", "unit": "370102-D09"} for i in range(SPLIT_MAX_PARTS)]
    response = post_step(api("dispatcher"), order.number, "split", {"version": order.version, "parts": parts})
    assert response.status_code == 200
    assert len(response.json()["created"]) == SPLIT_MAX_PARTS


def test_the_workflow_itself_refuses_too_many_parts(make_request, user, unit):
    """The rule lives in the workflow, so pages, API and commands share it."""
    order = make_request()
    parts = [("t", "x", unit("370102-D09"))] * (SPLIT_MAX_PARTS + 1)
    with pytest.raises(RuleViolation) as refused:
        actions.split(order, parts, actor=user("dispatcher"))
    assert refused.value.field == "parts"


# --- who may lead an order: departments, subdistricts, enterprises ---------------------------------

@pytest.mark.parametrize("code", [DISTRICT, COMMUNITY])
def test_dispatch_to_the_district_or_a_community_is_refused(api, make_request, code):
    order = make_request()
    actions.queue_for_dispatch(order, reason="等待人工派单")
    order.refresh_from_db()
    response = post_step(api("dispatcher"), order.number, "dispatch", {"version": order.version, "lead_unit": code})
    assert response.status_code == 400
    body = response.json()
    assert body["field"] == "lead_unit" and body["code"] == "rule_violation"
    assert "主办单位" in body["detail"]
    assert unchanged(order) and order.lead_unit_id is None


@pytest.mark.parametrize("code", [DISTRICT, COMMUNITY])
def test_reassign_and_split_to_the_district_or_a_community_are_refused(api, make_request, unit, user, code):
    order = make_request()
    actions.dispatch(order, unit("370102-D09"))
    actions.accept(order, actor=user("zhujian"))
    actions.return_to_hotline(order, "不属于本单位职责", actor=user("zhujian_lead"))
    order.refresh_from_db()
    response = post_step(api("dispatcher"), order.number, "reassign",
                         {"version": order.version, "lead_unit": code, "note": "改派"})
    assert response.status_code == 400 and response.json()["field"] == "lead_unit"
    assert unchanged(order)
    other = make_request()
    response = post_step(api("dispatcher"), other.number, "split", {"version": other.version, "parts": [
        {"title": "a", "text": "a", "unit": "370102-D09"}, {"title": "b", "text": "b", "unit": code}]})
    assert response.status_code == 400 and response.json()["field"] == "parts"
    assert unchanged(other)


def test_dispatch_to_a_subdistrict_department_or_enterprise_is_taken(make_request, unit, user):
    for code in (SUBDISTRICT, "370102-D09"):
        order = make_request()
        actions.queue_for_dispatch(order, reason="等待人工派单")
        actions.dispatch(order, unit(code), actor=user("dispatcher"))
        assert order.state == State.DISPATCHED and order.lead_unit.code == code


def test_the_workflow_refuses_a_community_as_lead_unit_for_every_caller(make_request, unit):
    order = make_request()
    with pytest.raises(RuleViolation) as refused:
        actions.dispatch(order, unit(COMMUNITY))  # even the system (an import, routing)
    assert refused.value.field == "lead_unit"
