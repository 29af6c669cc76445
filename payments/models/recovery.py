"""Recovery of overpayments (追回): receivables with the paid lines they come from, repayments and write-offs."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from assistance.models import Region
from payments.choices import ReceivableCause, ReceivableEntryKind, ReceivableStatus

STAFF = settings.AUTH_USER_MODEL
MONEY = {"max_digits": 14, "decimal_places": 2}


class Receivable(models.Model):
    """应追回款: money paid that was not owed (a death found late, an overpayment, fraud, a refused 急难 case
    already paid). ``amount`` is fixed at creation; ``recovered`` and ``written_off`` grow with entries;
    the balance is never negative. ``source_key`` makes automatic detection idempotent."""

    code = models.CharField("追回编号", max_length=30, unique=True)
    county = models.ForeignKey(Region, verbose_name="县（市、区）", on_delete=models.PROTECT, related_name="+")
    household = models.ForeignKey(
        "cases.Household", verbose_name="家庭", on_delete=models.PROTECT, related_name="receivables"
    )
    enrolment = models.ForeignKey(
        "cases.Enrolment", verbose_name="在保对象", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    application = models.ForeignKey(
        "cases.Application", verbose_name="相关申请", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    life_event = models.ForeignKey(
        "cases.LifeEvent",
        verbose_name="相关生命事件",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    cause = models.CharField("原因", max_length=20, choices=ReceivableCause.choices)
    reason = models.TextField("情况说明")
    amount = models.DecimalField("应追回金额", **MONEY)
    recovered = models.DecimalField("已追回", **MONEY, default=Decimal("0"))
    written_off = models.DecimalField("已核销", **MONEY, default=Decimal("0"))
    status = models.CharField("状态", max_length=10, choices=ReceivableStatus.choices, default=ReceivableStatus.OPEN)
    source_key = models.CharField("来源标识", max_length=80, null=True, blank=True, unique=True)
    created_by = models.ForeignKey(STAFF, verbose_name="登记人", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField("登记时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)
    version = models.PositiveIntegerField("版本", default=1)

    class Meta:
        verbose_name = "应追回款"
        verbose_name_plural = "应追回款"
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gt=0),
                name="receivable_amount_positive",
                violation_error_message="追回金额必须大于0",
            ),
            models.CheckConstraint(
                condition=Q(recovered__gte=0)
                & Q(written_off__gte=0)
                & Q(amount__gte=F("recovered") + F("written_off")),
                name="receivable_balance_not_negative",
                violation_error_message="退回和核销合计不能超过应追回金额",
            ),
        ]

    def __str__(self) -> str:
        return self.code

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("receivable-detail", args=[self.pk])

    @property
    def balance(self) -> Decimal:
        return self.amount - self.recovered - self.written_off


class ReceivableItem(models.Model):
    """Which paid line (and how much of it) a receivable recovers; a line is recovered at most once."""

    receivable = models.ForeignKey(Receivable, verbose_name="应追回款", on_delete=models.PROTECT, related_name="items")
    line = models.OneToOneField(
        "PaymentLine",
        verbose_name="发放明细",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="receivable_item",
    )
    period_month = models.DateField("所属月份", null=True, blank=True)
    amount = models.DecimalField("金额", **MONEY)
    note = models.CharField("说明", max_length=200, blank=True)

    class Meta:
        verbose_name = "追回明细"
        verbose_name_plural = "追回明细"
        ordering = ["receivable_id", "period_month", "id"]
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="receivable_item_positive")]

    def __str__(self) -> str:
        return f"{self.receivable_id} {self.amount}"


class ReceivableEntry(models.Model):
    """A repayment (退回, with its receipt) or a write-off (核销, decided by a county reviewer with reasons)."""

    receivable = models.ForeignKey(
        Receivable, verbose_name="应追回款", on_delete=models.PROTECT, related_name="entries"
    )
    kind = models.CharField("类型", max_length=10, choices=ReceivableEntryKind.choices)
    amount = models.DecimalField("金额", **MONEY)
    on = models.DateField("日期")
    reference = models.CharField("票据号", max_length=60, blank=True)
    note = models.CharField("说明", max_length=200, blank=True)
    actor = models.ForeignKey(STAFF, verbose_name="经办人", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField("登记时间", auto_now_add=True)

    class Meta:
        verbose_name = "追回记录"
        verbose_name_plural = "追回记录"
        ordering = ["receivable_id", "on", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gt=0), name="receivable_entry_positive", violation_error_message="金额必须大于0"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.amount}"
