"""API plumbing shared by every endpoint, and the endpoints about the caller and the catalogues.

Authentication (both accepted by every endpoint):

- session: log in through the web pages; unsafe methods then need the CSRF token;
- token: ``Authorization: Token <key>``. An administrator creates a staff member's token with
  ``python manage.py drf_create_token <username>`` (``-r`` replaces an existing one).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db.models import QuerySet
from django.template import engines
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.utils import OpenApiResponse, extend_schema
from drf_spectacular.views import SpectacularRedocView
from rest_framework import serializers
from rest_framework.exceptions import ParseError
from rest_framework.exceptions import ValidationError as DRFValidationError
from rest_framework.pagination import PageNumberPagination
from rest_framework.parsers import JSONParser
from rest_framework.renderers import JSONRenderer, TemplateHTMLRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from assistance.errors import ApplicationError
from assistance.models import Program, ProgramKind, Region
from assistance.roles import RegionLevel, Role, capabilities_for
from assistance.scoping import active_assignments
from cases.selectors import region_list_for
from cases.serializers import EnumChoiceField, RegionRefSerializer, ScopedRegionField, StrictInputSerializer

# --- errors ------------------------------------------------------------------------------------------


class ErrorSerializer(serializers.Serializer):
    """错误（所有 4xx 应答的内容）。"""

    code = serializers.CharField(help_text="稳定的错误代码，如 invalid、stale_version、duplicate_member、not_found")
    message = serializers.CharField(help_text="中文说明")
    fields = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        required=False,
        help_text="字段错误：字段名（嵌套字段用点分隔，如 members.0.id_number）→ 中文说明列表",
    )


def error_responses(*statuses: int) -> dict[int, OpenApiResponse]:
    descriptions = {
        400: "输入有误（字段错误见 fields）",
        403: "未登录，或岗位无权执行此操作",
        404: "记录不存在或不在您的管辖范围内",
        409: "冲突：记录已被他人修改（stale_version）、身份证号已在册（duplicate_member）等",
    }
    return {status: OpenApiResponse(ErrorSerializer, description=descriptions[status]) for status in statuses}


def printable(text: Any, limit: int = 200) -> str:
    """Return ``text`` safe to send back: valid UTF-8 (lone surrogates escaped) and not too long.

    Messages may quote what the client sent (DRF's ``"x" 不是合法选项``), and JSON may carry lone
    surrogates that cannot be encoded in the answer.
    """
    value = str(text)
    if len(value) > limit:
        value = value[:limit] + "…"
    return value.encode("utf-8", "backslashreplace").decode("utf-8")


def flatten_errors(detail: Any, prefix: str = "") -> dict[str, list[str]]:
    """Turn DRF's nested error detail into ``{"members.0.id_number": ["…"]}`` (printable keys and messages)."""
    flat: dict[str, list[str]] = {}
    if isinstance(detail, dict):
        for key, value in detail.items():
            if key == "non_field_errors":  # about the object itself: filed under its own name
                name = prefix or "__all__"
            else:
                name = f"{prefix}.{printable(key, 60)}" if prefix else printable(key, 60)
            for k, v in flatten_errors(value, name).items():
                flat.setdefault(k, []).extend(v)
    elif isinstance(detail, list):
        if all(not isinstance(item, dict | list) for item in detail):
            flat[prefix or "__all__"] = [printable(item) for item in detail]
        else:
            for index, item in enumerate(detail):
                if item:
                    for k, v in flatten_errors(item, f"{prefix}.{index}" if prefix else str(index)).items():
                        flat.setdefault(k, []).extend(v)
    else:
        flat[prefix or "__all__"] = [printable(detail)]
    return flat


# --- base view ---------------------------------------------------------------------------------------


class ApiPagination(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200


# Query parameters that are not filters: the paginator's, and DRF's format override (``?format=json``).
NOT_FILTERS = ("page", "page_size", "format")
NOT_AN_OBJECT = "请求内容应为 JSON 对象（{…}）"


class ApiView(APIView):
    """Base of every endpoint: JSON in and out, Chinese errors, flat field-error names.

    A view makes at most one service call (each service is one transaction), so a refused request
    leaves nothing behind.
    """

    parser_classes = [JSONParser]
    renderer_classes = [JSONRenderer]

    def handle_exception(self, exc):
        if isinstance(exc, DRFValidationError):
            exc = DRFValidationError(flatten_errors(exc.detail))
        elif isinstance(exc, ParseError):
            exc = ApplicationError("请求内容不是有效的 JSON", code="malformed_json")
        return super().handle_exception(exc)

    def input(self, serializer_class: type[serializers.Serializer], data: Any = None, **context: Any) -> dict:
        """Validate the request body (or ``data``) with ``serializer_class``; raise a 400 if it does not fit."""
        data = self.request.data if data is None else data
        if not isinstance(data, Mapping):
            raise DRFValidationError({"non_field_errors": [NOT_AN_OBJECT]})
        serializer = serializer_class(data=data, context={"request": self.request, **context})
        serializer.is_valid(raise_exception=True)
        return dict(serializer.validated_data)

    def output(self, serializer_class, instance, *, status: int = 200, many: bool = False, **context) -> Response:
        data = serializer_class(instance, many=many, context={"request": self.request, **context}).data
        return Response(data, status=status)

    def query(self, serializer_class: type[serializers.Serializer]) -> dict:
        """Validate the query string's filters with ``serializer_class`` (unknown parameters are a 400)."""
        params = {k: v for k, v in self.request.query_params.items() if k not in NOT_FILTERS}
        return self.input(serializer_class, params)

    def paginated(self, serializer_class, queryset: QuerySet, **context) -> Response:
        """One page of ``queryset`` (the view must set ``pagination_class`` so the schema shows it)."""
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(queryset, self.request, view=self)
        data = serializer_class(page, many=True, context={"request": self.request, **context}).data
        return paginator.get_paginated_response(data)


# --- the token scheme in the schema ------------------------------------------------------------------


class ChineseTokenScheme(OpenApiAuthenticationExtension):
    target_class = "rest_framework.authentication.TokenAuthentication"
    name = "tokenAuth"
    priority = 1

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": (
                "令牌认证：请求头 `Authorization: Token <令牌>`。"
                "令牌由系统管理员在服务器上执行 `python manage.py drf_create_token <用户名>` 生成"
                "（加 `-r` 重新生成并作废旧令牌）。令牌与该工作人员的岗位和管辖范围绑定。"
            ),
        }


# --- ReDoc without web fonts ------------------------------------------------------------------------

# drf-spectacular's ReDoc page loads Google Fonts; county networks have no internet, so the head is
# replaced (ReDoc falls back to the system fonts). The script itself comes from drf_spectacular_sidecar.
_REDOC_PAGE = """{% extends "drf_spectacular/redoc.html" %}{% block head %}
    <title>{{ title|default:"Redoc" }}</title>
    <meta charset="utf-8">
    <meta name="viewport" content="width=device-width, initial-scale=1">
    <style>body { margin: 0; padding: 0; }</style>
{% endblock head %}"""


class _OfflineRedocRenderer(TemplateHTMLRenderer):
    def resolve_template(self, template_names):
        return engines["django"].from_string(_REDOC_PAGE)


class OfflineRedocView(SpectacularRedocView):
    renderer_classes = [_OfflineRedocRenderer]


# --- me, regions, programs ---------------------------------------------------------------------------


class CapabilitiesSerializer(serializers.Serializer):
    """当前用户可执行的操作。"""

    edit_registry = serializers.BooleanField(help_text="可登记和修改家庭信息")
    reveal_id_number = serializers.BooleanField(help_text="可查看完整身份证号（每次查看留痕）")
    view_audit_trail = serializers.BooleanField(help_text="可查看审计记录")
    manage_staff = serializers.BooleanField(help_text="可管理本县人员与区划")


class RoleAssignmentSerializer(serializers.Serializer):
    """一项岗位授权：岗位及其管辖区划。"""

    role = EnumChoiceField(Role)
    role_display = serializers.CharField(source="get_role_display")
    region = RegionRefSerializer()
    region_level = EnumChoiceField(RegionLevel, source="region.level")


class MeSerializer(serializers.Serializer):
    """当前登录的工作人员。"""

    username = serializers.CharField()
    display_name = serializers.CharField()
    is_superuser = serializers.BooleanField()
    roles = RoleAssignmentSerializer(many=True)
    capabilities = CapabilitiesSerializer()


class MeApi(ApiView):
    @extend_schema(
        operation_id="me_retrieve",
        tags=["当前用户"],
        summary="当前用户",
        description=(
            "返回当前登录的工作人员：账号、姓名、岗位及其管辖区划、可执行的操作。"
            "令牌认证：`python manage.py drf_create_token <用户名>` 生成令牌后，"
            "在请求头加 `Authorization: Token <令牌>`。"
        ),
        responses={200: MeSerializer, **error_responses(403)},
    )
    def get(self, request: Request) -> Response:
        caps = capabilities_for(request.user)
        data = {
            "username": request.user.get_username(),
            "display_name": request.user.display_name or request.user.get_username(),
            "is_superuser": request.user.is_superuser,
            "roles": active_assignments(request.user),
            "capabilities": {
                "edit_registry": caps.edit_registry or request.user.is_superuser,
                "reveal_id_number": caps.reveal_id_number or request.user.is_superuser,
                "view_audit_trail": caps.view_audit_trail or request.user.is_superuser,
                "manage_staff": caps.manage_staff or request.user.is_superuser,
            },
        }
        return self.output(MeSerializer, data)


class RegionSerializer(serializers.ModelSerializer):
    """行政区划。"""

    level = EnumChoiceField(RegionLevel, read_only=True)
    level_display = serializers.CharField(source="get_level_display", read_only=True)

    class Meta:
        model = Region
        fields = ["id", "code", "name", "level", "level_display", "parent", "path", "is_urban"]
        read_only_fields = fields


class RegionFilterSerializer(StrictInputSerializer):
    level = EnumChoiceField(RegionLevel, required=False, help_text="只列出该层级的区划")
    parent = ScopedRegionField(required=False, help_text="只列出该区划（须在管辖范围内）的下级区划")


class RegionListApi(ApiView):
    pagination_class = ApiPagination

    @extend_schema(
        operation_id="regions_list",
        tags=["区划与目录"],
        summary="管辖范围内的行政区划",
        description="列出当前用户管辖范围内的区划（本级及下级），可按层级、上级区划筛选。",
        parameters=[RegionFilterSerializer],
        responses={200: RegionSerializer(many=True), **error_responses(400, 403)},
    )
    def get(self, request: Request) -> Response:
        params = self.query(RegionFilterSerializer)
        parent = params.get("parent")
        regions = region_list_for(
            actor=request.user, level=params.get("level", ""), parent_id=parent.pk if parent else None
        )
        return self.paginated(RegionSerializer, regions)


class ProgramSerializer(serializers.ModelSerializer):
    """救助项目。"""

    kind = EnumChoiceField(ProgramKind, read_only=True)
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)

    class Meta:
        model = Program
        fields = ["id", "code", "name", "short_name", "kind", "kind_display", "by_household", "legal_basis"]
        read_only_fields = fields


class ProgramListApi(ApiView):
    pagination_class = ApiPagination

    @extend_schema(
        operation_id="programs_list",
        tags=["区划与目录"],
        summary="救助项目目录",
        description="列出启用的救助项目（低保、特困、临时救助等）。目录全国统一，不按区划限定。",
        responses={200: ProgramSerializer(many=True), **error_responses(403)},
    )
    def get(self, request: Request) -> Response:
        return self.paginated(ProgramSerializer, Program.objects.filter(is_active=True).order_by("sort_order", "code"))
