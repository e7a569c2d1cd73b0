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


@pytest.mark.django_db
def test_a_nul_character_in_the_path_is_refused_with_a_400(client_as):
    client = client_as("dispatcher")
    assert client.get("/requests/a%00b/").status_code == 400
    assert client.get("/requests/a%00b/act/accept/").status_code == 400


@pytest.mark.django_db
def test_an_absurd_date_filter_is_an_error_not_a_500(client_as):
    response = client_as("dispatcher").get("/?received_from=0001-01-01")
    assert response.status_code == 200
    assert "1900" in response.content.decode()


@pytest.mark.django_db
def test_odd_reminder_ids_are_ignored_not_a_500(client_as):
    client = client_as("zhujian")
    for value in ("²", "99999999999999999999999", "abc"):
        assert client.post("/inbox/reminders/read/", {"reminder": value}).status_code == 302
