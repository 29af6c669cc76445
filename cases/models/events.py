"""Life events (生命事件) of household members that change what they receive: a death, an imprisonment, a
release, a 特困 minor turning 18.

A caseworker records one from a report, another department pushes one through the API, or the daily run finds
a 特困 minor's 18th birthday. ``cases.services.events.life_event_record`` updates the registry, acts on the
member's live enrolments (ends, suspends, recomputes, or opens a 复核) and writes what it did to ``outcome``.
Written only by that service; never edited afterwards.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse

from cases.choices import LifeEventKind, LifeEventSource
from cases.models.registry import MONEY, Household, Member
from cases.models.workflow import Application, Enrolment

STAFF = settings.AUTH_USER_MODEL


class LifeEvent(models.Model):
    """One event in a member's life, and what the system did about it (``outcome``)."""

    household = models.ForeignKey(Household, verbose_name="家庭", on_delete=models.PROTECT, related_name="life_events")
    member = models.ForeignKey(Member, verbose_name="成员", on_delete=models.PROTECT, related_name="life_events")
    kind = models.CharField("事件", max_length=20, choices=LifeEventKind.choices)
    occurred_on = models.DateField("发生日期")
    source = models.CharField(
        "信息来源", max_length=12, choices=LifeEventSource.choices, default=LifeEventSource.CASEWORKER
    )
    department = models.CharField("推送部门", max_length=60, blank=True)  # only for source=department
    note = models.CharField("说明", max_length=500, blank=True)
    reported_by = models.ForeignKey(STAFF, verbose_name="登记人", on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField("登记时间", auto_now_add=True)
    # What the system did, in Chinese (one line per enrolment concerned).
    outcome = models.TextField("处理结果", blank=True)
    enrolments = models.ManyToManyField(
        Enrolment, verbose_name="涉及的在保对象", blank=True, related_name="life_events"
    )
    # The 复核 opened because of the event (or the open one it was added to), and by when the household must be
    # reviewed (a 低保 member's death: within 3 months, doudi-baozhang-tongzhi-2022 一(三)).
    review_application = models.ForeignKey(
        Application,
        verbose_name="复核申请",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    review_due_on = models.DateField("核查期限", null=True, blank=True)
    # 特困 death: the one-off funeral payment (maiji-2021 §四(二)5), paid later by the payments module; 0 where the
    # profile pays none, empty where it could not be computed (or the event is not a 特困 death).
    funeral_amount = models.DecimalField(
        "丧葬费", **MONEY, null=True, blank=True, validators=[MinValueValidator(Decimal("0"))]
    )
    # The rules engine's decision (``decision_to_dict``) when one was run for the event.
    decision = models.JSONField("测算结果", default=dict, blank=True)

    class Meta:
        verbose_name = "生命事件"
        verbose_name_plural = "生命事件"
        ordering = ["-occurred_on", "-id"]
        indexes = [models.Index(fields=["review_due_on"], name="lifeevent_review_due")]
        constraints = [
            models.UniqueConstraint(
                fields=["member", "kind", "occurred_on"],
                name="lifeevent_one_per_member_kind_day",
                violation_error_message="该成员同一日期的同一事件已登记，不能重复登记",
            ),
            models.CheckConstraint(
                condition=Q(source=LifeEventSource.DEPARTMENT) | Q(department=""),
                name="lifeevent_department_only_when_pushed",
                violation_error_message="只有部门推送的事件填写推送部门",
            ),
            models.CheckConstraint(
                condition=Q(funeral_amount__isnull=True) | Q(funeral_amount__gte=0),
                name="lifeevent_funeral_not_negative",
                violation_error_message="丧葬费不能为负数",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.occurred_on:%Y-%m-%d}"

    def get_absolute_url(self) -> str:
        return reverse("life-event-detail", args=[self.pk])
