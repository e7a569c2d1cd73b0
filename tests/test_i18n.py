"""The interface goes through Django's i18n: Chinese source strings, an English catalogue.

- Every template's Chinese text sits inside ``{% translate %}`` / ``{% blocktranslate %}`` (or a
  ``_("…")`` filter argument): checked with Django's own template lexer, no gettext tools needed.
- Every message the templates produce has a non-fuzzy English translation in
  ``locale/en/LC_MESSAGES/django.po``, and the committed ``django.mo`` says the same (read with the
  standard library's ``gettext``), so a machine without gettext tools has the catalogue too.
- The language is the user's choice (the footer's switch, a cookie) or ``LANGUAGE_CODE``; the
  browser's Accept-Language is ignored (docs/i18n.md).
"""

import ast
import gettext as stdlib_gettext
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.template import engines
from django.template.base import Lexer, TokenType
from django.templatetags.i18n import BlockTranslateNode, TranslateNode
from django.urls import reverse
from django.utils import translation

SRC = Path(__file__).resolve().parent.parent / "src" / "zhili"
TEMPLATES = sorted(SRC.glob("*/templates/**/*.html"))
CATALOGUE = Path(settings.LOCALE_PATHS[0]) / "en" / "LC_MESSAGES"
# CJK ideographs, CJK punctuation (not U+3000, the ideographic space: layout, not words) and
# full-width forms such as "（" and "：".
CJK = re.compile(r"[\u3001-\u303f\u3400-\u4dbf\u4e00-\u9fff\uff00-\uffef]")
# A ``_("…")`` argument inside a variable or tag: translated by Django, extracted by makemessages.
MARKED = re.compile(r'_\("(?:[^"\\]|\\.)*"\)')
# Chinese text in templates that is data, not interface, and so stays untranslated: none.
# (An entry would be (template path relative to src/zhili, the text), with a comment saying why.)
ALLOWED: set[tuple[str, str]] = set()


def _untranslated(name: str, source: str) -> list[str]:
    """The places in one template (``name``: its path under src/zhili) where Chinese text is
    outside translate/blocktranslate."""
    found, inside = [], None
    for token in Lexer(source).tokenize():
        words = token.split_contents() if token.token_type == TokenType.BLOCK else []
        tag = words[0] if words else ""
        if inside:
            if tag == inside:
                inside = None
            continue
        if tag in ("blocktranslate", "blocktrans", "comment"):
            inside = "endcomment" if tag == "comment" else "end" + tag
        elif token.token_type == TokenType.TEXT:
            for offset, line in enumerate(token.contents.splitlines()):
                if CJK.search(line) and (name, line.strip()) not in ALLOWED:
                    found.append(f"{name}:{token.lineno + offset}: {line.strip()}")
        elif (token.token_type in (TokenType.VAR, TokenType.BLOCK) and tag not in ("translate", "trans")
              and CJK.search(MARKED.sub("", token.contents))):
            found.append(f"{name}:{token.lineno}: {{{{ {token.contents} }}}} has an unmarked Chinese literal")
    return found


def test_templates_are_found():
    names = {str(p.relative_to(SRC)) for p in TEMPLATES}
    assert {"web/templates/web/base.html", "web/templates/403.html", "web/templates/500.html",
            "web/templates/registration/login.html", "assessment/templates/assessment/report.html"} <= names


def test_no_template_has_chinese_outside_translate_tags():
    """GIVEN every template WHEN lexed THEN no Chinese text is left outside translate blocks
    (a new untranslated string fails here, with its file and line)."""
    found = [place for path in TEMPLATES
             for place in _untranslated(str(path.relative_to(SRC)), path.read_text(encoding="utf-8"))]
    assert not found, "Chinese text outside {% translate %}/{% blocktranslate %}:\n" + "\n".join(found)


def test_the_lexer_check_catches_untranslated_chinese():
    source = ('{% load i18n %}<p>{% translate "工单" %}</p>\n<p>未翻译</p>\n'
              '{{ x|default:"未标记" }}{{ y|default:_("已标记") }}\n'
              '{% blocktranslate trimmed %}已翻译 {{ n }}{% endblocktranslate %}{# 注释 #}\n'
              '{% comment %}说明{% endcomment %}')
    found = _untranslated("sample.html", source)
    assert len(found) == 2
    assert "sample.html:2: <p>未翻译</p>" in found[0] and "未标记" in found[1]


# --- the catalogue ------------------------------------------------------------------------------

def parse_po(text: str) -> dict[tuple[str, str], dict]:
    """A .po file as {(msgctxt, msgid): {"plural": msgid_plural or None, "msgstr": [str], "fuzzy":
    bool}} (standard library only; the header entry is left out)."""
    entries, current, key = {}, None, None

    def flush():
        if current and current.get("msgid"):
            entries[(current.get("msgctxt", ""), current["msgid"])] = {
                "plural": current.get("msgid_plural"), "fuzzy": current["fuzzy"],
                "msgstr": [current["msgstr"][i] for i in sorted(current["msgstr"])]}

    for line in [*text.splitlines(), ""]:
        if not line.strip():
            flush()
            current, key = None, None
            continue
        if current is None:
            current = {"fuzzy": False, "msgstr": {}}
        if line.startswith("#,"):
            current["fuzzy"] |= "fuzzy" in line
        elif line.startswith("#"):
            continue
        elif match := re.match(r'(msgctxt|msgid_plural|msgid|msgstr)(?:\[(\d+)\])?\s+(".*")$', line):
            key, value = match.group(1), ast.literal_eval(match.group(3))
            if key == "msgstr":
                key = ("msgstr", int(match.group(2) or 0))
                current["msgstr"][key[1]] = value
            else:
                current[key] = value
        elif line.startswith('"'):
            if isinstance(key, tuple):
                current["msgstr"][key[1]] += ast.literal_eval(line)
            else:
                current[key] += ast.literal_eval(line)
    return entries


@pytest.fixture(scope="module")
def catalogue() -> dict:
    return parse_po((CATALOGUE / "django.po").read_text(encoding="utf-8"))


def _literal(expression) -> str:
    """The text of a template string literal (a FilterExpression), or "" for a variable."""
    if expression is None:
        return ""
    value = expression.var.literal if hasattr(expression.var, "literal") else expression.var
    return value if isinstance(value, str) else ""


def template_messages() -> set[tuple[str, str, str | None]]:
    """(context, msgid, msgid_plural) of every message the templates produce, computed by Django's
    own template nodes (so ``trimmed`` and ``%`` doubling are exactly as rendered)."""
    engine = engines["django"].engine
    messages = set()
    for path in TEMPLATES:
        source = path.read_text(encoding="utf-8")
        nodelist = engine.from_string(source).nodelist
        for node in nodelist.get_nodes_by_type(TranslateNode):
            msgid = _literal(node.filter_expression)
            if msgid:
                messages.add((_literal(node.message_context), msgid.replace("%", "%%"), None))
        for node in nodelist.get_nodes_by_type(BlockTranslateNode):
            singular, _ = node.render_token_list(node.singular)
            plural = node.render_token_list(node.plural)[0] if node.plural else None
            messages.add((_literal(node.message_context), singular, plural))
        for literal in MARKED.findall(source):
            messages.add(("", ast.literal_eval(literal[2:-1]), None))
    return messages


def test_every_template_message_is_translated_to_english(catalogue):
    messages = template_messages()
    assert len(messages) > 300
    problems = []
    for context, msgid, plural in sorted(messages, key=str):
        entry = catalogue.get((context, msgid))
        if entry is None:
            problems.append(f"missing: {context}|{msgid}")
        elif entry["fuzzy"] or not all(entry["msgstr"]) or entry["plural"] != plural:
            problems.append(f"fuzzy, empty or wrong plural: {context}|{msgid}")
    assert not problems, "run `zhili makemessages -l en` and translate (docs/i18n.md):\n" + "\n".join(problems)


def test_the_catalogue_is_complete_and_compiled(catalogue):
    """Every entry is translated (no fuzzy, no empty), and the committed .mo, read by the
    standard library, gives the .po's translations (compilemessages was run)."""
    assert [key for key, e in catalogue.items() if e["fuzzy"] or not all(e["msgstr"])] == []
    with (CATALOGUE / "django.mo").open("rb") as file:
        compiled = stdlib_gettext.GNUTranslations(file)
    stale = []
    for (context, msgid), entry in catalogue.items():
        if entry["plural"]:
            got = [compiled.npgettext(context, msgid, entry["plural"], n) if context
                   else compiled.ngettext(msgid, entry["plural"], n) for n in (1, 2)]
        else:
            got = [compiled.pgettext(context, msgid) if context else compiled.gettext(msgid)]
        if got != entry["msgstr"]:
            stale.append(msgid)
    assert not stale, "django.mo is stale: run `zhili compilemessages`:\n" + "\n".join(stale[:20])


def test_choice_labels_and_python_messages_have_english():
    from zhili.requests.choices import Action, State

    with translation.override("en"):
        assert str(State.PENDING_DISPATCH.label) == "Awaiting dispatch"
        assert str(Action.ACCEPT.label) == "Accept"
        assert str(Action.RETURN.label) == "Return"
        assert str(Action.DISPATCH.label) == "Dispatch"
    assert str(State.PENDING_DISPATCH.label) == "待派单"


# --- which language a request gets ---------------------------------------------------------------

def _english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def test_with_the_english_cookie_the_request_list_is_english(client_as, make_request):
    make_request()
    html = _english(client_as("dispatcher")).get(reverse("web:request-list")).content.decode()
    assert '<html lang="en">' in html
    for text in ("Work orders", "Hotline worklists", "Dashboard", "Sign out", "Number", "Lead unit",
                 "Awaiting dispatch", "1 work order", "Export Excel"):
        assert text in html
    assert "工单列表" not in html and "退出" not in html


def test_with_the_english_cookie_the_request_page_is_english(client_as, make_request):
    request = make_request()
    html = _english(client_as("dispatcher")).get(reverse("web:request-detail", args=[request.number])).content.decode()
    for text in ("Request text", "History", "Actions", "Requester", "(masked)", "Dispatch", "Intake"):
        assert text in html
    assert "诉求内容" not in html and "可执行操作" not in html


def test_with_the_english_cookie_the_unit_inbox_is_english(client_as):
    html = _english(client_as("zhujian")).get(reverse("web:unit-inbox")).content.decode()
    for text in ("Unit inbox", "Accept selected", "Number", "Cards", "No open work orders for your unit"):
        assert text in html
    assert "单位待办" not in html


def test_accept_language_is_ignored(client_as, make_request):
    """GIVEN a browser that asks for English (Playwright's Chromium sends en-US) and no cookie
    WHEN it opens a page THEN the page is Chinese: the deployment's LANGUAGE_CODE wins."""
    request = make_request()
    client = client_as("dispatcher")
    for url in (reverse("web:request-list"), reverse("web:request-detail", args=[request.number]), reverse("login")):
        response = client.get(url, HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
        html = response.content.decode()
        assert '<html lang="zh-hans">' in html
        assert response["Content-Language"] == "zh-hans"
        assert ">English</option>" in html and ">简体中文</option>" in html  # the switch, each in itself
    assert "工单列表" in client.get(reverse("web:request-list"), HTTP_ACCEPT_LANGUAGE="en-US").content.decode()


def test_the_inbox_without_a_cookie_is_chinese_whatever_the_browser(client_as):
    html = client_as("zhujian").get(reverse("web:unit-inbox"), HTTP_ACCEPT_LANGUAGE="en-US").content.decode()
    assert "单位待办" in html and "批量签收" in html


def test_an_unknown_language_in_the_cookie_falls_back_to_the_setting(client_as):
    client = client_as("dispatcher")
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "fr"
    assert "工单列表" in client.get(reverse("web:request-list")).content.decode()


def test_language_code_setting_chooses_the_default(client_as, settings):
    settings.LANGUAGE_CODE = "en"
    assert "Work orders" in client_as("dispatcher").get(reverse("web:request-list")).content.decode()


def test_the_footer_switch_sets_the_cookie_and_returns_to_the_page(client_as):
    client = client_as("dispatcher")
    page = reverse("web:request-list") + "?state=received"
    html = client.get(page).content.decode()
    assert f'action="{reverse("web:set-language")}"' in html
    response = client.post(reverse("web:set-language"), {"language": "en", "next": page})
    assert response.status_code == 302 and response["Location"] == page
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    assert "Work orders" in client.get(page).content.decode()
    client.post(reverse("web:set-language"), {"language": "zh-hans", "next": page})
    assert "工单列表" in client.get(page).content.decode()


def test_the_login_page_has_the_switch_for_anonymous_users(client):
    html = client.get(reverse("login")).content.decode()
    assert "用户登录" in html and 'name="language"' in html
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    assert "Sign in" in client.get(reverse("login")).content.decode()


def test_with_the_english_cookie_the_list_filters_are_english(client_as):
    html = _english(client_as("dispatcher")).get(reverse("web:request-list")).content.decode()
    for text in ("Number/title", "All states", "All categories", "All units", "All subdistricts",
                 "Received from", "Received to", "Not overdue"):
        assert text in html
    for text in ("全部状态", "编号/标题", "受理日期从"):
        assert text not in html


def test_the_admin_titles_follow_the_language(admin_client):
    assert "<title>系统管理 | 治理管理</title>" in admin_client.get(reverse("admin:index")).content.decode()
    html = _english(admin_client).get(reverse("admin:index")).content.decode()
    assert "Zhili · 12345 work orders administration" in html
    assert "<title>Administration | Zhili administration</title>" in html
    assert "<title>系统管理" not in html and "治理管理" not in html and "工单 管理" not in html


def test_python_texts_outside_the_templates_have_english():
    from zhili.assessment.periods import Period, PeriodError
    from zhili.organisation.models import UnitKind
    from zhili.organisation.roles import Role

    month = Period.parse("2026-11")
    assert month.title == "2026年11月"
    with translation.override("en"):
        assert month.title == "November 2026"
        assert Period.parse("2026-Q2").title == "Q2 2026"
        assert str(Role.LABELS[Role.DISPATCHER]) == "Dispatcher"
        assert str(UnitKind.SUBDISTRICT.label) == "Subdistrict"
        with pytest.raises(PeriodError, match="Unrecognised period"):
            Period.parse("soon")
    assert str(Role.LABELS[Role.DISPATCHER]) == "派单员"


# --- workflow refusals follow the language; workflow records stay Chinese ------------------------

def _in_progress(make_request, unit, *, days_ago=0):
    """An order dispatched by the system to 区住建局 (370102-D09) ``days_ago`` days ago and
    accepted: in progress."""
    import datetime as dt

    from django.utils import timezone

    from zhili.workflow import actions

    at = timezone.now() - dt.timedelta(days=days_ago) if days_ago else None
    order = make_request(at=at)
    actions.dispatch(order, unit("370102-D09"), at=at)
    actions.accept(order, at=at)
    order.refresh_from_db()
    return order


def _act(client, order, action, **data):
    return client.post(reverse("web:request-act", args=[order.number, action]), {"version": order.version, **data})


def test_with_the_english_cookie_a_refused_step_shows_the_english_rule(client_as, make_request, unit):
    """GIVEN the English cookie WHEN the unit leader returns an order dispatched ten days ago
    THEN the page refuses it in English (the workflow's message, made when it is raised)."""
    order = _in_progress(make_request, unit, days_ago=10)
    client = _english(client_as("zhujian_lead"))
    html = _act(client, order, "return", reason="非本单位职责").content.decode()
    assert "More than 2 working days since dispatch" in html and "can no longer be returned" in html
    assert "不能退单" not in html
    del client.cookies[settings.LANGUAGE_COOKIE_NAME]
    html = _act(client, order, "return", reason="非本单位职责").content.decode()
    assert "派单已超过 2 个工作日" in html and "不能退单" in html  # and in Chinese without the cookie


def test_with_the_english_cookie_a_rule_on_a_field_is_english_beside_it(client_as, make_request, unit):
    order = _in_progress(make_request, unit)
    response = _act(_english(client_as("zhujian_lead")), order, "request_extension", working_days=11, reason="工程量大")
    assert response.status_code == 400
    panel = response.content.decode().split('id="act-request_extension"')[1].split("</form>")[0]
    assert "The extension must be 1–10 working days (at most 10 in total)" in panel
    assert "延期天数" not in panel


def test_workflow_errors_are_translated_when_raised():
    from zhili.requests.models import ServiceRequest
    from zhili.workflow import actions
    from zhili.workflow.errors import RuleViolation, TransitionNotAllowed

    with translation.override("en"), pytest.raises(RuleViolation, match="^Reason for returning is required$"):
        actions.return_to_hotline(ServiceRequest(), "  ", actor=None)
    with pytest.raises(RuleViolation, match="^退单理由不能为空$"):
        actions.return_to_hotline(ServiceRequest(), "  ", actor=None)
    with translation.override("en"), pytest.raises(TransitionNotAllowed) as refused:
        actions.accept(ServiceRequest(state="received", version=1))
    assert refused.value.message == 'The work order is "Received": it cannot "Accept" now'


def test_the_note_of_an_automatic_dispatch_is_chinese_whatever_the_language(client_as, model):
    """GIVEN the English cookie WHEN an operator takes a call the catalogue dispatches THEN the
    events record Chinese (records, not interface), as they would without the cookie."""
    from zhili.requests.choices import Action
    from zhili.requests.models import ServiceRequest

    call = {"requester_name": "张先生", "requester_phone": "138 1234 5678", "request_type": "complaint",
            "channel": "phone", "title": "学校乱收费", "address": "历下区解放路街道", "do": "route",
            "description": "我家孩子在历下区解放路街道某小学读书，学校要求家长缴纳额外的辅导费和资料费，请教育部门调查处理。"}
    response = _english(client_as("operator")).post(reverse("web:intake"), call)
    assert response.status_code == 302
    order = ServiceRequest.objects.order_by("-pk").first()
    dispatch = order.events.get(action=Action.DISPATCH)
    assert dispatch.actor is None
    assert dispatch.note == f"按派单目录自动派单：{order.category.name} → 济南市历下区教育和体育局"
    assert order.events.get(action=Action.CLASSIFY).note == "模型分类"


def test_records_with_translatable_values_are_rendered_in_chinese(make_request, unit):
    """A territorial rule's text, a state or an action label inside a stored text stays Chinese
    under an English request, while the same rule shown on a page is English."""
    from django.utils.translation import gettext_noop

    from zhili.requests.choices import Action, State
    from zhili.requests.models import Reminder
    from zhili.routing.models import DispatchRule
    from zhili.taxonomy.models import Category
    from zhili.workflow import actions
    from zhili.workflow.errors import recorded

    rule = DispatchRule(category=Category.objects.filter(level=1).first(), territorial=True)
    with translation.override("en"):
        assert str(rule).endswith("→ the subdistrict where the matter is")
        assert recorded(gettext_noop("按派单目录自动派单：%(rule)s"), rule=rule).endswith("→ 属地街道")
        assert recorded(gettext_noop("随主单 %(number)s（%(state)s）办结"), number="X",
                        state=State.CLOSED.label) == "随主单 X（已办结）办结"
        order = _in_progress(make_request, unit)
        actions.supervise(order, Action.ESCALATE)
    assert Reminder.objects.get(request_id=order.pk, action=Action.ESCALATE).message == \
        f"工单 {order.number} 提级督办：请尽快办理"


def test_an_api_error_is_chinese_whatever_the_browser_asks(client, user, make_request, unit):
    """The API (a token, no cookie) answers in LANGUAGE_CODE: a workflow refusal stays Chinese for
    the machine clients, even when the caller sends Accept-Language: en."""
    import json

    from rest_framework.authtoken.models import Token

    order = _in_progress(make_request, unit)
    token, _ = Token.objects.get_or_create(user=user("zhujian_lead"))
    response = client.post(f"/api/v1/requests/{order.number}/actions/return/",
                           json.dumps({"version": order.version, "reason": "  "}), content_type="application/json",
                           HTTP_AUTHORIZATION=f"Token {token.key}", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert response.status_code == 400
    assert response.json() == {"detail": "退单理由不能为空", "field": "reason", "code": "rule_violation"}
