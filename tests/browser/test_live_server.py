"""The live server the browser tests use keeps to one connection per thread.

With Django's in-memory SQLite test database the live server would hand the test thread's one
connection to its request threads; two threads on one sqlite3 connection deadlock when a query
calls a Python function (the knowledge search's REGEXP on SQLite), and the run hangs until CI's
limit. The conftest gives SQLite a test database file instead (``django_db_modify_db_settings``).
"""

import io
import threading
import urllib.parse
import urllib.request

from django.contrib.auth import get_user_model

from zhili.knowledge.models import KnowledgeArticle
from zhili.taxonomy.models import Category

User = get_user_model()


def test_request_threads_get_connections_of_their_own(django_db_setup, live_server, transactional_db):
    from django.db import connection

    assert live_server.thread.connections_override == {}
    if connection.vendor == "sqlite":
        assert not connection.is_in_memory_db()


def test_suggestions_and_the_test_thread_query_at_once_without_a_deadlock(django_db_setup, live_server, reference_data,
                                                                           model):
    """Eight threads ask the intake suggestions (the knowledge search's REGEXP on SQLite) while
    the test thread runs the same kind of query; every request answers. With a shared
    connection this hung within a few rounds."""
    from django.core.management import call_command
    from django.test import Client

    call_command("load_knowledge", "--demo", stdout=io.StringIO())
    client = Client()
    client.force_login(User.objects.get(username="operator"))
    cookie = f"sessionid={client.cookies['sessionid'].value}"
    query = urllib.parse.urlencode({"title": "小学乱收费", "description": "解放路街道某小学要求家长缴纳资料费"})
    answers, errors = [], []

    def fetch():
        request = urllib.request.Request(  # noqa: S310 - the local live server
            f"{live_server.url}/intake/suggest/?{query}", headers={"Cookie": cookie})
        try:
            for _ in range(5):
                with urllib.request.urlopen(request, timeout=30) as answer:  # noqa: S310
                    answers.append(answer.status)
        except Exception as exc:  # reported by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=fetch) for _ in range(8)]
    for thread in threads:
        thread.start()
    for _ in range(100):
        list(KnowledgeArticle.objects.filter(title__iregex="乱收费|停水").values_list("pk", "title"))
        list(Category.objects.values_list("pk", "code", "name"))
    for thread in threads:
        thread.join(120)
    assert (answers, errors) == ([200] * 40, [])
