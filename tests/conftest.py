"""Shared test set-up.

Once per test session the test database gets the reference data every test relies on: the
category tree, Lixia's units and dispatch catalogue, the work calendar (chinese-calendar), and
the named cast of users (``zhili.organisation.demo``: operator, dispatcher, zhujian (住建局
handler), zhujian_lead, jiaoti (教体局), jiefanglu (解放路街道), supervisor, leader, admin).
A small classifier is trained once, on the first 1,500 rows of the shipped training file, into
a temporary model folder. Tests that need "no model" use the ``no_model`` fixture.
"""

import io
import os
import shutil
import tempfile
from pathlib import Path

import pytest

_VAR = tempfile.mkdtemp(prefix="zhili-test-var-")
os.environ["ZHILI_VAR_DIR"] = _VAR
os.environ.setdefault("ZHILI_MODEL_DIR", str(Path(_VAR) / "models"))

PROJECT = Path(__file__).resolve().parent.parent
DATA = PROJECT / "data"


def pytest_configure(config):
    from django.conf import settings

    # Fast hashing: the cast logs in many times; production keeps Django's default.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # pytest-django may have read the settings before this file set the environment: point the
    # model folder at this run's own temporary folder explicitly, so two runs never share a model.
    settings.VAR_DIR = Path(_VAR)
    settings.ZHILI_MODEL_DIR = Path(_VAR) / "models"


def pytest_unconfigure(config):
    """The run's temporary folder (test database file, trained model, exports) goes with the run."""
    shutil.rmtree(_VAR, ignore_errors=True)


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix):
    """On SQLite the test database is a file in this run's temporary folder, not Django's
    in-memory default. With an in-memory database the browser tests' live server hands the
    test thread's one connection to its request threads; two threads on one sqlite3 connection
    deadlock as soon as a query calls a Python function (REGEXP, the date functions): one thread
    waits for SQLite's connection mutex holding the GIL, the other for the GIL holding the mutex.
    (CI hung for 90 minutes that way in the first browser test.) With a file every thread opens
    its own connection, as the web server does in production. On PostgreSQL the test database's
    name carries this process's id."""
    from django.db import connections

    settings = connections["default"].settings_dict
    if settings["ENGINE"].endswith("sqlite3"):
        settings.setdefault("TEST", {})["NAME"] = str(Path(_VAR) / "test-zhili.sqlite3")
    elif not settings.get("TEST", {}).get("NAME"):
        # A test database of this run's own on a shared server (two `make test` at once would
        # otherwise both create, use and drop test_postgres).
        settings.setdefault("TEST", {})["NAME"] = f"test_{settings['NAME']}_{os.getpid()}"


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    from django.core.management import call_command

    from zhili.organisation.demo import create_demo_users
    from zhili.workcalendar.loader import seed_from_chinese_calendar

    with django_db_blocker.unblock():
        seed_from_chinese_calendar()
        call_command("load_district", "lixia", stdout=io.StringIO())
        create_demo_users("pw")


@pytest.fixture
def reference_data(django_db_blocker):
    """The session data (categories, Lixia, calendar, cast), again if a flush took it: for tests with
    ``transaction=True``, which pytest-django runs last and follows with a flush of every table."""
    from django.core.cache import cache
    from django.core.management import call_command

    from zhili.organisation.demo import create_demo_users
    from zhili.routing import suggest
    from zhili.taxonomy.models import Category
    from zhili.workcalendar.loader import seed_from_chinese_calendar

    if not Category.objects.exists():
        import io

        seed_from_chinese_calendar()
        call_command("load_district", "lixia", stdout=io.StringIO())
        create_demo_users("pw")
    suggest._first_level.loaded_at = 0.0  # category rows may be new: forget cached ones
    cache.clear()


@pytest.fixture(autouse=True)
def fresh_process_caches():
    """Per-process caches (catalogue, place names, calendar, duplicate index …) must not carry
    rows from one test's rolled-back transaction into the next."""
    from zhili.open311 import keys as open311_keys
    from zhili.open311 import services as open311_services
    from zhili.routing import dispatch, duplicates, place, subcategories, suggest
    from zhili.workcalendar import service

    def clear():
        dispatch._catalogue.invalidate()
        place._index.invalidate()
        suggest._first_level.loaded_at = 0.0
        duplicates._shared.reset()
        subcategories.invalidate()
        service.invalidate_cache()
        open311_services.invalidate_cache()
        open311_keys.invalidate_cache()

    clear()
    yield
    clear()


@pytest.fixture(scope="session")
def trained_model():
    """Train the small test model once; returns its version."""
    import csv
    import io

    from zhili.datafiles import read_text
    from zhili.routing import classifier

    rows = list(csv.DictReader(io.StringIO(read_text(DATA / "tipdm2020c/fj2_train_segmented.csv.xz"))))[:1500]
    return classifier.train([r["分词文本"] for r in rows], [r["一级分类"] for r in rows], data_hash="test")


@pytest.fixture
def model(trained_model, settings):
    """A test function that wants the classifier installed."""
    from zhili.routing import classifier

    assert classifier.current_version() == trained_model
    return trained_model


@pytest.fixture
def no_model(settings, tmp_path):
    """Point the model folder at an empty directory: routing must work without suggestions."""
    from zhili.routing import classifier

    settings.ZHILI_MODEL_DIR = tmp_path / "no-models"
    classifier._loaded.reset()
    yield
    classifier._loaded.reset()


@pytest.fixture
def user(django_user_model):
    """Look up a member of the cast by username: ``user("dispatcher")``."""

    def get(username: str):
        return django_user_model.objects.get(username=username)

    return get


@pytest.fixture
def unit():
    """Look up a unit by code: ``unit("370102-D09")``."""
    from zhili.organisation.models import Unit

    def get(code: str):
        return Unit.objects.get(code=code)

    return get


@pytest.fixture
def client_as(client, user):
    """A test client logged in as a member of the cast: ``client_as("operator")``."""

    def login(username: str):
        client.force_login(user(username))
        return client

    return login


@pytest.fixture
def make_request(db):
    """Create a received request through the workflow's intake (and route it when asked)."""
    from zhili.workflow import actions

    def make(title="小区门口道路破损", description="历下区解放路街道某小区门口道路破损，行人容易摔倒。",
             route=False, **fields):
        request = actions.intake(title=title, description=description, **fields)
        if route:
            actions.route(request)
        return request

    return make
