"""``zhili stats --json`` and the masking of requesters' personal data."""

import io
import json

import openpyxl
import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from rest_framework.authtoken.models import Token

from zhili.assessment.stats import totals
from zhili.requests.privacy import mask_name, mask_phone, mask_text
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


@pytest.mark.parametrize(("text", "masked"), [
    ("联系我13912345678，我叫张三", "联系我139****5678，我叫张*"),
    ("电话 +86 139-1234-5678", "电话 139****5678"),
    ("身份证370102199001011234", "身份证370****1234"),
    ("2019年5月16日办结，共3户", "2019年5月16日办结，共3户"),
    ("与工单LX20261130-000123重复", "与工单LX20261130-000123重复"),
    ("", ""),
])
def test_mask_text_masks_numbers_and_the_requesters_name_in_free_text(text, masked):
    assert mask_text(text, "张三") == masked


@pytest.mark.django_db
def test_numbers_written_into_the_text_are_masked_where_contact_details_are_not_shown(client_as, make_request, unit,
                                                                                      user):
    """GIVEN an order whose text carries the caller's phone THEN its lead unit and the hotline read
    it as written; a leader (no contact details) reads it masked on the page, and the native API
    and the Excel export mask it for everyone."""
    order = make_request(title="噪音扰民13912345678", description="夜间施工，联系我13912345678。")
    actions.dispatch(order, unit("370102-D09"))
    page = client_as("zhujian").get(f"/requests/{order.number}/").content.decode()
    assert "13912345678" in page
    page = client_as("leader").get(f"/requests/{order.number}/").content.decode()
    assert "13912345678" not in page and "联系我139****5678" in page and "噪音扰民139****5678" in page
    for username, url in [("leader", reverse("web:request-list")), ("zhujian", reverse("web:unit-inbox"))]:
        listing = client_as(username).get(url).content.decode()  # lists mask it for everyone
        assert "噪音扰民139****5678" in listing and "13912345678" not in listing, username

    token, _ = Token.objects.get_or_create(user=user("zhujian"))
    detail = Client(HTTP_AUTHORIZATION=f"Token {token.key}").get(f"/api/v1/requests/{order.number}/").json()
    assert (detail["title"], detail["description"]) == ("噪音扰民139****5678", "夜间施工，联系我139****5678。")
    export = client_as("dispatcher").get(reverse("web:export"))
    assert export.status_code == 200
    content = b"".join(export.streaming_content)
    export.close()
    cells = [str(v) for row in openpyxl.load_workbook(io.BytesIO(content)).active.iter_rows(values_only=True)
             for v in row if v is not None]
    assert "夜间施工，联系我139****5678。" in cells and not any("13912345678" in c for c in cells)
