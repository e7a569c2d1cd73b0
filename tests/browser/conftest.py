"""Browser tests: each role signs in through the login form and does its main work in Chromium.

- The browser is Debian's ``/usr/bin/chromium`` (``ZHILI_CHROMIUM`` to override), driven by
  Playwright's Python API; ``playwright install`` is never run. ``scripts/browser-setup.sh``
  installs Chromium with apt-get when it is missing. A missing browser **fails** these tests: in
  CI they must run, never be skipped.
- The site is pytest-django's ``live_server`` on the test database. Its requests run in another
  thread, so the tests need committed rows (``transaction=True``); pytest-django runs them after
  the ordinary tests and empties the database after each, so ``reference_data`` loads the
  categories, Lixia's units and catalogue, the calendar and the cast again when they are gone.
- Playwright's sync API keeps an event loop running in the test's thread, which Django's ORM
  would refuse as "async"; ``DJANGO_ALLOW_ASYNC_UNSAFE`` is set while the browser is open (the
  test thread never runs real async code).
- Screenshots at 1366×768 are written to ``test-artifacts/screenshots/`` (gitignored).
"""

import io
import os
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("ZHILI_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-sync"]
VIEWPORT = {"width": 1366, "height": 768}
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
PASSWORD = "pw"  # the conftest's cast password
TIMEOUT_MS = 15_000


@pytest.fixture(scope="module")
def browser():
    """One headless Chromium for the module's tests."""
    if not Path(CHROMIUM).exists():
        pytest.fail(f"找不到浏览器 {CHROMIUM}：请先运行 scripts/browser-setup.sh（apt-get install chromium）")
    from playwright.sync_api import sync_playwright

    patch = pytest.MonkeyPatch()
    patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    try:
        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            yield chromium
            chromium.close()
    finally:
        patch.undo()


@pytest.fixture
def reference_data(transactional_db):
    """The session's reference data, loaded again when a flush took it. (The process caches
    that hold rows of it were emptied by the conftest's ``fresh_process_caches`` just before,
    and refill from the reloaded rows.)"""
    from django.core.management import call_command

    from zhili.organisation.demo import create_demo_users
    from zhili.organisation.models import Unit
    from zhili.workcalendar.loader import seed_from_chinese_calendar

    if not Unit.objects.exists():
        seed_from_chinese_calendar()
        call_command("load_district", "lixia", stdout=io.StringIO())
        create_demo_users(PASSWORD)


@pytest.fixture
def site(browser, live_server, reference_data):
    """``site.login(username)`` → a new page at 1366×768, signed in through the login form with
    the keyboard; ``site.url(path)``; ``site.shot(page, name)`` saves a screenshot."""

    class Site:
        def __init__(self) -> None:
            self.contexts = []

        def url(self, path: str) -> str:
            return f"{live_server.url}{path}"

        def login(self, username: str):
            context = browser.new_context(viewport=VIEWPORT, locale="zh-CN", timezone_id="Asia/Shanghai")
            context.set_default_timeout(TIMEOUT_MS)
            self.contexts.append(context)
            page = context.new_page()
            page.goto(self.url("/accounts/login/"))
            page.keyboard.type(username)  # the username field has the focus
            page.keyboard.press("Tab")
            page.keyboard.type(PASSWORD)
            with page.expect_navigation():
                page.keyboard.press("Enter")
            assert "/accounts/login/" not in page.url, f"{username} 登录失败"
            return page

        def shot(self, page, name: str) -> None:
            SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(SCREENSHOTS / f"{name}.png"))

    site = Site()
    yield site
    for context in site.contexts:
        context.close()
