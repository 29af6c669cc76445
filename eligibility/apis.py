"""REST endpoints of the what-if calculator (试算). Nothing is stored.

- ``POST /api/eligibility/evaluate/``: a household described in the request, a program, a month and a
  jurisdiction (a county's region id or a policy-profile code) → the decision with its explanation.
- ``POST /api/households/{id}/evaluate/``: a registered household (outside the caller's jurisdiction: 404),
  evaluated with its 户籍 county's parameters.

Every bad input is a 400 with a Chinese message (``assistance.errors``), never a 500.
"""

from __future__ import annotations

from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from assistance.apis import ApiView, error_responses
from cases.models import Member
from cases.selectors import household_get_for
from cases.serializers import MonthField, RegionRefSerializer, StrictInputSerializer
from eligibility.calculator import (
    PROGRAM_LABELS,
    Jurisdiction,
    evaluate_household,
    evaluate_what_if,
    present,
    require_calculator,
    resolve_jurisdiction,
)
from eligibility.rules.decision import Decision
from eligibility.rules.serialization import decision_to_dict

HOUSEHOLD_ID = OpenApiParameter("household_id", int, OpenApiParameter.PATH, description="家庭编号（id）")

# --- input -------------------------------------------------------------------------------------------


class WhatIfInputSerializer(StrictInputSerializer):
    jurisdiction = serializers.CharField(
        max_length=40,
        help_text="县（市、区）的区划编号（id，须在您的管辖范围内），或政策参数档案代码（如 changbai、national）",
    )
    request = serializers.JSONField(
        help_text=(
            "要测算的情形：program（dibao / dibao_single / tekun / low_income）、month（YYYY-MM）、"
            "household（area_type、members[ref, birth_date, incomes{类别: 金额} …]、financial_assets …）、"
            'subject（单人户、特困对象的成员 ref）。金额写成字符串（如 "560.50"），日期 YYYY-MM-DD；'
            "未知字段、负数或格式错误的金额均返回 400。"
        )
    )


class ProgramChoices(serializers.ChoiceField):
    def __init__(self, **kwargs):
        super().__init__(choices=list(PROGRAM_LABELS.items()), **kwargs)


class HouseholdEvaluateInputSerializer(StrictInputSerializer):
    program = ProgramChoices(help_text="救助项目")
    month = MonthField(help_text="测算月份：YYYY-MM")
    subject = serializers.IntegerField(
        required=False,
        allow_null=True,
        min_value=1,
        max_value=2**63 - 1,
        help_text="单人户、特困对象：本户在册成员的编号（id）",
    )


# --- output ------------------------------------------------------------------------------------------


class ParamUseSerializer(serializers.Serializer):
    """一个参数版本：取值、起始月份、版本、条款依据。"""

    key = serializers.CharField(help_text="参数代码，如 dibao.standard.rural")
    value = serializers.JSONField(help_text="取值：金额和比例为字符串")
    effective_from = serializers.CharField(help_text="起始月份 YYYY-MM")
    version_id = serializers.CharField(help_text="参数版本编号（据此可精确重现本次测算）")
    clause = serializers.CharField(help_text="条款依据，如 changbai-2021 §二(一)6；本地默认或演示数据时为空")
    profile = serializers.CharField(help_text="定义该参数的档案代码")
    local_default = serializers.BooleanField(help_text="文件未作规定的本地默认值（或演示数据）")


class StepSerializer(serializers.Serializer):
    """一个测算步骤。"""

    rule_id = serializers.CharField(help_text="规则编号，如 dibao.income_test")
    label = serializers.CharField(help_text="中文说明")
    inputs = serializers.DictField(child=serializers.JSONField(), help_text="输入")
    params = ParamUseSerializer(many=True)
    output = serializers.JSONField(help_text="结果")
    applied = serializers.BooleanField(help_text="false：考虑过但未适用的例外")
    reason = serializers.CharField(help_text="理由（尤其是未适用时）")


class ExitMonthSerializer(serializers.Serializer):
    month = serializers.CharField(help_text="YYYY-MM")
    amount = serializers.CharField(help_text="当月金额（元）")


class DecisionSerializer(serializers.Serializer):
    """测算结论（eligibility.rules.serialization.decision_to_dict）。"""

    program = serializers.CharField()
    jurisdiction = serializers.CharField(help_text="所用档案代码")
    month = serializers.CharField(help_text="YYYY-MM")
    outcome = serializers.ChoiceField(
        choices=[("eligible", "符合条件"), ("ineligible", "不符合条件"), ("needs_information", "信息不全")]
    )
    outcome_label = serializers.CharField()
    amount = serializers.CharField(help_text="月金额（元），按档案规定取整")
    category = serializers.CharField(help_text="分类施保类别；无分类时为空")
    recheck_months = serializers.IntegerField(allow_null=True, help_text="定期核查周期（月）")
    exit_schedule = ExitMonthSerializer(many=True, help_text="渐退期逐月金额")
    missing_facts = serializers.ListField(child=serializers.CharField(), help_text="信息不全时缺少的事实")
    steps = StepSerializer(many=True)
    considered_not_applied = serializers.ListField(child=serializers.CharField(), help_text="考虑过但未适用的规则编号")
    details = serializers.DictField(child=serializers.JSONField(), help_text="各项目的具体数字")
    versions_used = serializers.ListField(child=serializers.CharField(), help_text="所用的全部参数版本编号")


class JurisdictionSerializer(serializers.Serializer):
    """测算所用的地区与政策参数档案。"""

    profile = serializers.CharField(help_text="档案代码")
    name = serializers.CharField(help_text="档案名称")
    county = RegionRefSerializer(allow_null=True, help_text="县（市、区）；按档案代码测算时为 null")


class EvaluationSerializer(serializers.Serializer):
    """试算结果：结论（机读）与中文说明。不保存任何内容。"""

    jurisdiction = JurisdictionSerializer()
    decision = DecisionSerializer()
    summary = serializers.CharField(help_text="一句话结论")
    explanation = serializers.ListField(
        child=serializers.CharField(), help_text="逐步中文说明：每步的输入、所用参数（取值、起始月份、条款依据）和结果"
    )


def _evaluation(jurisdiction: Jurisdiction, decision: Decision, names: dict[str, str] | None = None) -> dict:
    presentation = present(decision, jurisdiction, names)
    return {
        "jurisdiction": {"profile": jurisdiction.profile, "name": jurisdiction.name, "county": jurisdiction.county},
        "decision": decision_to_dict(decision),
        "summary": presentation.summary(),
        "explanation": presentation.lines()[1:],
    }


EXAMPLE = {
    "jurisdiction": "changbai",
    "request": {
        "program": "dibao",
        "month": "2026-07",
        "household": {
            "area_type": "rural",
            "financial_assets": "5000",
            "members": [{"ref": "m1", "birth_date": "1950-03-04", "incomes": {"pension": "560"}}],
        },
    },
}


class WhatIfApi(ApiView):
    @extend_schema(
        operation_id="eligibility_evaluate",
        tags=["试算"],
        summary="试算（不保存）",
        description=(
            "按某地政策参数测算请求中描述的家庭：结论（符合/不符合/信息不全）、金额、类别、核查周期、渐退安排，"
            "以及逐步说明（每步所用参数的取值、起始月份、版本与条款依据）。不保存任何内容。"
            "jurisdiction 为您管辖范围内县（市、区）的区划编号，或政策参数档案代码。"
            "未知项目或地区、该月没有有效标准、金额为负数或格式错误、未知字段均返回 400。"
            "仅乡镇经办、县级审核、县级管理员可用。"
        ),
        request=WhatIfInputSerializer,
        responses={200: EvaluationSerializer, **error_responses(400, 403)},
        examples=[OpenApiExample("长白县农村一人户", value=EXAMPLE, request_only=True)],
    )
    def post(self, request: Request) -> Response:
        require_calculator(request.user)
        data = self.input(WhatIfInputSerializer)
        jurisdiction = resolve_jurisdiction(actor=request.user, value=data["jurisdiction"])
        decision = evaluate_what_if(jurisdiction=jurisdiction, data=data["request"])
        return self.output(EvaluationSerializer, _evaluation(jurisdiction, decision))


class HouseholdEvaluateApi(ApiView):
    @extend_schema(
        operation_id="household_evaluate",
        tags=["试算"],
        summary="按登记信息试算（不保存）",
        description=(
            "用家庭档案中的登记信息（在册成员、近6个月平均收入、财产、近12个月刚性支出、法定义务人），"
            "按户籍所在县（市、区）的政策参数测算。不保存任何内容。不在管辖范围内的家庭返回 404；"
            "单人户、特困须指明对象 subject（本户在册成员编号）。"
        ),
        parameters=[HOUSEHOLD_ID],
        request=HouseholdEvaluateInputSerializer,
        responses={200: EvaluationSerializer, **error_responses(400, 403, 404)},
    )
    def post(self, request: Request, household_id: int) -> Response:
        require_calculator(request.user)
        household = household_get_for(actor=request.user, pk=household_id)
        data = self.input(HouseholdEvaluateInputSerializer)
        members = list(
            Member.objects.filter(household=household, is_active=True).only("id", "name", "household_id", "is_active")
        )
        subject = None
        if data.get("subject") is not None:
            subject = next((m for m in members if m.pk == data["subject"]), None)
            if subject is None:
                raise serializers.ValidationError({"subject": ["请填写本户在册成员的编号"]})
        jurisdiction, decision = evaluate_household(
            household=household, program=data["program"], month=data["month"], subject=subject
        )
        names = {str(m.pk): m.name for m in members}
        return self.output(EvaluationSerializer, _evaluation(jurisdiction, decision, names))
