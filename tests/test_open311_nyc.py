"""Another city's records through our Open311 POST: the two NYC 311 samples (data/nyc311/) are
mapped by data/open311-import/nyc311_mapping.csv, POSTed with the history extension, and read
back through GET /requests: status, dates, service and agency as the source says."""

import datetime as dt
import io

import pytest
from django.core.cache import cache
from django.core.management import CommandError, call_command
from django.utils.dateparse import parse_datetime

from zhili.datafiles import data_path
from zhili.open311.importer import import_nyc, in_process_poster, load_mapping, nyc_time, read_nyc
from zhili.open311.keys import create_client
from zhili.open311.services import published_category
from zhili.organisation.models import Unit
from zhili.requests.models import ServiceRequest

pytestmark = pytest.mark.django_db

SAMPLES = ["nyc311/nyc311_sample_opendata_export.csv", "nyc311/nyc311_sample_socrata_api.csv"]


@pytest.fixture
def import_key():
    cache.clear()
    return create_client("nyc-import", rate="100000/min", may_import_history=True)[1]


@pytest.fixture(scope="module")
def mapping():
    return load_mapping(data_path("open311-import/nyc311_mapping.csv"))


def test_every_mapping_target_exists(mapping):
    for code in set(mapping.services.values()):
        assert published_category(code) is not None, code
    assert Unit.objects.filter(code__in=set(mapping.units.values())).count() == len(set(mapping.units.values()))


def _read_back(client, numbers: list[str]) -> dict[str, dict]:
    found = {}
    for start in range(0, len(numbers), 500):
        chunk = numbers[start:start + 500]
        response = client.get("/open311/v2/requests.json", {"service_request_id": ",".join(chunk)})
        assert response.status_code == 200
        found.update({item["service_request_id"]: item for item in response.json()})
    return found


@pytest.mark.parametrize("sample", SAMPLES)
def test_nyc_sample_reads_back_with_its_status_and_dates(sample, client, import_key, mapping):
    path = data_path(sample)
    rows = {row["unique_key"]: row for row in read_nyc(path)}
    # The source has rows closed before they were created; our server refuses those (400).
    impossible = {k for k, r in rows.items() if r["status"] == "Closed"
                  and nyc_time(r["closed_date"]) < nyc_time(r["created_date"])}

    report = import_nyc(path, mapping, in_process_poster(import_key))

    assert {key for _, key, _ in report.refused} == impossible
    assert all("updated_datetime is before requested_datetime" in reason for _, _, reason in report.refused)
    assert report.created == len(rows) - len(impossible) == ServiceRequest.objects.count()
    units = {u.code: u.name for u in Unit.objects.all()}
    items = _read_back(client, list(report.numbers.values()))
    assert len(items) == report.created
    closed = 0
    for key, number in report.numbers.items():
        row, item = rows[key], items[number]
        requested = parse_datetime(item["requested_datetime"])
        assert requested == nyc_time(row["created_date"]), (key, item)
        assert item["service_code"] == mapping.service_for(row["complaint_type"])
        assert item["agency_responsible"] == units[mapping.unit_for(row["agency"])]
        if row["status"] == "Closed":
            closed += 1
            assert item["status"] == "closed", (key, item)
            assert parse_datetime(item["updated_datetime"]) == nyc_time(row["closed_date"]), (key, item)
            assert item["status_notes"] == "历史归档"  # the unit's reply, then archived: not in any queue
        else:
            assert item["status"] == "open", (key, item)
            assert parse_datetime(item["updated_datetime"]) == requested
    assert closed > 600
    # A re-run files nothing twice: every row is answered from its idempotency record.
    again = import_nyc(path, mapping, in_process_poster(import_key), limit=50)
    assert again.created == 0 and again.replayed == 50 - len([1 for line, _, _ in report.refused if line <= 51])
    assert ServiceRequest.objects.count() == report.created


def test_an_open311_import_keeps_the_source_id_and_history_on_the_order(import_key, mapping):
    path = data_path(SAMPLES[1])
    report = import_nyc(path, mapping, in_process_poster(import_key), limit=3)
    key, number = next(iter(report.numbers.items()))
    order = ServiceRequest.objects.get(number=number)
    assert order.source == "open311:nyc-import" and order.external_id == f"nyc311:{key}"
    assert order.channel == "api"
    assert [e.action for e in order.events.all()][:2] == ["intake", "dispatch"]


def test_history_fields_need_a_key_that_allows_them(client, mapping):
    cache.clear()
    _, plain_key = create_client("citizen-app")
    report = import_nyc(data_path(SAMPLES[1]), mapping, in_process_poster(plain_key), limit=2)
    assert report.created == 0 and all(reason.startswith("403") for _, _, reason in report.refused)


def test_the_import_command(import_key, tmp_path):
    out, err = io.StringIO(), io.StringIO()
    call_command("import_open311", str(data_path(SAMPLES[1])), "--api-key", import_key, "--limit", "5",
                 stdout=out, stderr=err)
    assert "新建 5，已导入过 0，被拒绝 0" in out.getvalue()
    with pytest.raises(CommandError, match="api-key"):
        call_command("import_open311", str(data_path(SAMPLES[1])), "--api-key", "", stdout=out)
    bad = tmp_path / "mapping.csv"
    bad.write_text("kind,value,target,target_name\nagency,NYPD,370102-D22,x\n", encoding="utf-8")
    with pytest.raises(CommandError, match="默认值"):
        call_command("import_open311", str(data_path(SAMPLES[1])), "--api-key", import_key,
                     "--mapping", str(bad), stdout=out)


def test_nyc_times_are_new_york_local_times():
    assert nyc_time("06/26/2018 10:58:54 AM") == dt.datetime(2018, 6, 26, 14, 58, 54, tzinfo=dt.UTC)
    assert nyc_time("2024-05-27T02:08:51.000") == dt.datetime(2024, 5, 27, 6, 8, 51, tzinfo=dt.UTC)
