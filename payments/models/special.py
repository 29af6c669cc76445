"""Special payments: instalment plans of 支出型 temporary aid (一次审批、分次发放) and price-linked temporary
subsidy batches (价格临时补贴)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from assistance.models import Region
from payments.choices import InstalmentStatus, SubsidyBatchStatus

STAFF = settings.AUTH_USER_MODEL
MONEY = {"max_digits": 14, "decimal_places": 2}


class InstalmentPlan(models.Model):
    """The instalments of one approved 支出型 case (maiji-2021 §四(四)15; changbai-2021 §二(一)4), as the engine
    planned them at the decision (``Evaluation.decision["details"]["instalments"]``)."""

    application = models.OneToOneField(
        "cases.Application", verbose_name="申请", on_delete=models.PROTECT, related_name="instalment_plan"
    )
    household = models.ForeignKey("cases.Household", verbose_name="家庭", on_delete=models.PROTECT, related_name="+")
    member = models.ForeignKey(
        "cases.Member", verbose_name="救助对象", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    county = models.ForeignKey(Region, verbose_name="县（市、区）", on_delete=models.PROTECT, related_name="+")
    total = models.DecimalField("核定总额", **MONEY)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    class Meta:
        verbose_name = "分次发放计划"
        verbose_name_plural = "分次发放计划"
        ordering = ["-created_at", "-id"]
        constraints = [models.CheckConstraint(condition=Q(total__gt=0), name="instalment_plan_positive")]

    def __str__(self) -> str:
        return f"{self.application_id} {self.total}"


class Instalment(models.Model):
    plan = models.ForeignKey(
        InstalmentPlan, verbose_name="分次发放计划", on_delete=models.PROTECT, related_name="instalments"
    )
    seq = models.PositiveSmallIntegerField("期次")
    month = models.DateField("发放月份")
    amount = models.DecimalField("金额", **MONEY)
    status = models.CharField(
        "状态", max_length=10, choices=InstalmentStatus.choices, default=InstalmentStatus.SCHEDULED
    )

    class Meta:
        verbose_name = "分次发放"
        verbose_name_plural = "分次发放"
        ordering = ["plan_id", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "seq"], name="instalment_seq_once"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="instalment_amount_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.plan_id}#{self.seq} {self.amount}"


class PriceSubsidyBatch(models.Model):
    """价格临时补贴 (maiji-2021 §四(二)6: 按规定及时发放价格临时补贴): an amount per person for the covered
    groups in one month; its roll holds one line per eligible person."""

    code = models.CharField("批次编号", max_length=40, unique=True)
    county = models.ForeignKey(Region, verbose_name="县（市、区）", on_delete=models.PROTECT, related_name="+")
    month = models.DateField("补贴月份")
    amount_per_person = models.DecimalField("每人补贴金额（元）", **MONEY)
    programs = models.JSONField("发放对象", default=list)
    basis = models.CharField("文件依据", max_length=200)
    status = models.CharField(
        "状态", max_length=10, choices=SubsidyBatchStatus.choices, default=SubsidyBatchStatus.DRAFT
    )
    person_count = models.PositiveIntegerField("人数", default=0)
    created_by = models.ForeignKey(STAFF, verbose_name="创建人", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    class Meta:
        verbose_name = "价格临时补贴批次"
        verbose_name_plural = "价格临时补贴批次"
        ordering = ["-month", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount_per_person__gt=0),
                name="subsidy_amount_positive",
                violation_error_message="补贴金额必须大于0",
            ),
        ]

    def __str__(self) -> str:
        return self.code
