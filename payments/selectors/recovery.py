"""Scoped reads of receivables (应追回款). County staff (administrator, reviewer, auditor) see the receivables of
the counties under their assignments; a town caseworker sees those of households whose 户籍 lies in their town.
Outside the scope a receivable is not found (404)."""

from __future__ import annotations

from decimal import Decimal

from django.db.models import Count, Q, QuerySet, Sum
from django.http import Http404

from assistance.models import Staff
from assistance.roles import Role
from assistance.scoping import active_assignments
from payments.models import Receivable, ReceivableEntry, ReceivableItem
from payments.selectors.rolls import county_scope_q


def _town_scope_q(actor: Staff) -> Q:
    """Receivables of households in the regions where ``actor`` is a town caseworker (the caseworker's subset of
    ``assistance.scoping.scope_q``: a village assistant does not handle recovery)."""
    q = Q(pk__in=[])
    for assignment in active_assignments(actor):
        if assignment.role == Role.TOWN_CASEWORKER:
            q |= Q(household__hukou_region__path__startswith=assignment.region.path)
    return q


def receivable_list_for(
    *, actor: Staff, status: str = "", cause: str = "", county=None, household=None
) -> QuerySet[Receivable]:
    """The receivables ``actor`` may see, newest first, optionally filtered."""
    receivables = Receivable.objects.filter(county_scope_q(actor) | _town_scope_q(actor))
    if status:
        receivables = receivables.filter(status=status)
    if cause:
        receivables = receivables.filter(cause=cause)
    if county is not None:
        receivables = receivables.filter(county=county)
    if household is not None:
        receivables = receivables.filter(household=household)
    return receivables.select_related("county", "household", "created_by").order_by("-created_at", "-id")


def receivable_totals(receivables: QuerySet[Receivable]) -> dict:
    """The sums of a list of receivables: amount, recovered, written off, balance, and their number (one query)."""
    agg = receivables.order_by().aggregate(
        n=Count("id"), amount=Sum("amount"), recovered=Sum("recovered"), written_off=Sum("written_off")
    )
    zero = Decimal("0.00")
    amount, recovered, written_off = (agg[k] or zero for k in ("amount", "recovered", "written_off"))
    return {
        "amount": amount,
        "recovered": recovered,
        "written_off": written_off,
        "balance": amount - recovered - written_off,
        "count": agg["n"],
    }


def receivable_get_for(*, actor: Staff, pk: int) -> Receivable:
    receivable = (
        receivable_list_for(actor=actor)
        .select_related("enrolment", "application", "life_event", "life_event__member", "household__hukou_region")
        .filter(pk=pk)
        .first()
    )
    if receivable is None:
        raise Http404("没有找到该应追回款")
    return receivable


def receivable_items(receivable: Receivable) -> QuerySet[ReceivableItem]:
    return receivable.items.select_related("line", "line__roll").order_by("period_month", "id")


def receivable_entries(receivable: Receivable) -> QuerySet[ReceivableEntry]:
    return receivable.entries.select_related("actor").order_by("on", "id")
