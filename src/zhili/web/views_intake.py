"""受理来电: the operator's intake page and its live suggestions (operator and administrator).

- ``GET /intake/`` (``web:intake``): the empty form, the first field focused.
- ``POST /intake/``: ``IntakeForm.save`` records the call through the workflow (intake, then
  route / 直办 / 并单 / 不予受理, see ``forms_intake``) and redirects to the new order's page
  with a message; bad input or a refused step comes back with Chinese errors beside the fields
  (400) and nothing stored.
- ``GET /intake/suggest/?title=&description=&address=&kb=`` (``web:intake-suggest``): the
  suggestions as an HTML fragment for htmx (category on three levels with confidences, lead unit,
  subdistrict/community, possible duplicates with 并入 buttons, and the knowledge articles with
  直办 buttons as an out-of-band swap); ``&format=json`` gives ``intake_suggestions(...)`` as JSON.
  Per call: ``intake_suggestions`` and one knowledge query, nothing else (p99 ≤ 50 ms with
  10,000 open orders is benchmarked elsewhere).

Other roles get 403 (the hotline's intake is the operators' job, BJ 10).
"""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext
from django.views.decorators.http import require_GET, require_http_methods

from zhili.knowledge.search import search_articles
from zhili.organisation.roles import has_role
from zhili.routing.suggest import intake_suggestions
from zhili.workflow.errors import WorkflowError

from .context_processors import INTAKE_ROLES
from .forms_intake import IntakeForm

# Longest text read from the query string (the form's own limits; longer input is cut).
LIMITS = {"title": 200, "description": 5000, "address": 300, "kb": 100}
EMPTY_SUGGESTIONS = {
    "category": {"level1": [], "level2": [], "level3": []}, "model_version": None, "lead_unit": None,
    "place": {"subdistrict": None, "community": None}, "duplicates": [],
}


def _check_role(user) -> None:
    """PermissionDenied (403) unless the user is an operator or an administrator."""
    if not has_role(user, *INTAKE_ROLES):
        raise PermissionDenied(gettext("受理来电只对话务员和管理员开放"))


def _typed(data) -> dict[str, str]:
    """The suggestion inputs from a GET or POST, stripped and cut to their limits (NUL removed:
    PostgreSQL refuses it in a query)."""
    return {name: str(data.get(name, "")).replace("\x00", "").strip()[:limit] for name, limit in LIMITS.items()}


def _pct(value: float | None) -> str:
    """0.873 → "87%"."""
    return f"{round((value or 0) * 100)}%"


def suggestion_context(typed: dict[str, str]) -> dict:
    """What the suggestion panels show for the typed text: ``s`` (``intake_suggestions``'s
    dict, empty when no title or text is typed yet), ``articles`` (knowledge hits), ``typed``
    and ``auto_dispatch``: True when 受理并派单 will dispatch at once (a catalogue unit and a
    confidence at or above ``ZHILI_AUTO_DISPATCH_THRESHOLD``, as ``actions.route`` decides)."""
    has_text = bool(typed["title"] or typed["description"])
    s = (intake_suggestions(typed["title"], typed["description"], typed["address"]) if has_text
         else EMPTY_SUGGESTIONS)
    level1 = s["category"]["level1"]
    for item in (*level1, *s["category"]["level2"], *s["category"]["level3"]):
        item["pct"] = _pct(item["confidence"])
    for item in s["duplicates"]:
        item["pct"] = _pct(min(item["score"], 1.0))
    codes = [c["code"] for level in ("level1", "level2", "level3") for c in s["category"][level][:3]]
    threshold = settings.ZHILI_AUTO_DISPATCH_THRESHOLD
    return {
        "s": s,
        "has_text": has_text,
        "typed": typed,
        "articles": search_articles(words=typed["kb"], title=typed["title"], category_codes=codes),
        "threshold_pct": _pct(threshold),
        "auto_dispatch": bool(s["lead_unit"] and level1 and level1[0]["confidence"] >= threshold),
    }


@login_required
@require_http_methods(["GET", "POST"])
def intake(request):
    """受理来电: the form (GET) or a call recorded through the workflow (POST)."""
    _check_role(request.user)
    status = 200
    if request.method == "POST":
        form = IntakeForm(request.POST, user=request.user)
        if form.is_valid():
            try:
                outcome = form.save(request.user)
            except WorkflowError as exc:
                form.add_workflow_error(exc)
            else:
                messages.success(request, outcome.message)
                return redirect(reverse("web:request-detail", args=[outcome.request.number]))
        status = 400
        context = suggestion_context(_typed(request.POST))
    else:
        form = IntakeForm(user=request.user)
        context = suggestion_context(_typed({}))
    return render(request, "web/intake.html", {"form": form, **context}, status=status)


@login_required
@require_GET
def intake_suggest(request):
    """The live suggestions for the typed call: HTML fragment, or JSON with ``format=json``."""
    _check_role(request.user)
    typed = _typed(request.GET)
    if request.GET.get("format") == "json":
        has_text = bool(typed["title"] or typed["description"])
        data = (intake_suggestions(typed["title"], typed["description"], typed["address"]) if has_text
                else EMPTY_SUGGESTIONS)
        return JsonResponse(data, json_dumps_params={"ensure_ascii": False})
    return render(request, "web/intake_suggestions.html", suggestion_context(typed))
