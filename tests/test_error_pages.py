"""Users meet Chinese error pages, not Django's English defaults."""

import pytest


@pytest.mark.django_db
def test_404_and_403_pages_are_in_chinese(client_as, make_request, unit):
    from zhili.workflow import actions

    request = make_request()
    actions.dispatch(request, unit("370102-D09"))
    client = client_as("jiaoti")
    missing = client.get(f"/requests/{request.number}/")
    assert missing.status_code == 404
    assert "页面不存在" in missing.content.decode() and "Not Found" not in missing.content.decode()
    forbidden = client.get("/queue/")
    assert forbidden.status_code == 403
    assert "无权访问" in forbidden.content.decode()
