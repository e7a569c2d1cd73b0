"""Work lists: the unit inbox (单位待办) and the supervision board (督办看板).

Thin views over ``worklists``; the only writes are a unit's reminders marked read and the bulk
accept, which calls ``actions.accept`` once per order (the workflow checks and writes).
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext, ngettext
from django.views.decorators.http import require_POST

from zhili.organisation.roles import has_role
from zhili.requests.choices import State

from .context_processors import BOARD_ROLES, INBOX_ROLES
from .forms import BoardFilterForm
from .worklists import (
    BOARD_KEYS,
    accept_many,
    board_sections,
    inbox_queryset,
    inbox_rows,
    mark_reminders_read,
    unread_reminders,
    user_units,
)

INBOX_PAGE_SIZE = 100


def _inbox_units(request):
    """The units whose inbox the user works: unit roles with a membership only (else 403)."""
    units = user_units(request.user) if has_role(request.user, *INBOX_ROLES) else []
    if not units:
        raise PermissionDenied(gettext("单位待办只对承办单位的工作人员开放"))
    return units


@login_required
def unit_inbox(request):
    """单位待办: the units' unread reminders, then their open orders (待签收 first, by deadline),
    100 a page, with card badges and a bulk-accept form."""
    units = _inbox_units(request)
    queryset = inbox_queryset(request.user, units)
    page = Paginator(queryset, INBOX_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "web/inbox.html", {
        "units": units,
        "page": page,
        "page_range": page.paginator.get_elided_page_range(page.number, on_each_side=2, on_ends=1),
        "rows": inbox_rows(page.object_list),
        "to_accept": queryset.filter(state=State.DISPATCHED).count(),
        "reminders": unread_reminders(units),
    })


@login_required
@require_POST
def bulk_accept(request):
    """批量签收: accept each ticked order with its own version; report successes and failures."""
    _inbox_units(request)
    picks = request.POST.getlist("pick")
    if not picks:
        messages.warning(request, gettext("请先勾选要签收的工单"))
        return redirect("web:unit-inbox")
    result = accept_many(request.user, picks)
    if result.accepted:
        count = len(result.accepted)
        messages.success(request, ngettext("已签收 %(count)d 件：%(numbers)s", "已签收 %(count)d 件：%(numbers)s", count) % {
            "count": count, "numbers": gettext("、").join(result.accepted)})
    for number, reason in result.failed:
        messages.error(request, gettext("%(number)s 签收失败：%(reason)s") % {"number": number, "reason": reason})
    return redirect("web:unit-inbox")


@login_required
@require_POST
def reminders_read(request):
    """标记已读: the posted reminder ids of the user's units (others are ignored)."""
    units = _inbox_units(request)
    # ASCII digits only ("²".isdigit() is true) and within a bigint: anything else is ignored.
    ids = [int(v) for v in request.POST.getlist("reminder") if v.isascii() and v.isdigit() and len(v) < 19]
    count = mark_reminders_read(units, ids)
    messages.success(request, ngettext("已将 %(count)d 条提醒标记为已读", "已将 %(count)d 条提醒标记为已读", count) % {
        "count": count})
    return redirect("web:unit-inbox")


@login_required
def supervision_board(request):
    """督办看板 (supervisor, district leader, administrator, dispatcher): overdue, red-carded,
    returned twice or more, reopened and dissatisfied orders, with 催办/督办/提级督办 buttons."""
    if not has_role(request.user, *BOARD_ROLES):
        raise PermissionDenied(gettext("督办看板只对督办员、区领导、派单员和管理员开放"))
    section = request.GET.get("section") or None
    if section is not None and section not in BOARD_KEYS:
        raise Http404(gettext("没有这个看板分区"))
    form = BoardFilterForm(request.GET or None)
    unit = form.cleaned_data["unit"] if form.is_valid() else None
    sections = [] if form.errors else board_sections(request.user, unit=unit, section=section,
                                                      page=request.GET.get("page") or 1)
    return render(request, "web/supervision.html", {"sections": sections, "form": form, "section": section})
