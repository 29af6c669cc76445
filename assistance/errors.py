"""One error type for services, and the two handlers (API and pages) that turn it into a 4xx.

Services raise :class:`ApplicationError` with a Chinese message and a stable ``code``; field-level
problems go in ``fields`` (``{"id_number": ["身份证号校验位错误"]}``). Nothing a user types may
produce a 500.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.shortcuts import render
from rest_framework import status as http_status
from rest_framework.exceptions import APIException, NotAuthenticated
from rest_framework.exceptions import ValidationError as DRFValidationError
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_default_handler


class ApplicationError(Exception):
    """A refused operation, explained to the user in Chinese.

    ``code`` is stable and machine-readable (``duplicate_member``, ``stale_version``); ``fields`` maps
    field names to lists of messages; ``status`` is the HTTP status the handlers use (400, 403, 409).
    """

    def __init__(
        self,
        message: str,
        *,
        code: str = "invalid",
        fields: dict[str, list[str]] | None = None,
        extra: dict[str, Any] | None = None,
        status: int = 400,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.fields = fields or {}
        self.extra = extra or {}
        self.status = status

    def as_dict(self) -> dict[str, Any]:
        body: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.fields:
            body["fields"] = self.fields
        if self.extra:
            body["extra"] = self.extra
        return body


class PermissionRefused(ApplicationError):
    """The actor's role does not allow the operation (the object itself is in scope)."""

    def __init__(self, message: str = "您的岗位无权执行此操作", *, code: str = "permission_denied") -> None:
        super().__init__(message, code=code, status=403)


class StaleVersion(ApplicationError):
    """The record changed since the form was loaded."""

    def __init__(self) -> None:
        super().__init__("该记录已被他人修改，请刷新页面后重新填写", code="stale_version", status=409)


def validation_error_fields(error: DjangoValidationError) -> dict[str, list[str]]:
    """Flatten a Django ValidationError into ``{field: [messages]}`` (``__all__`` for non-field errors)."""
    if hasattr(error, "error_dict"):
        return {field: [str(m) for err in errors for m in err.messages] for field, errors in error.error_dict.items()}
    return {"__all__": [str(m) for m in error.messages]}


def from_validation_error(
    error: DjangoValidationError, message: str = "提交的信息有误，请按提示修改"
) -> ApplicationError:
    return ApplicationError(message, code="invalid", fields=validation_error_fields(error))


def api_exception_handler(exc, context):
    """DRF exception handler: ApplicationError and validation errors become 4xx with Chinese messages."""
    if isinstance(exc, ApplicationError):
        return Response(exc.as_dict(), status=exc.status)
    if isinstance(exc, DjangoValidationError):
        exc = from_validation_error(exc)
        return Response(exc.as_dict(), status=exc.status)
    if isinstance(exc, DRFValidationError):
        detail = exc.detail
        if isinstance(detail, dict):
            fields = {k: [str(m) for m in (v if isinstance(v, list) else [v])] for k, v in detail.items()}
        else:
            fields = {"__all__": [str(m) for m in (detail if isinstance(detail, list) else [detail])]}
        body = {"code": "invalid", "message": "提交的信息有误，请按提示修改", "fields": fields}
        return Response(body, status=http_status.HTTP_400_BAD_REQUEST)
    response = drf_default_handler(exc, context)
    if response is not None and isinstance(exc, APIException):
        if isinstance(exc, NotAuthenticated):
            message = "请先登录"
        elif isinstance(exc, Http404) or response.status_code == 404:
            message = "未找到该记录，或不在您的管辖范围内"
        else:
            message = str(exc.detail) if isinstance(exc.detail, str) else "请求无法处理"
        response.data = {"code": exc.default_code if hasattr(exc, "default_code") else "error", "message": message}
    elif response is not None and response.status_code == 404:
        response.data = {"code": "not_found", "message": "未找到该记录，或不在您的管辖范围内"}
    elif response is not None and response.status_code == 403:
        response.data = {"code": "permission_denied", "message": "您的岗位无权执行此操作"}
    return response


class ApplicationErrorMiddleware:
    """Page-level handler: an ApplicationError escaping a view renders a Chinese error page with its status."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, ApplicationError):
            return render(request, "error.html", {"error": exception}, status=exception.status)
        if isinstance(exception, PermissionDenied):
            return None
        return None
