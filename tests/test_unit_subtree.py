"""The one "unit and the units below it" rule (``zhili.organisation.subtree``), read by
``Unit.subtree``, ``ServiceRequest.objects.visible_to`` and ``may_reveal``."""

import pytest

from zhili.organisation.models import Unit, UnitKind
from zhili.organisation.subtree import is_within, unit_paths, within
from zhili.requests.models import ServiceRequest
from zhili.requests.privacy import may_reveal
from zhili.workflow import actions

pytestmark = pytest.mark.django_db


def test_a_subdistricts_subtree_is_itself_and_its_communities(unit):
    jiefanglu = unit("370102001")
    inside = set(Unit.objects.filter(within([jiefanglu.path])).values_list("kind", flat=True))
    assert inside == {UnitKind.SUBDISTRICT, UnitKind.COMMUNITY}
    assert set(jiefanglu.subtree()) == set(Unit.objects.filter(within([jiefanglu.path])))
    assert unit("370102-D09") not in jiefanglu.subtree()


def test_no_paths_match_nothing_and_a_code_prefix_is_not_a_parent():
    assert not Unit.objects.filter(within([])).exists()
    assert not is_within("/370102/3701020011/", ["/370102/370102001/"])
    assert is_within("/370102/370102001/370102001002/", ["/370102/370102001/"])
    assert not is_within(None, ["/370102/"]) and not is_within("/370102/", [])


def test_a_users_paths_and_the_foreign_key_form(user, unit, make_request):
    assert unit_paths(user("zhujian")) == [unit("370102-D09").path]
    assert unit_paths(user("operator")) == []
    request = make_request()
    actions.dispatch(request, unit("370102-D09"), actor=user("dispatcher"))
    led = ServiceRequest.objects.filter(within(unit_paths(user("zhujian")), "lead_unit"))
    assert list(led) == [request]
    assert list(ServiceRequest.objects.visible_to(user("zhujian"))) == [request]
    assert not ServiceRequest.objects.visible_to(user("jiaoti")).exists()
    assert may_reveal(request, user("zhujian")) and not may_reveal(request, user("jiaoti"))
