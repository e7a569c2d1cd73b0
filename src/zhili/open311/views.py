"""Open311 GeoReport v2 endpoints under ``/open311/v2/``. Each view reads its input, calls one
function of ``queries`` or ``submit``, and renders the result as JSON or XML by the URL's suffix.

Errors (``open311_exception_handler``): the standard list of ``error`` items — 400 for bad input
(including a missing or unknown suffix), 403 for a missing or wrong api_key, 404 for an unknown
resource or jurisdiction; beyond the standard, 405 for a wrong method and 429 (with
``Retry-After``) when a client exceeds its rate.
"""

from collections.abc import Mapping

from django.conf import settings
from django.http import Http404
from rest_framework import exceptions
from rest_framework.parsers import JSONParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from zhili.inputs import fields_with_nul, printable_name

from . import queries, submit
from .authentication import ApiKeyAuthentication, ClientRateThrottle, HasApiKey
from .errors import Open311Error, bad_request
from .parsers import FormParser
from .renderers import Open311JSONRenderer, Open311XMLRenderer

FORMATS = {"json": Open311JSONRenderer, "xml": Open311XMLRenderer}
SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
# When this interface last changed (discovery's changeset).
CHANGESET = "2026-11-29T00:00:00+08:00"


def open311_exception_handler(exc, context):
    """Every refusal as Open311's error list; None (a server error) for anything unexpected."""
    headers = {}
    if isinstance(exc, Open311Error):
        error = exc
    elif isinstance(exc, exceptions.AuthenticationFailed):
        error = Open311Error(403, ("api_key is not valid", "api_key 无效或已吊销"))
    elif isinstance(exc, (exceptions.NotAuthenticated, exceptions.PermissionDenied)):
        error = Open311Error(403, ("api_key is required", "缺少 api_key"))
    elif isinstance(exc, exceptions.Throttled):
        error = Open311Error(429, (f"rate limit exceeded, retry in {exc.wait or 1:.0f} s",
                                   f"请求过于频繁，请 {exc.wait or 1:.0f} 秒后重试"))
        headers["Retry-After"] = str(int(exc.wait or 1))
    elif isinstance(exc, exceptions.MethodNotAllowed):
        error = Open311Error(405, (f"method {exc.detail!s}", "不支持该请求方法"))
    elif isinstance(exc, (Http404, exceptions.NotFound)):
        error = Open311Error(404, ("not found", "资源不存在"))
    elif isinstance(exc, exceptions.APIException):
        error = Open311Error(400, (f"bad request: {exc.detail!s}", "请求格式有误"))
    else:
        return None
    return Response(error.as_list(), status=error.status, headers=headers)


class Open311View(APIView):
    """The common part: api_key authentication, per-client throttling, format by suffix."""

    authentication_classes = [ApiKeyAuthentication]
    permission_classes: list = []
    throttle_classes = [ClientRateThrottle]
    renderer_classes = [Open311JSONRenderer, Open311XMLRenderer]
    parser_classes = [FormParser, MultiPartParser, JSONParser]
    xml_root, xml_item = "response", "item"

    def get_exception_handler(self):
        return open311_exception_handler

    def perform_content_negotiation(self, request, force=False):
        renderer = FORMATS.get(self.kwargs.get("format") or "", Open311JSONRenderer)()
        return renderer, renderer.media_type

    def initial(self, request, *args, **kwargs):
        """Before authentication (which reads ``api_key`` from the query and the body): the suffix,
        a body that is a form or a JSON object, and no NUL anywhere (PostgreSQL cannot hold one)."""
        if kwargs.get("format") not in FORMATS:
            raise bad_request(("add .json or .xml to the path", "请在路径末尾加上 .json 或 .xml"))
        problems = [_nul_problem(name) for name in fields_with_nul(request.query_params)]
        if request.method == "POST":
            if not isinstance(request.data, Mapping):
                raise bad_request(("the body must be a form or a JSON object",
                                   "请求体应为表单或 JSON 对象（不能是数组或单个值）"))
            problems += [_nul_problem(name) for name in fields_with_nul(request.data)]
        if problems:
            raise bad_request(*problems)
        super().initial(request, *args, **kwargs)


def _nul_problem(name: str) -> tuple[str, str]:
    name = printable_name(name)
    return (f"{name} contains a NUL character (\\x00)", f"{name} 含有非法的空字符（\\x00）")


class DiscoveryView(Open311View):
    """GET /discovery.{fmt}: where this endpoint is and what it speaks."""

    xml_root = "discovery"

    def get(self, request, format=None):
        base = request.build_absolute_uri(request.path.rsplit("/", 1)[0] + "/")
        return Response({
            "changeset": CHANGESET,
            "contact": settings.ZHILI_OPEN311_CONTACT,
            "key_service": "api_key 由系统管理员签发（zhili apikey create NAME） / api keys are issued by the administrator",
            "endpoints": [{"specification": SPECIFICATION, "url": base, "changeset": CHANGESET,
                           "type": "production", "formats": ["application/json", "text/xml"]}],
        })


class ServiceListView(Open311View):
    """GET /services.{fmt}."""

    xml_root, xml_item = "services", "service"

    def get(self, request, format=None):
        return Response(queries.service_list(request.query_params))


class ServiceDefinitionView(Open311View):
    """GET /services/{service_code}.{fmt}."""

    xml_root = "service_definition"

    def get(self, request, service_code, format=None):
        return Response(queries.service_definition(request.query_params, service_code))


class RequestsView(Open311View):
    """GET /requests.{fmt} (filters, pagination) and POST /requests.{fmt} (api_key)."""

    xml_root, xml_item = "service_requests", "request"

    def get_permissions(self):
        return [HasApiKey()] if self.request.method == "POST" else []

    def get(self, request, format=None):
        return Response(queries.request_list(request.query_params))

    def post(self, request, format=None):
        form = request.data  # read, never changed: copied only to add the query's fields
        if request.query_params:  # some clients put jurisdiction_id/api_key here
            form = form.copy() if hasattr(form, "copy") else dict(form)
            for name, value in request.query_params.items():
                form.setdefault(name, value)
        receipt = submit.file_request(request.auth, form, request.headers.get("Idempotency-Key", ""))
        return Response(receipt.items, status=201,
                        headers={"Idempotent-Replayed": "true"} if receipt.replayed else {})


class RequestDetailView(Open311View):
    """GET /requests/{id}.{fmt} and /request/{id}.{fmt}."""

    xml_root, xml_item = "service_requests", "request"

    def get(self, request, service_request_id, format=None):
        return Response(queries.one_request(request.query_params, service_request_id))


class TokenView(Open311View):
    """GET /tokens/{token}.{fmt}."""

    xml_root, xml_item = "service_requests", "request"

    def get(self, request, token, format=None):
        return Response(queries.token(request.query_params, token))


class UpdatesView(Open311View):
    """GET /servicerequestupdates.{fmt}?start_date&end_date (FixMyStreet's extension)."""

    xml_root, xml_item = "service_request_updates", "request_update"

    def get(self, request, format=None):
        return Response(queries.request_updates(request.query_params))
