"""Assistance standards per county, effective-dated by month.

This first cut holds the monthly 低保 standard per county and area type; the full policy-profile
model (every parameter versioned, with its clause) replaces and extends it in the rules-engine work.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q

from assistance.models import Region
from assistance.roles import RegionLevel
from cases.choices import AreaType


class Standard(models.Model):
    """The monthly 低保 standard (yuan per person per month) of a county from a month onwards."""

    county = models.ForeignKey(
        Region,
        verbose_name="县（市、区）",
        on_delete=models.PROTECT,
        related_name="standards",
        limit_choices_to={"level": RegionLevel.COUNTY},
    )
    area_type = models.CharField("城乡类别", max_length=10, choices=AreaType.choices)
    effective_from = models.DateField("起始月份", help_text="当月1日")
    monthly_amount = models.DecimalField(
        "低保标准（元/人·月）", max_digits=10, decimal_places=2, validators=[MinValueValidator(Decimal("0.01"))]
    )
    basis = models.CharField("依据", max_length=200)
    is_demo = models.BooleanField("演示数据", default=False, help_text="演示用的示意标准，不是当地实际标准")
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="录入人", on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField("录入时间", auto_now_add=True)

    class Meta:
        verbose_name = "低保标准"
        verbose_name_plural = "低保标准"
        ordering = ["county_id", "area_type", "-effective_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["county", "area_type", "effective_from"], name="standard_one_per_county_area_month"
            ),
            models.CheckConstraint(condition=Q(effective_from__day=1), name="standard_starts_first_of_month"),
            models.CheckConstraint(condition=Q(monthly_amount__gt=0), name="standard_amount_positive"),
        ]

    def __str__(self) -> str:
        label = "（演示）" if self.is_demo else ""
        return f"{self.county} {self.get_area_type_display()} {self.monthly_amount} 元{label}"
