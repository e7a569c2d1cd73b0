"""Real Open311 clients from PyPI against a live test server (pytest-django ``live_server``).

- ``georeport`` (0.3.1, the newest) lists services, reads a definition, lists requests and reads
  one back, in JSON and XML. It has **no method to file a request** — nor has any earlier release
  (0.1.0, 0.2.0, 0.2.1, 0.3.0: only GET calls, checked in their published wheels).
- So the POST is made with ``civicbot``'s ``open311.Open311Client.create_request`` — the one
  maintained Python 3 Open311 client on PyPI that can POST (the older ``open311`` 1.1 and
  ``three`` 0.8 are Python 2 only) — exactly as it would file to a city.

These tests need committed rows (``transaction=True``); pytest-django runs them after the
ordinary tests and empties the database after each, so the reference data are loaded here when
missing.
"""

import threading

import pytest
from django.db import connection

from zhili.open311.keys import create_client
from zhili.requests.models import ServiceRequest

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def civic_client():
    from civicbot.http import HttpTransport, RateLimiter
    from civicbot.open311 import Open311Client
    from civicbot.registry import Endpoint

    def make(base_url: str):
        endpoint = Endpoint(id="zhili-test", name="Zhili (test server)", base_url=base_url, write=True)
        return Open311Client(endpoint, transport=HttpTransport(rate_limiter=RateLimiter(min_interval=0)),
                             jurisdiction_id="370102")

    return make


def test_georeport_lists_civicbot_files_georeport_reads_back(live_server, reference_data, civic_client, model):
    from georeport import GeoReport

    _, key = create_client("civic-app")
    root = f"{live_server.url}/open311/v2"
    geo = GeoReport(root, jurisdiction="370102")

    services = geo.get_service_list()
    assert len(services) == 517
    service = next(s for s in services if s["service_code"] == "010501")
    assert service["group"] == "城乡建设" and service["metadata"] is True
    definition = geo.get_service_definition("010501")
    assert definition["attributes"][0]["code"] == "request_type"

    civic = civic_client(root)
    prepared = civic.create_request(
        "010501", dry_run=False, confirm="SEND", api_key=key, validate_remote=True,
        lat=36.6601, lng=117.0876, address_string="历下区解放路22号", description="工地夜间施工，脚手架无防护网",
        attributes={"request_type": "report"}, first_name="三", last_name="张", phone="13812345678",
        email="zs@example.com", device_id="android-1", account_id="u-77")
    (answer,) = prepared.response
    number = answer["service_request_id"]
    assert answer["account_id"] == "u-77" and "已派单" in answer["service_notice"]
    assert civic.get_token(answer["token"]) == [{"service_request_id": number, "token": answer["token"]}]

    item = geo.get_service_request(number)
    assert item["service_code"] == "010501" and item["status"] == "open"
    assert item["agency_responsible"] == "济南市历下区住房和城乡建设局"
    assert "张三" not in str(item) and "13812345678" not in str(item)
    assert [r["service_request_id"] for r in geo.get_service_requests(service_request_id=number)] == [number]
    assert geo.get_service_requests(service_code="010501", status="open")[0]["service_request_id"] == number

    xml = GeoReport(root, jurisdiction="370102", output_format="xml")
    assert xml.get_service_request(number)["service_request_id"] == number
    assert len(xml.get_service_list()) == 517
    assert xml.get_service_definition("010501")["service_code"] == "010501"

    # civicbot retries the same POST (same device and account): the same answer, nothing new filed
    again = civic.create_request("010501", dry_run=False, confirm="SEND", api_key=key, lat=36.6601, lng=117.0876,
                                 address_string="历下区解放路22号", description="工地夜间施工，脚手架无防护网",
                                 attributes={"request_type": "report"}, first_name="三", last_name="张",
                                 phone="13812345678", email="zs@example.com", device_id="android-1",
                                 account_id="u-77")
    assert again.response == prepared.response
    assert ServiceRequest.objects.count() == 1


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="runs in `make test`'s PostgreSQL pass")
def test_simultaneous_retries_with_one_idempotency_key_file_once(live_server, reference_data):
    """GIVEN 8 clients sending the same POST with the same Idempotency-Key at the same moment
    THEN one request is filed and every answer names it."""
    import json
    import urllib.parse
    import urllib.request

    _, key = create_client("burst-app")
    body = urllib.parse.urlencode({"api_key": key, "service_code": "010501", "address_string": "历下区解放路",
                                   "description": "同一次提交的重试"}).encode()
    barrier, answers = threading.Barrier(8), []

    def send():
        request = urllib.request.Request(  # noqa: S310 - the local test server
            f"{live_server.url}/open311/v2/requests.json", data=body, method="POST",
            headers={"Idempotency-Key": "retry-burst-1"})
        barrier.wait(timeout=10)
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 - the local test server
            answers.append(json.loads(response.read())[0]["service_request_id"])

    threads = [threading.Thread(target=send) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert len(answers) == 8 and len(set(answers)) == 1
    assert ServiceRequest.objects.count() == 1
