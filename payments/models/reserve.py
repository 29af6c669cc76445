"""Town reserve funds for temporary assistance (临时救助备用金): a yearly fund per town, allocated at the start of
the year (maiji-2021 §四(四)15: 年初按照辖区人口每人2元预拨), topped up on request (用完后可继续申请), drawn
down by 急难 pay-first aid, settled at year end (年底定期清算). The balance is never negative."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q

from assistance.models import Region
from payments.choices import RequestStatus, ReserveEntryKind, ReserveFundStatus

STAFF = settings.AUTH_USER_MODEL
MONEY = {"max_digits": 14, "decimal_places": 2}


class ReserveFund(models.Model):
    town = models.ForeignKey(Region, verbose_name="乡镇（街道）", on_delete=models.PROTECT, related_name="+")
    county = models.ForeignKey(Region, verbose_name="县（市、区）", on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField("年度")
    residents = models.PositiveIntegerField("辖区人口", default=0)
    per_resident = models.DecimalField("每人预拨标准（元）", **MONEY, default=Decimal("0"))
    allocated = models.DecimalField("年初预拨", **MONEY, default=Decimal("0"))
    topped_up = models.DecimalField("追加拨付", **MONEY, default=Decimal("0"))
    drawn = models.DecimalField("救助支出", **MONEY, default=Decimal("0"))
    returned = models.DecimalField("清算收回", **MONEY, default=Decimal("0"))
    balance = models.DecimalField("余额", **MONEY, default=Decimal("0"))
    status = models.CharField("状态", max_length=10, choices=ReserveFundStatus.choices, default=ReserveFundStatus.OPEN)
    settled_by = models.ForeignKey(
        STAFF, verbose_name="清算人", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    settled_at = models.DateTimeField("清算时间", null=True, blank=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "临时救助备用金"
        verbose_name_plural = "临时救助备用金"
        ordering = ["-year", "town_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["town", "year"],
                name="reserve_fund_once_per_year",
                violation_error_message="该乡镇本年度备用金已建立",
            ),
            models.CheckConstraint(
                condition=Q(balance__gte=0),
                name="reserve_balance_not_negative",
                violation_error_message="备用金余额不足",
            ),
            models.CheckConstraint(
                condition=Q(
                    balance=models.F("allocated") + models.F("topped_up") - models.F("drawn") - models.F("returned")
                ),
                name="reserve_balance_consistent",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.town} {self.year}年备用金"


class ReserveEntry(models.Model):
    """One movement of a fund, with the balance after it (the fund's ledger)."""

    fund = models.ForeignKey(ReserveFund, verbose_name="备用金", on_delete=models.PROTECT, related_name="entries")
    kind = models.CharField("类型", max_length=12, choices=ReserveEntryKind.choices)
    amount = models.DecimalField("金额", **MONEY)
    balance_after = models.DecimalField("变动后余额", **MONEY)
    application = models.ForeignKey(
        "cases.Application",
        verbose_name="急难救助案件",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    top_up = models.ForeignKey(
        "ReserveTopUp", verbose_name="追加申请", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    on = models.DateField("日期")
    note = models.CharField("说明", max_length=200, blank=True)
    actor = models.ForeignKey(STAFF, verbose_name="经办人", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField("登记时间", auto_now_add=True)

    class Meta:
        verbose_name = "备用金收支"
        verbose_name_plural = "备用金收支"
        ordering = ["fund_id", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gt=0), name="reserve_entry_positive", violation_error_message="金额必须大于0"
            ),
            models.UniqueConstraint(fields=["application"], condition=Q(kind="drawdown"), name="reserve_drawdown_once"),
            models.UniqueConstraint(fields=["fund"], condition=Q(kind="allocation"), name="reserve_allocation_once"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.amount}"


class ReserveTopUp(models.Model):
    """A town's request for more reserve money, approved or refused by the county."""

    fund = models.ForeignKey(ReserveFund, verbose_name="备用金", on_delete=models.PROTECT, related_name="top_ups")
    amount = models.DecimalField("申请金额", **MONEY)
    reason = models.CharField("申请理由", max_length=200)
    status = models.CharField("状态", max_length=10, choices=RequestStatus.choices, default=RequestStatus.PENDING)
    requested_by = models.ForeignKey(STAFF, verbose_name="申请人", on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField("申请时间", auto_now_add=True)
    decided_by = models.ForeignKey(
        STAFF, verbose_name="审批人", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField("审批时间", null=True, blank=True)
    decision_note = models.CharField("审批意见", max_length=200, blank=True)

    class Meta:
        verbose_name = "备用金追加申请"
        verbose_name_plural = "备用金追加申请"
        ordering = ["-requested_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gt=0), name="reserve_topup_positive", violation_error_message="金额必须大于0"
            )
        ]

    def __str__(self) -> str:
        return f"{self.fund} 追加 {self.amount}"
