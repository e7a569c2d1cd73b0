"""导出 Excel: each work list as .xlsx, with the same rows as its page (every page of them).

| URL                                   | name               | rows                                        |
|---------------------------------------|--------------------|---------------------------------------------|
| ``/export.xlsx?<list filters>``        | ``web:export``       | the request list: ``visible_to`` + FilterSet |
| ``/queue/export.xlsx?<filters>``       | ``web:export-queue`` | the dispatcher queue (待派单), oldest first    |
| ``/inbox/export.xlsx``                 | ``web:export-inbox`` | the user's units' open orders (单位待办)       |
| ``/supervision/export.xlsx[?section=]``| ``web:export-board`` | one board section, or every section a sheet |

The roles are those of the pages (403 otherwise); a filter the FilterSet refuses gives 400
with its Chinese message, never the unfiltered list. Requester data is never in the file
(``export.COLUMNS``).
"""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseBadRequest
from django.utils.translation import gettext
from django.views.decorators.http import require_GET

from zhili.organisation.roles import has_role
from zhili.requests.filters import ServiceRequestFilterSet
from zhili.requests.models import ServiceRequest

from .context_processors import BOARD_ROLES, INBOX_ROLES, QUEUE_ROLES
from .export import xlsx_response
from .forms import BoardFilterForm
from .worklists import board_querysets, inbox_queryset, queue_tab, user_units


def _filtered(request, *, queue=None):
    """The list's queryset with the GET filters applied (as ``views._list_page``; with ``queue``
    one of the hotline's worklists), or a 400 response naming the invalid filters."""
    data = request.GET.copy()
    queryset = ServiceRequest.objects.visible_to(request.user)
    if queue is not None:
        data.pop("state", None)
        queryset = queue.rows(queryset)
    filterset = ServiceRequestFilterSet(data, queryset=queryset)
    if not filterset.is_valid():
        errors = gettext("；").join(str(e) for errors in filterset.errors.values() for e in errors)
        return None, HttpResponseBadRequest(gettext("筛选条件无效：%(errors)s") % {"errors": errors},
                                            content_type="text/plain; charset=utf-8")
    return filterset.qs, None


@login_required
@require_GET
def export_list(request):
    """工单列表 as .xlsx, filtered like the page."""
    rows, refused = _filtered(request)
    return refused or xlsx_response([(gettext("工单列表"), rows)], gettext("工单列表"))


@login_required
@require_GET
def export_queue(request):
    """One of the hotline's worklists (``?tab=``, default 待派单) as .xlsx (dispatcher, operator,
    administrator), filtered like the page."""
    if not has_role(request.user, *QUEUE_ROLES):
        raise PermissionDenied(gettext("只有派单员、话务员和管理员可以导出热线待办"))
    queue = queue_tab(request.GET.get("tab"))
    rows, refused = _filtered(request, queue=queue)
    return refused or xlsx_response([(str(queue.label), rows)], str(queue.label))


@login_required
@require_GET
def export_inbox(request):
    """单位待办 as .xlsx: the open orders of the user's units (unit people only)."""
    units = user_units(request.user) if has_role(request.user, *INBOX_ROLES) else []
    if not units:
        raise PermissionDenied(gettext("单位待办只对承办单位的工作人员开放"))
    return xlsx_response([(gettext("单位待办"), inbox_queryset(request.user, units))], gettext("单位待办"))


@login_required
@require_GET
def export_board(request):
    """督办看板 as .xlsx: ``?section=overdue|red|returned|reopened|dissatisfied`` for one
    section, or all five, one sheet each (supervision roles); ``?unit=`` as on the board."""
    if not has_role(request.user, *BOARD_ROLES):
        raise PermissionDenied(gettext("督办看板只对督办员、区领导、派单员和管理员开放"))
    form = BoardFilterForm(request.GET or None)
    if form.errors:
        return HttpResponseBadRequest(gettext("筛选条件无效：%(errors)s") % {
            "errors": gettext("；").join(str(e) for errors in form.errors.values() for e in errors)},
            content_type="text/plain; charset=utf-8")
    sections = board_querysets(request.user, unit=form.cleaned_data["unit"] if form.is_valid() else None)
    key = request.GET.get("section", "")
    if key:
        sections = [s for s in sections if s[0] == key]
        if not sections:
            raise Http404(gettext("没有这个看板分区"))
        return xlsx_response([(sections[0][1], sections[0][2])], gettext("督办看板-%(section)s") % {"section": sections[0][1]})
    return xlsx_response([(title, queryset) for _, title, queryset in sections], gettext("督办看板"))
