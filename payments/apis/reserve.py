"""``/api/payments/reserve/…``: the reserve funds (临时救助备用金) the caller may see, a fund with its ledger, the
town's top-up request, the county's decision on it and the year-end settlement report — the same services as
the pages."""

from __future__ import annotations

from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from assistance.apis import ApiPagination, ApiView, error_responses
from assistance.errors import PermissionRefused
from cases.serializers import StrictInputSerializer
from payments.apis.rolls import _county
from payments.models import ReserveEntry, ReserveFund, ReserveTopUp
from payments.selectors.reserve import (
    reserve_entry_list_for,
    reserve_fund_get_for,
    reserve_fund_list_for,
    reserve_top_up_get_for,
)
from payments.selectors.rolls import payment_counties_for
from payments.services.reserve import reserve_settlement_report, reserve_top_up_decide, reserve_top_up_request

TAGS = ["资金发放"]
MONEY = {"max_digits": 14, "decimal_places": 2, "coerce_to_string": True}


class FundSerializer(serializers.ModelSerializer):
    town = serializers.CharField(source="town.code", read_only=True, help_text="乡镇区划代码")
    town_name = serializers.CharField(source="town.name", read_only=True)
    county = serializers.CharField(source="county.code", read_only=True)
    status = serializers.CharField(read_only=True, help_text="open 使用中；settled 已清算")

    class Meta:
        model = ReserveFund
        fields = [
            "id",
            "town",
            "town_name",
            "county",
            "year",
            "residents",
            "per_resident",
            "allocated",
            "topped_up",
            "drawn",
            "returned",
            "balance",
            "status",
            "settled_at",
        ]


class EntrySerializer(serializers.ModelSerializer):
    kind = serializers.CharField(
        read_only=True, help_text="allocation 年初预拨；top_up 追加拨付；drawdown 急难救助支出；settlement 年终清算收回"
    )
    application = serializers.CharField(
        source="application.code", read_only=True, allow_null=True, default=None, help_text="急难救助案件编号"
    )

    class Meta:
        model = ReserveEntry
        fields = ["id", "kind", "amount", "balance_after", "on", "note", "application", "top_up"]


class FundDetailSerializer(FundSerializer):
    entries = serializers.SerializerMethodField(help_text="收支明细")

    class Meta(FundSerializer.Meta):
        fields = [*FundSerializer.Meta.fields, "entries"]

    @extend_schema_field(EntrySerializer(many=True))
    def get_entries(self, fund) -> list[dict]:
        return EntrySerializer(fund.ledger, many=True).data


class TopUpSerializer(serializers.ModelSerializer):
    status = serializers.CharField(read_only=True, help_text="pending 待审批；approved 已批准；refused 不予批准")

    class Meta:
        model = ReserveTopUp
        fields = ["id", "fund", "amount", "reason", "status", "requested_at", "decided_at", "decision_note"]


class FundFilterSerializer(StrictInputSerializer):
    county = serializers.CharField(max_length=12, required=False)
    year = serializers.IntegerField(required=False, min_value=2000, max_value=2100)


class TopUpInputSerializer(StrictInputSerializer):
    amount = serializers.DecimalField(max_digits=14, decimal_places=2, min_value=0, help_text="申请金额（元）")
    reason = serializers.CharField(max_length=200, help_text="申请理由")


class TopUpDecisionSerializer(StrictInputSerializer):
    approve = serializers.BooleanField(help_text="true 批准，false 不予批准")
    note = serializers.CharField(
        max_length=200, required=False, allow_blank=True, help_text="审批意见（不予批准须填写）"
    )


def _money() -> serializers.DecimalField:
    return serializers.DecimalField(**MONEY)


class ReportRowSerializer(serializers.Serializer):
    town = serializers.CharField(help_text="乡镇区划代码")
    town_name = serializers.CharField()
    residents = serializers.IntegerField(help_text="辖区人口")
    allocated = _money()
    top_up_count = serializers.IntegerField()
    topped_up = _money()
    drawdown_count = serializers.IntegerField(help_text="急难救助支出笔数")
    drawn = _money()
    returned = _money()
    balance = _money()
    status = serializers.CharField()


class ReportTotalsSerializer(serializers.Serializer):
    towns = serializers.IntegerField()
    residents = serializers.IntegerField()
    allocated = _money()
    top_up_count = serializers.IntegerField()
    topped_up = _money()
    drawdown_count = serializers.IntegerField()
    drawn = _money()
    returned = _money()
    balance = _money()
    settled = serializers.IntegerField(help_text="已清算的乡镇数")


class ReportSerializer(serializers.Serializer):
    county = serializers.CharField()
    year = serializers.IntegerField()
    rows = ReportRowSerializer(many=True)
    totals = ReportTotalsSerializer()


FILTERS = [
    OpenApiParameter("county", str, description="县级区划代码"),
    OpenApiParameter("year", int, description="年度，默认今年"),
]


class FundListApi(ApiView):
    pagination_class = ApiPagination

    @extend_schema(
        operation_id="payment_reserve_fund_list",
        tags=TAGS,
        summary="临时救助备用金列表",
        description="管辖范围内各乡镇（街道）的备用金及余额；乡镇经办人员只看到本乡镇的。",
        parameters=FILTERS,
        responses={200: FundSerializer(many=True), **error_responses(400, 403)},
    )
    def get(self, request: Request) -> Response:
        data = self.query(FundFilterSerializer)
        funds = reserve_fund_list_for(actor=request.user, county=_county(data.get("county")), year=data.get("year"))
        return self.paginated(FundSerializer, funds)


class FundDetailApi(ApiView):
    @extend_schema(
        operation_id="payment_reserve_fund_detail",
        tags=TAGS,
        summary="备用金详情及收支明细",
        description="一个乡镇（街道）某年度备用金的概况和收支明细（预拨、追加、急难救助支出、清算收回，含变动后余额）。",
        responses={200: FundDetailSerializer, **error_responses(403, 404)},
    )
    def get(self, request: Request, pk: int) -> Response:
        fund = reserve_fund_get_for(actor=request.user, pk=pk)
        fund.ledger = list(reserve_entry_list_for(actor=request.user, fund=fund))
        return self.output(FundDetailSerializer, fund)


class TopUpRequestApi(ApiView):
    @extend_schema(
        operation_id="payment_reserve_top_up_request",
        tags=TAGS,
        summary="申请追加备用金",
        description=(
            "本乡镇（街道）的经办人员申请追加备用金（用完后可继续申请，maiji-2021 §四(四)15），待县级审核人员审批。"
        ),
        request=TopUpInputSerializer,
        responses={201: TopUpSerializer, **error_responses(400, 403, 404, 409)},
    )
    def post(self, request: Request, pk: int) -> Response:
        fund = reserve_fund_get_for(actor=request.user, pk=pk)
        data = self.input(TopUpInputSerializer)
        top_up = reserve_top_up_request(actor=request.user, fund=fund, amount=data["amount"], reason=data["reason"])
        return self.output(TopUpSerializer, top_up, status=201)


class TopUpDecideApi(ApiView):
    @extend_schema(
        operation_id="payment_reserve_top_up_decide",
        tags=TAGS,
        summary="审批追加备用金",
        description="县级审核人员批准（计入备用金余额）或不予批准（须填写意见）；已审批的返回 409。",
        request=TopUpDecisionSerializer,
        responses={200: TopUpSerializer, **error_responses(400, 403, 404, 409)},
    )
    def post(self, request: Request, pk: int) -> Response:
        top_up = reserve_top_up_get_for(actor=request.user, pk=pk)
        data = self.input(TopUpDecisionSerializer)
        top_up = reserve_top_up_decide(
            actor=request.user, top_up=top_up, approve=data["approve"], note=data.get("note", "")
        )
        return self.output(TopUpSerializer, top_up)


class SettlementReportApi(ApiView):
    @extend_schema(
        operation_id="payment_reserve_settlement_report",
        tags=TAGS,
        summary="备用金年终清算报表",
        description="某县某年各乡镇的辖区人口、年初预拨、追加、救助支出（笔数、金额）、清算收回和余额，以及合计。",
        parameters=FILTERS,
        responses={200: ReportSerializer, **error_responses(400, 403)},
    )
    def get(self, request: Request) -> Response:
        data = self.query(FundFilterSerializer)
        counties = payment_counties_for(request.user)
        county = _county(data.get("county")) if data.get("county") else (counties[0] if counties else None)
        if county is None or county.pk not in {c.pk for c in counties}:
            raise PermissionRefused("备用金清算报表由县级管理员、审核人员和审计人员查看")
        report = reserve_settlement_report(county=county, year=data.get("year") or timezone.localdate().year)
        rows = [
            {
                "town": row["town"].code,
                "town_name": row["town"].name,
                **{k: row[k] for k in ("residents", "allocated", "top_up_count", "topped_up", "drawdown_count")},
                **{k: row[k] for k in ("drawn", "returned", "balance", "status")},
            }
            for row in report["rows"]
        ]
        body = {"county": county.code, "year": report["year"], "rows": rows, "totals": report["totals"]}
        return Response(ReportSerializer(body).data)
