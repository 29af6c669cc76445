"""Serializers of household members: add, edit, remove, filter, show, and the revealed ID number."""

from __future__ import annotations

from django.utils import timezone
from rest_framework import serializers

from cases.choices import (
    DisabilityType,
    EducationStage,
    Employment,
    LabourAbility,
    MembershipEnd,
    Relation,
    SelfCareLevel,
    Sex,
)
from cases.models import Member
from cases.serializers._base import PatchFields, StrictInputSerializer
from cases.serializers._fields import (
    EnumChoiceField,
    IdNumberField,
    IllnessField,
    _choice,
    _display,
    _optional_choice,
    _optional_date,
    _version_field,
)

# --- input serializers -------------------------------------------------------------------------------


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


class MemberRemoveInputSerializer(StrictInputSerializer):
    """成员迁出（死亡）。"""

    left_on = serializers.DateField(help_text="迁出（死亡）日期，不能晚于今天")
    reason = _choice(MembershipEnd)


class RevealInputSerializer(StrictInputSerializer):
    """查看完整身份证号的用途（可空）。"""

    purpose = serializers.CharField(max_length=200, required=False, allow_blank=True, help_text="查看用途，记入审计")


class MemberFilterSerializer(StrictInputSerializer):
    include_inactive = serializers.BooleanField(required=False, default=False, help_text="包括已迁出的成员")


# --- output serializers ------------------------------------------------------------------------------


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


class RevealedIdNumberSerializer(serializers.Serializer):
    """完整身份证号（本次查看已记入审计）。"""

    member = serializers.IntegerField(read_only=True)
    id_number = serializers.CharField(read_only=True, help_text="完整身份证号（本次查看已记入审计）")
