"""Open311 GeoReport v2 at /open311/v2/: every call in JSON and XML, the standard errors, API keys,
idempotency, throttling, pagination, the updates extension, and what is never returned.

Service codes used: 010501 (城乡建设 / 工程质量 / 施工安全 → 区住建局 370102-D09 by the dispatch
catalogue), 140303 (教育文体 / 教育收费 / 乱收费 → 区教体局 370102-D03).
"""

import io
import json
import re
import xml.etree.ElementTree as ET
from urllib.parse import urlencode

import pytest
from django.core.cache import cache
from django.core.management import CommandError, call_command
from django.utils import timezone

from zhili.open311.keys import create_client, hash_key, revoke_client
from zhili.open311.models import ApiClient, Submission
from zhili.open311.services import published_categories
from zhili.requests.choices import Channel, State
from zhili.requests.models import RequestEvent, ServiceRequest
from zhili.workflow import actions

pytestmark = pytest.mark.django_db

BASE = "/open311/v2"
ZHUJIAN_CODE = "010501"
JIAOTI_CODE = "140303"
NUMBER = re.compile(r"^LX\d{8}-\d{6}$")


@pytest.fixture(autouse=True)
def fresh_throttle_counts():
    cache.clear()  # throttle counts live in the local-memory cache
    yield
    cache.clear()


@pytest.fixture
def app_key():
    """The key of a client application (a citizens' mini-program)."""
    return create_client("历下随手拍")[1]


def post(client, data: dict, fmt: str = "json", **headers):
    return client.post(f"{BASE}/requests.{fmt}", urlencode(data, doseq=True),
                       content_type="application/x-www-form-urlencoded", headers=headers)


def form(key, **fields):
    data = {"api_key": key, "service_code": ZHUJIAN_CODE, "lat": "36.6601", "long": "117.0876",
            "address_string": "历下区解放路22号", "description": "工地夜间施工，脚手架没有防护网，存在安全隐患。",
            "first_name": "三", "last_name": "张", "phone": "13812345678", "email": "zhangsan@example.com",
            "device_id": "", "account_id": ""}
    data.update(fields)
    return {k: v for k, v in data.items() if v is not None}


def parse_xml(content) -> ET.Element:
    return ET.fromstring(content)  # noqa: S314 - our own server's answer, in a test


def errors_of(response) -> list[dict]:
    body = response.json()
    assert isinstance(body, list) and body, body
    for error in body:
        assert set(error) == {"code", "description"}
        assert error["code"] == response.status_code
    return body


# --- discovery and services ----------------------------------------------------------------------

def test_discovery_names_this_endpoint_and_both_formats(client):
    body = client.get(f"{BASE}/discovery.json").json()
    endpoint = body["endpoints"][0]
    assert endpoint["url"] == "http://testserver/open311/v2/"
    assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert set(endpoint["formats"]) == {"application/json", "text/xml"}
    root = parse_xml(client.get(f"{BASE}/discovery.xml").content)
    assert root.tag == "discovery"
    assert [f.text for f in root.find("endpoints/endpoint/formats")] == ["application/json", "text/xml"]


def test_services_are_the_published_leaf_categories_in_json_and_xml(client):
    response = client.get(f"{BASE}/services.json")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    services = response.json()
    assert len(services) == len(published_categories()) == 517
    water = next(s for s in services if s["service_code"] == "010216")
    assert water == {"service_code": "010216", "service_name": "自来水供应",
                     "description": "城乡建设 / 城市建设和市政管理 / 自来水供应", "metadata": True,
                     "type": "realtime", "keywords": "城乡建设,城市建设和市政管理,自来水供应", "group": "城乡建设"}
    xml = client.get(f"{BASE}/services.xml")
    assert xml["Content-Type"].startswith("text/xml")
    root = parse_xml(xml.content)
    assert root.tag == "services" and len(root.findall("service")) == 517
    assert root.find("service/metadata").text == "true"


def test_service_definition_offers_the_request_type_attribute(client):
    body = client.get(f"{BASE}/services/{ZHUJIAN_CODE}.json").json()
    assert body["service_code"] == ZHUJIAN_CODE
    (attribute,) = body["attributes"]
    assert attribute["code"] == "request_type" and attribute["required"] is False
    assert {v["key"] for v in attribute["values"]} == {"consultation", "help", "complaint", "report",
                                                       "suggestion", "praise"}
    root = parse_xml(client.get(f"{BASE}/services/{ZHUJIAN_CODE}.xml").content)
    assert root.tag == "service_definition"
    assert len(root.findall("attributes/attribute/values/value")) == 6


def test_unknown_or_non_leaf_service_definition_is_404(client):
    for code in ("999999", "01"):  # "01" is a first-level category, not a service
        response = client.get(f"{BASE}/services/{code}.json")
        assert response.status_code == 404
        assert "not found" in errors_of(response)[0]["description"]


# --- POST requests: the same intake, classification, routing and deadline as a phone call ------

def test_post_files_a_request_routed_by_the_given_service_code(client, app_key, model):
    response = post(client, form(app_key, **{"attribute[request_type]": "report"}))
    assert response.status_code == 201, response.content
    (item,) = response.json()
    assert NUMBER.match(item["service_request_id"])
    assert item["account_id"] == ""
    assert "已派单至济南市历下区住房和城乡建设局" in item["service_notice"]
    request = ServiceRequest.objects.get(number=item["service_request_id"])
    assert request.channel == Channel.API and request.source == "open311:历下随手拍"
    assert request.category.code == ZHUJIAN_CODE  # the given code, not the model's suggestion
    assert request.request_type == "report"
    assert request.state == State.DISPATCHED and request.lead_unit.code == "370102-D09"
    assert request.due_at is not None
    assert str(request.lat) == "36.660100" and request.address == "历下区解放路22号"
    assert request.requester_name == "张三" and request.requester_phone == "13812345678"
    assert list(request.events.values_list("action", flat=True)) == ["intake", "classify", "dispatch"]
    classify = request.events.get(action="classify")
    assert classify.confidence is None and classify.note == "来源数据标注"


def test_post_answers_in_xml_too(client, app_key):
    response = post(client, form(app_key), fmt="xml")
    assert response.status_code == 201
    root = parse_xml(response.content)
    assert root.tag == "service_requests"
    assert NUMBER.match(root.find("request/service_request_id").text)
    assert root.find("request/token").text


def test_fields_in_the_query_string_count_and_the_body_wins(client, app_key):
    """GIVEN a client that puts fields in the query string THEN they count as the form's (an unknown
    jurisdiction_id there is refused), and a field sent in both places takes the body's value."""
    data = form(app_key, description="工地夜间施工噪音扰民，影响休息。")
    query = urlencode({"jurisdiction_id": "999999"})
    response = client.post(f"{BASE}/requests.json?{query}", urlencode(data),
                           content_type="application/x-www-form-urlencoded")
    assert response.status_code == 404, response.content
    query = urlencode({"jurisdiction_id": "370102", "description": "查询串里的描述不应采用。"})
    response = client.post(f"{BASE}/requests.json?{query}", urlencode(data),
                           content_type="application/x-www-form-urlencoded")
    assert response.status_code == 201, response.content
    (item,) = response.json()
    assert ServiceRequest.objects.get(number=item["service_request_id"]).description == "工地夜间施工噪音扰民，影响休息。"


def test_a_json_object_body_files_a_request(client, app_key):
    response = client.post(f"{BASE}/requests.json", json.dumps(form(app_key)), content_type="application/json")
    assert response.status_code == 201, response.content
    (item,) = response.json()
    assert ServiceRequest.objects.get(number=item["service_request_id"]).category.code == ZHUJIAN_CODE


def test_post_without_classifier_still_files_and_routes_by_code(client, app_key, no_model):
    (item,) = post(client, form(app_key, service_code=JIAOTI_CODE)).json()
    request = ServiceRequest.objects.get(number=item["service_request_id"])
    assert request.lead_unit.code == "370102-D03" and request.state == State.DISPATCHED


def test_post_without_description_uses_the_service_and_address(client, app_key):
    (item,) = post(client, form(app_key, description="")).json()
    request = ServiceRequest.objects.get(number=item["service_request_id"])
    assert request.description == "施工安全（历下区解放路22号）"


@pytest.mark.parametrize("key", [None, "", "zk_wrong", "revoked"])
def test_post_without_a_valid_api_key_is_403_and_stores_nothing(client, key):
    if key == "revoked":
        _, key = create_client("已停用")
        revoke_client("已停用")
    response = post(client, form(key))
    assert response.status_code == 403
    assert "api_key" in errors_of(response)[0]["description"]
    assert not ServiceRequest.objects.exists() and not Submission.objects.exists()


def test_a_wrong_api_key_on_a_read_is_403_too(client):
    response = client.get(f"{BASE}/services.json", {"api_key": "zk_wrong"})
    assert response.status_code == 403


BAD_INPUT = [
    ({"service_code": ""}, "service_code is required"),
    ({"service_code": "999999"}, "service_code '999999' not found"),
    ({"service_code": "01"}, "service_code '01' not found"),
    ({"lat": "abc"}, "lat must be a number"),
    ({"lat": "91"}, "lat must be a number from -90 to 90"),
    ({"long": "-180.5"}, "long must be a number from -180 to 180"),
    ({"lat": "NaN"}, "lat must be a number"),
    ({"long": ""}, "lat and long must be given together"),
    ({"lat": "", "long": "", "address_string": ""}, "a location is required"),
    ({"description": "坑" * 4001}, "description is longer than 4000 characters"),
    ({"attribute[request_type]": "bribe"}, "attribute[request_type] must be one of"),
    ({"media_url": "ftp://example.com/a.jpg"}, "media_url must be an http(s) URL"),
    ({"jurisdiction_id": "beijing"}, "jurisdiction_id 'beijing' not found"),
    ({"requested_datetime": "2020-01-01T00:00:00Z"}, "may not send history fields"),
]


@pytest.mark.parametrize(("fields", "message"), BAD_INPUT)
def test_bad_input_gets_the_standard_error_and_nothing_is_stored(client, app_key, fields, message):
    response = post(client, form(app_key, **fields))
    expected = 404 if "jurisdiction" in message else 403 if "history" in message else 400
    assert response.status_code == expected
    descriptions = [e["description"] for e in errors_of(response)]
    assert any(message in d for d in descriptions), descriptions
    assert all(" / " in d for d in descriptions)  # English / Chinese
    assert not ServiceRequest.objects.exists() and not Submission.objects.exists()


def test_several_problems_are_listed_together(client, app_key):
    response = post(client, form(app_key, service_code="", lat="x", description="长" * 4001))
    assert response.status_code == 400
    assert len(errors_of(response)) == 3


def test_errors_come_in_xml_when_asked(client, app_key):
    response = post(client, form(app_key, service_code=""), fmt="xml")
    assert response.status_code == 400
    root = parse_xml(response.content)
    assert root.tag == "errors"
    assert root.find("error/code").text == "400"
    assert "service_code is required" in root.find("error/description").text


@pytest.mark.parametrize("path", ["/services", "/services.yaml", "/services.JSON", "/requests.jsn",
                                  "/requests.json.xml", "/discovery.", f"/services/{ZHUJIAN_CODE}",
                                  "/requests/LX20260101-000001.html", "/tokens/abc.txt"])
def test_a_missing_or_unknown_suffix_is_a_standard_400(client, path):
    response = client.get(BASE + path)
    assert response.status_code == 400
    assert ".json or .xml" in errors_of(response)[0]["description"]


def test_a_post_with_a_bad_suffix_stores_nothing(client, app_key):
    response = client.post(f"{BASE}/requests.txt", urlencode(form(app_key)),
                           content_type="application/x-www-form-urlencoded")
    assert response.status_code == 400
    assert not ServiceRequest.objects.exists()


def test_html_in_the_description_is_stored_as_text_and_returned_escaped(client, app_key):
    text = '<script>alert("x")</script><b>路灯</b> & 不亮'
    (item,) = post(client, form(app_key, description=text)).json()
    number = item["service_request_id"]
    assert ServiceRequest.objects.get(number=number).description == text
    assert client.get(f"{BASE}/requests/{number}.json").json()[0]["description"] == text
    xml = client.get(f"{BASE}/requests/{number}.xml").content.decode()
    assert "<script>" not in xml and "&lt;script&gt;" in xml and "&amp; 不亮" in xml
    assert parse_xml(xml).find("request/description").text == text


# --- idempotency ---------------------------------------------------------------------------------

def test_a_retried_post_with_the_same_idempotency_key_files_once_and_answers_the_same(client, app_key):
    first = post(client, form(app_key), **{"Idempotency-Key": "app-42-attempt"})
    again = post(client, form(app_key), **{"Idempotency-Key": "app-42-attempt"})
    assert first.status_code == again.status_code == 201
    assert first.json() == again.json()
    assert again["Idempotent-Replayed"] == "true" and "Idempotent-Replayed" not in first
    assert ServiceRequest.objects.count() == 1 and Submission.objects.count() == 1
    # another key files another request
    post(client, form(app_key), **{"Idempotency-Key": "app-43"})
    assert ServiceRequest.objects.count() == 2


def test_the_same_idempotency_key_with_other_fields_is_refused(client, app_key):
    post(client, form(app_key), **{"Idempotency-Key": "k"})
    response = post(client, form(app_key, description="另一件事"), **{"Idempotency-Key": "k"})
    assert response.status_code == 400
    assert "Idempotency-Key was already used" in errors_of(response)[0]["description"]
    assert ServiceRequest.objects.count() == 1


def test_keys_are_per_client(client, app_key):
    other = create_client("另一个App")[1]
    post(client, form(app_key), **{"Idempotency-Key": "same"})
    post(client, form(other), **{"Idempotency-Key": "same"})
    assert ServiceRequest.objects.count() == 2


def test_device_and_account_ids_deduplicate_an_identical_retry(client, app_key):
    fields = form(app_key, device_id="phone-7", account_id="user-9")
    first, again = post(client, fields), post(client, fields)
    assert first.json() == again.json() and first.json()[0]["account_id"] == "user-9"
    assert ServiceRequest.objects.count() == 1
    post(client, form(app_key, device_id="phone-7", account_id="user-9", description="第二件事：路灯不亮"))
    assert ServiceRequest.objects.count() == 2


def test_without_any_key_two_posts_are_two_requests(client, app_key):
    post(client, form(app_key))
    post(client, form(app_key))
    assert ServiceRequest.objects.count() == 2


def test_an_overlong_idempotency_key_is_400(client, app_key):
    response = post(client, form(app_key), **{"Idempotency-Key": "k" * 201})
    assert response.status_code == 400
    assert not ServiceRequest.objects.exists()


# --- reading requests ----------------------------------------------------------------------------

@pytest.fixture
def filed(client, app_key):
    """Three requests filed through Open311: two for 住建局, one for 教体局."""
    numbers = []
    for code in (ZHUJIAN_CODE, ZHUJIAN_CODE, JIAOTI_CODE):
        numbers.append(post(client, form(app_key, service_code=code)).json()[0]["service_request_id"])
    return numbers


def test_one_request_at_both_paths_in_both_formats(client, filed):
    number = filed[0]
    (item,) = client.get(f"{BASE}/requests/{number}.json").json()
    assert client.get(f"{BASE}/request/{number}.json").json() == [item]
    assert item["service_request_id"] == number
    assert item["status"] == "open" and item["status_notes"] == "待签收"
    assert item["service_code"] == ZHUJIAN_CODE and item["service_name"] == "施工安全"
    assert item["agency_responsible"] == "济南市历下区住房和城乡建设局"
    assert item["lat"] == 36.6601 and item["long"] == 117.0876
    assert re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+08:00$", item["requested_datetime"])
    assert item["expected_datetime"] > item["requested_datetime"]
    root = parse_xml(client.get(f"{BASE}/request/{number}.xml").content)
    assert root.tag == "service_requests" and root.find("request/service_request_id").text == number


def test_the_requester_is_never_returned(client, filed):
    for path in (f"/requests/{filed[0]}.json", "/requests.json", f"/requests/{filed[0]}.xml", "/requests.xml"):
        text = client.get(BASE + path).content.decode()
        for secret in ("张三", "13812345678", "zhangsan@example.com", "requester"):
            assert secret not in text, (path, secret)


def test_phone_numbers_and_the_requesters_name_are_masked_inside_the_description(client, app_key):
    text = "我是张三，电话 138-1234-5678，座机 88886666，身份证 37010219900101123X，2024-05-01 起漏水。"
    (item,) = post(client, form(app_key, description=text)).json()
    shown = client.get(f"{BASE}/requests/{item['service_request_id']}.json").json()[0]["description"]
    assert shown == "我是张*，电话 138****5678，座机 88****66，身份证 370****1123，2024-05-01 起漏水。"
    for secret in ("张三", "1234-5678", "88886666", "37010219900101123X"):
        assert secret not in shown
    assert "2024-05-01" in shown


def test_unknown_or_confidential_request_is_404(client, make_request):
    confidential = make_request(confidential=True)
    for number in ("LX20990101-000001", confidential.number):
        response = client.get(f"{BASE}/requests/{number}.json")
        assert response.status_code == 404
        assert errors_of(response)[0]["code"] == 404
    assert confidential.number not in client.get(f"{BASE}/requests.json").content.decode()


def test_list_filters(client, filed, make_request):
    phone_call = make_request()  # a phone call is public too (without its requester)
    everything = [r["service_request_id"] for r in client.get(f"{BASE}/requests.json").json()]
    assert everything == [phone_call.number, *reversed(filed)]  # newest first
    by_code = client.get(f"{BASE}/requests.json", {"service_code": f"{JIAOTI_CODE},999999"}).json()
    assert [r["service_request_id"] for r in by_code] == [filed[2]]
    by_ids = client.get(f"{BASE}/requests.json", {"service_request_id": f"{filed[0]},{filed[2]}",
                                                  "service_code": ZHUJIAN_CODE}).json()  # ids override
    assert {r["service_request_id"] for r in by_ids} == {filed[0], filed[2]}
    assert len(client.get(f"{BASE}/requests.json", {"status": "open"}).json()) == 4
    assert client.get(f"{BASE}/requests.json", {"status": "closed"}).json() == []
    assert len(client.get(f"{BASE}/requests.json", {"status": "open,closed", "service_code": ""}).json()) == 4


def test_date_range_defaults_to_the_last_90_days_and_may_not_exceed_90(client, filed, make_request):
    old = make_request(at=timezone.now() - timezone.timedelta(days=120))
    default = [r["service_request_id"] for r in client.get(f"{BASE}/requests.json").json()]
    assert old.number not in default and len(default) == 3
    window = {"start_date": "2000-01-01T00:00:00Z", "end_date": "2000-03-30T00:00:00+08:00"}
    assert client.get(f"{BASE}/requests.json", window).json() == []
    start = (timezone.now() - timezone.timedelta(days=125)).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert [r["service_request_id"] for r in client.get(f"{BASE}/requests.json", {"start_date": start}).json()] \
        == [old.number]
    for params, message in (({"start_date": "2026-01-01", "end_date": "2026-06-01"}, "more than 90 days"),
                            ({"start_date": "yesterday"}, "W3C datetime"),
                            ({"start_date": "2026-03-01", "end_date": "2026-02-01"}, "before start_date"),
                            ({"status": "fixed"}, "open or closed")):
        response = client.get(f"{BASE}/requests.json", params)
        assert response.status_code == 400
        assert message in errors_of(response)[0]["description"]


def test_pagination_extension(client, filed):
    pages = [[r["service_request_id"] for r in client.get(f"{BASE}/requests.json",
                                                          {"page": p, "page_size": 2}).json()] for p in (1, 2, 3)]
    assert pages == [[filed[2], filed[1]], [filed[0]], []]
    for params in ({"page": "0"}, {"page_size": "1001"}, {"page": "x"}):
        assert client.get(f"{BASE}/requests.json", params).status_code == 400


def test_the_list_costs_a_fixed_number_of_queries(client, filed, django_assert_max_num_queries):
    with django_assert_max_num_queries(3):
        assert len(client.get(f"{BASE}/requests.json").json()) == 3


def test_status_follows_the_work_order_and_notes_give_our_state(client, filed, user):
    request = ServiceRequest.objects.get(number=filed[0])
    actions.accept(request, actor=user("zhujian"))
    item = client.get(f"{BASE}/requests/{filed[0]}.json").json()[0]
    assert (item["status"], item["status_notes"]) == ("open", "办理中")
    actions.reply(request, "已督促施工单位加装防护网。", actor=user("zhujian"))
    item = client.get(f"{BASE}/requests/{filed[0]}.json").json()[0]
    assert (item["status"], item["status_notes"]) == ("closed", "已答复待审核")
    assert item["updated_datetime"] >= item["requested_datetime"]
    actions.send_back(request, actor=user("operator"), note="答复未说明整改时限")
    assert client.get(f"{BASE}/requests/{filed[0]}.json").json()[0]["status"] == "open"


def test_a_declined_request_shows_the_statutory_reason(client, make_request, user):
    request = make_request()
    actions.decline(request, "petition", actor=user("operator"))
    item = client.get(f"{BASE}/requests/{request.number}.json").json()[0]
    assert item["status"] == "closed"
    assert item["status_notes"] == "不予受理：属信访事项，已告知信访渠道"


# --- tokens and updates --------------------------------------------------------------------------

def test_token_gives_the_service_request_id(client, app_key):
    (item,) = post(client, form(app_key)).json()
    body = client.get(f"{BASE}/tokens/{item['token']}.json").json()
    assert body == [{"service_request_id": item["service_request_id"], "token": item["token"]}]
    root = parse_xml(client.get(f"{BASE}/tokens/{item['token']}.xml").content)
    assert root.find("request/service_request_id").text == item["service_request_id"]
    assert client.get(f"{BASE}/tokens/0b7a2c1e-0000-0000-0000-000000000000.json").status_code == 404
    assert client.get(f"{BASE}/tokens/not-a-token.json").status_code == 404


def test_updates_feed_publishes_public_events_only(client, filed, user, unit):
    request = ServiceRequest.objects.get(number=filed[0])
    actions.accept(request, actor=user("zhujian"))
    actions.return_to_hotline(request, "内部：此事应由城管局处理，联系人王五 13900001111", actor=user("zhujian_lead"))
    actions.reassign(request, unit("370102-D10"), actor=user("dispatcher"), note="内部备注")
    request.refresh_from_db()
    actions.accept(request, actor=None)
    actions.reply(request, "已处理，如有问题请拨打 13800002222。", actor=None)
    updates = client.get(f"{BASE}/servicerequestupdates.json").json()
    mine = [u for u in updates if u["service_request_id"] == filed[0]]
    assert [u["description"] for u in mine] == [
        "受理", "派单：济南市历下区住房和城乡建设局", "签收", "改派：济南市历下区城市管理局", "签收",
        "答复：已处理，如有问题请拨打 138****2222。"]
    assert [u["status"] for u in mine] == ["open"] * 5 + ["closed"]
    text = json.dumps(updates, ensure_ascii=False)
    assert "王五" not in text and "内部" not in text and "13900001111" not in text
    ids = [int(u["update_id"]) for u in updates]
    assert ids == sorted(ids)
    root = parse_xml(client.get(f"{BASE}/servicerequestupdates.xml").content)
    assert root.tag == "service_request_updates" and root.find("request_update/update_id") is not None
    window = {"start_date": "2000-01-01T00:00:00Z", "end_date": "2000-02-01T00:00:00Z"}
    assert client.get(f"{BASE}/servicerequestupdates.json", window).json() == []


# --- throttling and keys -------------------------------------------------------------------------

def test_a_client_over_its_rate_gets_429_with_retry_after(client):
    _, key = create_client("小流量", rate="2/min")
    assert [post(client, form(key)).status_code for _ in range(3)] == [201, 201, 429]
    response = post(client, form(key))
    assert int(response["Retry-After"]) > 0
    assert "rate limit" in errors_of(response)[0]["description"]
    assert ServiceRequest.objects.count() == 2


def test_anonymous_reads_are_limited_per_address(client, settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {
        **settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "open311_anon": "2/min"}}
    codes = [client.get(f"{BASE}/discovery.json").status_code for _ in range(3)]
    assert codes == [200, 200, 429]


def test_apikey_command_creates_prints_the_key_last_and_stores_only_its_hash(client):
    out = io.StringIO()
    call_command("apikey", "create", "FixMyStreet", "--contact", "mySociety", stdout=out)
    key = out.getvalue().strip().splitlines()[-1]
    assert key.startswith("zk_") and len(key) > 40
    stored = ApiClient.objects.get(name="FixMyStreet")
    assert stored.key_hash == hash_key(key) and key not in {stored.key_hash, stored.key_hint}
    assert post(client, form(key)).status_code == 201
    call_command("apikey", "revoke", "FixMyStreet", stdout=io.StringIO())
    assert post(client, form(key)).status_code == 403
    listing = io.StringIO()
    call_command("apikey", "list", stdout=listing)
    assert "FixMyStreet" in listing.getvalue() and "已吊销" in listing.getvalue()
    with pytest.raises(CommandError, match="已存在"):
        call_command("apikey", "create", "FixMyStreet", stdout=io.StringIO())
    with pytest.raises(CommandError, match="不存在"):
        call_command("apikey", "revoke", "nobody", stdout=io.StringIO())
    with pytest.raises(CommandError, match="格式不对"):
        call_command("apikey", "create", "x", "--rate", "lots", stdout=io.StringIO())


def test_admin_creates_a_client_shows_its_key_once_and_revokes(client, user):
    client.force_login(user("admin"))
    response = client.post("/admin/open311/apiclient/add/", {"name": "城市平台", "contact": "", "rate": ""},
                           follow=True)
    assert response.status_code == 200
    shown = re.search(r"zk_[A-Za-z0-9_-]+", response.content.decode()).group()
    created = ApiClient.objects.get(name="城市平台")
    assert created.key_hash == hash_key(shown)
    client.post("/admin/open311/apiclient/", {"action": "revoke", "_selected_action": [created.pk]})
    created.refresh_from_db()
    assert created.revoked_at is not None


def test_every_post_is_one_workflow_intake(client, app_key):
    """GIVEN a POST WHEN it is filed THEN exactly the workflow's events exist (no other writer)."""
    (item,) = post(client, form(app_key)).json()
    events = RequestEvent.objects.filter(request__number=item["service_request_id"])
    assert events.first().data["open311_client"] == "历下随手拍"
    assert events.first().data["channel"] == "api"


# --- cost of a POST: pinned, so a regression fails ------------------------------------------------

def _statements(client, data: dict, **headers) -> list[str]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        response = post(client, data, **headers)
    assert response.status_code == 201, response.content
    return [q["sql"].split()[0].upper() for q in queries.captured_queries]


# One POST, in its one transaction (the test's own transaction adds the SAVEPOINT/RELEASE pair that
# stands for BEGIN/COMMIT in production). On PostgreSQL: the order's id from its sequence (one
# SELECT nextval, so that its number is known before it is written); at the end of the workflow's
# batch (``engine.batched``) one INSERT of the order as intake, classify and dispatch left it and
# one INSERT of its three events (one immutable event per step); the submission with its answer
# (one INSERT). On SQLite (no sequence) the order is INSERTed at intake and the batch's end UPDATEs
# it once (its number and what the routing steps set, guarded by its version). The api_key's
# client, the service codes, the place's units and the catalogue come from per-process caches,
# and the workflow's nested blocks take no savepoints inside the POST (``submit.one_transaction``)
# on PostgreSQL; Django's SQLite backend always takes them (SAVEPOINT/RELEASE pairs more).
POST_STATEMENTS = {"postgresql": 6, "sqlite": 14}


def _limit() -> int:
    from django.db import connection

    return POST_STATEMENTS[connection.vendor]


def test_a_post_costs_a_fixed_number_of_sql_statements(client, app_key):
    from django.db import connection

    post(client, form(app_key, description="预热：第一次加载服务代码与派单目录"))
    kinds = _statements(client, form(app_key))
    assert len(kinds) <= _limit(), kinds
    assert kinds.count("INSERT") == 3  # order, its three events (one row per step) in one statement, submission
    if connection.vendor == "postgresql":
        assert kinds.count("SELECT") == 1  # nextval of the order's id; the client and units are cached
        assert kinds.count("UPDATE") == 0  # the order's row is written once
    else:
        assert kinds.count("SELECT") == 0  # the api_key's client and the place's units are cached
        assert kinds.count("UPDATE") == 1  # the order's number and the routing steps, guarded by its version


def test_a_post_with_an_idempotency_key_costs_two_more(client, app_key):
    post(client, form(app_key, description="预热"))
    kinds = _statements(client, form(app_key), **{"Idempotency-Key": "cost-1"})
    assert len(kinds) <= _limit() + 2, kinds  # the replay lookup; the claimed row gets its answer


def test_a_workflow_refusal_inside_a_post_rolls_everything_back(client):
    """Without savepoints inside the POST, a step refused half-way still leaves nothing behind."""
    key = create_client("历史导入", may_import_history=True)[1]
    data = form(key, requested_datetime="2025-03-01T09:00:00+08:00", agency_responsible="370102001002")
    response = post(client, data)  # a community may not lead an order: refused at dispatch
    assert response.status_code == 400
    assert any("主办单位不能是社区" in e["description"] for e in errors_of(response))
    assert not ServiceRequest.objects.exists() and not RequestEvent.objects.exists()
    assert not Submission.objects.exists()
    assert post(client, form(key)).status_code == 201  # the connection is usable afterwards


@pytest.mark.parametrize("agency", ["370102-D09", ""])
def test_a_closed_history_request_is_archived_not_left_in_a_queue(client, agency):
    """A matter closed in the other system: its unit (given, or the catalogue's) replies, then
    历史归档 — never a reply waiting for review or an order in the dispatcher's queue, as
    `import-requests --history` does."""
    from zhili.requests.choices import Resolution, State

    key = create_client("历史导入", may_import_history=True)[1]
    response = post(client, form(key, requested_datetime="2025-03-01T09:00:00+08:00", status="closed",
                                 updated_datetime="2025-03-04T16:00:00+08:00", status_notes="已处理",
                                 agency_responsible=agency or None))
    assert response.status_code == 201, response.content
    order = ServiceRequest.objects.get()
    assert (order.state, order.resolution) == (State.CLOSED, Resolution.ARCHIVED)
    actions = list(order.events.values_list("action", flat=True))
    assert actions[-1] == "archive" and ("reply" in actions) == (order.lead_unit_id is not None)
    if agency:
        assert order.lead_unit.code == agency and actions[:3] == ["intake", "dispatch", "accept"]
    else:  # routed by the catalogue, as any request
        assert actions[:3] == ["intake", "classify", "dispatch"] or "queue_for_dispatch" in actions
    item = client.get(f"{BASE}/requests/{order.number}.json").json()[0]
    assert (item["status"], item["status_notes"]) == ("closed", "历史归档")


def test_a_closed_history_request_without_dates_is_archived_at_its_receipt(client):
    """A closed history POST with neither requested_datetime nor updated_datetime: received now and
    archived at that moment (it was a misleading 400 "already filed" from a NULL event time)."""
    from zhili.requests.choices import Resolution, State

    key = create_client("历史导入", may_import_history=True)[1]
    response = post(client, form(key, status="closed", status_notes="已处理"))
    assert response.status_code == 201, response.content
    order = ServiceRequest.objects.get()
    assert (order.state, order.resolution) == (State.CLOSED, Resolution.ARCHIVED)
    assert order.closed_at == order.received_at == order.events.get(action="archive").at


def test_service_codes_are_cached_and_follow_an_edit_of_the_tree(client, app_key):
    from zhili.taxonomy.models import Category

    assert post(client, form(app_key)).status_code == 201
    leaf = Category.objects.get(code=ZHUJIAN_CODE)
    leaf.is_active = False
    leaf.save()  # the signal forgets this process's published services at once
    response = post(client, form(app_key))
    assert response.status_code == 400 and "not found" in errors_of(response)[0]["description"]


# --- the per-process key cache -------------------------------------------------------------------

def test_a_key_revoked_here_is_refused_at_once(client, app_key):
    assert post(client, form(app_key)).status_code == 201  # the key is now cached
    revoke_client("历下随手拍")
    response = post(client, form(app_key))
    assert response.status_code == 403 and "已吊销" in errors_of(response)[0]["description"]


def test_a_key_revoked_by_another_process_is_refused_within_the_cache_ttl(client, app_key, monkeypatch):
    from zhili.open311 import keys

    assert post(client, form(app_key)).status_code == 201
    # Another process (another server worker, the console) revokes: no signal reaches this one.
    ApiClient.objects.filter(name="历下随手拍").update(revoked_at=timezone.now())
    assert post(client, form(app_key)).status_code == 201  # still cached here, for at most TTL seconds
    later = keys.time.monotonic() + keys._KnownKeys.TTL + 0.1
    monkeypatch.setattr(keys.time, "monotonic", lambda: later)
    assert post(client, form(app_key)).status_code == 403
    assert keys._KnownKeys.TTL <= 5  # the delay docs/open311.md promises


def test_an_unknown_key_is_not_cached(client):
    from zhili.open311 import keys

    _, key = create_client("新客户端")
    ApiClient.objects.filter(name="新客户端").update(key_hash="0" * 64)  # unknown for now
    assert post(client, form(key)).status_code == 403
    ApiClient.objects.filter(name="新客户端").update(key_hash=keys.hash_key(key))
    assert post(client, form(key)).status_code == 201  # a refusal is not remembered


def test_a_lookup_that_overlaps_a_revocation_is_not_cached(app_key, monkeypatch):
    """GIVEN a key looked up while its client is revoked in another thread (the row was read
    before the revocation, stored in the cache after it), THEN the stale answer is not cached:
    the next request reads the revoked row."""
    from zhili.open311 import keys

    keys.invalidate_cache()
    real_active = ApiClient.objects.active

    def active_then_revoked():
        rows = list(real_active())  # read as it was
        revoke_client("历下随手拍")  # meanwhile, another thread revokes (and invalidates)
        return _Rows(rows)

    class _Rows:
        def __init__(self, rows):
            self.rows = rows

        def filter(self, key_hash):
            return _Rows([r for r in self.rows if r.key_hash == key_hash])

        def first(self):
            return self.rows[0] if self.rows else None

    monkeypatch.setattr(ApiClient.objects, "active", active_then_revoked)
    assert keys.client_for_key(app_key) is not None  # this lookup answers with what it read …
    monkeypatch.undo()
    assert keys.client_for_key(app_key) is None  # … but did not cache it


def test_a_phone_written_into_the_description_is_masked_in_the_title_made_from_it(client, app_key):
    response = post(client, form(app_key, description="联系我13912345678，工地夜间施工噪音扰民。"))
    assert response.status_code == 201, response.content
    order = ServiceRequest.objects.get(number=response.json()[0]["service_request_id"])
    assert order.title == "联系我139****5678，工地夜间施工噪音扰民。"
    assert "13912345678" in order.description  # stored as written; masked wherever it is shown
