"""The pages' write endpoints for one order: a workflow step, and the logged phone reveal.

``POST /requests/<number>/act/<action>/`` (``web:request-act``), one URL per action:

1. the order must be in ``visible_to(user)``, else 404;
2. the hidden ``version`` must be the order's current version, else 409 and the request page
   with "该工单已被他人更新，请刷新页面后重试" (optimistic locking; nothing changed);
3. the action must be in ``allowed_actions(order, user)``, else 403 and the request page with
   the reason;
4. the form must parse, else 400 and the request page with the form open and its errors;
5. the step's workflow function is called (``steps.STEPS``) with ``expected_version``; it checks
   everything again and writes the state and the event. A ``WorkflowError`` comes back beside
   the field it names (400; 409 for a concurrent change); nothing is changed.
6. success: a message and a redirect (Post/Redirect/Get) to the request page, or to ``next``
   when it is a local URL (the unit inbox, the supervision board).

No view here writes a field of the order.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext, gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from zhili.requests.choices import Action, State
from zhili.requests.models import ServiceRequest
from zhili.requests.privacy import RevealRefused, reveal_phone
from zhili.workflow.actions import allowed_actions
from zhili.workflow.engine import check_actor, check_state
from zhili.workflow.errors import StaleRequest, WorkflowError
from zhili.workflow.rules import TRANSITIONS

from .forms import FormContext, RevealForm
from .steps import STEPS
from .views import detail_context, visible_request

STALE_MESSAGE = gettext_lazy("该工单已被他人更新，请刷新页面后重试")


def posted_version(request) -> int | None:
    """The ``version`` the form was rendered with, or None when missing or not a number."""
    try:
        return int(request.POST.get("version", ""))
    except ValueError:
        return None


def next_url(request, default: str) -> str:
    """``next`` from the POST when it is a path on this site, else ``default``."""
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                                   require_https=request.is_secure()):
        return target
    return default


def _page(request, obj: ServiceRequest, status: int, **context):
    """The request page again (fresh from the database), with a refusal shown."""
    obj = visible_request(request, obj.number)
    if context.get("ctx") is not None:
        context["ctx"].obj = obj
    return render(request, "web/request_detail.html", detail_context(request, obj, **context), status=status)


def _done(obj: ServiceRequest, action: str, result) -> str:
    if action == Action.SPLIT:
        return gettext("工单 %(number)s 已拆分为 %(count)d 张工单：%(numbers)s") % {
            "number": obj.number, "count": len(result), "numbers": gettext("、").join(c.number for c in result)}
    if action == Action.MERGE:
        return gettext("工单 %(number)s 已并入 %(primary)s") % {"number": obj.number, "primary": obj.merged_into.number}
    return gettext("%(action)s成功：工单 %(number)s 当前状态“%(state)s”") % {
        "action": Action(action).label, "number": obj.number, "state": State(obj.state).label}


def _refusal(obj: ServiceRequest, action: str, user) -> str:
    """Why ``action`` is not offered to ``user``: their role or unit (e.g. 退单 is the unit
    leader's), else the step's own condition when the state allows it (e.g. 退单 after 2 working
    days), else the state."""
    try:
        check_actor(obj, action, user)
    except WorkflowError as exc:
        return exc.message
    try:
        check_state(obj, action)
    except WorkflowError as exc:
        if obj.state in TRANSITIONS[action].sources:
            return exc.message
    return gettext("您当前不能对该工单执行“%(action)s”（工单状态：%(state)s）") % {
        "action": Action(action).label, "state": obj.get_state_display()}


@login_required
@require_POST
def request_act(request, number: str, action: str):
    """Take one workflow step on an order from its page (see the module docstring)."""
    obj = visible_request(request, number)
    step = STEPS.get(action)
    if step is None:
        raise Http404(gettext("没有这个操作"))
    ctx = FormContext(obj, request.user)
    form = step.form(request.POST, ctx=ctx, action=action)
    version = posted_version(request)
    if version != obj.version:
        # Keep what was typed (unvalidated: the user did nothing wrong) under the fresh page.
        kept = step.form(ctx=ctx, action=action, initial=request.POST.dict())
        return _page(request, obj, 409, bound=kept, ctx=ctx, page_error=STALE_MESSAGE)
    if action not in allowed_actions(obj, request.user):
        return _page(request, obj, 403, ctx=ctx, page_error=_refusal(obj, action, request.user))
    if not form.is_valid():
        return _page(request, obj, 400, bound=form, ctx=ctx)
    try:
        result = step.run(obj, form.cleaned_data, request.user, version)
    except StaleRequest as exc:
        return _page(request, obj, 409, bound=form, ctx=ctx, page_error=exc.message)
    except WorkflowError as exc:
        form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        return _page(request, obj, 400, bound=form, ctx=ctx)
    messages.success(request, _done(obj, action, result))
    return redirect(next_url(request, reverse("web:request-detail", args=[obj.number])))


@never_cache
@login_required
@require_POST
def request_reveal(request, number: str):
    """查看完整电话: show the requester's full phone once, in this POST's response only.

    Every reveal is logged by ``reveal_phone`` (who, when, why). Refused (403) when
    ``may_reveal`` says no, e.g. another unit's people or a confidential order for a unit.
    """
    obj = visible_request(request, number)
    form = RevealForm(request.POST)
    if not form.is_valid():
        return _page(request, obj, 400, reveal_form=form)
    try:
        phone = reveal_phone(obj, request.user, form.cleaned_data["reason"])
    except RevealRefused as exc:
        form.add_error(None, str(exc))
        return _page(request, obj, 403, reveal_form=form)
    return _page(request, obj, 200, revealed_phone=phone)
