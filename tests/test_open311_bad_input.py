"""Open311 input that a database or Python cannot hold: each is the standard error list (400) naming
the field, never a 500, and a refused POST stores nothing.

- a NUL character (``\\x00``): PostgreSQL refuses it in text, so it would fail at the first
  lookup; on SQLite it would be stored. Both engines answer the same 400.
- dates outside what a datetime (and PostgreSQL's timestamp) holds: year 0001 and 9999 overflow
  when the 90-day span is added or the time zone applied.
- a JSON body that is an array or a scalar instead of an object.
"""

import json
from urllib.parse import urlencode

import pytest
from django.core.cache import cache

from zhili.open311.keys import create_client
from zhili.open311.models import Submission
from zhili.requests.models import ServiceRequest

pytestmark = pytest.mark.django_db

BASE = "/open311/v2"


@pytest.fixture(autouse=True)
def fresh_throttle_counts():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def app_key():
    return create_client("历下随手拍")[1]


def good_form(key, **fields):
    data = {"api_key": key, "service_code": "010501", "lat": "36.6601", "long": "117.0876",
            "address_string": "历下区解放路22号", "description": "工地夜间施工，脚手架没有防护网。"}
    data.update(fields)
    return data


def descriptions(response) -> list[str]:
    body = response.json()
    assert isinstance(body, list) and body, body
    assert all(e["code"] == response.status_code for e in body)
    return [e["description"] for e in body]


def nothing_stored():
    return not ServiceRequest.objects.exists() and not Submission.objects.exists()


# --- NUL ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("field", ["description", "service_code", "address_string", "first_name", "phone",
                                   "attribute[request_type]", "lat", "device_id"])
def test_a_nul_in_a_posted_field_is_a_400_naming_the_field(client, app_key, field):
    data = good_form(app_key)
    data[field] = data.get(field, "x") + "\x00"
    response = client.post(f"{BASE}/requests.json", urlencode(data), content_type="application/x-www-form-urlencoded")
    assert response.status_code == 400
    assert any(f"{field} 含有非法的空字符" in d for d in descriptions(response)), response.content
    assert nothing_stored()


def test_a_nul_in_a_json_body_and_in_a_field_name_are_refused_too(client, app_key):
    body = json.dumps(good_form(app_key, description="路灯坏了\u0000"))
    response = client.post(f"{BASE}/requests.json", body, content_type="application/json")
    assert response.status_code == 400
    assert any("description 含有非法的空字符" in d for d in descriptions(response))
    response = client.post(f"{BASE}/requests.json", urlencode({**good_form(app_key), "x\x00y": "1"}),
                           content_type="application/x-www-form-urlencoded")
    assert response.status_code == 400
    assert nothing_stored()


def test_a_nul_in_the_api_key_is_a_400_not_a_403_or_500(client, app_key):
    response = client.post(f"{BASE}/requests.json", urlencode(good_form(app_key + "\x00")),
                           content_type="application/x-www-form-urlencoded")
    assert response.status_code == 400
    assert any("api_key 含有非法的空字符" in d for d in descriptions(response))
    assert nothing_stored()


@pytest.mark.parametrize(("path", "field"), [
    ("/requests.json?service_code=01%0001", "service_code"),
    ("/requests.json?service_request_id=LX%00", "service_request_id"),
    ("/requests.json?status=open%00", "status"),
    ("/requests.json?start_date=2026-01-01%00", "start_date"),
    ("/requests.xml?jurisdiction_id=%00", "jurisdiction_id"),
    ("/services.json?jurisdiction_id=370102%00", "jurisdiction_id"),
    ("/services/010501.json?x=%00", "x"),
    ("/servicerequestupdates.json?end_date=%00", "end_date"),
    ("/tokens/abc.json?page=%00", "page"),
    ("/requests/LX20260101-000001.json?jurisdiction_id=%00", "jurisdiction_id"),
])
def test_a_nul_in_a_query_string_is_a_400_naming_the_parameter(client, path, field):
    response = client.get(BASE + path)
    assert response.status_code == 400
    if path.startswith("/requests.xml"):
        assert f"{field} 含有非法的空字符".encode() in response.content
        return
    assert any(f"{field} 含有非法的空字符" in d for d in descriptions(response))


# --- dates out of range ----------------------------------------------------------------------------

@pytest.mark.parametrize("query", [
    "start_date=0001-01-01T00:00:00Z", "end_date=0001-01-01", "start_date=9999-12-31T23:59:59Z",
    "end_date=9999-12-31", "start_date=0001-01-01&end_date=0001-02-01",
    "start_date=9999-12-01T00:00:00%2B08:00&end_date=9999-12-31T00:00:00%2B08:00",
    "start_date=1000-01-01", "end_date=3000-01-01",
])
@pytest.mark.parametrize("endpoint", ["requests", "servicerequestupdates"])
def test_dates_outside_the_supported_range_are_a_400_naming_the_field(client, endpoint, query):
    response = client.get(f"{BASE}/{endpoint}.json?{query}")
    assert response.status_code == 400, response.content
    field = query.split("=")[0]
    assert any(field in d and "1900" in d for d in descriptions(response)), descriptions(response)


def test_an_out_of_range_history_date_is_a_400_and_stores_nothing(client):
    key = create_client("nyc-import", may_import_history=True)[1]
    data = good_form(key, requested_datetime="0001-01-01T00:00:00Z", status="closed")
    response = client.post(f"{BASE}/requests.json", urlencode(data), content_type="application/x-www-form-urlencoded")
    assert response.status_code == 400
    assert any("requested_datetime" in d for d in descriptions(response))
    assert nothing_stored()


# --- a JSON body that is not an object -------------------------------------------------------------

@pytest.mark.parametrize("body", ["[]", '[{"service_code": "010501"}]', '"text"', "42", "null", "true"])
def test_a_json_body_that_is_not_an_object_is_a_400(client, app_key, body):
    response = client.post(f"{BASE}/requests.json?api_key={app_key}", body, content_type="application/json")
    assert response.status_code == 400
    assert any("JSON 对象" in d for d in descriptions(response)), response.content
    assert nothing_stored()


def test_a_json_array_without_a_key_in_the_query_is_still_a_400(client):
    response = client.post(f"{BASE}/requests.json", "[1, 2]", content_type="application/json")
    assert response.status_code == 400
    assert nothing_stored()
