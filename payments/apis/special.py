"""``/api/payments/subsidies/…``: price-linked subsidy batches (价格临时补贴) — list, open one, generate its roll —
and ``/api/payments/instalments/<application_id>/``: the instalment plan of a 支出型 case."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from assistance.apis import ApiPagination, ApiView, error_responses
from cases.serializers import StrictInputSerializer
from payments.apis.rolls import RollSerializer, _county
from payments.models import Instalment, InstalmentPlan, PriceSubsidyBatch
from payments.selectors.special import instalment_plan_get_for, subsidy_batch_get_for, subsidy_batch_list_for
from payments.services.subsidy import SUBSIDY_PROGRAMS, subsidy_batch_create, subsidy_batch_generate

TAGS = ["资金发放"]


class BatchSerializer(serializers.ModelSerializer):
    county = serializers.CharField(source="county.code", read_only=True)
    month = serializers.DateField(format="%Y-%m", read_only=True)
    programs = serializers.ListField(child=serializers.CharField(), read_only=True, help_text="发放对象")
    roll = serializers.SerializerMethodField(help_text="发放名单（花名册）编号，未生成时为空")
    status = serializers.CharField(read_only=True, help_text="draft 草稿；generated 已生成发放名单")

    class Meta:
        model = PriceSubsidyBatch
        fields = [
            "id",
            "code",
            "county",
            "month",
            "amount_per_person",
            "programs",
            "basis",
            "status",
            "person_count",
            "roll",
            "created_at",
        ]

    def get_roll(self, batch) -> int | None:
        roll = getattr(batch, "roll", None)
        return roll.pk if roll is not None else None


class BatchFilterSerializer(StrictInputSerializer):
    county = serializers.CharField(max_length=12, required=False)


class BatchInputSerializer(StrictInputSerializer):
    county = serializers.CharField(max_length=12, help_text="县级区划代码")
    month = serializers.CharField(max_length=7, help_text="补贴月份 YYYY-MM")
    amount_per_person = serializers.DecimalField(
        max_digits=14, decimal_places=2, min_value=0, help_text="每人补贴金额（元）"
    )
    programs = serializers.ListField(
        child=serializers.ChoiceField(choices=list(SUBSIDY_PROGRAMS)),
        allow_empty=False,
        help_text="发放对象：dibao（低保家庭每位成员）、dibao_single、tekun",
    )
    basis = serializers.CharField(max_length=200, help_text="文件依据")


class InstalmentSerializer(serializers.ModelSerializer):
    month = serializers.DateField(format="%Y-%m", read_only=True)
    status = serializers.CharField(read_only=True, help_text="scheduled 按计划发放；cancelled 已取消")

    class Meta:
        model = Instalment
        fields = ["id", "seq", "month", "amount", "status"]


class PlanSerializer(serializers.ModelSerializer):
    application = serializers.CharField(source="application.code", read_only=True)
    instalments = InstalmentSerializer(many=True, read_only=True)

    class Meta:
        model = InstalmentPlan
        fields = ["id", "application", "total", "instalments", "created_at"]


class BatchListApi(ApiView):
    pagination_class = ApiPagination

    @extend_schema(
        operation_id="payment_subsidy_batch_list",
        tags=TAGS,
        summary="价格临时补贴批次列表",
        description="管辖县的价格临时补贴批次（最新月份在前），含人数和生成的花名册编号。",
        parameters=[OpenApiParameter("county", str, description="县级区划代码")],
        responses={200: BatchSerializer(many=True), **error_responses(400, 403)},
    )
    def get(self, request: Request) -> Response:
        data = self.query(BatchFilterSerializer)
        return self.paginated(
            BatchSerializer, subsidy_batch_list_for(actor=request.user, county=_county(data.get("county")))
        )

    @extend_schema(
        operation_id="payment_subsidy_batch_create",
        tags=TAGS,
        summary="建立价格临时补贴批次",
        description="县级管理员按月份和每人补贴金额建立批次（maiji-2021 §四(二)6），随后调用 generate 生成发放名单。",
        request=BatchInputSerializer,
        responses={201: BatchSerializer, **error_responses(400, 403)},
    )
    def post(self, request: Request) -> Response:
        data = self.input(BatchInputSerializer)
        batch = subsidy_batch_create(
            actor=request.user,
            county=_county(data["county"]),
            month=data["month"],
            amount_per_person=data["amount_per_person"],
            programs=data["programs"],
            basis=data["basis"],
        )
        return self.output(BatchSerializer, batch, status=201)


class BatchGenerateApi(ApiView):
    @extend_schema(
        operation_id="payment_subsidy_batch_generate",
        tags=TAGS,
        summary="生成价格临时补贴发放名单",
        description="生成（草稿时可重新生成）批次的花名册：当月在保对象每人一条明细；已核对或审批的返回 409。",
        request=None,
        responses={200: RollSerializer, **error_responses(403, 404, 409)},
    )
    def post(self, request: Request, pk: int) -> Response:
        batch = subsidy_batch_get_for(actor=request.user, pk=pk)
        return self.output(RollSerializer, subsidy_batch_generate(actor=request.user, batch=batch))


class InstalmentPlanApi(ApiView):
    @extend_schema(
        operation_id="payment_instalment_plan",
        tags=TAGS,
        summary="支出型临时救助分次发放计划",
        description="一次审批、分次发放：该申请各期的发放月份、金额和状态（maiji-2021 §四(四)15）。",
        responses={200: PlanSerializer, **error_responses(403, 404)},
    )
    def get(self, request: Request, application_id: int) -> Response:
        return self.output(PlanSerializer, instalment_plan_get_for(actor=request.user, application_id=application_id))
