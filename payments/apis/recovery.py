"""REST endpoints of back-pay (补发) and recovery (追回) under ``/api/payments/``: the receivables of the caller's
jurisdiction, one receivable with its items and entries, registering a repayment or a write-off, and generating
a county's adjustment roll. Each view validates with a serializer, fetches through a scoped selector (404 outside
the jurisdiction) and makes one service call."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from assistance.apis import ApiPagination, ApiView, error_responses
from assistance.errors import ApplicationError
from assistance.models import Region
from assistance.roles import RegionLevel
from cases.serializers import EnumChoiceField, StrictInputSerializer
from cases.views.recompute import parse_month
from payments.apis.rolls import RollSerializer
from payments.choices import (
    ReceivableCause,
    ReceivableEntryKind,
    ReceivableStatus,
)
from payments.models import Receivable, ReceivableEntry, ReceivableItem
from payments.selectors.recovery import receivable_get_for, receivable_list_for
from payments.services._common import yuan
from payments.services.backpay import BACKPAY_PROGRAMS, backpay_generate
from payments.services.recovery import receivable_repay, receivable_write_off

TAG = "追回与补发"
RECEIVABLE_ID = OpenApiParameter("receivable_id", int, OpenApiParameter.PATH, description="应追回款编号（id）")
WRITE_ERRORS = error_responses(400, 403, 404, 409)
MONEY = {"max_digits": 14, "decimal_places": 2, "coerce_to_string": True}


# --- serializers ----------------------------------------------------------------------------------------------------


class ReceivableItemSerializer(serializers.ModelSerializer):
    roll = serializers.SerializerMethodField(help_text="来源发放明细所在花名册的编号")
    roll_id = serializers.SerializerMethodField(help_text="花名册 id")
    line_kind = serializers.SerializerMethodField(help_text="来源明细的发放类别")
    line_amount = serializers.SerializerMethodField(help_text="来源明细的发放金额（元）")
    amount = serializers.DecimalField(**MONEY, help_text="追回金额（元）")

    class Meta:
        model = ReceivableItem
        fields = ["id", "line", "roll", "roll_id", "line_kind", "line_amount", "period_month", "amount", "note"]

    def get_roll(self, item: ReceivableItem) -> str | None:
        return item.line.roll.code if item.line_id else None

    def get_roll_id(self, item: ReceivableItem) -> int | None:
        return item.line.roll_id if item.line_id else None

    def get_line_kind(self, item: ReceivableItem) -> str | None:
        return item.line.kind if item.line_id else None

    def get_line_amount(self, item: ReceivableItem) -> str | None:
        return str(yuan(item.line.amount_fen)) if item.line_id else None


class ReceivableEntrySerializer(serializers.ModelSerializer):
    kind = EnumChoiceField(ReceivableEntryKind, help_text="退回或核销")
    amount = serializers.DecimalField(**MONEY, help_text="金额（元）")
    actor = serializers.CharField(source="actor.username", help_text="经办人用户名")

    class Meta:
        model = ReceivableEntry
        fields = ["id", "kind", "amount", "on", "reference", "note", "actor", "created_at"]


class ReceivableSerializer(serializers.ModelSerializer):
    cause = EnumChoiceField(ReceivableCause, help_text="追回原因")
    status = EnumChoiceField(ReceivableStatus, help_text="追回中 / 已结清")
    county = serializers.CharField(source="county.code", help_text="县级区划代码")
    household_code = serializers.CharField(source="household.code", help_text="家庭编号")
    amount = serializers.DecimalField(**MONEY, help_text="应追回金额（元，明细之和）")
    recovered = serializers.DecimalField(**MONEY, help_text="已退回（元）")
    written_off = serializers.DecimalField(**MONEY, help_text="已核销（元）")
    balance = serializers.DecimalField(**MONEY, read_only=True, help_text="余额（元），不会为负")

    class Meta:
        model = Receivable
        fields = [
            "id",
            "code",
            "county",
            "household",
            "household_code",
            "enrolment",
            "application",
            "life_event",
            "cause",
            "reason",
            "amount",
            "recovered",
            "written_off",
            "balance",
            "status",
            "version",
            "created_at",
        ]


class ReceivableDetailSerializer(ReceivableSerializer):
    items = serializers.SerializerMethodField(help_text="追回明细：来源的发放明细及各自追回金额")
    entries = ReceivableEntrySerializer(many=True, read_only=True, help_text="退回与核销记录")

    class Meta(ReceivableSerializer.Meta):
        fields = [*ReceivableSerializer.Meta.fields, "items", "entries"]

    @extend_schema_field(ReceivableItemSerializer(many=True))
    def get_items(self, receivable: Receivable) -> list[dict]:
        items = receivable.items.select_related("line", "line__roll").order_by("period_month", "id")
        return ReceivableItemSerializer(items, many=True).data


class ReceivableFilterSerializer(StrictInputSerializer):
    status = EnumChoiceField(ReceivableStatus, required=False, help_text="按状态筛选")
    cause = EnumChoiceField(ReceivableCause, required=False, help_text="按原因筛选")


class RepaymentInputSerializer(StrictInputSerializer):
    amount = serializers.DecimalField(max_digits=14, decimal_places=2, help_text="退回金额（元），不超过余额")
    on = serializers.DateField(help_text="退回日期，不晚于今天")
    reference = serializers.CharField(max_length=60, help_text="票据号")
    note = serializers.CharField(max_length=200, required=False, allow_blank=True, default="", help_text="说明")
    version = serializers.IntegerField(required=False, help_text="读取时的版本号（并发保护，不符返回 409）")


class WriteOffInputSerializer(StrictInputSerializer):
    amount = serializers.DecimalField(max_digits=14, decimal_places=2, help_text="核销金额（元），不超过余额")
    reason = serializers.CharField(max_length=200, help_text="核销理由")
    version = serializers.IntegerField(required=False, help_text="读取时的版本号（并发保护，不符返回 409）")


class BackpayInputSerializer(StrictInputSerializer):
    county = serializers.CharField(max_length=12, help_text="县级区划代码，如 220623")
    program = serializers.CharField(
        max_length=20, help_text="救助项目：" + " / ".join(f"{p.value}（{p.label}）" for p in BACKPAY_PROGRAMS)
    )
    through_month = serializers.CharField(
        max_length=7, required=False, help_text="补发截至月份 YYYY-MM（不填则核算所有已审批月份）"
    )


# --- views ------------------------------------------------------------------------------------------------------------


class ReceivableListApi(ApiView):
    pagination_class = ApiPagination

    @extend_schema(
        operation_id="receivables_list",
        tags=[TAG],
        summary="应追回款列表",
        description="管辖范围内的应追回款（分页），最新的在前；县级人员看本县的，乡镇经办人员看本乡镇家庭的。",
        parameters=[ReceivableFilterSerializer],
        responses={200: ReceivableSerializer(many=True), **error_responses(400, 403)},
    )
    def get(self, request: Request) -> Response:
        params = self.query(ReceivableFilterSerializer)
        receivables = receivable_list_for(
            actor=request.user, status=params.get("status", ""), cause=params.get("cause", "")
        )
        return self.paginated(ReceivableSerializer, receivables)


class ReceivableDetailApi(ApiView):
    @extend_schema(
        operation_id="receivable_retrieve",
        tags=[TAG],
        summary="应追回款详情",
        description="一笔应追回款：来源的发放明细（花名册、月份、金额）、退回与核销记录、余额。",
        parameters=[RECEIVABLE_ID],
        responses={200: ReceivableDetailSerializer, **error_responses(403, 404)},
    )
    def get(self, request: Request, receivable_id: int) -> Response:
        return self.output(ReceivableDetailSerializer, receivable_get_for(actor=request.user, pk=receivable_id))


class ReceivableRepaymentApi(ApiView):
    @extend_schema(
        operation_id="receivable_repayment_create",
        tags=[TAG],
        summary="登记退回",
        description=(
            "登记一笔退回（附票据号）：该家庭所在乡镇的经办人员或县级管理员。金额须大于0且不超过余额（400）；"
            "余额为零时状态变为已结清。version 与当前不符返回 409。返回 201 及更新后的应追回款。"
        ),
        parameters=[RECEIVABLE_ID],
        request=RepaymentInputSerializer,
        responses={201: ReceivableDetailSerializer, **WRITE_ERRORS},
    )
    def post(self, request: Request, receivable_id: int) -> Response:
        receivable = receivable_get_for(actor=request.user, pk=receivable_id)
        data = self.input(RepaymentInputSerializer)
        receivable_repay(actor=request.user, receivable=receivable, **data)
        return self.output(
            ReceivableDetailSerializer, receivable_get_for(actor=request.user, pk=receivable_id), status=201
        )


class ReceivableWriteOffApi(ApiView):
    @extend_schema(
        operation_id="receivable_write_off_create",
        tags=[TAG],
        summary="核销",
        description=(
            "核销部分或全部余额（须说明理由）：县级审核人员。金额不超过余额；余额为零时状态变为已结清。"
            "返回 201 及更新后的应追回款。"
        ),
        parameters=[RECEIVABLE_ID],
        request=WriteOffInputSerializer,
        responses={201: ReceivableDetailSerializer, **WRITE_ERRORS},
    )
    def post(self, request: Request, receivable_id: int) -> Response:
        receivable = receivable_get_for(actor=request.user, pk=receivable_id)
        data = self.input(WriteOffInputSerializer)
        receivable_write_off(actor=request.user, receivable=receivable, **data)
        return self.output(
            ReceivableDetailSerializer, receivable_get_for(actor=request.user, pk=receivable_id), status=201
        )


class BackpayApi(ApiView):
    @extend_schema(
        operation_id="backpay_generate",
        tags=[TAG],
        summary="生成补发花名册",
        description=(
            "按月逐户核算已审批月份“应发 − 已发”的差额（标准追溯提高、审批确认晚于当月花名册等），"
            "生成或更新该县该项目的补发花名册草稿（县级管理员），之后按花名册流程核对、审批。"
            "没有差额返回 409 nothing_to_backpay。"
        ),
        request=BackpayInputSerializer,
        responses={201: RollSerializer, **WRITE_ERRORS},
    )
    def post(self, request: Request) -> Response:
        data = self.input(BackpayInputSerializer)
        county = Region.objects.filter(code=data["county"], level=RegionLevel.COUNTY).first()
        if county is None:
            raise ApplicationError("没有这个县级区划代码", code="invalid", fields={"county": ["没有这个县级区划代码"]})
        through = data.get("through_month")
        roll = backpay_generate(
            actor=request.user,
            county=county,
            program=data["program"],
            through_month=parse_month(through) if through else None,
        )
        return self.output(RollSerializer, roll, status=201)
