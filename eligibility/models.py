"""Policy profiles and their parameters, effective-dated by month, in the database.

A :class:`PolicyProfile` is the parameter set of one jurisdiction's policy document (长白, 南通 …), inheriting
from its parent (in the end the national baseline) every key it does not set. Each value is a
:class:`ParameterVersion`: never edited in place — a change is a new row, proposed as a draft and approved by a
second administrator (four eyes). The rules read the approved versions through
``eligibility.selectors.parameter_set_for``.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q

from assistance.models import Region
from assistance.roles import RegionLevel
from eligibility.rules.schema import PARAMETERS


def validate_parameter_key(value: str) -> None:
    if value not in PARAMETERS:
        raise ValidationError(f"参数 {value} 不在参数表中", code="unknown_parameter")


class PolicyProfile(models.Model):
    """The parameters of one policy document, applied to the counties it governs."""

    code = models.SlugField("代码", max_length=40, unique=True, help_text="如 national、changbai")
    name = models.CharField("名称", max_length=100)
    parent = models.ForeignKey(
        "self",
        verbose_name="上级档案",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
        help_text="未设定的参数取自上级档案；全国基准没有上级",
    )
    document = models.CharField("政策文件", max_length=100, blank=True, help_text="如 changbai-2021")
    jurisdictions = models.ManyToManyField(
        Region,
        verbose_name="适用县（市、区）",
        through="ProfileJurisdiction",
        related_name="policy_profiles",
        blank=True,
    )
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "政策参数档案"
        verbose_name_plural = "政策参数档案"
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.name}（{self.code}）"


class ProfileJurisdiction(models.Model):
    """A county governed by a profile: each county by at most one (the national baseline governs none directly)."""

    profile = models.ForeignKey(PolicyProfile, verbose_name="档案", on_delete=models.CASCADE, related_name="+")
    county = models.ForeignKey(
        Region,
        verbose_name="县（市、区）",
        on_delete=models.PROTECT,
        related_name="+",
        limit_choices_to={"level": RegionLevel.COUNTY},
    )
    created_at = models.DateTimeField("关联时间", auto_now_add=True)

    class Meta:
        verbose_name = "档案适用区划"
        verbose_name_plural = "档案适用区划"
        ordering = ["profile_id", "county_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["county"],
                name="profile_one_per_county",
                violation_error_message="一个县（市、区）只能适用一个档案",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.profile} → {self.county}"


class ParameterStatus(models.TextChoices):
    DRAFT = "draft", "待审批"  # proposed by an administrator, waiting for a second one (four eyes)
    APPROVED = "approved", "已批准"  # in force from its month (until a later month's version)
    SUPERSEDED = "superseded", "已被替换"  # a later-approved version for the same month replaced it
    REJECTED = "rejected", "已驳回"  # refused (or withdrawn by its proposer); never in force


class ParameterVersion(models.Model):
    """One value of one parameter of a profile, in force from a month on once approved.

    Never edited in place: a correction is a new row for the same month, which supersedes the old one when
    approved; a change is a new row for a later month. Past decisions keep the version they read (its id).
    """

    profile = models.ForeignKey(PolicyProfile, verbose_name="档案", on_delete=models.PROTECT, related_name="versions")
    key = models.CharField("参数", max_length=80, validators=[validate_parameter_key])
    effective_from = models.DateField("起始月份", help_text="当月1日；自该月起适用")
    value = models.JSONField("取值", help_text='金额和比例以字符串保存（如 "620"），不用浮点数')
    clause = models.CharField("条款依据", max_length=200, blank=True, help_text="如 changbai-2021 §二(一)6")
    local_default = models.BooleanField("本地默认值", default=False, help_text="文件未作规定，采用说明中的默认值")
    is_demo = models.BooleanField("演示数据", default=False, help_text="演示用的示意值，不是当地实际标准")
    note = models.TextField("说明", blank=True)
    status = models.CharField("状态", max_length=12, choices=ParameterStatus.choices, default=ParameterStatus.DRAFT)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="提出人", on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField("提出时间", auto_now_add=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="批准人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    approved_at = models.DateTimeField("批准时间", null=True, blank=True)
    rejected_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="驳回人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    rejected_at = models.DateTimeField("驳回时间", null=True, blank=True)
    rejection_reason = models.CharField("驳回理由", max_length=500, blank=True)
    superseded_by = models.ForeignKey(
        "self", verbose_name="替换为", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = "政策参数版本"
        verbose_name_plural = "政策参数版本"
        ordering = ["profile_id", "key", "-effective_from", "-id"]
        indexes = [models.Index(fields=["profile", "status", "key", "effective_from"], name="parameter_lookup")]
        constraints = [
            models.UniqueConstraint(
                fields=["profile", "key", "effective_from"],
                condition=Q(status="approved"),
                name="parameter_one_approved_per_month",
                violation_error_message="该参数在该月份已有批准的版本",
            ),
            models.UniqueConstraint(
                fields=["profile", "key", "effective_from"],
                condition=Q(status="draft"),
                name="parameter_one_draft_per_month",
                violation_error_message="该参数在该月份已有待审批的版本",
            ),
            models.CheckConstraint(
                condition=Q(effective_from__day=1),
                name="parameter_starts_first_of_month",
                violation_error_message="起始月份须为当月1日",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["draft", "rejected"]) | Q(approved_by__isnull=False, approved_at__isnull=False),
                name="parameter_approval_recorded",
                violation_error_message="已批准的版本须记录批准人和批准时间",
            ),
            models.CheckConstraint(
                condition=~Q(status="rejected") | Q(rejected_by__isnull=False, rejected_at__isnull=False),
                name="parameter_rejection_recorded",
                violation_error_message="已驳回的版本须记录驳回人和驳回时间",
            ),
        ]

    def __str__(self) -> str:
        definition = PARAMETERS.get(self.key)
        label = definition.label if definition else self.key
        return f"{self.profile.code} {label} 自{self.effective_from:%Y年%m月}：{self.value_display}"

    @property
    def value_display(self) -> str:
        """Return the value as administrators read it (lists joined with 、)."""
        value = self.value
        if isinstance(value, bool):
            return "是" if value else "否"
        if isinstance(value, list):
            return "、".join(str(v) for v in value)
        if isinstance(value, dict):
            return "，".join(f"{k}：{v}" for k, v in value.items())
        definition = PARAMETERS.get(self.key)
        unit = definition.unit if definition else ""
        return f"{value} {unit}".strip()

    def can_decide(self) -> bool:
        """A draft may be approved or rejected; every other state is final."""
        return self.status == ParameterStatus.DRAFT
