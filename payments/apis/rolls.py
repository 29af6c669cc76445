"""``/api/payments/rolls/…``: the rolls of the caller's counties, their lines, generation (a job) and the
check / approve / return transitions — the same services as the pages."""

from __future__ import annotations

from django.urls import reverse
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from assistance.apis import ApiPagination, ApiView, error_responses
from assistance.errors import ApplicationError
from assistance.models import Region
from assistance.roles import RegionLevel
from cases.serializers import StrictInputSerializer
from cases.views.recompute import parse_month
from payments.choices import ROLL_PROGRAMS
from payments.models import PaymentLine, PaymentRoll
from payments.selectors.rolls import line_list_for, roll_get_for, roll_list_for
from payments.services._common import yuan
from payments.services.rolls import roll_approve, roll_check, roll_return, rolls_generate_start

TAGS = ["资金发放"]


class RollSerializer(serializers.ModelSerializer):
    county = serializers.CharField(source="county.code", read_only=True)
    month = serializers.SerializerMethodField()
    total = serializers.SerializerMethodField(help_text="合计（元）")
    paid = serializers.SerializerMethodField(help_text="已到账（元）")
    failed = serializers.SerializerMethodField(help_text="发放失败（元）")

    class Meta:
        model = PaymentRoll
        fields = [
            "id",
            "code",
            "county",
            "program",
            "month",
            "kind",
            "seq",
            "status",
            "version",
            "line_count",
            "total_fen",
            "total",
            "paid_count",
            "paid_fen",
            "paid",
            "failed_count",
            "failed_fen",
            "failed",
            "generated_at",
            "checked_at",
            "approved_at",
            "exported_at",
            "reconciled_at",
            "check_report",
        ]

    def get_month(self, roll) -> str:
        return f"{roll.month:%Y-%m}"

    def get_total(self, roll) -> str:
        return str(yuan(roll.total_fen))

    def get_paid(self, roll) -> str:
        return str(yuan(roll.paid_fen))

    def get_failed(self, roll) -> str:
        return str(yuan(roll.failed_fen))


class LineSerializer(serializers.ModelSerializer):
    amount = serializers.SerializerMethodField(help_text="金额（元）")
    period_month = serializers.SerializerMethodField()
    account_number = serializers.SerializerMethodField(help_text="银行账号（后四位）")

    class Meta:
        model = PaymentLine
        fields = [
            "id",
            "kind",
            "enrolment",
            "household",
            "member",
            "application",
            "change",
            "town",
            "region",
            "period_month",
            "amount_fen",
            "amount",
            "payee_name",
            "bank_name",
            "account_number",
            "status",
            "failure_reason",
            "carry_state",
            "carried_from",
        ]

    def get_amount(self, line) -> str:
        return str(yuan(line.amount_fen))

    def get_period_month(self, line) -> str:
        return f"{line.period_month:%Y-%m}"

    def get_account_number(self, line) -> str:
        return f"****{line.account_number[-4:]}" if line.account_number else ""


class RollFilterSerializer(StrictInputSerializer):
    county = serializers.CharField(max_length=12, required=False)
    month = serializers.CharField(max_length=7, required=False)


def _county(code: str | None) -> Region | None:
    if not code:
        return None
    county = Region.objects.filter(code=code, level=RegionLevel.COUNTY).first()
    if county is None:
        raise ApplicationError("没有这个县级区划代码", code="invalid", fields={"county": ["没有这个县级区划代码"]})
    return county


class RollListApi(ApiView):
    pagination_class = ApiPagination

    @extend_schema(
        operation_id="payment_roll_list",
        tags=TAGS,
        summary="发放花名册列表",
        description="本人管辖县（市、区）的发放花名册，可按县级区划代码和发放月份筛选；金额同时给出分和元。",
        parameters=[
            OpenApiParameter("county", str, description="县级区划代码"),
            OpenApiParameter("month", str, description="发放月份 YYYY-MM"),
        ],
        responses={200: RollSerializer(many=True), **error_responses(400, 403)},
    )
    def get(self, request: Request) -> Response:
        data = self.query(RollFilterSerializer)
        month = parse_month(data["month"]) if data.get("month") else None
        rolls = roll_list_for(actor=request.user, county=_county(data.get("county")), month=month)
        return self.paginated(RollSerializer, rolls)


class RollDetailApi(ApiView):
    @extend_schema(
        operation_id="payment_roll_detail",
        tags=TAGS,
        summary="花名册详情（含核对结果）",
        description="花名册的状态、合计、到账与失败合计，以及核对时保存的分乡镇合计和与上月比较结果。",
        responses={200: RollSerializer, **error_responses(403, 404)},
    )
    def get(self, request: Request, pk: int) -> Response:
        return self.output(RollSerializer, roll_get_for(actor=request.user, pk=pk))


class RollLinesApi(ApiView):
    pagination_class = ApiPagination

    @extend_schema(
        operation_id="payment_roll_lines",
        tags=TAGS,
        summary="花名册明细",
        description="花名册的发放明细（分页）：对象、所属月份、金额、户名、账号后四位、发放结果和失败处理状态。",
        responses={200: LineSerializer(many=True), **error_responses(403, 404)},
    )
    def get(self, request: Request, pk: int) -> Response:
        roll = roll_get_for(actor=request.user, pk=pk)
        return self.paginated(LineSerializer, line_list_for(actor=request.user, roll=roll).order_by("id"))


class GenerateInputSerializer(StrictInputSerializer):
    county = serializers.CharField(max_length=12, help_text="县级区划代码")
    month = serializers.CharField(max_length=7, help_text="发放月份 YYYY-MM（至多下月）")
    programs = serializers.ListField(
        child=serializers.ChoiceField(choices=list(ROLL_PROGRAMS)), required=False, help_text="救助项目，默认全部"
    )


JobSerializer = inline_serializer(
    "PaymentRollJob",
    fields={
        "job": serializers.IntegerField(help_text="任务编号"),
        "created": serializers.BooleanField(help_text="是否新建"),
        "status": serializers.CharField(help_text="任务状态"),
        "url": serializers.CharField(help_text="查看进度的页面"),
    },
)


class RollGenerateApi(ApiView):
    @extend_schema(
        operation_id="payment_roll_generate",
        tags=TAGS,
        summary="生成发放花名册",
        description="生成（或重新生成草稿）某县某月的花名册（县级管理员），返回 202 和任务编号；已审批的返回 409。",
        request=GenerateInputSerializer,
        responses={202: JobSerializer, **error_responses(400, 403, 409)},
    )
    def post(self, request: Request) -> Response:
        data = self.input(GenerateInputSerializer)
        county = _county(data["county"])
        job, created = rolls_generate_start(
            actor=request.user,
            county=county,
            month=parse_month(data["month"]),
            programs=data.get("programs") or None,
            trigger="api",
        )
        body = {"job": job.pk, "created": created, "status": job.status, "url": reverse("job-detail", args=[job.pk])}
        return Response(body, status=202)


class TransitionInputSerializer(StrictInputSerializer):
    version = serializers.IntegerField(required=False, min_value=1, help_text="页面显示时的版本（防止覆盖他人修改）")
    reason = serializers.CharField(required=False, allow_blank=True, max_length=200, help_text="退回理由")


def _transition(name: str, summary: str, description: str, run):
    class RollTransitionApi(ApiView):
        @extend_schema(
            operation_id=f"payment_roll_{name}",
            tags=TAGS,
            summary=summary,
            description=description,
            request=TransitionInputSerializer,
            responses={200: RollSerializer, **error_responses(400, 403, 404, 409)},
        )
        def post(self, request: Request, pk: int) -> Response:
            data = self.input(TransitionInputSerializer)
            roll = roll_get_for(actor=request.user, pk=pk)
            return self.output(RollSerializer, run(request.user, roll, data))

    RollTransitionApi.__name__ = RollTransitionApi.__qualname__ = f"Roll{name.title()}Api"
    return RollTransitionApi


RollCheckApi = _transition(
    "check",
    "核对花名册",
    "核对已生成的草稿：保存分乡镇合计、与上月比较和缺少账号的明细数，状态改为已核对（县级管理员或审核人员）。",
    lambda u, r, d: roll_check(actor=u, roll=r, version=d.get("version")),
)
RollApproveApi = _transition(
    "approve",
    "审批花名册",
    "县级审核人员审批已核对的花名册（不能是生成人或核对人）；审批后明细冻结。缺少银行账号或合计不符返回 409。",
    lambda u, r, d: roll_approve(actor=u, roll=r, version=d.get("version")),
)
RollReturnApi = _transition(
    "return",
    "退回花名册为草稿",
    "把已核对的花名册退回为草稿，须填写退回理由。",
    lambda u, r, d: roll_return(actor=u, roll=r, reason=d.get("reason", ""), version=d.get("version")),
)
