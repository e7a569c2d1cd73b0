"""The native REST API under ``/api/v1/``, for units and other government systems.

The same rules as the pages: every list and record is ``ServiceRequest.objects.visible_to(user)``
(404 outside it), lists take the pages' FilterSet, and each workflow step is its own endpoint
that calls exactly one ``zhili.workflow.actions`` function — nothing here writes an order.
Authentication: ``Authorization: Token <key>`` (``rest_framework.authtoken``) or the session.
Errors: see ``zhili.api.errors``.
"""

from collections.abc import Mapping

from django.conf import settings
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import generics, status
from rest_framework.authentication import SessionAuthentication, TokenAuthentication
from rest_framework.pagination import PageNumberPagination
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.throttling import UserRateThrottle

from zhili.inputs import fields_with_nul, printable_name
from zhili.organisation.models import Unit
from zhili.requests.choices import Action
from zhili.requests.filters import ServiceRequestFilterSet
from zhili.requests.models import RequestEvent, ServiceRequest
from zhili.taxonomy.models import Category
from zhili.workflow.actions import allowed_actions
from zhili.workflow.engine import check_actor, check_state
from zhili.workflow.errors import WorkflowError
from zhili.workflow.rules import TRANSITIONS

from . import serializers as s
from .errors import Refusal, api_exception_handler, from_workflow
from .steps import STEPS, Step, StepSerializer

STALE_MESSAGE = "该工单已被他人更新，请刷新后重试"


def _errors(*codes: int) -> dict:
    return {code: OpenApiResponse(s.ErrorSerializer) for code in codes}


class ApiThrottle(UserRateThrottle):
    """Calls per user (``ZHILI_API_USER_RATE``), read from the settings at each call."""

    scope = "api_user"

    def get_rate(self):
        return settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"][self.scope]


class ApiView(generics.GenericAPIView):
    """Token or session, logged in, throttled per user, errors in the API's one shape."""

    authentication_classes = [TokenAuthentication, SessionAuthentication]
    permission_classes = [IsAuthenticated]
    throttle_classes = [ApiThrottle]

    def get_exception_handler(self):
        return api_exception_handler

    def initial(self, request, *args, **kwargs):
        """After authentication, throttling and permissions: a body that is a JSON object (or a
        form), and no NUL in a parameter or a field (PostgreSQL cannot hold one) — else 400."""
        super().initial(request, *args, **kwargs)
        check_input(request)


def check_input(request) -> None:
    """Refusal (400, code ``invalid``, naming the field) for a body that is not an object or a NUL
    in the query string or the body. The first field at fault is named."""
    bodies = [request.query_params]
    if request.method not in ("GET", "HEAD", "OPTIONS"):
        if not isinstance(request.data, Mapping):
            raise Refusal(status.HTTP_400_BAD_REQUEST, "请求体应为 JSON 对象（不能是数组或单个值）", code="invalid")
        bodies.append(request.data)
    for body in bodies:
        names = fields_with_nul(body)
        if names:
            name = printable_name(names[0])
            raise Refusal(status.HTTP_400_BAD_REQUEST, f"{name}：含有非法的空字符（\\x00）", field=name, code="invalid")


class RequestPagination(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200


def visible_requests(user):
    """The orders ``user`` may see, with what a row shows (no N+1)."""
    return ServiceRequest.objects.visible_to(user).with_related()


@extend_schema(tags=["工单"], responses={200: s.RequestSerializer(many=True), **_errors(400, 401, 404, 429)})
class RequestListView(ApiView, generics.ListAPIView):
    """工单列表: the orders the caller may see, newest first, with the request list page's filters
    (state, category, lead_unit, subdistrict, overdue, received_from, received_to, q); 50 a page
    (``page_size`` up to 200). An invalid filter is a 400, never the unfiltered list."""

    serializer_class = s.RequestSerializer
    pagination_class = RequestPagination
    filter_backends = [DjangoFilterBackend]
    filterset_class = ServiceRequestFilterSet

    def get_queryset(self):
        return visible_requests(self.request.user)


def detail_queryset(user):
    events = RequestEvent.objects.select_related("actor", "to_unit").order_by("seq")
    return visible_requests(user).select_related("community", "merged_into", "split_from").prefetch_related(
        Prefetch("events", queryset=events), "assisting_units__unit")


def detail_data(obj: ServiceRequest, user) -> dict:
    return s.RequestDetailSerializer(obj, context={"allowed_actions": allowed_actions(obj, user)}).data


@extend_schema(tags=["工单"], responses={200: s.RequestDetailSerializer, **_errors(401, 404, 429)})
class RequestDetailView(ApiView):
    """工单详情: one order with its history and the actions the caller may take now (404 when it
    does not exist or the caller may not see it)."""

    serializer_class = s.RequestDetailSerializer

    def get(self, request, number):
        obj = get_object_or_404(detail_queryset(request.user), number=number)
        return Response(detail_data(obj, request.user))


@extend_schema(tags=["工单"], responses={200: s.AllowedActionSerializer(many=True), **_errors(401, 404, 429)})
class AllowedActionsView(ApiView):
    """当前可执行的操作: what ``allowed_actions`` offers the caller on this order now."""

    serializer_class = s.AllowedActionSerializer

    def get(self, request, number):
        obj = get_object_or_404(ServiceRequest.objects.visible_to(request.user), number=number)
        return Response([{"action": a, "label": Action(a).label, "path": f"/api/v1/requests/{number}/actions/{a}/"}
                         for a in allowed_actions(obj, request.user)])


def refusal(obj: ServiceRequest, action: str, user) -> Refusal:
    """Why ``action`` is not in the caller's allowed actions, in the workflow's own words (403)."""
    try:
        check_state(obj, action)
        check_actor(obj, action, user)
    except WorkflowError as exc:
        return Refusal(status.HTTP_403_FORBIDDEN, exc.message, code="not_allowed")
    return Refusal(status.HTTP_403_FORBIDDEN, f"您当前不能对该工单执行“{Action(action).label}”", code="not_allowed")


class StepView(ApiView):
    """POST one workflow step. In the pages' order: 404 (not visible) → 400 (no version) → 409
    (another version) → 403 (not allowed now) → 400 (input) → the workflow call, whose refusal is
    403 / 409 / 400; on success 200 with the order as it is now and the event written."""

    step_action: str = ""
    step: Step

    def take_step(self, request, number):
        user = request.user
        obj = get_object_or_404(ServiceRequest.objects.visible_to(user), number=number)
        head = StepSerializer(data=request.data)
        head.is_valid(raise_exception=True)
        version = head.validated_data["version"]
        if version != obj.version:
            raise Refusal(status.HTTP_409_CONFLICT, STALE_MESSAGE, field="version", code="stale")
        if self.step_action not in allowed_actions(obj, user):
            raise refusal(obj, self.step_action, user)
        body = self.step.serializer(data=request.data, context={"user": user})
        body.is_valid(raise_exception=True)
        try:
            result = self.step.run(obj, body.validated_data, user, version)
        except WorkflowError as exc:
            raise from_workflow(exc) from None
        fresh = detail_queryset(user).filter(pk=obj.pk).first()
        created = [c.number for c in result] if isinstance(result, list) else []
        event = result if isinstance(result, RequestEvent) else obj.events.order_by("-seq").first()
        return Response({"request": detail_data(fresh, user) if fresh else None,
                         "event": s.EventSerializer(event).data if event else None, "created": created})


def _step_view(action: str, step: Step) -> type[StepView]:
    transition = TRANSITIONS[action]
    label = Action(action).label

    @extend_schema(
        tags=["流程操作"], operation_id=f"request_{action}", summary=f"{label}（{action}）",
        description=f"{transition.rule}。调用方须在该操作的 allowed_actions 中；规则全部由流程模块判断。",
        request=step.serializer, responses={200: s.ActionResultSerializer, **_errors(400, 401, 403, 404, 409, 429)},
    )
    def post(self, request, number):
        return self.take_step(request, number)

    name = "".join(part.title() for part in action.split("_")) + "StepView"
    return type(name, (StepView,), {"step_action": action, "step": step, "serializer_class": step.serializer,
                                    "post": post, "__doc__": f"{label}: {transition.rule}"})


STEP_VIEWS = {action: _step_view(action, step) for action, step in STEPS.items()}


@extend_schema(tags=["参考数据"], responses={200: s.UnitSerializer(many=True), **_errors(401, 429)})
class UnitListView(ApiView, generics.ListAPIView):
    """承办单位: every active unit (ids for the list filters, codes for dispatch and assisting)."""

    serializer_class = s.UnitSerializer
    pagination_class = None

    def get_queryset(self):
        return Unit.objects.filter(is_active=True).select_related("parent").order_by("path")


@extend_schema(tags=["参考数据"], responses={200: s.CategorySerializer(many=True), **_errors(401, 429)})
class CategoryListView(ApiView, generics.ListAPIView):
    """诉求分类: the category tree (ids for the list filter, codes for classify and dispatch)."""

    serializer_class = s.CategorySerializer
    pagination_class = None

    def get_queryset(self):
        return Category.objects.select_related("parent").order_by("code")
