"""Scoped reads of reserve funds (临时救助备用金): county staff (administrator, reviewer, auditor) see the funds of
the counties in their jurisdiction (``county_scope_q``); a town caseworker sees their own town's. Outside the scope
a fund is not found."""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.http import Http404

from assistance.models import Region, Staff
from assistance.scoping import scope_q
from payments.models import ReserveEntry, ReserveFund, ReserveTopUp
from payments.selectors.rolls import county_scope_q


def _fund_scope(actor: Staff, prefix: str = "") -> Q:
    return county_scope_q(actor, f"{prefix}county") | scope_q(actor, f"{prefix}town")


def reserve_fund_list_for(
    *, actor: Staff, county: Region | None = None, year: int | None = None, town: Region | None = None
) -> QuerySet[ReserveFund]:
    funds = ReserveFund.objects.filter(_fund_scope(actor)).select_related("town", "county", "settled_by")
    if county is not None:
        funds = funds.filter(county=county)
    if year is not None:
        funds = funds.filter(year=year)
    if town is not None:
        funds = funds.filter(town=town)
    return funds.order_by("-year", "town__path")


def reserve_fund_get_for(*, actor: Staff, pk: int) -> ReserveFund:
    fund = reserve_fund_list_for(actor=actor).filter(pk=pk).first()
    if fund is None:
        raise Http404("没有找到该备用金")
    return fund


def reserve_entry_list_for(*, actor: Staff, fund: ReserveFund) -> QuerySet[ReserveEntry]:
    """The fund's ledger in order (the caller got the fund through ``reserve_fund_get_for``)."""
    return (
        ReserveEntry.objects.filter(fund=fund)
        .filter(_fund_scope(actor, "fund__"))
        .select_related("application", "actor", "top_up")
        .order_by("id")
    )


def reserve_top_up_list_for(
    *, actor: Staff, fund: ReserveFund | None = None, status: str | None = None, county: Region | None = None
) -> QuerySet[ReserveTopUp]:
    top_ups = ReserveTopUp.objects.filter(_fund_scope(actor, "fund__")).select_related(
        "fund", "fund__town", "fund__county", "requested_by", "decided_by"
    )
    if fund is not None:
        top_ups = top_ups.filter(fund=fund)
    if status:
        top_ups = top_ups.filter(status=status)
    if county is not None:
        top_ups = top_ups.filter(fund__county=county)
    return top_ups.order_by("-requested_at", "-id")


def reserve_top_up_get_for(*, actor: Staff, pk: int) -> ReserveTopUp:
    top_up = reserve_top_up_list_for(actor=actor).filter(pk=pk).first()
    if top_up is None:
        raise Http404("没有找到该追加申请")
    return top_up


def reserve_towns_for(*, actor: Staff, county: Region) -> list[Region]:
    """The towns of ``county`` (for the allocation form)."""
    from assistance.roles import RegionLevel

    return list(Region.objects.filter(level=RegionLevel.TOWN, path__startswith=county.path).order_by("path"))
