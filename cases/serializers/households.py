"""Serializers of households: register (with members), edit, change head, filter the list, list, detail."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_serializer
from rest_framework import serializers

from assistance.roles import RegionLevel
from audit.services import mask_account, mask_id_number
from cases.choices import AreaType, HouseholdStatus, Relation
from cases.models import Household
from cases.serializers._base import PatchFields, RegionRefSerializer, StrictInputSerializer
from cases.serializers._fields import (
    EnumChoiceField,
    HouseholdMemberField,
    ScopedRegionField,
    _choice,
    _display,
    _optional_text,
    _version_field,
)
from cases.serializers.members import MemberInputSerializer, MemberSerializer

MAX_MEMBERS_PER_REQUEST = 50


# --- input serializers -------------------------------------------------------------------------------


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


# --- output serializers ------------------------------------------------------------------------------


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
