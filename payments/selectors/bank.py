"""Scoped reads of bank files and reconciliation: a roll's result files, their rows, its failed lines and what
became of them. Everything is reached through a roll the actor may see (``roll_get_for``); outside the scope an
object is not found."""

from __future__ import annotations

from django.db.models import Exists, OuterRef, QuerySet, Subquery
from django.http import Http404

from assistance.models import Staff
from payments.choices import LineStatus, Resolution, ResultOutcome
from payments.models import BankResultImport, BankResultRow, PaymentLine, PaymentRoll
from payments.selectors.rolls import county_scope_q, roll_get_for


def result_import_list_for(*, actor: Staff, roll: PaymentRoll) -> QuerySet[BankResultImport]:
    roll = roll_get_for(actor=actor, pk=roll.pk)
    return (
        BankResultImport.objects.filter(roll=roll).select_related("uploaded_by", "job").order_by("-uploaded_at", "-id")
    )


def result_row_list_for(
    *, actor: Staff, roll: PaymentRoll, open_only: bool = False, unmatched_only: bool = True
) -> QuerySet[BankResultRow]:
    """The result rows of the roll's files: by default the unmatched ones (open and resolved), open ones only
    when asked."""
    roll = roll_get_for(actor=actor, pk=roll.pk)
    rows = BankResultRow.objects.filter(result_import__roll=roll)
    if unmatched_only:
        rows = rows.filter(outcome=ResultOutcome.UNMATCHED)
    if open_only:
        rows = rows.filter(resolution=Resolution.OPEN)
    return rows.select_related("result_import", "line", "resolved_by").order_by("result_import_id", "row_number")


def result_row_get_for(*, actor: Staff, pk: int) -> BankResultRow:
    row = (
        BankResultRow.objects.filter(county_scope_q(actor, "result_import__roll__county"), pk=pk)
        .select_related("result_import__roll")
        .first()
    )
    if row is None:
        raise Http404("没有找到该回盘行")
    return row


def failed_line_list_for(*, actor: Staff, roll: PaymentRoll) -> QuerySet[PaymentLine]:
    """The roll's failed lines, each annotated with the line that carried it (``carry_line_id``) and that line's
    roll month and code (``carry_month``, ``carry_roll_code``) when it was carried."""
    roll = roll_get_for(actor=actor, pk=roll.pk)
    carry = PaymentLine.objects.filter(carried_from=OuterRef("pk"))
    return (
        PaymentLine.objects.filter(roll=roll, status=LineStatus.FAILED)
        .annotate(
            carry_line_id=Subquery(carry.values("id")[:1]),
            carry_month=Subquery(carry.values("roll__month")[:1]),
            carry_roll_code=Subquery(carry.values("roll__code")[:1]),
            is_carried=Exists(carry),
        )
        .select_related("town", "region", "household")
        .order_by("id")
    )


def line_get_for(*, actor: Staff, pk: int) -> PaymentLine:
    """A line of a roll in the actor's county scope (the county staff who run payments)."""
    line = PaymentLine.objects.filter(county_scope_q(actor, "roll__county"), pk=pk).select_related("roll").first()
    if line is None:
        raise Http404("没有找到该发放明细")
    return line
