"""Scoped reads of the special payments: instalment plans of 支出型 aid (county staff of the plan's county, or the
caseworker of the case's town) and price-subsidy batches (county staff). Outside the scope: not found."""

from __future__ import annotations

import datetime as dt

from django.db.models import Prefetch, QuerySet
from django.http import Http404

from assistance.models import Region, Staff
from assistance.scoping import scope_q
from payments.choices import LineKind
from payments.models import Instalment, InstalmentPlan, PaymentLine, PriceSubsidyBatch
from payments.selectors.rolls import county_scope_q


def instalment_plan_get_for(*, actor: Staff, application_id: int) -> InstalmentPlan:
    """The plan of the application, with its instalments and the lines that paid them."""
    lines = PaymentLine.objects.filter(kind=LineKind.INSTALMENT).select_related("roll").order_by("id")
    plan = (
        InstalmentPlan.objects.filter(county_scope_q(actor) | scope_q(actor, "application__region"))
        .filter(application_id=application_id)
        .select_related("application", "household", "member", "county")
        .prefetch_related(
            Prefetch(
                "instalments", queryset=Instalment.objects.order_by("seq").prefetch_related(Prefetch("lines", lines))
            )
        )
        .first()
    )
    if plan is None:
        raise Http404("没有找到该申请的分次发放计划")
    return plan


def instalment_get_for(*, actor: Staff, pk: int) -> Instalment:
    instalment = (
        Instalment.objects.filter(county_scope_q(actor, "plan__county") | scope_q(actor, "plan__application__region"))
        .select_related("plan", "plan__county")
        .filter(pk=pk)
        .first()
    )
    if instalment is None:
        raise Http404("没有找到该期分次发放")
    return instalment


def subsidy_batch_list_for(
    *, actor: Staff, county: Region | None = None, month: dt.date | None = None
) -> QuerySet[PriceSubsidyBatch]:
    batches = PriceSubsidyBatch.objects.filter(county_scope_q(actor)).select_related("county", "created_by", "roll")
    if county is not None:
        batches = batches.filter(county=county)
    if month is not None:
        batches = batches.filter(month=month)
    return batches.order_by("-month", "-id")


def subsidy_batch_get_for(*, actor: Staff, pk: int) -> PriceSubsidyBatch:
    batch = subsidy_batch_list_for(actor=actor).filter(pk=pk).first()
    if batch is None:
        raise Http404("没有找到该补贴批次")
    return batch
