"""Loading Lixia's units, the category tree and the dispatch catalogue."""

import io

import pytest
from django.core.management import call_command

from zhili.organisation.models import Unit, UnitKind
from zhili.routing.models import DispatchRule
from zhili.taxonomy.models import Category

pytestmark = pytest.mark.django_db


def test_lixia_has_13_subdistricts_and_139_communities_with_national_codes():
    assert Unit.objects.filter(kind=UnitKind.SUBDISTRICT).count() == 13
    assert Unit.objects.filter(kind=UnitKind.COMMUNITY).count() == 139
    jiefanglu = Unit.objects.get(code="370102001")
    assert jiefanglu.name == "解放路街道"
    assert Unit.objects.get(code="370102001002").parent == jiefanglu
    assert set(jiefanglu.subtree().filter(kind=UnitKind.COMMUNITY).values_list("code", flat=True)) >= {
        "370102001002", "370102001003"}


def test_taxonomy_has_15_118_517_nodes_with_stable_codes():
    assert [Category.objects.filter(level=level).count() for level in (1, 2, 3)] == [15, 118, 517]
    first = Category.objects.get(level=1, name="城乡建设")
    assert first.code == "01"
    leaf = Category.objects.get(level=3, name="事故处理", parent__name="安全生产", parent__parent=first)
    assert leaf.code == "010101"
    assert leaf.full_name == "城乡建设 / 安全生产 / 事故处理"


def test_reloading_the_district_changes_nothing():
    before = (list(Unit.objects.order_by("code").values_list("code", "name", "parent_id", "path")),
              list(DispatchRule.objects.order_by("pk").values_list("category_id", "lead_unit_id", "territorial")),
              list(Category.objects.order_by("code").values_list("code", "name")))
    out = io.StringIO()
    call_command("load_district", "lixia", stdout=out)
    call_command("load_taxonomy", stdout=out)
    after = (list(Unit.objects.order_by("code").values_list("code", "name", "parent_id", "path")),
             list(DispatchRule.objects.order_by("pk").values_list("category_id", "lead_unit_id", "territorial")),
             list(Category.objects.order_by("code").values_list("code", "name")))
    assert before == after
    assert "新建 0" in out.getvalue()


def test_every_first_level_category_has_a_dispatch_rule():
    covered = set(DispatchRule.objects.filter(category__level=1).values_list("category__name", flat=True))
    assert covered == set(Category.objects.filter(level=1).values_list("name", flat=True))


def test_no_catalogue_rule_sends_work_to_a_community():
    """66号: department duties are never pushed down to communities."""
    assert not DispatchRule.objects.filter(lead_unit__kind=UnitKind.COMMUNITY).exists()
