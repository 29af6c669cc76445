"""``POST /api/standard-recompute/``: start the 提标 recomputation of a county (``cases.services.recompute``); the
job runs on a Celery worker and its progress is at ``/jobs/<id>/``."""

from __future__ import annotations

from django.urls import reverse
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from assistance.apis import ApiView, error_responses
from assistance.errors import ApplicationError
from assistance.models import Region
from assistance.roles import RegionLevel
from cases.serializers import StrictInputSerializer
from cases.services.recompute import standard_recompute_start
from cases.views.recompute import parse_month


class RecomputeInputSerializer(StrictInputSerializer):
    county = serializers.CharField(max_length=12, help_text="县级区划代码，如 220623")
    month = serializers.CharField(
        max_length=7, help_text="新标准生效月份 YYYY-MM（本月或以后；追溯生效时最多早12个月）"
    )
    retroactive = serializers.BooleanField(
        required=False, default=False, help_text="追溯生效：已发放月份的差额通过补发花名册发放"
    )


RecomputeJobSerializer = inline_serializer(
    "RecomputeJob",
    fields={
        "job": serializers.IntegerField(help_text="任务编号"),
        "created": serializers.BooleanField(help_text="是否新建（否：同一县、月份和标准的任务已存在）"),
        "status": serializers.CharField(help_text="任务状态"),
        "url": serializers.CharField(help_text="查看进度的页面"),
    },
)


class StandardRecomputeApi(ApiView):
    @extend_schema(
        operation_id="standard_recompute_start",
        tags=["提标重算"],
        summary="发起提标重算",
        description=(
            "新标准生效后，按在保对象的核定依据批量重新计算月救助金额，自生效月份起执行（县级管理员）。"
            "返回 202 和任务编号；同一县、月份和标准重复提交返回已有任务。生效月份早于本月返回 400，"
            "除非 retroactive=true（追溯生效，最多12个月，已发放月份的差额通过补发花名册发放）。"
        ),
        request=RecomputeInputSerializer,
        responses={202: RecomputeJobSerializer, **error_responses(400, 403)},
    )
    def post(self, request: Request) -> Response:
        data = self.input(RecomputeInputSerializer)
        county = Region.objects.filter(code=data["county"], level=RegionLevel.COUNTY).first()
        if county is None:
            raise ApplicationError("没有这个县级区划代码", code="invalid", fields={"county": ["没有这个县级区划代码"]})
        job, created = standard_recompute_start(
            actor=request.user,
            county=county,
            month=parse_month(data["month"]),
            trigger="api",
            retroactive=data.get("retroactive", False),
        )
        body = {
            "job": job.pk,
            "created": created,
            "status": job.status,
            "url": reverse("job-detail", args=[job.pk]),
        }
        return Response(body, status=202)
