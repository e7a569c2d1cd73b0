"""``zhili stats --json`` and the masking of requesters' personal data."""

import io
import json

import pytest
from django.core.management import call_command

from zhili.assessment.stats import totals
from zhili.requests.privacy import mask_name, mask_phone
from zhili.workflow import actions


@pytest.mark.django_db
def test_stats_json_is_the_last_line_and_counts_by_state_category_and_unit(make_request, unit, model):
    make_request()  # stays received
    routed = make_request("学校乱收费", "某小学违规收取补课费，请教育局查处。", route=True)
    out = io.StringIO()
    call_command("stats", "--json", stdout=out)
    data = json.loads(out.getvalue().strip().splitlines()[-1])
    assert data == totals()
    assert data["requests"] == 2
    assert data["undispatched"] == 1
    assert sum(data["by_state"].values()) == 2
    routed.refresh_from_db()
    assert data["by_category"][routed.category.name] == 1
    assert data["by_lead_unit"][routed.lead_unit.name] == 1
    assert data["by_lead_unit"]["未派单"] == 1


@pytest.mark.django_db
def test_stats_count_lower_level_categories_under_their_first_level(make_request):
    from zhili.taxonomy.models import Category

    request = make_request()
    actions.classify(request, Category.objects.get(name="自来水供应"))
    assert totals()["by_category"] == {"城乡建设": 1}


@pytest.mark.parametrize(("phone", "masked"), [
    ("13812345678", "138****5678"), ("+86 138-1234-5678", "138****5678"), ("0531-8612345", "053****2345"),
    ("86123", "*****"),
    ("12345", "*****"), ("", ""),
])
def test_mask_phone(phone, masked):
    assert mask_phone(phone) == masked
    digits = "".join(c for c in phone if c.isdigit())
    if len(digits) >= 6:
        assert digits not in mask_phone(phone)


@pytest.mark.parametrize(("name", "masked"), [("张三丰", "张**"), ("王五", "王*"), ("U00012", "U0***2"), ("", ""),
                                            ("Tom", "T**"), ("Li", "L*"), ("Ann", "A**")])
def test_mask_name(name, masked):
    assert mask_name(name) == masked


@pytest.mark.django_db
def test_confidential_requests_hide_the_requester_entirely(make_request):
    request = make_request(requester_name="张三", requester_phone="13812345678", confidential=True)
    assert request.requester_name_masked == request.requester_phone_masked == "（保密）"
