"""Serializers of a household's records: members' incomes, assets, rigid expenses, legal supporters."""

from __future__ import annotations

from decimal import Decimal

from rest_framework import serializers

from audit.services import mask_id_number
from cases.choices import (
    AssetKind,
    DisabilityType,
    ExpenseKind,
    IncomeKind,
    IncomeSource,
    IncomeTreatment,
    SupporterRelation,
)
from cases.models import Asset, LegalSupporter, MemberIncome, RigidExpense
from cases.serializers._base import PatchFields, StrictInputSerializer
from cases.serializers._fields import (
    EnumChoiceField,
    HouseholdMemberField,
    IdNumberField,
    MonthField,
    _choice,
    _display,
    _optional_choice,
    _optional_text,
    money_field,
)

# --- input serializers -------------------------------------------------------------------------------


class IncomeCreateInputSerializer(StrictInputSerializer):
    """登记一名成员某月的一类收入。"""

    month = MonthField()
    kind = _choice(IncomeKind)
    amount = money_field(help_text="金额（元），不能为负数")
    source = _choice(IncomeSource, required=False)
    note = _optional_text(200)


class IncomeUpdateInputSerializer(StrictInputSerializer):
    """修改收入：金额、来源、说明。"""

    amount = money_field(required=False)
    source = _choice(IncomeSource, required=False)
    note = _optional_text(200)


class AssetInputSerializer(StrictInputSerializer):
    """家庭财产。"""

    owner = HouseholdMemberField(required=False, allow_null=True, help_text="所有人（本户成员编号），可空")
    kind = _choice(AssetKind)
    description = _optional_text(200)
    value = money_field(help_text="价值（元）")
    valued_on = serializers.DateField()
    vehicle_plate = _optional_text(20)
    vehicle_purchase_price = money_field(required=False, allow_null=True)
    floor_area = serializers.DecimalField(
        max_digits=8, decimal_places=2, min_value=Decimal("0"), required=False, allow_null=True, help_text="㎡"
    )
    is_only_home = serializers.BooleanField(required=False)
    is_exempt = serializers.BooleanField(required=False)
    exempt_reason = _optional_text(200)
    source = _choice(IncomeSource, required=False)


class AssetUpdateInputSerializer(PatchFields, AssetInputSerializer):
    """修改家庭财产：只提交要修改的字段。"""

    pass


class ExpenseInputSerializer(StrictInputSerializer):
    """刚性支出。"""

    member = HouseholdMemberField(required=False, allow_null=True, help_text="发生支出的成员（本户成员编号），可空")
    kind = _choice(ExpenseKind)
    amount = money_field(help_text="金额（元）")
    period_start = MonthField()
    period_end = MonthField()
    description = _optional_text(200)
    source = _choice(IncomeSource, required=False)


class ExpenseUpdateInputSerializer(PatchFields, ExpenseInputSerializer):
    """修改刚性支出：只提交要修改的字段。"""

    pass


class SupporterInputSerializer(StrictInputSerializer):
    """户外的法定赡养、扶养、抚养义务人。"""

    supported_member = HouseholdMemberField(help_text="被赡养（扶养、抚养）的本户成员编号")
    name = serializers.CharField(max_length=50)
    id_number = IdNumberField()
    relation = _choice(SupporterRelation)
    address = _optional_text(200)
    disability_type = _optional_choice(DisabilityType)
    disability_grade = serializers.IntegerField(min_value=1, max_value=4, required=False, allow_null=True)
    annual_income = money_field(required=False, help_text="上年收入（元）")
    is_tekun = serializers.BooleanField(required=False)
    is_dibao = serializers.BooleanField(required=False)
    in_prison = serializers.BooleanField(required=False)
    is_missing = serializers.BooleanField(required=False)
    lacks_legal_capacity = serializers.BooleanField(required=False)
    notes = _optional_text(200)


class SupporterUpdateInputSerializer(PatchFields, SupporterInputSerializer):
    """修改法定义务人：只提交要修改的字段。"""

    pass


# --- output serializers ------------------------------------------------------------------------------


class IncomeSerializer(serializers.ModelSerializer):
    """成员收入及其认定（计入、不计入或扣减家庭收入）和政策依据。"""

    member_name = serializers.CharField(source="member.name", read_only=True)
    kind = EnumChoiceField(IncomeKind, read_only=True)
    kind_display = _display("get_kind_display")
    source = EnumChoiceField(IncomeSource, read_only=True)
    source_display = _display("get_source_display")
    treatment = EnumChoiceField(IncomeTreatment, read_only=True, help_text="计入、不计入或扣减家庭收入")
    treatment_display = _display("get_treatment_display")
    treatment_basis = serializers.CharField(read_only=True, help_text="政策依据（条款）")

    class Meta:
        model = MemberIncome
        fields = [
            "id",
            "member",
            "member_name",
            "month",
            "kind",
            "kind_display",
            "amount",
            "source",
            "source_display",
            "note",
            "treatment",
            "treatment_display",
            "treatment_basis",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class AssetSerializer(serializers.ModelSerializer):
    """家庭财产。"""

    kind = EnumChoiceField(AssetKind, read_only=True)
    kind_display = _display("get_kind_display")
    source = EnumChoiceField(IncomeSource, read_only=True)
    source_display = _display("get_source_display")

    class Meta:
        model = Asset
        fields = [
            "id",
            "household",
            "owner",
            "kind",
            "kind_display",
            "description",
            "value",
            "valued_on",
            "vehicle_plate",
            "vehicle_purchase_price",
            "floor_area",
            "is_only_home",
            "is_exempt",
            "exempt_reason",
            "source",
            "source_display",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class ExpenseSerializer(serializers.ModelSerializer):
    """刚性支出。"""

    kind = EnumChoiceField(ExpenseKind, read_only=True)
    kind_display = _display("get_kind_display")
    source = EnumChoiceField(IncomeSource, read_only=True)
    source_display = _display("get_source_display")

    class Meta:
        model = RigidExpense
        fields = [
            "id",
            "household",
            "member",
            "kind",
            "kind_display",
            "amount",
            "period_start",
            "period_end",
            "description",
            "source",
            "source_display",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class SupporterSerializer(serializers.ModelSerializer):
    """法定义务人（身份证号脱敏）。"""

    id_number_masked = serializers.SerializerMethodField(help_text="脱敏身份证号")
    relation = EnumChoiceField(SupporterRelation, read_only=True)
    relation_display = _display("get_relation_display")
    disability_type = EnumChoiceField(DisabilityType, read_only=True, allow_blank=True)
    disability_type_display = _display("get_disability_type_display")

    class Meta:
        model = LegalSupporter
        fields = [
            "id",
            "household",
            "supported_member",
            "name",
            "id_number_masked",
            "birth_date",
            "relation",
            "relation_display",
            "address",
            "disability_type",
            "disability_type_display",
            "disability_grade",
            "annual_income",
            "is_tekun",
            "is_dibao",
            "in_prison",
            "is_missing",
            "lacks_legal_capacity",
            "notes",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    def get_id_number_masked(self, obj: LegalSupporter) -> str:
        return mask_id_number(obj.id_number)
