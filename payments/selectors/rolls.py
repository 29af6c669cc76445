"""Scoped reads of rolls and lines. A roll covers a whole county: county staff (administrator, reviewer,
auditor) whose jurisdiction contains the county see it; a town caseworker sees the lines of their town only
(``line_list_for``). Outside the scope an object is not found."""

from __future__ import annotations

import datetime as dt

from django.db.models import Q, QuerySet
from django.http import Http404

from assistance.models import Region, Staff
from assistance.roles import Role
from assistance.scoping import active_assignments, scope_q
from payments.models import PaymentLine, PaymentRoll

COUNTY_ROLES = (Role.COUNTY_ADMIN, Role.COUNTY_REVIEWER, Role.AUDITOR)


def county_scope_q(actor: Staff, lookup: str = "county") -> Q:
    """Objects whose county lies under one of the actor's county-level (or higher) assignments."""
    if actor.is_superuser:
        return Q()
    q = Q(pk__in=[])
    for assignment in active_assignments(actor):
        if assignment.role in COUNTY_ROLES:
            q |= Q(**{f"{lookup}__path__startswith": assignment.region.path})
    return q


def payment_counties_for(actor: Staff) -> list[Region]:
    """The counties whose payments the actor may see (county-level roles; every county for a superuser)."""
    from assistance.roles import RegionLevel

    regions = Region.objects.filter(level=RegionLevel.COUNTY)
    if actor.is_superuser:
        return list(regions.order_by("path"))
    q = Q(pk__in=[])
    for assignment in active_assignments(actor):
        if assignment.role in COUNTY_ROLES:
            q |= Q(path__startswith=assignment.region.path)
    return list(regions.filter(q).order_by("path"))


def roll_list_for(
    *, actor: Staff, county: Region | None = None, month: dt.date | None = None, kind: str | None = None
) -> QuerySet[PaymentRoll]:
    rolls = PaymentRoll.objects.filter(county_scope_q(actor)).select_related(
        "county", "generated_by", "checked_by", "approved_by"
    )
    if county is not None:
        rolls = rolls.filter(county=county)
    if month is not None:
        rolls = rolls.filter(month=month)
    if kind:
        rolls = rolls.filter(kind=kind)
    return rolls.order_by("-month", "county__path", "kind", "program", "seq")


def roll_get_for(*, actor: Staff, pk: int) -> PaymentRoll:
    roll = roll_list_for(actor=actor).filter(pk=pk).first()
    if roll is None:
        raise Http404("没有找到该花名册")
    return roll


def line_list_for(*, actor: Staff, roll: PaymentRoll | None = None) -> QuerySet[PaymentLine]:
    """Lines the actor may see: every line of a county in the actor's county scope, else those of villages in
    the actor's own regions (a town caseworker's town)."""
    lines = PaymentLine.objects.filter(county_scope_q(actor, "roll__county") | scope_q(actor, "region"))
    if roll is not None:
        lines = lines.filter(roll=roll)
    return lines.select_related("town", "region", "household", "member")


HOUSEHOLD_LINES_SHOWN = 24


def household_lines_for(*, actor: Staff, household) -> list[PaymentLine]:
    """The household's latest payment lines the actor may see (newest month first), for its page."""
    return list(
        line_list_for(actor=actor)
        .filter(household=household)
        .select_related("roll")
        .order_by("-period_month", "-id")[:HOUSEHOLD_LINES_SHOWN]
    )
