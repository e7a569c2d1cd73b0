"""The native API's refusals, all in one shape: ``{"detail", "field", "code"[, "errors"]}``.

| status | when |
|---|---|
| 400 | invalid input, or a workflow rule refused the step (``RuleViolation``, ``TransitionNotAllowed`` raised by the step itself) — ``detail`` is the workflow's Chinese message, ``field`` the input it names |
| 401 | no or wrong token / session |
| 403 | the step is not among the caller's ``allowed_actions`` now, or the workflow says ``ActionForbidden`` |
| 404 | no such order, or the caller may not see it (``visible_to``: the same answer) |
| 409 | the order changed since the caller read it (``version`` differs, ``StaleRequest``) |
| 429 | too many calls (``ZHILI_API_USER_RATE``) |
"""

from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response

from zhili.workflow.errors import ActionForbidden, StaleRequest, TransitionNotAllowed, WorkflowError


class Refusal(exceptions.APIException):
    """A refusal with a Chinese ``detail``, the ``field`` at fault and a machine ``code``."""

    def __init__(self, status_code: int, detail: str, *, field: str | None = None, code: str = "refused"):
        super().__init__(detail)
        self.status_code = status_code
        self.field = field
        self.code = code


def from_workflow(error: WorkflowError) -> Refusal:
    """StaleRequest → 409, ActionForbidden → 403, any other WorkflowError → 400."""
    if isinstance(error, StaleRequest):
        return Refusal(status.HTTP_409_CONFLICT, error.message, field=error.field, code="stale")
    if isinstance(error, ActionForbidden):
        return Refusal(status.HTTP_403_FORBIDDEN, error.message, field=error.field, code="forbidden")
    return Refusal(status.HTTP_400_BAD_REQUEST, error.message, field=error.field,
                   code="transition_not_allowed" if isinstance(error, TransitionNotAllowed) else "rule_violation")


def _flatten(detail, prefix: str = "") -> dict[str, list[str]]:
    """DRF's nested validation errors as {"parts[0].unit": ["…"]}."""
    if isinstance(detail, dict):
        result: dict[str, list[str]] = {}
        for key, value in detail.items():
            if isinstance(key, int) or str(key).isdigit():
                name = f"{prefix}[{key}]"  # an item of a list field
            elif key == "non_field_errors" and prefix:
                name = prefix  # the list field as a whole (e.g. too many parts)
            else:
                name = f"{prefix}.{key}" if prefix else str(key)
            for field, messages in _flatten(value, name).items():
                result.setdefault(field, []).extend(messages)
        return result
    if isinstance(detail, list):
        if all(not isinstance(item, dict | list) for item in detail):
            return {prefix or "non_field_errors": [str(item) for item in detail]}
        result = {}
        for index, item in enumerate(detail):
            for field, messages in _flatten(item, f"{prefix}[{index}]").items():
                result.setdefault(field, []).extend(messages)
        return result
    return {prefix or "non_field_errors": [str(detail)]}


_MESSAGES = {
    exceptions.NotAuthenticated: ("请先登录，或在 Authorization 头中提供令牌（Token …）", "not_authenticated"),
    exceptions.AuthenticationFailed: ("令牌无效或用户已停用", "authentication_failed"),
    exceptions.PermissionDenied: ("您无权执行此操作", "permission_denied"),
    exceptions.NotFound: ("不存在或您无权查看", "not_found"),
    exceptions.MethodNotAllowed: ("不支持该请求方法", "method_not_allowed"),
    exceptions.NotAcceptable: ("无法提供所请求的格式", "not_acceptable"),
    exceptions.UnsupportedMediaType: ("不支持的请求内容类型，请用 application/json", "unsupported_media_type"),
    exceptions.ParseError: ("请求内容无法解析", "parse_error"),
}


def api_exception_handler(exc, context):
    """Render every refusal in the one shape; None (a server error) for anything unexpected."""
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    if isinstance(exc, WorkflowError):
        exc = from_workflow(exc)
    if not isinstance(exc, exceptions.APIException):
        return None
    headers = {}
    if isinstance(exc, exceptions.Throttled):
        wait = int(exc.wait or 1)
        headers["Retry-After"] = str(wait)
        body = {"detail": f"请求过于频繁，请 {wait} 秒后重试", "field": None, "code": "throttled"}
    elif isinstance(exc, Refusal):
        body = {"detail": str(exc.detail), "field": exc.field, "code": exc.code}
    elif isinstance(exc, exceptions.ValidationError):
        errors = _flatten(exc.detail)
        field, messages = next(iter(errors.items()))
        body = {"detail": f"{field}：{messages[0]}" if field != "non_field_errors" else messages[0],
                "field": None if field == "non_field_errors" else field, "code": "invalid", "errors": errors}
    else:
        message, code = next((m for cls, m in _MESSAGES.items() if isinstance(exc, cls)), (str(exc.detail), "error"))
        body = {"detail": message, "field": None, "code": code}
    if getattr(exc, "auth_header", None):
        headers["WWW-Authenticate"] = exc.auth_header
    return Response(body, status=exc.status_code, headers=headers)
