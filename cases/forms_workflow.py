"""Forms of the case-workflow pages: intake, 急难 aid, each transition of an application, discovery reports.

They define and parse fields only. Every rule of the procedure (who may act, which transition is allowed
now, two visitors, reasons for a refusal …) is checked by ``cases.services.workflow``; its refusals come
back as :class:`~assistance.errors.ApplicationError` and are shown next to these fields (field names are
the services' keyword names, so ``error.fields`` lands on the right field).
"""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.db.models import Q, QuerySet
from django.utils import timezone

from assistance.models import Region, RoleAssignment, Staff
from assistance.roles import Role
from cases.choices import (
    ApplicationKind,
    ApplicationStatus,
    Channel,
    DeliberationResult,
    IncomeRiseCause,
    ProgramCode,
)
from cases.forms import DateInput, MemberChoiceField, RegionChoiceField, StyledForm
from cases.models import Application, DiscoveryReport, Household, Member

# Materials most often missing at the window (一次性告知书 lists them all at once; 第十条: what government
# platforms hold is not asked for).
COMMON_MATERIALS = [
    ("户口簿", "户口簿"),
    ("居民身份证", "居民身份证"),
    ("残疾证", "残疾证"),
    ("医疗费用票据", "医疗费用票据（医保报销后）"),
    ("收入证明", "收入证明"),
    ("其他", "其他（在下方写明）"),
]
OTHER_MATERIAL = "其他"
INTAKE_PROGRAMS = [(v, label) for v, label in ProgramCode.choices if v != ProgramCode.TEMP_EMERGENCY]
INTAKE_CHANNELS = [(v, label) for v, label in Channel.choices if v != Channel.DISCOVERY]


def _today():
    return timezone.localdate()


class WorkflowForm(StyledForm):
    """Bootstrap styling of :class:`cases.forms.StyledForm`, with check boxes and radio groups styled as such."""

    def _style(self) -> None:
        super()._style()
        for bound in self:
            if bound.widget_type in ("radioselect", "checkboxselectmultiple"):
                bound.field.widget.attrs["class"] = "form-check-input" + (
                    " is-invalid" if bound.name in self.errors else ""
                )

    def _column(self, name: str) -> str:
        if name in self.wide:
            return "col-12"
        return "col-sm-6 col-lg-4"


class StaffChoiceField(forms.ModelMultipleChoiceField):
    """Staff as ``姓名（岗位）``; the role labels are given by the form (one query for all of them)."""

    role_labels: dict[int, str] = {}

    def label_from_instance(self, obj: Staff) -> str:
        role = self.role_labels.get(obj.pk)
        return f"{obj}（{role}）" if role else str(obj)


# --- intake ------------------------------------------------------------------------------------------


class ApplicationIntakeForm(WorkflowForm, forms.Form):
    """受理救助申请 at the town's window: the fields of ``application_accept``."""

    sections = [
        ("申请事项", ["program", "subject", "kind", "channel", "proxy_name", "applied_on"]),
        ("申请即授权", ["authorisation_signed_on"]),
        ("一次性告知（缺少的材料）", ["missing_materials", "other_materials"]),
        ("申请情况", ["reason", "requested_amount", "income_rise_cause", "close_relative_note", "discovery_choice"]),
    ]
    wide = ("reason", "missing_materials", "other_materials", "close_relative_note")

    program = forms.ChoiceField(label="救助项目", choices=[("", "请选择"), *INTAKE_PROGRAMS])
    subject = MemberChoiceField(
        label="救助对象",
        queryset=Member.objects.none(),
        required=False,
        empty_label="全户（按户申请）",
        help_text="单人户低保、特困供养、医疗救助、教育救助须选择本户的一名在册成员；按户申请的低保、支出型临时救助不选。",
    )
    kind = forms.ChoiceField(label="申请类型", choices=ApplicationKind.choices, initial=ApplicationKind.NEW)
    channel = forms.ChoiceField(label="申请方式", choices=INTAKE_CHANNELS, initial=Channel.WINDOW)
    proxy_name = forms.CharField(label="代办人姓名", max_length=50, required=False, help_text="委托代办时必填")
    applied_on = forms.DateField(label="申请日期", widget=DateInput(), initial=_today)
    authorisation_signed_on = forms.DateField(
        label="核对授权书签署日期",
        widget=DateInput(),
        error_messages={"required": "须签署家庭经济状况核对授权书（一证一书）"},
        help_text="申请即授权：申请人及共同生活的家庭成员签署家庭经济状况核对授权书后才能受理（一证一书）。",
    )
    missing_materials = forms.MultipleChoiceField(
        label="缺少的材料",
        choices=COMMON_MATERIALS,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="勾选任一项即出具一次性告知书，申请为“待补齐材料”，材料补齐后正式受理；"
        "可通过政府部门共享获取的材料不得要求申请人提供。",
    )
    other_materials = forms.CharField(
        label="其他缺少的材料（每行一项）",
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    reason = forms.CharField(
        label="申请理由", required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )
    requested_amount = forms.DecimalField(
        label="必需支出金额（元）",
        required=False,
        min_value=Decimal("0"),
        max_digits=12,
        decimal_places=2,
        help_text="支出型临时救助必填：医保报销后自付的医疗、教育等必需支出",
    )
    income_rise_cause = forms.ChoiceField(
        label="收入增加原因",
        required=False,
        choices=[("", "—"), *IncomeRiseCause.choices],
        help_text="复核、变更时收入增加的，写明原因：就业创业增收的可按本地政策渐退",
    )
    close_relative_note = forms.CharField(
        label="近亲属情况",
        required=False,
        max_length=200,
        help_text="家庭成员是民政工作人员或村（居）委会成员的近亲属时写明（单独登记备案，县级入户核查）；"
        "已备案的近亲属系统自动识别。",
    )
    discovery_choice = forms.ModelChoiceField(
        label="关联主动发现线索",
        queryset=DiscoveryReport.objects.none(),
        required=False,
        empty_label="不关联",
    )
    discovery = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, household: Household, discoveries: QuerySet[DiscoveryReport] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["subject"].queryset = household.members.filter(is_active=True).order_by("id")
        self.fields["requested_amount"].widget.attrs.update({"step": "0.01", "min": "0"})
        if discoveries is None or not discoveries.exists():
            del self.fields["discovery_choice"]
        else:
            self.fields["discovery_choice"].queryset = discoveries
            self.fields["discovery_choice"].help_text = "本村（社区）尚未办结的主动发现线索；关联后线索转为“已转为申请”"
            self.fields["discovery_choice"].label_from_instance = lambda r: (
                f"{r.person_name} · {r.reported_on:%Y-%m-%d} · {r.description[:20]}"
            )
        self._style()

    def clean(self):
        data = super().clean()
        ticked = [m for m in data.get("missing_materials") or [] if m != OTHER_MATERIAL]
        lines = [line.strip() for line in (data.get("other_materials") or "").splitlines() if line.strip()]
        if OTHER_MATERIAL in (data.get("missing_materials") or []) and not lines:
            self.add_error("other_materials", "勾选了“其他”，请写明缺少的材料")
        data["materials"] = [*ticked, *lines]
        return data

    def service_data(self) -> dict:
        d = self.cleaned_data
        return {
            "program": d["program"],
            "subject": d.get("subject"),
            "kind": d["kind"],
            "applied_on": d["applied_on"],
            "authorisation_signed_on": d["authorisation_signed_on"],
            "missing_materials": d["materials"],
            "channel": d["channel"],
            "proxy_name": d.get("proxy_name") or "",
            "reason": d.get("reason") or "",
            "requested_amount": d.get("requested_amount"),
            "close_relative_note": d.get("close_relative_note") or "",
            "income_rise_cause": d.get("income_rise_cause") or "",
        }


class EmergencyAidForm(WorkflowForm, forms.Form):
    """急难型临时救助（先行救助）: the fields of ``emergency_aid_grant``."""

    wide = ("note",)

    cause = forms.ChoiceField(label="急难事由", choices=())
    expense = forms.DecimalField(
        label="救助需求金额（元）",
        min_value=Decimal("0"),
        max_digits=12,
        decimal_places=2,
        help_text="经核实的急需支出；在乡镇审批权限内的由乡镇先行发放，超出的先行发放后报县级后置审批",
    )
    subject = MemberChoiceField(label="救助对象", queryset=Member.objects.none(), required=False, empty_label="全户")
    note = forms.CharField(label="情况说明", required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, household: Household, **kwargs):
        super().__init__(*args, **kwargs)
        from eligibility.rules.temporary import CAUSE_LABELS

        self.fields["cause"].choices = [
            ("", "请选择"),
            *[(k, v) for k, v in CAUSE_LABELS.items() if k != "pending_application"],
        ]
        self.fields["subject"].queryset = household.members.filter(is_active=True).order_by("id")
        self.fields["expense"].widget.attrs.update({"step": "0.01", "min": "0"})
        self._style()


# --- transitions ---------------------------------------------------------------------------------------


class ActionForm(WorkflowForm, forms.Form):
    """One transition of an application. ``version`` is the version the case page was loaded with: a form
    loaded before someone else moved the case on is refused by the service (StaleVersion, 409)."""

    wide: tuple[str, ...] = ()
    version = forms.IntegerField(widget=forms.HiddenInput, error_messages={"required": "页面已过期，请刷新后重试"})

    def __init__(self, *args, application: Application, actor: Staff, **kwargs):
        super().__init__(*args, **kwargs)
        self.application = application
        self.actor = actor
        self.fields["version"].initial = application.version
        self.setup()
        self._style()

    def setup(self) -> None:
        """Adjust fields to the application (subclasses)."""


class DayForm(ActionForm):
    """One date, default today (材料补齐受理、书面告知送达)."""

    on = forms.DateField(label="日期", widget=DateInput(), initial=_today)
    day_label = "日期"

    def setup(self) -> None:
        self.fields["on"].label = self.day_label


class MaterialsCompleteForm(DayForm):
    day_label = "受理日期（材料补齐之日）"


class RefusalNoticeForm(DayForm):
    day_label = "书面告知送达日期"


class InvestigationStartForm(ActionForm):
    on = forms.DateField(label="启动调查日期", widget=DateInput(), initial=_today)
    waive_visit = forms.BooleanField(label="经济状况核对已覆盖，免于入户调查", required=False)

    def setup(self) -> None:
        if not investigation_visit_skippable(self.application):
            del self.fields["waive_visit"]
        else:
            self.fields["waive_visit"].help_text = "本地政策允许：经济状况核对已能查清的，可不再入户"


def investigation_visit_skippable(app: Application) -> bool:
    """Whether the county's profile lets the economic check replace the home visit (and the case allows it)."""
    from cases.choices import NOTICE_PROGRAMS
    from eligibility.selectors import parameter_set_for

    if app.close_relative or app.program not in NOTICE_PROGRAMS or app.accepted_on is None:
        return False
    params = parameter_set_for(county=app.county, month=app.accepted_on.replace(day=1))
    key = "procedure.home_visit_skippable"
    return bool(params.get(key).value) if params.has(key) else False


def visitor_queryset(app: Application, *, county: bool) -> QuerySet[Staff]:
    """Active staff who may be on a visit: the caseworkers of the case's town and the assistants of its village,
    and for the county's own visit the county's reviewers too — the staff ``application_visit_record`` accepts
    (in scope of the case's village or county)."""
    town = app.region.parent if app.region.parent_id else app.region
    q = Q(assignments__role=Role.TOWN_CASEWORKER, assignments__region=town) | Q(
        assignments__role=Role.VILLAGE_ASSISTANT, assignments__region=app.region
    )
    if county:
        q |= Q(assignments__role=Role.COUNTY_REVIEWER, assignments__region=app.county)
    # One filter() call: the role, region and is_active conditions apply to the same assignment.
    staff = Staff.objects.filter(q, is_active=True, assignments__is_active=True)
    return staff.distinct().order_by("display_name", "id")


class VisitForm(ActionForm):
    """入户调查 (≥ 2 staff, signed by the applicant, 第十六条) — or the county's own visit (第二十条)."""

    by_county = False
    wide = ("visitors", "findings")

    visited_on = forms.DateField(label="调查日期", widget=DateInput(), initial=_today)
    visitors = StaffChoiceField(
        label="调查人员（不少于2人）",
        queryset=Staff.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "请选择至少两名调查人员"},
    )
    findings = forms.CharField(
        label="调查情况",
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="家庭人口、收入、财产、居住和生活状况等入户核实的情况",
    )
    signed_by_applicant = forms.BooleanField(label="申请人已在调查记录上签字确认", required=False)

    def setup(self) -> None:
        qs = visitor_queryset(self.application, county=self.by_county)
        field = self.fields["visitors"]
        field.queryset = qs
        field.role_labels = _role_labels(qs)
        if self.actor.pk in field.role_labels:
            field.initial = [self.actor.pk]


class CountyVisitForm(VisitForm):
    by_county = True


def _role_labels(staff: QuerySet[Staff]) -> dict[int, str]:
    labels: dict[int, str] = {}
    rows = RoleAssignment.objects.filter(staff__in=staff, is_active=True).values_list("staff_id", "role")
    for staff_id, role in rows.order_by("staff_id", "role"):
        text = Role(role).label
        labels[staff_id] = f"{labels[staff_id]}、{text}" if staff_id in labels else text
    return labels


class EvaluateForm(ActionForm):
    """No fields: the rules engine evaluates the household as registered now."""


class DeliberationForm(ActionForm):
    wide = ("result", "minutes")

    held_on = forms.DateField(label="评议日期", widget=DateInput(), initial=_today)
    participants = forms.IntegerField(label="参加人数", min_value=0, max_value=999, help_text="不少于5人")
    result = forms.ChoiceField(label="评议结果", choices=DeliberationResult.choices, widget=forms.RadioSelect)
    minutes = forms.CharField(label="评议记录", max_length=4000, widget=forms.Textarea(attrs={"rows": 4}))


class TownReviewForm(ActionForm):
    wide = ("approve", "opinion")

    approve = forms.ChoiceField(
        label="乡镇审核意见",
        choices=[("approve", "同意"), ("refuse", "不同意")],
        widget=forms.RadioSelect,
        error_messages={"required": "请选择同意或不同意"},
    )
    opinion = forms.CharField(
        label="审核意见说明", max_length=2000, widget=forms.Textarea(attrs={"rows": 3}), required=False
    )

    def setup(self) -> None:
        from cases.choices import NOTICE_PROGRAMS

        self.fields["opinion"].show_required = True
        if self.application.program in NOTICE_PROGRAMS:
            self.fields["approve"].help_text = "同意的，下一步在村（社区）公示；不同意的，报审核确认机关决定"
        else:
            self.fields["approve"].help_text = "本项目不公示，提出意见后直接报审核确认（审批）"


class NoticeForm(ActionForm):
    start_on = forms.DateField(
        label="公示开始日期", widget=DateInput(), initial=_today, help_text="公示期按本地政策（一般为7天）"
    )


class ObjectionForm(ActionForm):
    wide = ("content",)

    received_on = forms.DateField(label="收到异议日期", widget=DateInput(), initial=_today)
    content = forms.CharField(label="异议内容", max_length=4000, widget=forms.Textarea(attrs={"rows": 4}))


class NoticeCloseForm(ActionForm):
    """No fields: the notice period is over without objection."""


class ReasonForm(ActionForm):
    wide = ("reason",)
    reason = forms.CharField(label="理由", max_length=200, widget=forms.Textarea(attrs={"rows": 3}), required=False)
    reason_label = "理由"
    reason_help = ""

    def setup(self) -> None:
        self.fields["reason"].label = self.reason_label
        self.fields["reason"].help_text = self.reason_help
        # Required by the service (with its own message); marked for the eye only.
        self.fields["reason"].show_required = True


class ExtendForm(ReasonForm):
    reason_label = "延长理由"
    reason_help = "如：公示有异议、人户分离、异地申办、家庭经济状况难以核实等特殊情况（最多200字）"


class ReturnForm(ReasonForm):
    reason_label = "退回理由"
    reason_help = "写明需要重新调查核实的内容"


class WithdrawForm(ReasonForm):
    reason_label = "撤回原因"
    reason_help = "申请人主动撤回的原因（应有申请人书面撤回申请）"


class DecideForm(ActionForm):
    wide = ("confirm", "reasons")

    confirm = forms.ChoiceField(
        label="审核确认决定",
        choices=[("confirm", "确认"), ("refuse", "不予确认")],
        widget=forms.RadioSelect,
        error_messages={"required": "请选择确认或不予确认"},
    )
    reasons = forms.CharField(
        label="理由",
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="不予确认的必须写明理由：理由将写入不予确认通知书，书面告知申请人。",
    )

    def setup(self) -> None:
        from cases.choices import ENROLMENT_PROGRAMS

        app = self.application
        if app.status == ApplicationStatus.POST_APPROVAL:
            self.fields["confirm"].label = "后置审批决定"
            self.fields["confirm"].choices = [("confirm", "同意"), ("refuse", "不同意")]
        elif app.program in ENROLMENT_PROGRAMS:
            self.fields["confirm"].help_text = "确认的，自次月起按评估金额按月发放"


class PapersCompleteForm(ActionForm):
    wide = ("note",)
    note = forms.CharField(
        label="补齐情况",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="如：已补齐救助对象签字、经办人签字和单位盖章",
    )


class BridgeAidForm(ActionForm):
    """No fields: the bridge aid's amount is set by the county's profile (changbai-2021 §二(四)18)."""


# --- discovery reports ----------------------------------------------------------------------------------


class DiscoveryForm(WorkflowForm, forms.Form):
    wide = ("address", "description")

    region = RegionChoiceField(label="所在村（社区）", queryset=Region.objects.none())
    person_name = forms.CharField(label="困难群众姓名", max_length=50)
    address = forms.CharField(label="住址", max_length=200, required=False)
    description = forms.CharField(
        label="困难情况",
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="家庭人口、困难原因（疾病、残疾、灾害、失业等）、目前生活状况",
    )
    suggested_program = forms.ChoiceField(
        label="建议救助项目", choices=[("", "不确定"), *ProgramCode.choices], required=False
    )

    def __init__(self, *args, villages: QuerySet[Region], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = villages
        if villages.count() == 1:
            self.fields["region"].initial = villages.first().pk
        self._style()


class DiscoveryCloseForm(WorkflowForm, forms.Form):
    wide = ("reason",)
    reason = forms.CharField(
        label="办结说明",
        max_length=200,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="如：经核实家庭收入高于标准，不需救助；已纳入其他救助",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reason"].show_required = True
        self._style()


# --- the application list's filters ----------------------------------------------------------------------


class ApplicationFilterForm(WorkflowForm, forms.Form):
    q = forms.CharField(label="查询", max_length=50, required=False)
    status = forms.ChoiceField(label="状态", choices=[("", "全部"), *ApplicationStatus.choices], required=False)
    program = forms.ChoiceField(label="救助项目", choices=[("", "全部"), *ProgramCode.choices], required=False)
    open_only = forms.BooleanField(label="只看办理中", required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["q"].widget.attrs["placeholder"] = "申请编号、家庭编号或姓名"
        self._style()
