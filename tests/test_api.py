"""The native REST API at /api/v1/: the same rows, filters and workflow rules as the pages.

The matrix test takes every step endpoint × every member of the cast on an order in a state
where the step applies, and expects exactly what the pages do: 404 when the order is outside
``visible_to``, 403 when the step is not in ``allowed_actions``, else the step is taken (200).
Each call runs in a savepoint that is rolled back, so every member meets the same order.
"""

import datetime as dt
import io
import json
from pathlib import Path

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.db import transaction
from rest_framework.authtoken.models import Token

from zhili.api.steps import STEPS
from zhili.knowledge.models import KnowledgeArticle
from zhili.requests.choices import Action, State
from zhili.requests.models import ServiceRequest
from zhili.workflow import actions
from zhili.workflow.actions import allowed_actions

pytestmark = pytest.mark.django_db

API = "/api/v1"
CAST = ["operator", "dispatcher", "zhujian", "zhujian_lead", "jiaoti", "jiefanglu", "supervisor", "leader",
        "admin", "outsider"]
PHONE, NAME = "13912345678", "李四"


@pytest.fixture(autouse=True)
def fresh_throttle_counts():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def api(client, user, django_user_model):
    """``api("zhujian")``: a client that sends that user's token (``None``: no token)."""
    django_user_model.objects.get_or_create(username="outsider")

    def as_user(username):
        client.logout()
        client.defaults.pop("HTTP_AUTHORIZATION", None)
        if username:
            token, _ = Token.objects.get_or_create(user=user(username))
            client.defaults["HTTP_AUTHORIZATION"] = f"Token {token.key}"
        return client

    return as_user


def act(client, number, action, **body):
    return client.post(f"{API}/requests/{number}/actions/{action}/", json.dumps(body),
                       content_type="application/json")


@pytest.fixture
def order_in(make_request, user, unit):
    """``order_in(state)``: an order led by 区住建局 (370102-D09) with 解放路街道 assisting, driven
    to the state through the workflow (a requester with name and phone on every order)."""

    def build(state: str) -> ServiceRequest:
        r = make_request(requester_name=NAME, requester_phone=PHONE)
        if state == "received":
            return r
        if state == "pending_dispatch":
            actions.queue_for_dispatch(r, reason="等待人工派单")
            return r
        actions.dispatch(r, unit("370102-D09"))
        actions.add_assisting_unit(r, unit("370102001"), actor=user("dispatcher"))
        if state == "dispatched":
            return r
        actions.accept(r, actor=user("zhujian"))
        if state == "in_progress":
            return r
        if state == "returned":
            actions.return_to_hotline(r, "不属于本单位职责", actor=user("zhujian_lead"))
        elif state == "extension_pending":
            actions.request_extension(r, 3, "需要协调燃气公司", actor=user("zhujian_lead"))
        else:
            actions.reply(r, "已修复路面。", actor=user("zhujian"))
            if state in ("awaiting_follow_up", "closed"):
                actions.approve_review(r, actor=user("operator"))
            if state == "closed":
                actions.follow_up(r, actor=user("operator"), contacted=True, solved=True,
                                  service_satisfaction="satisfied", result_satisfaction="satisfied")
                actions.close(r, actor=user("operator"))
        r.refresh_from_db()
        return r

    return build


def step_case(action, make_request):
    """(state the order is in, a valid body) for each step endpoint."""
    later = (dt.date.today() + dt.timedelta(days=20)).isoformat()
    note = {"note": "请尽快办理"}
    cases = {
        Action.RESOLVE_AT_INTAKE: ("received", lambda: {"article": KnowledgeArticle.objects.create(
            title="供暖时间", body="每年11月15日开始供暖").pk, "answer": "已告知供暖时间"}),
        Action.DECLINE: ("received", lambda: {"reason": "petition", "note": "已告知信访渠道"}),
        Action.CLASSIFY: ("received", lambda: {"category": "010501"}),
        Action.QUEUE_FOR_DISPATCH: ("received", lambda: {"reason": "需人工判断"}),
        Action.DISPATCH: ("pending_dispatch", lambda: {"lead_unit": "370102-D09"}),
        Action.REASSIGN: ("returned", lambda: {"lead_unit": "370102-D10", "note": "改由城管局办理"}),
        Action.FORCE_DISPATCH: ("returned", lambda: {"note": "异议不成立"}),
        Action.ACCEPT: ("dispatched", dict),
        Action.RETURN: ("dispatched", lambda: {"reason": "不属于本单位职责"}),
        Action.CONTACT: ("in_progress", lambda: {"note": "已电话联系"}),
        Action.ADD_ASSISTING_UNIT: ("in_progress", lambda: {"unit": "370102-D03", "working_days": 3}),
        Action.ASSIST_REPORT: ("in_progress", lambda: {"text": "已配合现场查看"}),
        Action.REQUEST_EXTENSION: ("in_progress", lambda: {"working_days": 3, "reason": "需协调"}),
        Action.APPROVE_EXTENSION: ("extension_pending", dict),
        Action.REJECT_EXTENSION: ("extension_pending", lambda: {"note": "理由不充分"}),
        Action.INTERIM_REPLY: ("in_progress", lambda: {"text": "已报修，等待材料", "promised_date": later}),
        Action.REPLY: ("in_progress", lambda: {"text": "已修复"}),
        Action.REQUEST_STOP: ("in_progress", lambda: {"note": "同一事实已依法处理"}),
        Action.APPROVE_REVIEW: ("replied", dict),
        Action.SEND_BACK: ("replied", lambda: {"note": "答复未说明整改时限"}),
        Action.FOLLOW_UP: ("awaiting_follow_up", lambda: {
            "contacted": True, "solved": True, "service_satisfaction": "satisfied",
            "result_satisfaction": "basically_satisfied"}),
        Action.REOPEN: ("closed", lambda: {"note": "诉求人反映仍未解决"}),
        Action.URGE: ("in_progress", lambda: note),
        Action.SUPERVISE: ("in_progress", lambda: note),
        Action.ESCALATE: ("in_progress", lambda: note),
        Action.CLOSE: ("awaiting_follow_up", lambda: {"note": "多次回访未接通"}),
        Action.MERGE: ("received", lambda: {"primary": make_request(title="同一路段破损").number}),
        Action.SPLIT: ("received", lambda: {"parts": [
            {"title": "路面破损", "text": "路面破损", "unit": "370102-D09"},
            {"title": "学校门口", "text": "学校门口拥堵", "unit": "370102-D03"}]}),
    }
    return cases[action]


def test_the_api_offers_every_step_a_person_can_take():
    from zhili.workflow.rules import SYSTEM, TRANSITIONS

    people_steps = {a for a, t in TRANSITIONS.items() if t.roles - {SYSTEM}}
    assert set(STEPS) == people_steps


@pytest.mark.parametrize("action", list(STEPS))
def test_every_step_endpoint_for_every_role_matches_the_pages(action, api, order_in, make_request, user):
    state, body_of = step_case(action, make_request)
    order = order_in(state)
    body = body_of()
    outcomes = {}
    for username in CAST:
        with transaction.atomic():
            order.refresh_from_db()
            member = user(username)
            visible = ServiceRequest.objects.visible_to(member).filter(pk=order.pk).exists()
            allowed = visible and action in allowed_actions(order, member)
            response = act(api(username), order.number, action, version=order.version, **body)
            outcomes[username] = response.status_code
            if not visible:
                assert response.status_code == 404, (username, response.json())
            elif not allowed:
                assert response.status_code == 403, (username, response.json())
                assert response.json()["code"] == "not_allowed"
            else:
                assert response.status_code == 200, (username, response.json())
                result = response.json()
                assert result["event"]["action"] == action
                order.refresh_from_db()
                assert order.events.order_by("-seq").first().action == action or action == Action.CLOSE
            transaction.set_rollback(True)
    assert 200 in outcomes.values(), outcomes
    assert outcomes["outsider"] == 404 and outcomes["jiaoti"] == 404


def test_an_assisting_unit_sees_and_reports_on_the_order_it_assists(api, order_in):
    order = order_in("in_progress")
    client = api("jiefanglu")
    assert [a["action"] for a in client.get(f"{API}/requests/{order.number}/actions/").json()] == ["assist_report"]
    response = act(client, order.number, "assist_report", version=order.version, text="已配合现场查看")
    assert response.status_code == 200
    assert response.json()["event"]["action"] == "assist_report"
    assert act(client, order.number, "reply", version=order.version + 1, text="x").status_code == 403


def test_no_token_is_401_and_a_wrong_token_is_401(api, order_in):
    order = order_in("dispatched")
    client = api(None)
    for path in ("/requests/", f"/requests/{order.number}/", "/units/"):
        response = client.get(API + path)
        assert response.status_code == 401
        assert response["WWW-Authenticate"] == "Token"
        assert response.json()["code"] == "not_authenticated"
    client.defaults["HTTP_AUTHORIZATION"] = "Token nonsense"
    assert client.get(f"{API}/requests/").status_code == 401
    assert act(client, order.number, "accept", version=order.version).status_code == 401


def test_the_session_of_the_pages_works_too(client, user, order_in):
    order = order_in("dispatched")
    client.force_login(user("zhujian"))
    assert client.get(f"{API}/requests/{order.number}/").status_code == 200


def test_lists_show_only_visible_orders(api, order_in, make_request, unit):
    ours = order_in("dispatched")
    theirs = make_request(title="学校门口乱收费")
    actions.dispatch(theirs, unit("370102-D03"))
    undispatched = make_request()
    numbers = {name: {r["number"] for r in api(name).get(f"{API}/requests/").json()["results"]}
               for name in ("zhujian", "jiaoti", "dispatcher", "leader", "jiefanglu", "outsider")}
    assert numbers["zhujian"] == {ours.number}
    assert numbers["jiaoti"] == {theirs.number}
    assert numbers["dispatcher"] == numbers["leader"] == {ours.number, theirs.number, undispatched.number}
    assert numbers["jiefanglu"] == {ours.number}  # 解放路街道 assists on it
    assert numbers["outsider"] == set()
    for name in ("jiaoti", "outsider"):
        client = api(name)
        assert client.get(f"{API}/requests/{ours.number}/").status_code == 404
        assert client.get(f"{API}/requests/{ours.number}/actions/").status_code == 404
    assert api("zhujian").get(f"{API}/requests/LX20990101-000001/").status_code == 404


def test_list_filters_are_the_pages_filterset(api, order_in, make_request, unit):
    dispatched = order_in("dispatched")
    received = make_request(title="噪音扰民")
    client = api("dispatcher")

    def numbers(**params):
        response = client.get(f"{API}/requests/", params)
        assert response.status_code == 200, response.json()
        return {r["number"] for r in response.json()["results"]}

    d09 = unit("370102-D09")
    assert numbers(state="dispatched") == {dispatched.number}
    assert numbers(lead_unit=d09.pk) == {dispatched.number}
    assert numbers(lead_unit="null") == {received.number}
    assert numbers(q="噪音") == {received.number}
    assert numbers(overdue="yes") == set()
    today = dt.date.today().isoformat()
    assert numbers(received_from=today, received_to=today) == {dispatched.number, received.number}
    for bad in ({"state": "nonsense"}, {"lead_unit": "999999"}, {"received_from": "yesterday"}):
        response = client.get(f"{API}/requests/", bad)
        assert response.status_code == 400
        body = response.json()
        assert body["code"] == "invalid" and body["field"] in bad


def test_list_pages_and_pins_its_query_count(api, make_request, django_assert_max_num_queries):
    for i in range(7):
        make_request(title=f"第{i}件")
    client = api("dispatcher")
    with django_assert_max_num_queries(8):
        first = client.get(f"{API}/requests/", {"page_size": 5}).json()
    assert first["count"] == 7 and len(first["results"]) == 5 and first["next"]
    assert len(client.get(f"{API}/requests/", {"page_size": 5, "page": 2}).json()["results"]) == 2
    assert client.get(f"{API}/requests/", {"page": 9}).status_code == 404


def test_requester_data_is_never_in_the_output(api, order_in):
    order = order_in("in_progress")
    for name in ("dispatcher", "zhujian", "admin"):
        client = api(name)
        for path in ("/requests/", f"/requests/{order.number}/"):
            text = client.get(API + path).content.decode()
            assert PHONE not in text and NAME not in text
            assert "139****5678" in text and "李*" in text
        detail = client.get(f"{API}/requests/{order.number}/").json()
        assert "requester_phone" not in detail and "requester_name" not in detail
        text = act(client, order.number, "urge", version=order.version, note="x").content.decode()
        assert PHONE not in text


def test_detail_has_history_and_the_actions_allowed_now(api, order_in):
    order = order_in("dispatched")
    detail = api("zhujian").get(f"{API}/requests/{order.number}/").json()
    assert [e["action"] for e in detail["events"]] == ["intake", "dispatch", "add_assisting_unit"]
    assert detail["lead_unit"]["code"] == "370102-D09"
    assert detail["assisting_units"][0]["unit"]["code"] == "370102001"
    assert [a["action"] for a in detail["allowed_actions"]] == ["accept"]
    assert detail["allowed_actions"][0]["path"] == f"/api/v1/requests/{order.number}/actions/accept/"
    listed = api("zhujian").get(f"{API}/requests/{order.number}/actions/").json()
    assert listed == detail["allowed_actions"]


def test_a_step_returns_the_order_and_the_event(api, order_in):
    order = order_in("dispatched")
    response = act(api("zhujian"), order.number, "accept", version=order.version)
    assert response.status_code == 200
    body = response.json()
    assert body["request"]["state"] == State.IN_PROGRESS and body["request"]["version"] == order.version + 1
    assert body["event"]["action"] == "accept" and body["event"]["actor"] == "张住建"
    assert body["created"] == []


def test_a_stale_version_is_409_and_nothing_changes(api, order_in):
    order = order_in("dispatched")
    response = act(api("zhujian"), order.number, "accept", version=order.version - 1)
    assert response.status_code == 409
    assert response.json() == {"detail": "该工单已被他人更新，请刷新后重试", "field": "version", "code": "stale"}
    order.refresh_from_db()
    assert order.state == State.DISPATCHED


def test_a_missing_version_is_400(api, order_in):
    order = order_in("dispatched")
    response = act(api("zhujian"), order.number, "accept")
    assert response.status_code == 400
    assert response.json()["field"] == "version"


def test_a_stale_request_raised_by_the_workflow_is_409(api, order_in, monkeypatch):
    """GIVEN another actor changes the order between our check and the workflow's update."""
    from zhili.workflow.errors import StaleRequest

    order = order_in("dispatched")

    def concurrent(*args, **kwargs):
        raise StaleRequest("该工单已被他人更新，请刷新页面后重试")

    monkeypatch.setattr("zhili.workflow.actions.accept", concurrent)
    response = act(api("zhujian"), order.number, "accept", version=order.version)
    assert response.status_code == 409 and response.json()["code"] == "stale"


def test_workflow_rules_come_back_as_400_with_the_chinese_message_and_field(api, order_in):
    order = order_in("in_progress")
    lead = api("zhujian_lead")
    response = act(lead, order.number, "return", version=order.version, reason="  ")
    assert response.status_code == 400
    assert response.json() == {"detail": "退单理由不能为空", "field": "reason", "code": "rule_violation"}
    response = act(lead, order.number, "request_extension", version=order.version, working_days=20, reason="久")
    assert response.status_code == 400
    assert response.json()["field"] == "working_days" and "累计不超过 10 个" in response.json()["detail"]
    order.refresh_from_db()
    assert order.state == State.IN_PROGRESS and order.pending_extension_days is None


def test_a_step_not_allowed_in_this_state_is_403_with_the_reason(api, order_in):
    order = order_in("dispatched")
    response = act(api("zhujian"), order.number, "reply", version=order.version, text="好了")
    assert response.status_code == 403
    assert response.json()["detail"] == "工单当前状态为“待签收”，不能“答复”"
    response = act(api("zhujian"), order.number, "return", version=order.version, reason="不归我们")
    assert response.status_code == 403 and "单位负责人" not in response.json()["detail"]
    assert response.json()["detail"] == "您的角色无权执行“退单”"


def test_input_errors_name_the_field(api, order_in, make_request):
    order = order_in("pending_dispatch")
    client = api("dispatcher")
    response = act(client, order.number, "dispatch", version=order.version, lead_unit="NOPE")
    assert response.status_code == 400 and response.json()["field"] == "lead_unit"
    hidden = make_request()
    response = act(api("admin"), order.number, "split", version=order.version,
                   parts=[{"title": "a", "text": "b", "unit": "NOPE"}, {"title": "c", "text": "d", "unit": "370102-D03"}])
    assert response.status_code == 400 and response.json()["field"] == "parts[0].unit"
    response = act(client, hidden.number, "merge", version=hidden.version, primary="LX20990101-000009")
    assert response.status_code == 400 and response.json()["detail"] == "primary：主单“LX20990101-000009”不存在"


def test_merging_an_order_into_itself_is_the_workflows_400(api, order_in):
    order = order_in("received")
    response = act(api("operator"), order.number, "merge", version=order.version, primary=order.number)
    assert response.status_code == 400 and response.json()["detail"] == "不能并入自身"


def test_split_answers_with_the_new_orders(api, order_in):
    order = order_in("received")
    response = act(api("dispatcher"), order.number, "split", version=order.version, parts=[
        {"title": "路面", "text": "路面破损", "unit": "370102-D09"},
        {"title": "校门", "text": "校门拥堵", "unit": "370102-D03"}])
    assert response.status_code == 200
    created = response.json()["created"]
    assert len(created) == 2
    assert {ServiceRequest.objects.get(number=n).lead_unit.code for n in created} == {"370102-D09", "370102-D03"}
    assert response.json()["request"]["state"] == State.SPLIT


def test_unknown_step_is_404_and_system_steps_have_no_endpoint(api, order_in):
    order = order_in("dispatched")
    for step in ("nonsense", "yellow_card", "red_card", "intake"):
        assert act(api("admin"), order.number, step, version=order.version).status_code == 404


def test_reference_data(api):
    client = api("zhujian")
    units = client.get(f"{API}/units/").json()
    assert {"id", "code", "name", "short_name", "kind", "parent_code"} == set(units[0])
    assert any(u["code"] == "370102-D09" for u in units)
    categories = client.get(f"{API}/categories/").json()
    assert len(categories) == 650 and categories[0]["code"] == "01"


def test_throttle_per_user(api, settings, order_in):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {
        **settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "api_user": "2/min"}}
    client = api("zhujian")
    assert [client.get(f"{API}/units/").status_code for _ in range(3)] == [200, 200, 429]
    assert client.get(f"{API}/units/").json()["code"] == "throttled"


def test_swagger_ui_is_served_from_our_own_static_files(client):
    from django.contrib.staticfiles import finders

    page = client.get(f"{API}/docs/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in html
    for cdn in ("cdn.jsdelivr", "unpkg.com", "cdnjs"):
        assert cdn not in html
    assert finders.find("drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js")
    schema = client.get(f"{API}/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert schema.status_code == 200


def test_the_committed_schema_is_the_codes_schema():
    """The same check as scripts/check-openapi-schema.sh (run by `make lint`)."""
    out = io.StringIO()
    call_command("spectacular", "--validate", "--fail-on-warn", stdout=out)
    committed = Path(__file__).resolve().parent.parent / "docs" / "openapi.yaml"
    assert out.getvalue() == committed.read_text(encoding="utf-8"), "docs/openapi.yaml is stale: scripts/check-openapi-schema.sh --write"
