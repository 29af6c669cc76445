"""Serializers of the life-event API (生命事件): recording an event of a household member — by a caseworker, or
pushed by another department (``source=department`` with the department's name) — and the events as stored.

The input serializer checks shape and types and resolves the member inside the household of the URL; every rule
(who may record, dates, a dead member, a current imprisonment, a duplicate push …) is
``cases.services.events.life_event_record``'s.
"""

from __future__ import annotations

from rest_framework import serializers

from cases.choices import EducationStage, LifeEventKind, LifeEventSource
from cases.models import LifeEvent
from cases.serializers._base import StrictInputSerializer
from cases.serializers._fields import EnumChoiceField, HouseholdMemberField, _display, _optional_choice
from cases.serializers.applications import StaffNameField


class LifeEventInputSerializer(StrictInputSerializer):
    """登记生命事件（经办人员登记，或其他部门推送）。"""

    member = HouseholdMemberField(help_text="本户成员编号（id）")
    kind = EnumChoiceField(LifeEventKind, help_text="事件类型")
    occurred_on = serializers.DateField(help_text="发生日期（YYYY-MM-DD），不能晚于今天；年满18周岁为其18周岁生日")
    source = EnumChoiceField(
        LifeEventSource,
        required=False,
        default=LifeEventSource.CASEWORKER,
        help_text="信息来源：caseworker 经办人登记（默认）；department 部门推送（须填 department）",
    )
    department = serializers.CharField(
        max_length=60, required=False, allow_blank=True, default="", help_text="推送部门名称，仅部门推送时填写"
    )
    note = serializers.CharField(max_length=500, required=False, allow_blank=True, default="", help_text="说明（可空）")
    in_school = serializers.BooleanField(
        required=False, allow_null=True, default=None, help_text="仅年满18周岁：是否仍在校就读（不填则按家庭档案）"
    )
    education_stage = _optional_choice(EducationStage)


class LifeEventFilterSerializer(StrictInputSerializer):
    """Query parameters of the event lists."""

    kind = EnumChoiceField(LifeEventKind, required=False, help_text="只列出该类事件")
    overdue = serializers.BooleanField(
        required=False, default=False, help_text="只列出核查期限已过、复核尚未办结的事件"
    )


class LifeEventSerializer(serializers.ModelSerializer):
    """生命事件及系统的处理结果。"""

    # Everything comes from the list query (select_related): no query per row.
    household_code = serializers.CharField(source="household.code", read_only=True)
    member_name = serializers.CharField(source="member.name", read_only=True)
    kind = EnumChoiceField(LifeEventKind, read_only=True)
    kind_display = _display("get_kind_display")
    source = EnumChoiceField(LifeEventSource, read_only=True)
    source_display = _display("get_source_display")
    reported_by_name = StaffNameField(source="reported_by")
    review_application_code = serializers.CharField(
        source="review_application.code", read_only=True, allow_null=True, default=None
    )

    class Meta:
        model = LifeEvent
        fields = [
            "id",
            "household",
            "household_code",
            "member",
            "member_name",
            "kind",
            "kind_display",
            "occurred_on",
            "source",
            "source_display",
            "department",
            "note",
            "outcome",
            "review_application",
            "review_application_code",
            "review_due_on",
            "funeral_amount",
            "reported_by",
            "reported_by_name",
            "recorded_at",
        ]
        read_only_fields = fields
