"""Serializers of the workflow API: applications and their transitions, 急难 aid, the inbox, discovery
reports and enrolments.

Input serializers check shape and types and resolve ids inside the actor's jurisdiction (an id out of
reach is a 400 field error, never a 500); every rule of the procedure stays in
``cases.services.workflow``. A transition's body may carry ``version``: when given, a stale one is refused
with 409 ``stale_version``.

Output serializers read what the views attached from scoped selectors (``api_clocks``, ``api_timeline``,
``api_enrolment``, ``api_actions`` on the detail).
"""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from drf_spectacular.utils import extend_schema_serializer
from rest_framework import serializers

from assistance.models import Staff
from assistance.roles import RegionLevel
from cases.choices import (
    ApplicationKind,
    ApplicationStatus,
    Channel,
    DeliberationResult,
    DiscoveryStatus,
    EnrolmentStatus,
    IncomeRiseCause,
    ProgramCode,
)
from cases.models import (
    Application,
    ApplicationEvent,
    DiscoveryReport,
    Enrolment,
    Evaluation,
    HomeVisit,
    Household,
    Member,
    Objection,
)
from cases.selectors import discovery_list_for, households_visible_to, member_list_for
from cases.serializers._base import RegionRefSerializer, StrictInputSerializer
from cases.serializers._fields import (
    EnumChoiceField,
    HouseholdMemberField,
    ScopedRegionField,
    StrictPrimaryKeyField,
    _choice,
    _display,
    _optional_choice,
    _optional_date,
    _optional_text,
    money_field,
)
from eligibility.rules.temporary import CAUSE_LABELS

MAX_VISITORS = 20
MAX_MISSING_MATERIALS = 30
# 急难 causes a caseworker picks; ``pending_application`` is the bridge aid of a running 低保/特困 case and
# goes through ``POST /api/applications/{id}/bridge-aid/``.
EMERGENCY_CAUSES = [(code, label) for code, label in CAUSE_LABELS.items() if code != "pending_application"]


# --- fields ------------------------------------------------------------------------------------------


class ScopedHouseholdField(StrictPrimaryKeyField):
    """A household the actor may see."""

    default_error_messages = {"does_not_exist": "未找到该家庭，或不在您的管辖范围内"}

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(queryset=Household.objects.all(), **kwargs)

    def get_queryset(self):
        return households_visible_to(self.actor())


class ScopedMemberField(StrictPrimaryKeyField):
    """A member of a household the actor may see (the service checks it belongs to the application's)."""

    default_error_messages = {"does_not_exist": "未找到该成员，或不在您的管辖范围内"}

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(queryset=Member.objects.all(), **kwargs)

    def get_queryset(self):
        return member_list_for(actor=self.actor(), include_inactive=True)


class ScopedDiscoveryField(StrictPrimaryKeyField):
    """An active-discovery report in the actor's jurisdiction."""

    default_error_messages = {"does_not_exist": "未找到该线索，或不在您的管辖范围内"}

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(queryset=DiscoveryReport.objects.all(), **kwargs)

    def get_queryset(self):
        return discovery_list_for(actor=self.actor(), open_only=False)


class LocalStaffField(StrictPrimaryKeyField):
    """An active staff member whose jurisdiction covers the application in ``context["application"]``: the
    people who may take part in its home visit (the village's assistant, the town's caseworkers, the county's
    staff). Anyone else — another town, another county, an unknown id — is the same field error."""

    default_error_messages = {"does_not_exist": "调查人员须为本地在岗工作人员"}

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(queryset=Staff.objects.all(), **kwargs)

    def get_queryset(self):
        region = self.context["application"].region
        codes = region.ancestor_codes()
        # The region's own path and every ancestor's: ``/22/``, ``/22/2206/`` … (materialised paths).
        paths = ["/" + "/".join(codes[: i + 1]) + "/" for i in range(len(codes))]
        return Staff.objects.filter(
            is_active=True, is_system=False, assignments__is_active=True, assignments__region__path__in=paths
        ).distinct()


class StaffNameField(serializers.CharField):
    """A staff member shown by name (the display name, or the username when none is set)."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("read_only", True)
        super().__init__(**kwargs)

    def to_representation(self, value) -> str:
        return str(value)


def _version() -> serializers.IntegerField:
    return serializers.IntegerField(
        min_value=1,
        max_value=2**31 - 1,
        required=False,
        allow_null=True,
        help_text="读取申请时得到的 version（可选）；提交时申请已被他人办理则返回 409 stale_version",
    )


def _text(max_length: int, help_text: str, *, required: bool = True) -> serializers.CharField:
    if required:
        return serializers.CharField(max_length=max_length, allow_blank=True, help_text=help_text)
    return serializers.CharField(
        max_length=max_length, allow_blank=True, required=False, default="", help_text=help_text
    )


# --- input: the list, intake ---------------------------------------------------------------------------


class ApplicationFilterSerializer(StrictInputSerializer):
    """Query parameters of the application list."""

    status = _choice(ApplicationStatus, required=False, help_text="只列出该状态的申请")
    program = _choice(ProgramCode, required=False, help_text="只列出该救助项目的申请")
    search = serializers.CharField(
        required=False, allow_blank=True, max_length=50, help_text="申请编号（部分）、家庭编号或在册成员姓名（部分）"
    )
    open = serializers.BooleanField(required=False, default=False, help_text="true（或 1）：只列出正在办理的申请")


class ApplicationCreateInputSerializer(StrictInputSerializer):
    """受理申请（一门受理）。申请即授权：未签署核对授权书的不予接收；缺少材料的一次性告知，补齐后正式受理。"""

    household = ScopedHouseholdField(help_text="申请家庭编号（id），须在您的管辖范围内")
    program = _choice(ProgramCode, help_text="救助项目；急难型临时救助请用“先行救助”接口")
    subject = ScopedMemberField(
        required=False, allow_null=True, help_text="救助对象（本户在册成员 id）：单人户低保、特困、医疗、教育救助必填"
    )
    kind = _choice(ApplicationKind, required=False, default=ApplicationKind.NEW)
    applied_on = _optional_date(help_text="申请日期（YYYY-MM-DD），默认今天，不能是将来的日期")
    authorisation_signed_on = _optional_date(
        help_text="家庭经济状况核对授权书签署日期（YYYY-MM-DD）；未签署的申请不予接收（申请即授权）"
    )
    missing_materials = serializers.ListField(
        child=serializers.CharField(max_length=100),
        required=False,
        max_length=MAX_MISSING_MATERIALS,
        help_text="一次性告知的缺少材料；有缺少材料时申请为“待补齐材料”，补齐后正式受理",
    )
    channel = _choice(Channel, required=False, default=Channel.WINDOW)
    proxy_name = _optional_text(50)
    reason = _optional_text(2000)
    cause = _optional_text(30)
    requested_amount = money_field(
        required=False, allow_null=True, help_text="申请（需求）金额（元），支出型临时救助必填，不能为负数"
    )
    close_relative_note = _optional_text(200)
    income_rise_cause = EnumChoiceField(
        IncomeRiseCause,
        required=False,
        allow_blank=True,
        help_text="复核、变更时收入增加的原因（work 就业创业 / other 其他）",
    )
    discovery = ScopedDiscoveryField(
        required=False, allow_null=True, help_text="由主动发现线索转为申请时，线索编号（id）"
    )


# --- input: transitions --------------------------------------------------------------------------------


class VersionInputSerializer(StrictInputSerializer):
    """只需（可选的）version 的办理操作。"""

    version = _version()


class MaterialsCompleteInputSerializer(VersionInputSerializer):
    """材料补齐，正式受理。"""

    on = _optional_date(help_text="受理日期，默认今天")


class InvestigationStartInputSerializer(VersionInputSerializer):
    """启动调查核实（发起家庭经济状况核对）。"""

    on = _optional_date(help_text="启动调查日期，默认今天，不能早于受理日期")
    waive_visit = serializers.BooleanField(
        required=False, default=False, help_text="经济状况核对已覆盖入户调查内容，免于入户（须本地政策允许）"
    )


class VisitInputSerializer(VersionInputSerializer):
    """入户调查（调查中由乡镇记录；待审核确认时由县级记录县级入户核查）。"""

    visited_on = serializers.DateField(help_text="调查日期（YYYY-MM-DD），不能早于受理日期、不能是将来的日期")
    visitor_ids = serializers.ListField(
        child=LocalStaffField(),
        source="visitors",
        max_length=MAX_VISITORS,
        help_text="调查人员编号（id），不少于2人，须为本地在岗工作人员",
    )
    findings = _text(2000, "调查情况（至少4个字）")
    signed_by_applicant = serializers.BooleanField(
        required=False, default=False, help_text="调查记录已经申请人签字确认（须为 true）"
    )

    def validate_visitor_ids(self, value: list[Staff]) -> list[Staff]:
        # dibao-shenhe-queren-banfa-2021 第十六条: at least two staff (the service checks it again).
        people = list({person.pk: person for person in value}.values())
        if len(people) < 2:
            raise serializers.ValidationError("请选择至少两名调查人员")
        return people


class DeliberationInputSerializer(VersionInputSerializer):
    """民主评议记录。"""

    held_on = serializers.DateField(help_text="评议日期（YYYY-MM-DD）")
    participants = serializers.IntegerField(min_value=0, max_value=10000, help_text="参加人数（不少于5人）")
    result = _choice(DeliberationResult, help_text="评议结果")
    minutes = _text(5000, "评议记录（至少4个字）")


class TownReviewInputSerializer(VersionInputSerializer):
    """乡镇审核意见。"""

    approve = serializers.BooleanField(help_text="true：同意；false：不同意（报审核确认机关）")
    opinion = _text(2000, "审核意见（至少4个字）")


class NoticeInputSerializer(VersionInputSerializer):
    """发布公示。"""

    start_on = _optional_date(help_text="公示开始日期，默认今天，不能早于3天前")


class ObjectionInputSerializer(VersionInputSerializer):
    """公示异议。"""

    received_on = serializers.DateField(help_text="收到异议的日期（YYYY-MM-DD），不能早于公示开始")
    content = _text(2000, "异议内容（至少4个字）")


class ReasonInputSerializer(VersionInputSerializer):
    """须说明理由的办理操作（延长时限、退回、撤回）。"""

    reason = _text(200, "理由（至少4个字）")


class DecideInputSerializer(VersionInputSerializer):
    """审核确认（或急难型后置审批）。"""

    confirm = serializers.BooleanField(help_text="true：确认（同意）；false：不予确认")
    reasons = _text(2000, "理由；不予确认时必填（至少4个字），将书面告知申请人", required=False)


class RefusalNoticeInputSerializer(VersionInputSerializer):
    """书面告知送达。"""

    on = _optional_date(help_text="送达日期，默认今天")


class PapersCompleteInputSerializer(VersionInputSerializer):
    """急难型先行救助补齐手续。"""

    note = _text(2000, "说明（可空）", required=False)


# --- input: 急难 aid, discovery reports, lists ----------------------------------------------------------------


class EmergencyAidInputSerializer(StrictInputSerializer):
    """急难型临时救助：先行救助。乡镇审批额度内直接发放；超过的先行发放、报县级后置审批。"""

    cause = serializers.ChoiceField(choices=EMERGENCY_CAUSES, help_text="急难事由")
    expense = money_field(help_text="急难救助需求金额（元），大于0")
    subject = HouseholdMemberField(required=False, allow_null=True, help_text="救助对象（本户在册成员 id），可空")
    note = _text(2000, "情况说明（可空）", required=False)


class DiscoveryCreateInputSerializer(StrictInputSerializer):
    """报告主动发现线索。"""

    region = ScopedRegionField(level=RegionLevel.VILLAGE, help_text="所在村（社区）编号，须在您的管辖范围内")
    person_name = serializers.CharField(max_length=50, help_text="困难群众姓名")
    address = _optional_text(200)
    description = _text(2000, "困难情况（至少4个字）")
    household = ScopedHouseholdField(required=False, allow_null=True, help_text="已登记家庭的编号（id），可空")
    suggested_program = _optional_choice(ProgramCode)


class DiscoveryCloseInputSerializer(StrictInputSerializer):
    """办结主动发现线索（不需救助）。"""

    reason = _text(200, "办结说明（至少4个字）")


class DiscoveryFilterSerializer(StrictInputSerializer):
    include_closed = serializers.BooleanField(
        required=False, default=False, help_text="包括已办结、已转为申请的线索（默认只列待处理的）"
    )


class EnrolmentFilterSerializer(StrictInputSerializer):
    status = _choice(EnrolmentStatus, required=False, help_text="只列出该状态的在保对象")


# --- output ------------------------------------------------------------------------------------------


class StaffRefSerializer(serializers.ModelSerializer):
    """工作人员（简要）。"""

    name = serializers.SerializerMethodField()

    class Meta:
        model = Staff
        fields = ["id", "name"]
        read_only_fields = fields

    def get_name(self, obj: Staff) -> str:
        return str(obj)


@extend_schema_serializer(component_name="ApplicationSummary")
class ApplicationSummarySerializer(serializers.ModelSerializer):
    """申请列表（及待办）中的一行。"""

    # Everything comes from the list and inbox queries (select_related): no query per row.

    kind = EnumChoiceField(ApplicationKind, read_only=True)
    kind_display = _display("get_kind_display")
    program = EnumChoiceField(ProgramCode, read_only=True)
    program_display = _display("get_program_display")
    status = EnumChoiceField(ApplicationStatus, read_only=True)
    status_display = _display("get_status_display")
    household_code = serializers.CharField(source="household.code", read_only=True)
    subject_name = serializers.CharField(source="subject.name", read_only=True, allow_null=True)
    region = RegionRefSerializer(read_only=True)
    town = RegionRefSerializer(source="region.parent", read_only=True)
    overdue = serializers.SerializerMethodField(help_text="最近时限已过（按今天计）")

    class Meta:
        model = Application
        fields = [
            "id",
            "code",
            "kind",
            "kind_display",
            "program",
            "program_display",
            "status",
            "status_display",
            "household",
            "household_code",
            "subject",
            "subject_name",
            "region",
            "town",
            "applied_on",
            "accepted_on",
            "due_on",
            "due_provisional",
            "overdue",
            "approved_amount",
            "version",
            "updated_at",
        ]
        read_only_fields = fields

    def get_overdue(self, obj: Application) -> bool:
        return obj.due_on is not None and obj.due_on < timezone.localdate()


class ApplicationClockSerializer(serializers.Serializer):
    """一项法定办理时限（按工作日计）。"""

    key = serializers.CharField(help_text="investigation_start / procedure / county_opinion / tekun_town …")
    label = serializers.CharField()
    clause = serializers.CharField(help_text="依据条款")
    start = serializers.DateField(help_text="起算日期")
    days = serializers.IntegerField(help_text="工作日数")
    due = serializers.DateField(help_text="截止日期")
    provisional = serializers.BooleanField(help_text="截止日期为暂定（所跨年份的节假日尚未公布）")
    done_on = serializers.DateField(allow_null=True, help_text="完成日期；未完成为 null")
    state = serializers.ChoiceField(
        choices=[
            ("done", "按时完成"),
            ("late", "超时完成"),
            ("overdue", "已超期"),
            ("due_soon", "即将到期"),
            ("running", "办理中"),
        ]
    )
    state_label = serializers.CharField(help_text="中文说明，如“剩 3 个工作日”")
    left = serializers.IntegerField(help_text="距截止日期的工作日数（负数为已超期的工作日数）")


class ApplicationEventSerializer(serializers.ModelSerializer):
    """办理记录（全程留痕）中的一步。"""

    actor_name = StaffNameField(source="actor")

    class Meta:
        model = ApplicationEvent
        fields = ["id", "step", "label", "actor", "actor_name", "day", "at", "note"]
        read_only_fields = fields


class HomeVisitSerializer(serializers.ModelSerializer):
    """入户调查记录。"""

    visitors = StaffRefSerializer(many=True, read_only=True)
    recorded_by_name = StaffNameField(source="recorded_by")

    class Meta:
        model = HomeVisit
        fields = [
            "id",
            "visited_on",
            "visitors",
            "findings",
            "signed_by_applicant",
            "by_county",
            "recorded_by",
            "recorded_by_name",
            "recorded_at",
        ]
        read_only_fields = fields


class ObjectionSerializer(serializers.ModelSerializer):
    """公示异议。"""

    recorded_by_name = StaffNameField(source="recorded_by")

    class Meta:
        model = Objection
        fields = ["id", "received_on", "content", "recorded_by", "recorded_by_name", "recorded_at"]
        read_only_fields = fields


class EvaluationSnapshotSerializer(serializers.ModelSerializer):
    """评估结果：规则引擎的决定，保存后不再改变。"""

    program = EnumChoiceField(ProgramCode, read_only=True)
    evaluated_by_name = StaffNameField(source="evaluated_by")
    decision = serializers.JSONField(
        read_only=True, help_text="保存时的决定与解释：结论、金额、每一步的输入、参数版本和依据条款"
    )

    class Meta:
        model = Evaluation
        fields = [
            "id",
            "program",
            "profile",
            "month",
            "outcome",
            "amount",
            "category",
            "recheck_months",
            "decision",
            "evaluated_by",
            "evaluated_by_name",
            "evaluated_at",
        ]
        read_only_fields = fields


class EnrolmentSerializer(serializers.ModelSerializer):
    """在保对象：审核确认后自次月起按月发放。"""

    program = EnumChoiceField(ProgramCode, read_only=True)
    program_display = _display("get_program_display")
    status = EnumChoiceField(EnrolmentStatus, read_only=True)
    status_display = _display("get_status_display")
    household_code = serializers.CharField(source="household.code", read_only=True)
    subject_name = serializers.CharField(source="subject.name", read_only=True, allow_null=True)
    application_code = serializers.CharField(source="application.code", read_only=True)
    region = RegionRefSerializer(read_only=True)

    class Meta:
        model = Enrolment
        fields = [
            "id",
            "household",
            "household_code",
            "subject",
            "subject_name",
            "program",
            "program_display",
            "category",
            "monthly_amount",
            "start_month",
            "end_month",
            "status",
            "status_display",
            "status_reason",
            "next_recheck_on",
            "application",
            "application_code",
            "region",
            "version",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class LinkedApplicationSerializer(serializers.ModelSerializer):
    """关联申请（如申请期间的先行急难救助）。"""

    program = EnumChoiceField(ProgramCode, read_only=True)
    program_display = _display("get_program_display")
    status = EnumChoiceField(ApplicationStatus, read_only=True)
    status_display = _display("get_status_display")

    class Meta:
        model = Application
        fields = ["id", "code", "program", "program_display", "status", "status_display", "approved_amount"]
        read_only_fields = fields


class ApplicationActionSerializer(serializers.Serializer):
    """当前用户现在可以办理的操作。"""

    code = serializers.CharField(help_text="操作代码（与办理页面一致）")
    label = serializers.CharField(help_text="按钮文字")
    hint = serializers.CharField(allow_blank=True, help_text="说明")
    endpoint = serializers.CharField(allow_null=True, help_text="办理该操作的接口（POST）")


@extend_schema_serializer(component_name="ApplicationDetail")
class ApplicationDetailSerializer(ApplicationSummarySerializer):
    """申请详情：办理情况、时限、办理记录、入户调查、异议、评估结果、在保情况和当前用户可办理的操作。"""

    # ``api_*`` attributes are set by the view from the application fetched through a scoped selector.

    county = RegionRefSerializer(read_only=True)
    household_region = RegionRefSerializer(source="household.hukou_region", read_only=True)
    channel = EnumChoiceField(Channel, read_only=True)
    channel_display = _display("get_channel_display")
    missing_materials = serializers.ListField(child=serializers.CharField(), read_only=True)
    accepted_by_name = StaffNameField(source="accepted_by", allow_null=True)
    deliberation_result = EnumChoiceField(DeliberationResult, read_only=True, allow_blank=True)
    deliberation_result_display = _display("get_deliberation_result_display")
    town_reviewed_by_name = StaffNameField(source="town_reviewed_by", allow_null=True)
    decided_by_name = StaffNameField(source="decided_by", allow_null=True)
    created_by_name = StaffNameField(source="created_by")
    parent_code = serializers.CharField(source="parent.code", read_only=True, allow_null=True)
    clocks = ApplicationClockSerializer(source="api_clocks", many=True, read_only=True, help_text="法定办理时限")
    timeline = ApplicationEventSerializer(source="api_timeline", many=True, read_only=True, help_text="办理记录")
    visits = HomeVisitSerializer(source="api_visits", many=True, read_only=True)
    objections = ObjectionSerializer(source="api_objections", many=True, read_only=True)
    evaluation = EvaluationSnapshotSerializer(read_only=True, allow_null=True, help_text="当前采用的评估结果")
    enrolment = EnrolmentSerializer(source="api_enrolment", read_only=True, allow_null=True)
    linked = LinkedApplicationSerializer(source="api_linked", many=True, read_only=True)
    actions = ApplicationActionSerializer(source="api_actions", many=True, read_only=True)

    class Meta(ApplicationSummarySerializer.Meta):
        fields = [
            *ApplicationSummarySerializer.Meta.fields,
            "county",
            "household_region",
            "profile",
            "channel",
            "channel_display",
            "proxy_name",
            "authorisation_signed_on",
            "missing_materials",
            "accepted_by",
            "accepted_by_name",
            "reason",
            "cause",
            "requested_amount",
            "income_rise_cause",
            "delegated",
            "close_relative",
            "close_relative_note",
            "investigation_started_on",
            "verification_requested_on",
            "visit_waived",
            "deliberation_required",
            "deliberated_on",
            "deliberation_result",
            "deliberation_result_display",
            "deliberation_minutes",
            "town_opinion",
            "town_opinion_text",
            "town_reviewed_by",
            "town_reviewed_by_name",
            "town_reviewed_on",
            "notice_start",
            "notice_end",
            "submitted_on",
            "county_sampled",
            "extended",
            "extension_reason",
            "decided_on",
            "decided_by",
            "decided_by_name",
            "decision_reasons",
            "paid_on",
            "papers_completed_on",
            "refusal_notified_on",
            "closed_reason",
            "parent",
            "parent_code",
            "discovery",
            "created_by",
            "created_by_name",
            "created_at",
            "clocks",
            "timeline",
            "visits",
            "objections",
            "evaluation",
            "enrolment",
            "linked",
            "actions",
        ]
        read_only_fields = fields


class DiscoveryReportSerializer(serializers.ModelSerializer):
    """主动发现线索。"""

    region = RegionRefSerializer(read_only=True)
    household_code = serializers.CharField(source="household.code", read_only=True, allow_null=True)
    suggested_program = EnumChoiceField(ProgramCode, read_only=True, allow_blank=True)
    suggested_program_display = _display("get_suggested_program_display")
    status = EnumChoiceField(DiscoveryStatus, read_only=True)
    status_display = _display("get_status_display")
    reported_by_name = StaffNameField(source="reported_by")

    class Meta:
        model = DiscoveryReport
        fields = [
            "id",
            "region",
            "household",
            "household_code",
            "person_name",
            "address",
            "description",
            "suggested_program",
            "suggested_program_display",
            "status",
            "status_display",
            "closed_reason",
            "reported_by",
            "reported_by_name",
            "reported_on",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields
