"""Front-end assets are vendored and served locally: no CDN, ever (the intranet is offline)."""

import re
import subprocess
from pathlib import Path

import pytest
from django.urls import reverse

PROJECT = Path(__file__).resolve().parent.parent
WEB = PROJECT / "src" / "zhili" / "web"
VENDOR = WEB / "static" / "vendor"
TEMPLATES = sorted((WEB / "templates").rglob("*.html"))
OWN_STATIC = sorted(p for p in (WEB / "static" / "web").rglob("*") if p.is_file())
EXTERNAL = re.compile(r"""(?:src|href|url)\s*[=(]\s*["']?\s*(?:https?:)?//""", re.I)


def test_vendored_files_match_their_manifest():
    script = PROJECT / "scripts" / "verify-vendored-assets.sh"
    result = subprocess.run([str(script)], capture_output=True, text=True, check=False)  # noqa: S603 - our script
    assert result.returncode == 0, result.stderr
    assert "match MANIFEST.txt" in result.stdout


def test_manifest_pins_bootstrap_htmx_and_echarts():
    rows = [line.split() for line in (VENDOR / "MANIFEST.txt").read_text().splitlines()
            if line and not line.startswith("#")]
    files = {row[2]: row[1] for row in rows}
    assert {"bootstrap/bootstrap.min.css", "bootstrap/bootstrap.bundle.min.js", "htmx.org/htmx.min.js",
            "echarts/echarts.min.js"} <= set(files)
    assert all(re.fullmatch(r"\d+\.\d+\.\d+", version) for version in files.values())
    assert all(re.fullmatch(r"[0-9a-f]{64}", row[3]) for row in rows)


@pytest.mark.parametrize("path", TEMPLATES + OWN_STATIC, ids=lambda p: p.name)
def test_templates_and_own_static_files_load_nothing_from_the_internet(path):
    text = path.read_text(encoding="utf-8")
    assert not EXTERNAL.search(text)
    assert "cdn" not in text.lower()


@pytest.mark.parametrize("path", TEMPLATES, ids=lambda p: p.name)
def test_every_static_reference_exists(path):
    for name in re.findall(r"""{%\s*static\s+['"]([^'"]+)['"]""", path.read_text(encoding="utf-8")):
        assert (WEB / "static" / name).is_file(), name


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["web:request-list", "web:dashboard"])
def test_rendered_pages_use_only_local_assets(client_as, name):
    html = client_as("dispatcher").get(reverse(name)).content.decode()
    assert '<link rel="stylesheet" href="/static/vendor/bootstrap/bootstrap.min.css">' in html
    assert '<script src="/static/vendor/bootstrap/bootstrap.bundle.min.js" defer></script>' in html
    assert not EXTERNAL.search(html)


@pytest.mark.django_db
def test_login_page_uses_only_local_assets(client):
    html = client.get(reverse("login")).content.decode()
    assert "/static/vendor/bootstrap/bootstrap.min.css" in html
    assert not EXTERNAL.search(html)
