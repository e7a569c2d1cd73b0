"""Zhili's read-only pages. Each view reads its input, calls one domain function and renders; none
of them changes data (the workflow steps are posted to ``views_actions``). Every page needs a
login; what a user sees is ``visible_to(user)`` (404 outside it).
"""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext

from zhili.organisation.roles import Role, has_role
from zhili.requests.choices import Action
from zhili.requests.filters import ServiceRequestFilterSet
from zhili.requests.models import ServiceRequest
from zhili.requests.privacy import mask_text, may_reveal
from zhili.workflow.actions import allowed_actions
from zhili.workflow.engine import state_allows

from .context_processors import QUEUE_ROLES
from .dashboard import dashboard_data
from .forms import RevealForm
from .steps import action_panels
from .timeline import timeline
from .worklists import HOTLINE_QUEUES, queue_counts, queue_tab

PAGE_SIZE = 50


def _list_page(request, *, title: str, queue=None):
    """The request list, filtered by the GET parameters, 50 a page; with ``queue`` (a
    ``worklists.QueueTab``) one of the hotline's worklists, its tabs with their counts above.

    An invalid filter (e.g. an unknown unit id) shows no rows and the form's errors, never the
    unfiltered list.
    """
    data = request.GET.copy()
    queryset = ServiceRequest.objects.visible_to(request.user).with_related()
    counts = {}
    if queue is not None:
        data.pop("state", None)  # the tab decides the state
        counts = queue_counts(queryset)
        queryset = queue.rows(queryset)
    filterset = ServiceRequestFilterSet(data, queryset=queryset)
    rows = filterset.qs if filterset.is_valid() else queryset.none()
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "web/request_list.html", {
        "title": title,
        "filterset": filterset,
        "page": page,
        "page_range": page.paginator.get_elided_page_range(page.number, on_each_side=2, on_ends=1),
        "queue": queue,
        "tabs": [(tab, counts.get(tab.key, 0)) for tab in HOTLINE_QUEUES] if queue is not None else [],
        "is_filtered": any(v for k, v in request.GET.items() if k not in ("page", "tab")),
    })


@login_required
def request_list(request):
    """工单列表: every order the user may see, newest first."""
    return _list_page(request, title=gettext("工单列表"))


@login_required
def dispatch_queue(request):
    """热线待办: the hotline's worklists (``?tab=``: dispatch 待派单, returned 退单待审核, extension
    延期待审批, review 答复待审核, follow_up 待回访), oldest first, each with its reason column
    (dispatcher, operator, admin)."""
    if not has_role(request.user, *QUEUE_ROLES):
        raise PermissionDenied(gettext("只有派单员、话务员和管理员可以查看热线待办"))
    tab = queue_tab(request.GET.get("tab"))
    return _list_page(request, title=str(tab.label), queue=tab)


def visible_request(request, number: str) -> ServiceRequest:
    """The order ``number`` if the user may see it, else Http404 (never 403: no hint it exists)."""
    return get_object_or_404(
        ServiceRequest.objects.visible_to(request.user).with_related().select_related("category__parent__parent"),
        number=number,
    )


def detail_context(request, obj: ServiceRequest, *, bound=None, ctx=None, page_error: str = "",
                   reveal_form=None, revealed_phone: str = "") -> dict:
    """What the request page shows: the order, its timeline, a button and form for each action the
    user may take now (``bound``: a refused form, shown open with its errors), the requester's
    masked contact and, right after a logged reveal, the full phone (``revealed_phone``)."""
    allowed = allowed_actions(obj, request.user)
    sees_contact = may_reveal(obj, request.user)
    return {
        "leader_steps": leader_only_steps(obj, request.user, allowed),
        "obj": obj,
        # The text as written for those who may see the requester's contact details; for the
        # others (leaders, supervisors, other units) with the phone and ID numbers in it masked.
        "title": obj.title if sees_contact else mask_text(obj.title, obj.requester_name),
        "description": obj.description if sees_contact else mask_text(obj.description, obj.requester_name),
        "timeline": timeline(obj),
        "allowed_actions": [Action(a).label for a in allowed],
        "panels": action_panels(obj, request.user, allowed, bound=bound, ctx=ctx),
        "assisting": list(obj.assisting_units.select_related("unit").order_by("id")),
        "page_error": page_error,
        "may_reveal": bool(obj.requester_phone) and sees_contact,
        "reveal_form": reveal_form or RevealForm(),
        "revealed_phone": revealed_phone,
    }


LEADER_ONLY = (Action.RETURN, Action.REQUEST_EXTENSION, Action.REQUEST_STOP)


def leader_only_steps(obj: ServiceRequest, user, allowed: list[str]) -> list[str]:
    """For a handler of the lead unit (who may accept, contact or reply) who is not its leader:
    the labels of the steps the order's state allows now that only the unit's leader may take
    (退单, 申请延期, 申请不再办理), so the page can say whom to ask. Else []."""
    works_on_it = any(a in allowed for a in (Action.ACCEPT, Action.CONTACT, Action.REPLY))
    if not works_on_it or has_role(user, Role.UNIT_LEADER):
        return []
    return [str(Action(action).label) for action in LEADER_ONLY if state_allows(obj, action)]


@login_required
def request_detail(request, number: str):
    """工单详情: 404 when the order does not exist or is not visible to the user."""
    obj = visible_request(request, number)
    return render(request, "web/request_detail.html", detail_context(request, obj))


@login_required
def dashboard(request):
    """数据看板: totals() of the orders the user may see, with drill-down links."""
    data = dashboard_data(ServiceRequest.objects.visible_to(request.user))
    return render(request, "web/dashboard.html", {"cards": data["cards"], "charts": data["charts"],
                                                  "totals": data["totals"]})
