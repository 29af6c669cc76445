"""Serializers of the registry API.

Input serializers check shape and types only (required fields, lengths, number ranges, known choices,
ids that resolve inside the actor's jurisdiction); the rules live in ``cases.services``. They refuse
keys they do not know, so a typo or a read-only field sent back is a 400, not silently ignored.

Output serializers show what any staff member in scope may see: ID numbers and bank accounts are
masked (the full ID number has its own audited endpoint), every choice comes with a ``*_display``
Chinese label.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import models
from django.utils import timezone
from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from drf_spectacular.plumbing import ResolvedComponent
from drf_spectacular.utils import extend_schema_serializer
from rest_framework import serializers

from assistance.models import RecognisedIllness, Region
from assistance.roles import RegionLevel
from audit.models import AuditEvent
from audit.services import mask_account, mask_id_number
from cases.choices import (
    AreaType,
    AssetKind,
    DisabilityType,
    EducationStage,
    Employment,
    ExpenseKind,
    HouseholdStatus,
    IncomeKind,
    IncomeSource,
    IncomeTreatment,
    LabourAbility,
    MembershipEnd,
    Relation,
    SelfCareLevel,
    Sex,
    SupporterRelation,
)
from cases.id_numbers import parse_id_number
from cases.models import Asset, Household, LegalSupporter, Member, MemberIncome, RigidExpense
from cases.selectors import region_list_for, residence_regions_for

MONEY_DIGITS = 14  # cases.models.MONEY: 14 digits, 2 decimals (up to 999 999 999 999.99 yuan)
MAX_MEMBERS_PER_REQUEST = 50
UNKNOWN_FIELD_MESSAGE = "不支持的字段"
REGION_NOT_FOUND = "区划不存在或不在您的管辖范围内"


# --- fields ------------------------------------------------------------------------------------------


class EnumChoiceField(serializers.ChoiceField):
    """A choice field bound to a ``TextChoices`` class, documented as the named enum ``<Class>Enum``."""

    def __init__(self, choices_class: type[models.TextChoices], **kwargs: Any) -> None:
        self.choices_class = choices_class
        super().__init__(choices=choices_class.choices, **kwargs)


class EnumChoiceFieldExtension(OpenApiSerializerFieldExtension):
    """One schema component per choices class (``RelationEnum``, ``SupporterRelationEnum`` …).

    drf-spectacular would otherwise name enums after the field (``kind``, ``relation``) and warn when
    two choice sets share a field name.
    """

    target_class = EnumChoiceField
    match_subclasses = True

    def map_serializer_field(self, auto_schema, direction):
        field: EnumChoiceField = self.target
        choices_class = field.choices_class
        component = ResolvedComponent(
            name=f"{choices_class.__name__}Enum",
            type=ResolvedComponent.SCHEMA,
            object=choices_class,
            schema={
                "type": "string",
                "enum": list(choices_class.values),
                "description": "\n".join(f"* `{value}` - {label}" for value, label in choices_class.choices),
            },
        )
        auto_schema.registry.register_on_missing(component)
        if field.allow_blank:
            return {"oneOf": [component.ref, {"type": "string", "enum": [""], "description": "空：未填写"}]}
        return component.ref


class StrictPrimaryKeyField(serializers.PrimaryKeyRelatedField):
    """A primary key that must be an integer (or a string of digits) and resolve in ``get_queryset()``."""

    default_error_messages = {
        "required": "这是必填项",
        "does_not_exist": "未找到该记录，或不在您的管辖范围内",
        "incorrect_type": "应为整数编号",
    }

    def to_internal_value(self, data):
        if isinstance(data, bool) or not (isinstance(data, int) or (isinstance(data, str) and data.isdigit())):
            self.fail("incorrect_type", data_type=type(data).__name__)
        return super().to_internal_value(data)

    def actor(self):
        return self.context["request"].user


class ScopedRegionField(StrictPrimaryKeyField):
    """A region id (at ``level``, if given) inside the actor's jurisdiction.

    ``reach="county"`` widens it to the counties of the actor's jurisdiction (a household may live in
    another town of the county than its 户籍). A missing id and one out of reach get the same message,
    so the answer does not reveal which ids exist.
    """

    default_error_messages = {"does_not_exist": REGION_NOT_FOUND, "incorrect_type": "区划编号应为整数"}

    def __init__(self, *, level: str = "", reach: str = "jurisdiction", **kwargs: Any) -> None:
        self.level = level
        self.reach = reach
        super().__init__(queryset=Region.objects.all(), **kwargs)

    def get_queryset(self):
        if self.reach == "county":
            regions = residence_regions_for(self.actor())
            return regions.filter(level=self.level) if self.level else regions
        return region_list_for(actor=self.actor(), level=self.level)


class HouseholdMemberField(StrictPrimaryKeyField):
    """A member of the household in ``context["household"]`` (assets' owners, supported members …)."""

    default_error_messages = {"does_not_exist": "请选择本户成员"}

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(queryset=Member.objects.all(), **kwargs)

    def get_queryset(self):
        return Member.objects.filter(household=self.context["household"])


class IllnessField(StrictPrimaryKeyField):
    """An active entry of a county's recognised serious-illness list (the service checks the county)."""

    default_error_messages = {"does_not_exist": "请从本县重病目录中选择"}

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(queryset=RecognisedIllness.objects.filter(is_active=True), **kwargs)


class IdNumberField(serializers.CharField):
    """An 18-digit resident ID number, validated (checksum, birth date, region) and normalised."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 30)  # spaces and dashes are allowed and stripped
        kwargs.setdefault("help_text", "18位公民身份号码；校验位、出生日期、行政区划代码均须有效")
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        value = super().to_internal_value(data)
        try:
            return parse_id_number(value).number
        except DjangoValidationError as error:
            raise serializers.ValidationError(error.messages) from None


_MONTH_RE = re.compile(r"^\d{4}-\d{2}$")


class MonthField(serializers.DateField):
    """A month, as ``YYYY-MM`` or any date in it; stored as the first day of the month."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("help_text", "月份：YYYY-MM，或该月任一日期 YYYY-MM-DD（按当月1日保存）")
        super().__init__(**kwargs)

    def to_internal_value(self, value):
        if isinstance(value, str) and _MONTH_RE.match(value.strip()):
            value = value.strip() + "-01"
        day = super().to_internal_value(value)
        return day.replace(day=1)


class MoneyField(serializers.DecimalField):
    """Yuan with two decimals, not negative, at most 14 digits (cases.models.MONEY); never a float."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(
            max_digits=MONEY_DIGITS, decimal_places=2, min_value=Decimal("0"), coerce_to_string=True, **kwargs
        )

    def to_internal_value(self, data):
        value = super().to_internal_value(data)
        return value.copy_abs() if value == 0 else value  # "-0" is zero


def money_field(**kwargs: Any) -> MoneyField:
    return MoneyField(**kwargs)


def _choice(choices_class: type[models.TextChoices], **kwargs: Any) -> EnumChoiceField:
    return EnumChoiceField(choices_class, **kwargs)


def _optional_choice(choices_class: type[models.TextChoices]) -> EnumChoiceField:
    return EnumChoiceField(choices_class, required=False, allow_blank=True)


def _optional_date(**kwargs: Any) -> serializers.DateField:
    return serializers.DateField(required=False, allow_null=True, **kwargs)


def _optional_text(max_length: int) -> serializers.CharField:
    return serializers.CharField(required=False, allow_blank=True, max_length=max_length)


# --- input serializers -------------------------------------------------------------------------------


class StrictInputSerializer(serializers.Serializer):
    """Refuses keys it does not declare (400 with the offending keys as field errors)."""

    def to_internal_value(self, data):
        if isinstance(data, Mapping):
            unknown = [key for key in data if key not in self.fields or self.fields[key].read_only]
            if unknown:
                raise serializers.ValidationError({key: [UNKNOWN_FIELD_MESSAGE] for key in unknown[:20]})
        return super().to_internal_value(data)


class PatchFields:
    """For PATCH: every field optional except ``version`` (the version the client last read), if declared.

    The serializer is never "partial" (DRF would then skip ``version`` too); the property also keeps
    drf-spectacular from documenting the PATCH body as all-optional.
    """

    @property
    def partial(self) -> bool:
        return False

    @partial.setter
    def partial(self, value: bool) -> None:
        pass

    def get_fields(self):
        fields = super().get_fields()
        for name, field in fields.items():
            if name != "version":
                field.required = False
        return fields


def _version_field() -> serializers.IntegerField:
    return serializers.IntegerField(
        min_value=1, max_value=2**31 - 1, help_text="读取记录时得到的版本号；记录已被他人修改时返回 409 stale_version"
    )


class MemberInputSerializer(StrictInputSerializer):
    """家庭成员（登记家庭或添加成员时提交）。出生日期、性别由身份证号推算。"""

    name = serializers.CharField(max_length=50, help_text="姓名")
    id_number = IdNumberField()
    relation = _choice(Relation, help_text="与户主关系；登记家庭时须有且只有一名户主（head）")
    disability_type = _optional_choice(DisabilityType)
    disability_grade = serializers.IntegerField(
        min_value=1, max_value=4, required=False, allow_null=True, help_text="1–4级"
    )
    serious_illness = IllnessField(required=False, allow_null=True, help_text="本县重病目录中的病种编号")
    labour_ability = _optional_choice(LabourAbility)
    selfcare_eating = serializers.BooleanField(required=False, allow_null=True)
    selfcare_dressing = serializers.BooleanField(required=False, allow_null=True)
    selfcare_transfer = serializers.BooleanField(required=False, allow_null=True)
    selfcare_toileting = serializers.BooleanField(required=False, allow_null=True)
    selfcare_walking = serializers.BooleanField(required=False, allow_null=True)
    selfcare_bathing = serializers.BooleanField(required=False, allow_null=True)
    selfcare_assessed_on = _optional_date()
    education_stage = _choice(EducationStage, required=False)
    in_school = serializers.BooleanField(required=False)
    employment = _optional_choice(Employment)
    deceased_on = _optional_date()
    imprisoned_from = _optional_date()
    imprisoned_until = _optional_date()
    missing_since = _optional_date()


class MemberUpdateInputSerializer(PatchFields, MemberInputSerializer):
    """修改成员：只提交要修改的字段和读取时的 version。"""

    version = _version_field()


class HouseholdFieldsSerializer(StrictInputSerializer):
    hukou_region = ScopedRegionField(level=RegionLevel.VILLAGE, help_text="户籍所在村（社区）编号，须在您的管辖范围内")
    residence_region = ScopedRegionField(
        level=RegionLevel.VILLAGE,
        reach="county",
        required=False,
        allow_null=True,
        help_text="居住地村（社区）编号，与户籍地不一致时填写；须在您所在县内",
    )
    residence_address = serializers.CharField(max_length=200)
    area_type = _choice(AreaType)
    phone = _optional_text(20)
    bank_name = _optional_text(60)
    bank_account_holder = _optional_text(50)
    bank_account_number = _optional_text(30)
    notes = _optional_text(2000)


class HouseholdCreateInputSerializer(HouseholdFieldsSerializer):
    """登记家庭：家庭信息及其成员。"""

    members = MemberInputSerializer(
        many=True, allow_empty=False, max_length=MAX_MEMBERS_PER_REQUEST, help_text="家庭成员，其中恰有一名户主"
    )


class HouseholdUpdateInputSerializer(PatchFields, HouseholdFieldsSerializer):
    """修改家庭：只提交要修改的字段和读取时的 version。"""

    version = _version_field()


class ChangeHeadInputSerializer(StrictInputSerializer):
    """变更户主。"""

    new_head = HouseholdMemberField(help_text="新户主：本户在册成员编号")
    former_head_relation = _choice(Relation, help_text="原户主与新户主的关系（不能为户主）")


class MemberRemoveInputSerializer(StrictInputSerializer):
    """成员迁出（死亡）。"""

    left_on = serializers.DateField(help_text="迁出（死亡）日期，不能晚于今天")
    reason = _choice(MembershipEnd)


class RevealInputSerializer(StrictInputSerializer):
    """查看完整身份证号的用途（可空）。"""

    purpose = serializers.CharField(max_length=200, required=False, allow_blank=True, help_text="查看用途，记入审计")


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


class HouseholdFilterSerializer(StrictInputSerializer):
    """Query parameters of the household list."""

    q = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=50,
        help_text="家庭编号、成员姓名（部分）或身份证号（完整或前几位）",
    )
    town = ScopedRegionField(level=RegionLevel.TOWN, required=False, help_text="乡镇（街道）编号")
    village = ScopedRegionField(level=RegionLevel.VILLAGE, required=False, help_text="村（社区）编号")
    status = _choice(HouseholdStatus, required=False)


class MemberFilterSerializer(StrictInputSerializer):
    include_inactive = serializers.BooleanField(required=False, default=False, help_text="包括已迁出的成员")


# --- output serializers ------------------------------------------------------------------------------


def _display(source: str) -> serializers.CharField:
    return serializers.CharField(source=source, read_only=True)


class RegionRefSerializer(serializers.ModelSerializer):
    """行政区划（简要）。"""

    class Meta:
        model = Region
        fields = ["id", "code", "name"]
        read_only_fields = fields


class MemberSerializer(serializers.ModelSerializer):
    """家庭成员。身份证号脱敏；选项字段附中文名称（*_display）。"""

    id_number_masked = serializers.CharField(read_only=True, help_text="脱敏身份证号；完整号码须调用查看接口（留痕）")
    sex = EnumChoiceField(Sex, read_only=True)
    sex_display = _display("get_sex_display")
    age = serializers.SerializerMethodField(help_text="周岁（已故成员为去世时的周岁）")
    relation = EnumChoiceField(Relation, read_only=True)
    relation_display = _display("get_relation_display")
    disability_type = EnumChoiceField(DisabilityType, read_only=True, allow_blank=True)
    disability_type_display = _display("get_disability_type_display")
    serious_illness_name = serializers.CharField(source="serious_illness.name", read_only=True, allow_null=True)
    labour_ability = EnumChoiceField(LabourAbility, read_only=True, allow_blank=True)
    labour_ability_display = _display("get_labour_ability_display")
    selfcare_level = EnumChoiceField(SelfCareLevel, read_only=True, allow_blank=True)
    selfcare_level_display = _display("get_selfcare_level_display")
    education_stage = EnumChoiceField(EducationStage, read_only=True)
    education_stage_display = _display("get_education_stage_display")
    employment = EnumChoiceField(Employment, read_only=True, allow_blank=True)
    employment_display = _display("get_employment_display")
    left_reason = EnumChoiceField(MembershipEnd, read_only=True, allow_blank=True)
    left_reason_display = _display("get_left_reason_display")

    class Meta:
        model = Member
        fields = [
            "id",
            "household",
            "name",
            "id_number_masked",
            "birth_date",
            "sex",
            "sex_display",
            "age",
            "relation",
            "relation_display",
            "disability_type",
            "disability_type_display",
            "disability_grade",
            "serious_illness",
            "serious_illness_name",
            "labour_ability",
            "labour_ability_display",
            *Member.SELFCARE_FIELDS,
            "selfcare_assessed_on",
            "selfcare_level",
            "selfcare_level_display",
            "education_stage",
            "education_stage_display",
            "in_school",
            "employment",
            "employment_display",
            "deceased_on",
            "imprisoned_from",
            "imprisoned_until",
            "missing_since",
            "is_active",
            "left_on",
            "left_reason",
            "left_reason_display",
            "version",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    def get_age(self, obj: Member) -> int:
        return obj.age_on(obj.deceased_on or timezone.localdate())


@extend_schema_serializer(component_name="HouseholdSummary")
class HouseholdListSerializer(serializers.ModelSerializer):
    """家庭列表中的一行。"""

    # Everything comes from the list query (select_related, annotate): no query per row.

    hukou_region = RegionRefSerializer(read_only=True)
    town = RegionRefSerializer(source="hukou_region.parent", read_only=True)
    head_name = serializers.CharField(source="head.name", read_only=True, allow_null=True)
    head_id_number_masked = serializers.SerializerMethodField()
    member_count = serializers.IntegerField(read_only=True, help_text="在册成员人数")
    area_type = EnumChoiceField(AreaType, read_only=True)
    area_type_display = _display("get_area_type_display")
    status = EnumChoiceField(HouseholdStatus, read_only=True)
    status_display = _display("get_status_display")

    class Meta:
        model = Household
        fields = [
            "id",
            "code",
            "hukou_region",
            "town",
            "head",
            "head_name",
            "head_id_number_masked",
            "member_count",
            "area_type",
            "area_type_display",
            "status",
            "status_display",
            "residence_address",
            "version",
            "updated_at",
        ]
        read_only_fields = fields

    def get_head_id_number_masked(self, obj: Household) -> str:
        return mask_id_number(obj.head.id_number) if obj.head_id else ""


@extend_schema_serializer(component_name="HouseholdDetail")
class HouseholdDetailSerializer(HouseholdListSerializer):
    """家庭详情及其成员。"""

    # ``api_members`` is set by the view from a scoped selector.

    residence_region = RegionRefSerializer(read_only=True, allow_null=True)
    bank_account_number_masked = serializers.SerializerMethodField(help_text="银行账号（仅显示后4位）")
    created_by = serializers.CharField(source="created_by.username", read_only=True)
    created_by_name = serializers.CharField(source="created_by.display_name", read_only=True)
    members = MemberSerializer(source="api_members", many=True, read_only=True, help_text="成员（默认仅在册成员）")

    class Meta(HouseholdListSerializer.Meta):
        fields = [
            *HouseholdListSerializer.Meta.fields,
            "residence_region",
            "phone",
            "bank_name",
            "bank_account_holder",
            "bank_account_number_masked",
            "notes",
            "created_by",
            "created_by_name",
            "created_at",
            "members",
        ]
        read_only_fields = fields

    def get_bank_account_number_masked(self, obj: Household) -> str:
        return mask_account(obj.bank_account_number)


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


class AuditEventSerializer(serializers.ModelSerializer):
    """一条留痕记录：谁在何时对哪条记录做了什么、改了哪些字段。"""

    actor_name = serializers.CharField(source="actor.display_name", read_only=True)

    class Meta:
        model = AuditEvent
        fields = [
            "id",
            "occurred_at",
            "actor_username",
            "actor_name",
            "action",
            "target_type",
            "target_id",
            "target_label",
            "changes",
            "note",
            "request_id",
        ]
        read_only_fields = fields


class RevealedIdNumberSerializer(serializers.Serializer):
    """完整身份证号（本次查看已记入审计）。"""

    member = serializers.IntegerField(read_only=True)
    id_number = serializers.CharField(read_only=True, help_text="完整身份证号（本次查看已记入审计）")
