"""``/api/payments/rolls/<id>/export/`` and ``/api/payments/rolls/<id>/results/``: a roll's bank file (streamed)
and the upload of the bank's result file (a job) — the same services as the pages (``payments.services.reconcile``).
"""

from __future__ import annotations

import json

from django.http import FileResponse, StreamingHttpResponse
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.parsers import MultiPartParser
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response

from assistance.apis import ApiView, error_responses
from cases.serializers import StrictInputSerializer
from payments.bankfiles import XLSX_CONTENT_TYPE
from payments.selectors.rolls import roll_get_for
from payments.services.export import roll_export
from payments.services.reconcile import result_import_start

TAGS = ["资金发放"]


class _FileRenderer(BaseRenderer):
    """Lets a client ask for the file's type (``Accept: text/csv``); a refusal is still sent as JSON."""

    charset = None

    def render(self, data, accepted_media_type=None, renderer_context=None):
        return json.dumps(data, ensure_ascii=False).encode("utf-8")


class CsvRenderer(_FileRenderer):
    media_type = "text/csv"
    format = "csv"


class XlsxRenderer(_FileRenderer):
    media_type = XLSX_CONTENT_TYPE
    format = "xlsx"


class ExportQuerySerializer(StrictInputSerializer):
    template = serializers.IntegerField(
        required=False, min_value=1, help_text="代发模板编号（默认：花名册或本县的模板）"
    )


class RollExportApi(ApiView):
    renderer_classes = [JSONRenderer, CsvRenderer, XlsxRenderer]

    @extend_schema(
        operation_id="payment_roll_export",
        tags=TAGS,
        summary="下载银行代发文件",
        description=(
            "按代发模板（列、字符编码、合计行）生成已审批花名册的银行代发文件：CSV 或 xlsx，流式传输。"
            "首次导出后花名册状态变为“已导出”；每次导出均作为个人信息读取留痕（县级管理员）。"
            "流水号列为本系统的明细编号，银行回盘时须原样返回。"
        ),
        parameters=[
            OpenApiParameter(
                "template", OpenApiTypes.INT, required=False, description="代发模板编号（默认：花名册或本县的模板）"
            )
        ],
        responses={
            (200, "text/csv"): OpenApiResponse(OpenApiTypes.BINARY, description="CSV 代发文件（模板的字符编码）"),
            (200, XLSX_CONTENT_TYPE): OpenApiResponse(OpenApiTypes.BINARY, description="Excel 代发文件"),
            **error_responses(400, 403, 404, 409),
        },
    )
    def get(self, request: Request, roll_id: int):
        data = self.query(ExportQuerySerializer)
        roll = roll_get_for(actor=request.user, pk=roll_id)
        export = roll_export(actor=request.user, roll=roll, template=data.get("template"))
        if export.is_xlsx:
            return FileResponse(
                export.open(), as_attachment=True, filename=export.filename, content_type=export.content_type
            )
        response = StreamingHttpResponse(export.stream(), content_type=export.content_type)
        response["Content-Disposition"] = f'attachment; filename="{export.filename}"'
        return response


class ResultUploadSerializer(StrictInputSerializer):
    file = serializers.FileField(help_text="银行返回的回盘文件（CSV 或 xlsx）")
    template = serializers.IntegerField(required=False, min_value=1, help_text="代发模板编号（默认：花名册的模板）")


ResultImportJobSerializer = inline_serializer(
    "ResultImportJob",
    fields={
        "import_id": serializers.IntegerField(help_text="回盘文件编号"),
        "job": serializers.IntegerField(help_text="任务编号"),
        "status": serializers.CharField(help_text="任务状态"),
        "url": serializers.CharField(help_text="查看进度的页面"),
    },
)


class RollResultsApi(ApiView):
    parser_classes = [MultiPartParser]

    @extend_schema(
        operation_id="payment_roll_results_upload",
        tags=TAGS,
        summary="上传银行回盘文件",
        description=(
            "上传已导出花名册的银行回盘文件（multipart/form-data，字段 file），后台按模板逐行匹配："
            "成功、失败（含原因）或未匹配（流水号不存在、金额或账号不符、重复等，待人工处理）。返回 202 和任务编号。"
            "同一文件重复上传返回 409；列与模板不符、无法解码或不是 xlsx 返回 400（县级管理员）。"
        ),
        request={"multipart/form-data": ResultUploadSerializer},
        responses={202: ResultImportJobSerializer, **error_responses(400, 403, 404, 409)},
    )
    def post(self, request: Request, roll_id: int) -> Response:
        roll = roll_get_for(actor=request.user, pk=roll_id)
        data = self.input(ResultUploadSerializer)
        imp = result_import_start(
            actor=request.user, roll=roll, uploaded_file=data["file"], template=data.get("template")
        )
        body = {
            "import_id": imp.pk,
            "job": imp.job_id,
            "status": imp.job.status,
            "url": reverse("job-detail", args=[imp.job_id]),
        }
        return Response(body, status=202)
