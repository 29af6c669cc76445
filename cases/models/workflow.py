"""Applications and their workflow (受理 → 调查 → 评估 → 民主评议 → 乡镇审核 → 公示 → 审核确认), the
evaluation snapshots they carry, home visits, objections, enrolments (在保) created on confirmation,
active-discovery reports (主动发现), 失信 records and the register of staff relatives (备案).

Written only through ``cases.services.workflow`` (and ``cases.services.discovery``).
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q

from assistance.models import Region
from cases.choices import (
    ApplicationKind,
    ApplicationStatus,
    Channel,
    DeliberationResult,
    DiscoveryStatus,
    EnrolmentChangeCause,
    EnrolmentStatus,
    IncomeRiseCause,
    ProgramCode,
)
from cases.models.registry import MONEY, Household, Member

STAFF = settings.AUTH_USER_MODEL
# The open statuses (cases.choices.OPEN_STATUSES) in a fixed order, for the constraints' conditions.
_OPEN_STATUS_VALUES = [
    "materials_pending",
    "accepted",
    "investigating",
    "evaluated",
    "town_approved",
    "notice",
    "decision",
    "post_approval",
]


class Application(models.Model):
    """One application (申请) of a household — or of one member, for 单人户/特困/专项 — for one program."""

    code = models.CharField("申请编号", max_length=24, unique=True, editable=False)
    kind = models.CharField("申请类型", max_length=10, choices=ApplicationKind.choices, default=ApplicationKind.NEW)
    program = models.CharField("救助项目", max_length=20, choices=ProgramCode.choices)
    household = models.ForeignKey(Household, verbose_name="家庭", on_delete=models.PROTECT, related_name="applications")
    subject = models.ForeignKey(
        Member, verbose_name="救助对象", null=True, blank=True, on_delete=models.PROTECT, related_name="applications"
    )
    # Where the case is handled: the household's 户籍 village at intake, and its county (for scoping,
    # the county's inbox and 特困 sampling).
    region = models.ForeignKey(Region, verbose_name="所在村（社区）", on_delete=models.PROTECT, related_name="+")
    county = models.ForeignKey(Region, verbose_name="所在县（市、区）", on_delete=models.PROTECT, related_name="+")
    profile = models.CharField("政策档案", max_length=40)
    status = models.CharField("状态", max_length=20, choices=ApplicationStatus.choices, db_index=True)
    channel = models.CharField("申请方式", max_length=10, choices=Channel.choices, default=Channel.WINDOW)
    proxy_name = models.CharField("代办人", max_length=50, blank=True)
    applied_on = models.DateField("申请日期")
    # 申请即授权 (dibao-shenhe-queren-banfa-2021 第十条; nantong-2021 §六(一) “一证一书”).
    authorisation_signed_on = models.DateField("核对授权书签署日期", null=True, blank=True)  # 急难型: none
    # 一次性告知: the materials still missing when the application was received.
    missing_materials = models.JSONField("一次性告知的缺少材料", default=list, blank=True)
    accepted_on = models.DateField("受理日期", null=True, blank=True)
    accepted_by = models.ForeignKey(
        STAFF, verbose_name="受理人", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reason = models.TextField("申请理由", blank=True)
    # 临时救助: cause and the assessed need.
    cause = models.CharField("事由", max_length=30, blank=True)
    # 复核/变更: why the household's income rose, when it did (decides whether a graduated exit applies).
    income_rise_cause = models.CharField("收入增加原因", max_length=10, choices=IncomeRiseCause.choices, blank=True)
    requested_amount = models.DecimalField(
        "申请（需求）金额", **MONEY, null=True, blank=True, validators=[MinValueValidator(Decimal("0"))]
    )
    # What the profile said at acceptance, kept so that a later profile change does not move a running case.
    delegated = models.BooleanField("审核确认权下放乡镇", default=False)
    # Close relative of staff or a village committee member (national 第十一条, 第二十条): county review and a
    # county home visit, even where confirmation is delegated.
    close_relative = models.BooleanField("近亲属备案", default=False)
    close_relative_note = models.CharField("备案情况", max_length=200, blank=True)
    investigation_started_on = models.DateField("启动调查日期", null=True, blank=True)
    verification_requested_on = models.DateField("发起经济状况核对日期", null=True, blank=True)
    visit_waived = models.BooleanField("经济状况核对已覆盖，免于入户调查", default=False)
    deliberation_required = models.BooleanField("须民主评议", default=False)
    deliberated_on = models.DateField("民主评议日期", null=True, blank=True)
    deliberation_result = models.CharField("评议结果", max_length=10, choices=DeliberationResult.choices, blank=True)
    deliberation_minutes = models.TextField("评议记录", blank=True)
    evaluation = models.ForeignKey(
        "Evaluation", verbose_name="评估结果", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    town_opinion = models.CharField("乡镇审核意见", max_length=10, blank=True)  # "approve" / "refuse"
    town_opinion_text = models.TextField("乡镇审核意见说明", blank=True)
    town_reviewed_by = models.ForeignKey(
        STAFF, verbose_name="乡镇审核人", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    town_reviewed_on = models.DateField("乡镇审核日期", null=True, blank=True)
    notice_start = models.DateField("公示开始", null=True, blank=True)
    notice_end = models.DateField("公示截止", null=True, blank=True)
    submitted_on = models.DateField("报送审核确认日期", null=True, blank=True)
    county_sampled = models.BooleanField("县级抽查", default=False)
    extended = models.BooleanField("延长办理时限", default=False)
    extension_reason = models.CharField("延长理由", max_length=200, blank=True)
    decided_on = models.DateField("决定日期", null=True, blank=True)
    decided_by = models.ForeignKey(
        STAFF, verbose_name="决定人", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decision_reasons = models.TextField("决定理由", blank=True)
    approved_amount = models.DecimalField("核定金额", **MONEY, null=True, blank=True)
    paid_on = models.DateField("先行发放日期", null=True, blank=True)  # 急难型: paid first
    papers_completed_on = models.DateField("补齐手续日期", null=True, blank=True)
    refusal_notified_on = models.DateField("书面告知日期", null=True, blank=True)
    closed_reason = models.CharField("撤回/退回说明", max_length=200, blank=True)
    parent = models.ForeignKey(
        "self", verbose_name="关联申请", null=True, blank=True, on_delete=models.PROTECT, related_name="linked"
    )
    discovery = models.ForeignKey(
        "DiscoveryReport",
        verbose_name="主动发现线索",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # The earliest open deadline (kept current by every transition, for the inboxes' ordering).
    due_on = models.DateField("最近时限", null=True, blank=True, db_index=True)
    due_provisional = models.BooleanField("时限为暂定", default=False)
    # The day the daily run found ``due_on`` passed (cases.services.lifecycle.deadlines_flag_overdue); cleared
    # when a transition moves the deadline to today or later.
    overdue_since = models.DateField("超期标记日期", null=True, blank=True)
    version = models.PositiveIntegerField("版本", default=1)
    created_by = models.ForeignKey(STAFF, verbose_name="登记人", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField("登记时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "救助申请"
        verbose_name_plural = "救助申请"
        ordering = ["-applied_on", "-id"]
        indexes = [models.Index(fields=["county", "status"], name="application_county_status")]
        constraints = [
            # One open application per household (or person) and program: a second intake is refused.
            models.UniqueConstraint(
                fields=["household", "program"],
                condition=Q(subject__isnull=True) & Q(status__in=_OPEN_STATUS_VALUES) & ~Q(program="temp_emergency"),
                name="application_one_open_per_household",
                violation_error_message="该家庭已有同一救助项目的申请正在办理",
            ),
            models.UniqueConstraint(
                fields=["subject", "program"],
                condition=Q(subject__isnull=False) & Q(status__in=_OPEN_STATUS_VALUES) & ~Q(program="temp_emergency"),
                name="application_one_open_per_subject",
                violation_error_message="该人员已有同一救助项目的申请正在办理",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.get_program_display()}"

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("application-detail", args=[self.pk])

    @property
    def decided_by_town(self) -> bool:
        """Confirmation delegated to the town (fixed at intake) — except for close relatives of staff, whom the
        county always decides (dibao-shenhe-queren-banfa-2021 第二十条)."""
        return self.delegated and not self.close_relative


class ApplicationEvent(models.Model):
    """One step of an application's timeline: what happened, who did it, when (全程留痕)."""

    application = models.ForeignKey(Application, on_delete=models.PROTECT, related_name="events")
    step = models.CharField("环节", max_length=30)
    label = models.CharField("说明", max_length=100)
    actor = models.ForeignKey(STAFF, verbose_name="经办人", on_delete=models.PROTECT, related_name="+")
    day = models.DateField("办理日期")
    at = models.DateTimeField("记录时间", auto_now_add=True)
    note = models.TextField("备注", blank=True)
    data = models.JSONField("数据", default=dict, blank=True)

    class Meta:
        verbose_name = "办理记录"
        verbose_name_plural = "办理记录"
        ordering = ["application_id", "at", "id"]

    def __str__(self) -> str:
        return f"{self.application_id} {self.label}"


class HomeVisit(models.Model):
    """入户调查: at least two staff (dibao-shenhe-queren-banfa-2021 第十六条), with a signed record."""

    application = models.ForeignKey(Application, on_delete=models.PROTECT, related_name="visits")
    visited_on = models.DateField("调查日期")
    visitors = models.ManyToManyField(STAFF, verbose_name="调查人员", related_name="+")
    findings = models.TextField("调查情况")
    signed_by_applicant = models.BooleanField("申请人签字确认", default=False)
    by_county = models.BooleanField("县级入户核查", default=False)
    recorded_by = models.ForeignKey(STAFF, verbose_name="记录人", on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField("记录时间", auto_now_add=True)

    class Meta:
        verbose_name = "入户调查"
        verbose_name_plural = "入户调查"
        ordering = ["application_id", "visited_on", "id"]

    def __str__(self) -> str:
        return f"{self.application_id} {self.visited_on:%Y-%m-%d}"


class Evaluation(models.Model):
    """The rules engine's decision for an application, stored as it was: never changed afterwards.

    ``decision`` is ``decision_to_dict`` (outcome, amount, every step with its inputs, parameters and
    clause); ``request`` is the facts the engine read. Immutability: the model refuses an update.
    """

    application = models.ForeignKey(Application, on_delete=models.PROTECT, related_name="evaluations")
    program = models.CharField("救助项目", max_length=20, choices=ProgramCode.choices)
    profile = models.CharField("政策档案", max_length=40)
    month = models.DateField("测算月份")
    outcome = models.CharField("结论", max_length=20)
    amount = models.DecimalField("金额", **MONEY)
    category = models.CharField("类别", max_length=40, blank=True)
    recheck_months = models.PositiveSmallIntegerField("核查周期（月）", null=True, blank=True)
    decision = models.JSONField("决定与解释")
    request = models.JSONField("测算所用事实")
    evaluated_by = models.ForeignKey(STAFF, verbose_name="评估人", on_delete=models.PROTECT, related_name="+")
    evaluated_at = models.DateTimeField("评估时间", auto_now_add=True)

    class Meta:
        verbose_name = "评估结果"
        verbose_name_plural = "评估结果"
        ordering = ["application_id", "-evaluated_at", "-id"]

    def __str__(self) -> str:
        return f"{self.application_id} {self.outcome} {self.amount}"

    def save(self, *args, **kwargs) -> None:
        # A snapshot is written once (cases.services.workflow.application_evaluate) and never again.
        if self.pk is not None:
            raise ValueError("评估结果一经保存不可修改")
        super().save(*args, **kwargs)

    @property
    def eligible(self) -> bool:
        return self.outcome == "eligible"


class Objection(models.Model):
    """An objection raised during the public notice (公示异议): the case goes back to investigation."""

    application = models.ForeignKey(Application, on_delete=models.PROTECT, related_name="objections")
    received_on = models.DateField("收到日期")
    content = models.TextField("异议内容")
    recorded_by = models.ForeignKey(STAFF, verbose_name="记录人", on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField("记录时间", auto_now_add=True)

    class Meta:
        verbose_name = "公示异议"
        verbose_name_plural = "公示异议"
        ordering = ["application_id", "received_on", "id"]

    def __str__(self) -> str:
        return f"{self.application_id} {self.received_on:%Y-%m-%d}"


class Enrolment(models.Model):
    """在保: a confirmed case paid month by month from ``start_month`` (the month after confirmation)."""

    household = models.ForeignKey(Household, verbose_name="家庭", on_delete=models.PROTECT, related_name="enrolments")
    subject = models.ForeignKey(
        Member, verbose_name="救助对象", null=True, blank=True, on_delete=models.PROTECT, related_name="enrolments"
    )
    program = models.CharField("救助项目", max_length=20, choices=ProgramCode.choices)
    category = models.CharField("类别", max_length=40, blank=True)
    monthly_amount = models.DecimalField("月救助金额", **MONEY, validators=[MinValueValidator(Decimal("0"))])
    start_month = models.DateField("起始月份")
    end_month = models.DateField("终止月份", null=True, blank=True)
    status = models.CharField("状态", max_length=10, choices=EnrolmentStatus.choices, default=EnrolmentStatus.ACTIVE)
    status_reason = models.CharField("状态说明", max_length=200, blank=True)
    next_recheck_on = models.DateField("下次核查日期", null=True, blank=True)
    application = models.OneToOneField(
        Application, verbose_name="来源申请", on_delete=models.PROTECT, related_name="enrolment"
    )
    evaluation = models.ForeignKey(Evaluation, verbose_name="决定依据", on_delete=models.PROTECT, related_name="+")
    region = models.ForeignKey(Region, verbose_name="所在村（社区）", on_delete=models.PROTECT, related_name="+")
    version = models.PositiveIntegerField("版本", default=1)
    created_at = models.DateTimeField("登记时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "在保对象"
        verbose_name_plural = "在保对象"
        ordering = ["-start_month", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["household", "program"],
                condition=Q(subject__isnull=True) & Q(status__in=["active", "exiting", "suspended"]),
                name="enrolment_one_live_per_household",
                violation_error_message="该家庭已在保，不能重复纳入",
            ),
            models.UniqueConstraint(
                fields=["subject", "program"],
                condition=Q(subject__isnull=False) & Q(status__in=["active", "exiting", "suspended"]),
                name="enrolment_one_live_per_subject",
                violation_error_message="该人员已在保，不能重复纳入",
            ),
            models.CheckConstraint(
                condition=Q(monthly_amount__gte=0),
                name="enrolment_amount_not_negative",
                violation_error_message="救助金额不能为负数",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.household_id} {self.get_program_display()} {self.monthly_amount}"


class EnrolmentChange(models.Model):
    """One change of an enrolment's monthly amount or status, effective from a month, with its cause and the
    application that decided it. The amount paid for month M is the ``amount`` of the latest change with
    ``effective_month`` ≤ M (a graduated exit is a series of future-dated changes ending with the stop);
    ``Enrolment.monthly_amount`` is the amount of the latest change decided."""

    enrolment = models.ForeignKey(Enrolment, verbose_name="在保对象", on_delete=models.PROTECT, related_name="changes")
    effective_month = models.DateField("生效月份")
    amount = models.DecimalField("月救助金额", **MONEY, validators=[MinValueValidator(Decimal("0"))])
    previous_amount = models.DecimalField("原金额", **MONEY, null=True, blank=True)
    category = models.CharField("类别", max_length=40, blank=True)
    status = models.CharField("状态", max_length=10, choices=EnrolmentStatus.choices)
    cause = models.CharField("原因", max_length=20, choices=EnrolmentChangeCause.choices)
    application = models.ForeignKey(
        Application, verbose_name="决定申请", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    note = models.CharField("说明", max_length=200, blank=True)
    created_at = models.DateTimeField("登记时间", auto_now_add=True)

    class Meta:
        verbose_name = "在保金额变动"
        verbose_name_plural = "在保金额变动"
        ordering = ["enrolment_id", "effective_month", "id"]
        # The change in force in a month (the latest with effective_month ≤ M): one index-only probe per enrolment
        # when a payment roll is generated (payments.services.rolls, ~25 % faster at a province's scale).
        indexes = [models.Index(fields=["enrolment", "-effective_month", "-id"], name="change_latest_in_month")]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gte=0),
                name="enrolmentchange_amount_not_negative",
                violation_error_message="救助金额不能为负数",
            )
        ]

    def __str__(self) -> str:
        return f"{self.enrolment_id} {self.effective_month:%Y-%m} {self.amount}"


class DiscoveryReport(models.Model):
    """主动发现: a village assistant (or caseworker) reports a household in need; a caseworker turns it into an
    application or closes it with a reason."""

    region = models.ForeignKey(Region, verbose_name="所在村（社区）", on_delete=models.PROTECT, related_name="+")
    household = models.ForeignKey(
        Household, verbose_name="已登记家庭", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    person_name = models.CharField("困难群众姓名", max_length=50)
    address = models.CharField("住址", max_length=200, blank=True)
    description = models.TextField("困难情况")
    suggested_program = models.CharField("建议救助项目", max_length=20, choices=ProgramCode.choices, blank=True)
    status = models.CharField("状态", max_length=10, choices=DiscoveryStatus.choices, default=DiscoveryStatus.OPEN)
    closed_reason = models.CharField("办结说明", max_length=200, blank=True)
    reported_by = models.ForeignKey(STAFF, verbose_name="报告人", on_delete=models.PROTECT, related_name="+")
    reported_on = models.DateField("报告日期")
    created_at = models.DateTimeField("登记时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "主动发现线索"
        verbose_name_plural = "主动发现线索"
        ordering = ["-reported_on", "-id"]

    def __str__(self) -> str:
        return f"{self.person_name}（{self.get_status_display()}）"


class IntegrityPenalty(models.Model):
    """失信 record: the person may not apply for any assistance from ``starts_on`` to ``ends_on``
    (maiji-2021 §五(三))."""

    id_number = models.CharField("身份证号", max_length=18, db_index=True)
    name = models.CharField("姓名", max_length=50)
    reason = models.CharField("失信事由", max_length=200)
    starts_on = models.DateField("惩戒开始日期")
    ends_on = models.DateField("惩戒结束日期")
    county = models.ForeignKey(Region, verbose_name="作出机关所在县", on_delete=models.PROTECT, related_name="+")
    recorded_by = models.ForeignKey(STAFF, verbose_name="登记人", on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField("登记时间", auto_now_add=True)

    class Meta:
        verbose_name = "失信记录"
        verbose_name_plural = "失信记录"
        ordering = ["-starts_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=models.F("starts_on")),
                name="integrity_penalty_period",
                violation_error_message="惩戒结束日期不能早于开始日期",
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} {self.starts_on:%Y-%m-%d}–{self.ends_on:%Y-%m-%d}"


class RelativeFiling(models.Model):
    """备案: a close relative of a civil-affairs staff member or village (community) committee member
    (dibao-shenhe-queren-banfa-2021 第十一条). An application by a household with such a member is marked
    at intake and always goes to county review with a county home visit (第二十条)."""

    relative_id_number = models.CharField("近亲属身份证号", max_length=18, db_index=True)
    relative_name = models.CharField("近亲属姓名", max_length=50)
    cadre_name = models.CharField("工作人员/村干部姓名", max_length=50)
    cadre_position = models.CharField("职务", max_length=60)
    relation = models.CharField("关系", max_length=30)
    region = models.ForeignKey(Region, verbose_name="所在地区", on_delete=models.PROTECT, related_name="+")
    recorded_by = models.ForeignKey(STAFF, verbose_name="登记人", on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField("登记时间", auto_now_add=True)

    class Meta:
        verbose_name = "近亲属备案"
        verbose_name_plural = "近亲属备案"
        ordering = ["-recorded_at", "-id"]

    def __str__(self) -> str:
        return f"{self.relative_name}（{self.cadre_name}{self.cadre_position}的{self.relation}）"
