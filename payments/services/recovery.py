"""Recovery of overpayments (追回): receivables, what they come from, repayments and write-offs.

A receivable (应追回款) is money paid that was not owed. It is opened

- by detection (:func:`overpayments_detect`): the paid lines of an enrolment for months where the sum paid exceeds
  what the enrolment was owed (``owed`` as in ``payments.services.backpay``) — a death or an imprisonment found
  late, an enrolment ended after its month was paid. Each line's excess becomes one ``ReceivableItem`` (a line is
  recovered at most once, so detecting twice opens nothing new); the receivable's amount is the sum of its items;
- by the workflow's hooks (``payments.hooks``): a late death or imprisonment (:func:`on_life_event_recorded`), a
  refused post-approval 急难 case already paid (:func:`on_application_decided`, ``source_key`` ``emergency:<id>``);
- by hand (:func:`receivable_create`, the county administrator), e.g. fraud (maiji-2021 §五(三)).

Repayments (退回, the town caseworker or the county administrator, with the receipt number) and write-offs (核销,
a county reviewer, with reasons) reduce the balance, never below zero (the model's check constraint, checked here
first under the row lock); at zero the receivable is settled. Everything is audited under the household.
"""

from __future__ import annotations

import datetime as dt
import logging
from decimal import Decimal

from django.db import IntegrityError, connection, transaction

from assistance.errors import ApplicationError, PermissionRefused
from assistance.models import Region, Staff
from assistance.roles import Role
from assistance.scoping import holds_role_over
from audit.services import model_snapshot
from cases.choices import ProgramCode
from cases.models import Application, Enrolment, Household, LifeEvent
from cases.services._common import audit_household_event
from payments.choices import LineStatus, ReceivableCause, ReceivableEntryKind, ReceivableStatus
from payments.models import PaymentLine, PaymentRoll, Receivable, ReceivableEntry, ReceivableItem
from payments.services._common import (
    check_version,
    county_of,
    is_payment_admin,
    is_payment_reviewer,
    money,
    require_county,
    require_county_staff,
    require_payment_admin,
    to_fen,
    today,
    yuan,
)
from payments.services.backpay import PAYING_KINDS

logger = logging.getLogger(__name__)

AUDITED = ["code", "cause", "amount", "recovered", "written_off", "status", "version"]
MAX_REASON = 2000
MAX_NOTE = 200
MAX_REFERENCE = 60


# --- who may do what --------------------------------------------------------------------------------------------


def is_town_caseworker_of(actor: Staff, household: Household) -> bool:
    return holds_role_over(actor, Role.TOWN_CASEWORKER, household.hukou_region)


def can_repay(actor: Staff, receivable: Receivable) -> bool:
    """The town caseworker of the household's 户籍 region or the county administrator registers repayments."""
    return is_town_caseworker_of(actor, receivable.household) or is_payment_admin(actor, receivable.county)


def can_write_off(actor: Staff, receivable: Receivable) -> bool:
    """A county reviewer decides write-offs (核销), with reasons."""
    return is_payment_reviewer(actor, receivable.county)


def _may_detect(actor: Staff, household: Household, county: Region) -> bool:
    return (
        is_payment_admin(actor, county) or is_payment_reviewer(actor, county) or is_town_caseworker_of(actor, household)
    )


# --- codes and amounts ----------------------------------------------------------------------------------------


def _next_code(county: Region) -> str:
    prefix = f"ZH{county.code[:6]}{today():%Y%m}"
    last = Receivable.objects.filter(code__startswith=prefix).order_by("-code").values_list("code", flat=True).first()
    number = int(last[len(prefix) :]) + 1 if last and last[len(prefix) :].isdigit() else 1
    return f"{prefix}{number:04d}"


def _save_new(receivable: Receivable) -> Receivable:
    """Insert ``receivable`` with the county's next code; a concurrent insert of the same code or the same
    ``source_key`` is a 409 (nothing saved)."""
    for _attempt in range(3):
        receivable.code = _next_code(receivable.county)
        try:
            with transaction.atomic():
                receivable.save(force_insert=True)
            return receivable
        except IntegrityError:
            if receivable.source_key and Receivable.objects.filter(source_key=receivable.source_key).exists():
                raise ApplicationError("该应追回款已登记", code="conflict", status=409) from None
            receivable.pk = None
    raise ApplicationError("追回编号生成冲突，请稍后重试", code="conflict", status=409)


def _text(value: str, field: str, label: str, limit: int, *, required: bool = True) -> str:
    value = (value or "").strip()
    if required and not value:
        raise ApplicationError(f"请填写{label}", code="invalid", fields={field: [f"请填写{label}"]})
    if len(value) > limit:
        raise ApplicationError(f"{label}过长", code="invalid", fields={field: [f"最多 {limit} 个字"]})
    return value


def _audit(actor: Staff, action: str, receivable: Receivable, before: dict | None, note: str) -> None:
    audit_household_event(
        actor=actor,
        action=action,
        target=receivable,
        household=receivable.household,
        before=before,
        after=model_snapshot(receivable, AUDITED),
        note=note[:500],
    )


# --- manual receivables -----------------------------------------------------------------------------------------


@transaction.atomic
def receivable_create(
    *,
    actor: Staff,
    household: Household,
    cause: str,
    amount,
    reason: str,
    enrolment: Enrolment | None = None,
    application: Application | None = None,
) -> Receivable:
    """Register a receivable by hand (e.g. 骗取救助, maiji-2021 §五(三)): the county administrator of the household's
    county. ``amount`` in yuan (> 0, two places); ``reason`` required; ``enrolment`` / ``application`` must be the
    household's. Refused: 403 for another role or county, 400 for a bad field."""
    county = county_of(household.hukou_region)
    require_payment_admin(actor, county, "登记应追回款")
    if cause not in ReceivableCause.values:
        raise ApplicationError("请选择追回原因", code="invalid", fields={"cause": ["请选择追回原因"]})
    amount = money(amount, "amount", "追回金额")
    reason = _text(reason, "reason", "情况说明", MAX_REASON)
    if enrolment is not None and enrolment.household_id != household.pk:
        raise ApplicationError("在保对象不属于该家庭", code="invalid", fields={"enrolment": ["请选择本户的在保项目"]})
    if application is not None and application.household_id != household.pk:
        raise ApplicationError("申请不属于该家庭", code="invalid", fields={"application": ["请选择本户的申请"]})
    receivable = _save_new(
        Receivable(
            county=county,
            household=household,
            enrolment=enrolment,
            application=application or (enrolment.application if enrolment is not None else None),
            cause=cause,
            reason=reason,
            amount=amount,
            created_by=actor,
        )
    )
    _audit(
        actor,
        "receivable.create",
        receivable,
        None,
        f"登记应追回款 {receivable.code}：{amount} 元（{receivable.get_cause_display()}）",
    )
    return receivable


# --- detection -----------------------------------------------------------------------------------------------------


def owed_fen_by_month(enrolment: Enrolment, months: list[dt.date]) -> dict[dt.date, int]:
    """What ``enrolment`` was owed for each of ``months``, in fen: the latest change effective by the month
    (effective month desc, id desc) when it leaves the enrolment active or exiting and the month is not before
    the start, else 0 — the monthly roll's rule."""
    changes = list(
        enrolment.changes.order_by("effective_month", "id").values_list("effective_month", "amount", "status")
    )
    owed = {}
    for month in months:
        current = None
        for effective, amount, status in changes:
            if effective <= month:
                current = (amount, status)
            else:
                break
        if month < enrolment.start_month or current is None or current[1] not in ("active", "exiting"):
            owed[month] = 0
        else:
            owed[month] = to_fen(current[0])
    return owed


def _excess_items(enrolment: Enrolment) -> list[tuple[PaymentLine, int, int]]:
    """``(line, excess fen, owed fen)`` for the paid lines of ``enrolment`` not yet recovered, in months paid
    beyond what was owed. A month's excess net of what earlier receivables already claim is taken from its
    latest lines first (back-pay, then carried, then regular)."""
    lines = list(
        PaymentLine.objects.filter(enrolment=enrolment, status=LineStatus.PAID, kind__in=PAYING_KINDS)
        .select_related("roll", "receivable_item")
        .order_by("period_month", "id")
    )
    if not lines:
        return []
    by_month: dict[dt.date, list[PaymentLine]] = {}
    for line in lines:
        by_month.setdefault(line.period_month, []).append(line)
    owed = owed_fen_by_month(enrolment, list(by_month))
    order = {"back_pay": 0, "carry": 1, "regular": 2}
    out = []
    for month, month_lines in by_month.items():
        paid = sum(line.amount_fen for line in month_lines)
        claimed = 0
        free = []
        for line in month_lines:
            item = getattr(line, "receivable_item", None)
            if item is not None:
                claimed += to_fen(item.amount)
            else:
                free.append(line)
        excess = paid - owed[month] - claimed
        if excess <= 0:
            continue
        for line in sorted(free, key=lambda x: (order[x.kind], -x.pk)):
            if excess <= 0:
                break
            take = min(excess, line.amount_fen)
            out.append((line, take, owed[month]))
            excess -= take
        if excess > 0:
            logger.warning("在保对象 #%s %s 多发 %s 分无可对应的未追回明细", enrolment.pk, month, excess)
    out.sort(key=lambda row: (row[0].period_month, row[0].pk))
    return out


CAUSE_TEXT = {
    ReceivableCause.DEATH: "死亡后未及时停发",
    ReceivableCause.OVERPAYMENT: "已发放金额超过应发金额",
    ReceivableCause.INELIGIBLE: "不符合条件期间仍在发放",
}


@transaction.atomic
def overpayments_detect(
    *,
    actor: Staff,
    enrolment: Enrolment,
    cause: str = ReceivableCause.OVERPAYMENT,
    life_event: LifeEvent | None = None,
) -> Receivable | None:
    """Open one receivable for the paid lines of ``enrolment`` beyond what it was owed, one item per line (its
    excess); return it, or None when nothing new is found (lines already recovered are not claimed again).

    May be run by the county's staff, the household's town caseworker (a life event they record) or the system.
    """
    enrolment = Enrolment.objects.select_related("household", "household__hukou_region", "application").get(
        pk=enrolment.pk
    )
    household = enrolment.household
    county = county_of(household.hukou_region)
    if not _may_detect(actor, household, county):
        raise PermissionRefused("只有本县（市、区）的工作人员或该家庭所在乡镇的经办人员可以核查多发")
    if cause not in ReceivableCause.values:
        raise ApplicationError("请选择追回原因", code="invalid", fields={"cause": ["请选择追回原因"]})
    # Serialise detections of the enrolment: the row lock, then the unique line of each item.
    Enrolment.objects.select_for_update(of=("self",)).filter(pk=enrolment.pk).first()
    rows = _excess_items(enrolment)
    if not rows:
        return None
    total = sum(fen for _line, fen, _owed in rows)
    months = sorted({line.period_month for line, _fen, _owed in rows})
    span = f"{months[0]:%Y年%m月}" + (f"至{months[-1]:%Y年%m月}" if len(months) > 1 else "")
    why = CAUSE_TEXT.get(cause, ReceivableCause(cause).label)
    reason = f"{enrolment.get_program_display()}：{span}{why}，多发 {len(rows)} 笔，合计 {yuan(total)} 元"
    if life_event is not None:
        reason += f"（{life_event.member.name}{life_event.get_kind_display()}，{life_event.occurred_on:%Y-%m-%d}）"
    receivable = _save_new(
        Receivable(
            county=county,
            household=household,
            enrolment=enrolment,
            application=enrolment.application,
            life_event=life_event,
            cause=cause,
            reason=reason,
            amount=yuan(total),
            created_by=actor,
        )
    )
    try:
        with transaction.atomic():
            ReceivableItem.objects.bulk_create(
                [
                    ReceivableItem(
                        receivable=receivable,
                        line=line,
                        period_month=line.period_month,
                        amount=yuan(fen),
                        note=(
                            f"{line.roll.code} {line.get_kind_display()} 已发 {yuan(line.amount_fen)} 元，"
                            f"当月应发 {yuan(owed)} 元"
                        )[:MAX_NOTE],
                    )
                    for line, fen, owed in rows
                ]
            )
    except IntegrityError:
        raise ApplicationError("这些发放明细正在由他人核查追回，请稍后刷新", code="conflict", status=409) from None
    _audit(actor, "receivable.detect", receivable, None, f"核查多发，登记应追回款 {receivable.code}：{reason}")
    return receivable


# Enrolments of a county with a month paid (status paid) beyond what was owed, net of what receivables claim.
OVERPAID_SQL = """
SELECT DISTINCT p.enrolment_id FROM (
  SELECT l.enrolment_id AS enrolment_id, l.period_month AS period_month, SUM(l.amount_fen) AS paid,
         SUM(COALESCE(CAST(ROUND(ri.amount * 100) AS BIGINT), 0)) AS claimed
  FROM payments_paymentline l
  JOIN payments_paymentroll pr ON pr.id = l.roll_id
  LEFT JOIN payments_receivableitem ri ON ri.line_id = l.id
  WHERE pr.county_id = %(county)s AND l.status = 'paid' AND l.kind IN ('regular', 'carry', 'back_pay')
    AND l.enrolment_id IS NOT NULL {only_roll}
  GROUP BY l.enrolment_id, l.period_month
) p
JOIN cases_enrolment e ON e.id = p.enrolment_id
LEFT JOIN cases_enrolmentchange c ON c.id = (
  SELECT c2.id FROM cases_enrolmentchange c2 WHERE c2.enrolment_id = p.enrolment_id
    AND c2.effective_month <= p.period_month ORDER BY c2.effective_month DESC, c2.id DESC LIMIT 1)
WHERE p.paid - p.claimed > CASE
  WHEN e.start_month <= p.period_month AND c.status IN ('active', 'exiting') THEN CAST(ROUND(c.amount * 100) AS BIGINT)
  ELSE 0 END
ORDER BY 1
"""


# Only the enrolment months a roll has just paid (after its bank result): the months of the roll's lines.
_ONLY_ROLL = """AND EXISTS (SELECT 1 FROM payments_paymentline r WHERE r.roll_id = %(roll)s
      AND r.enrolment_id = l.enrolment_id AND r.period_month = l.period_month)"""


def overpaid_enrolment_ids(county: Region, roll: PaymentRoll | None = None) -> list[int]:
    """The enrolments of ``county`` paid beyond what they were owed in some month (only the months of ``roll``'s
    lines when given), net of what receivables already claim."""
    sql = OVERPAID_SQL.format(only_roll=_ONLY_ROLL if roll is not None else "")
    with connection.cursor() as cursor:
        cursor.execute(sql, {"county": county.pk, "roll": roll.pk if roll is not None else None})
        return [row[0] for row in cursor.fetchall()]


def overpayments_detect_county(*, actor: Staff, county: Region) -> list[Receivable]:
    """核查多发: open a receivable for every enrolment of ``county`` paid beyond its entitlement (e.g. ended
    enrolments whose months were paid); return those opened. One set-based query finds the enrolments, then each
    is detected in its own transaction. County administrator or reviewer only."""
    require_county(county)
    require_county_staff(actor, county, "核查多发")
    opened = []
    for enrolment in Enrolment.objects.filter(pk__in=overpaid_enrolment_ids(county)).order_by("pk"):
        receivable = overpayments_detect(actor=actor, enrolment=enrolment, cause=ReceivableCause.OVERPAYMENT)
        if receivable is not None:
            opened.append(receivable)
    return opened


def overpayments_detect_roll(*, actor: Staff, roll: PaymentRoll) -> list[Receivable]:
    """After a bank result: the lines it just marked paid that were not owed any more (a death or an exit recorded
    after the roll was approved) become receivables at once — cause 死亡 when a death ended the enrolment."""
    opened = []
    for enrolment in Enrolment.objects.filter(pk__in=overpaid_enrolment_ids(roll.county, roll)).order_by("pk"):
        death = LifeEvent.objects.filter(enrolments=enrolment, kind="death").order_by("-occurred_on", "-pk").first()
        receivable = overpayments_detect(
            actor=actor,
            enrolment=enrolment,
            cause=ReceivableCause.DEATH if death is not None else ReceivableCause.OVERPAYMENT,
            life_event=death,
        )
        if receivable is not None:
            opened.append(receivable)
    return opened


# --- repayments and write-offs ----------------------------------------------------------------------------------


def _locked(receivable: Receivable, version: int | None) -> Receivable:
    locked = (
        Receivable.objects.select_for_update(of=("self",)).select_related("county", "household").get(pk=receivable.pk)
    )
    check_version(locked, version)
    return locked


def _entry_amount(receivable: Receivable, amount) -> Decimal:
    amount = money(amount, "amount")
    if receivable.status == ReceivableStatus.SETTLED:
        raise ApplicationError("该应追回款已结清", code="settled", status=409)
    if amount > receivable.balance:
        raise ApplicationError(
            f"金额不能超过未追回余额 {receivable.balance} 元",
            code="invalid",
            fields={"amount": [f"不能超过余额 {receivable.balance} 元"]},
        )
    return amount


def _settle(receivable: Receivable) -> None:
    receivable.status = ReceivableStatus.SETTLED if receivable.balance == 0 else ReceivableStatus.OPEN
    receivable.version += 1
    try:
        with transaction.atomic():
            receivable.save()
    except IntegrityError:  # the balance check constraint: never negative
        raise ApplicationError("退回和核销合计不能超过应追回金额", code="conflict", status=409) from None


@transaction.atomic
def receivable_repay(
    *,
    actor: Staff,
    receivable: Receivable,
    amount,
    on: dt.date,
    reference: str,
    note: str = "",
    version: int | None = None,
) -> Receivable:
    """Register a repayment (退回) with its receipt number; the town caseworker of the household or the county
    administrator. ``amount`` ≤ the balance; ``on`` not in the future. At balance 0 the receivable is settled.
    Refused: 403 role, 400 bad amount (≤ 0, more than the balance), 409 stale version or already settled."""
    receivable = _locked(receivable, version)
    if not can_repay(actor, receivable):
        raise PermissionRefused("只有该家庭所在乡镇的经办人员或县级管理员可以登记退回")
    amount = _entry_amount(receivable, amount)
    if not isinstance(on, dt.date):
        raise ApplicationError("请填写退回日期", code="invalid", fields={"on": ["请填写退回日期"]})
    if on > today():
        raise ApplicationError("退回日期不能晚于今天", code="invalid", fields={"on": ["不能晚于今天"]})
    reference = _text(reference, "reference", "票据号", MAX_REFERENCE)
    note = _text(note, "note", "说明", MAX_NOTE, required=False)
    before = model_snapshot(receivable, AUDITED)
    ReceivableEntry.objects.create(
        receivable=receivable,
        kind=ReceivableEntryKind.REPAYMENT,
        amount=amount,
        on=on,
        reference=reference,
        note=note,
        actor=actor,
    )
    receivable.recovered += amount
    _settle(receivable)
    _audit(
        actor,
        "receivable.repay",
        receivable,
        before,
        f"{receivable.code} 退回 {amount} 元（票据号 {reference}），余额 {receivable.balance} 元",
    )
    return receivable


@transaction.atomic
def receivable_write_off(
    *, actor: Staff, receivable: Receivable, amount, reason: str, version: int | None = None
) -> Receivable:
    """Write off (核销) part or all of the balance, with reasons: a county reviewer only. At balance 0 the
    receivable is settled. Refused: 403 role, 400 bad amount or no reasons, 409 stale version or settled."""
    receivable = _locked(receivable, version)
    if not can_write_off(actor, receivable):
        raise PermissionRefused("只有本县（市、区）的审核人员可以核销应追回款")
    amount = _entry_amount(receivable, amount)
    reason = _text(reason, "reason", "核销理由", MAX_NOTE)
    before = model_snapshot(receivable, AUDITED)
    ReceivableEntry.objects.create(
        receivable=receivable,
        kind=ReceivableEntryKind.WRITE_OFF,
        amount=amount,
        on=today(),
        note=reason,
        actor=actor,
    )
    receivable.written_off += amount
    _settle(receivable)
    _audit(
        actor,
        "receivable.write_off",
        receivable,
        before,
        f"{receivable.code} 核销 {amount} 元：{reason}；余额 {receivable.balance} 元",
    )
    return receivable


# --- the workflow's hooks -----------------------------------------------------------------------------------------


def on_life_event_recorded(*, actor: Staff, event: LifeEvent, enrolments: list[Enrolment]) -> list[Receivable]:
    """A life event ended, suspended or reduced enrolments, maybe from a month already paid (a death found late):
    open the receivable of what was paid beyond entitlement at once (cause death for a death)."""
    cause = ReceivableCause.DEATH if event.kind == "death" else ReceivableCause.OVERPAYMENT
    opened = []
    for enrolment in enrolments:
        if not PaymentLine.objects.filter(enrolment=enrolment, status=LineStatus.PAID).exists():
            continue
        receivable = overpayments_detect(actor=actor, enrolment=enrolment, cause=cause, life_event=event)
        if receivable is not None:
            opened.append(receivable)
    return opened


def on_application_decided(
    *, actor: Staff, application: Application, confirmed: bool, was_post_approval: bool
) -> Receivable | None:
    """A post-approval 急难 case already paid by the town and then refused by the county: the amount paid is to
    be recovered (先行救助、后置审批不予确认). Idempotent by ``source_key`` ``emergency:<id>``."""
    if confirmed or not was_post_approval or application.program != ProgramCode.TEMP_EMERGENCY:
        return None
    if application.paid_on is None or not application.approved_amount or application.approved_amount <= 0:
        return None
    key = f"emergency:{application.pk}"
    existing = Receivable.objects.filter(source_key=key).first()
    if existing is not None:
        return existing
    household = application.household
    reasons = (application.decision_reasons or "").strip()
    receivable = _save_new(
        Receivable(
            county=application.county if application.county_id else county_of(household.hukou_region),
            household=household,
            application=application,
            cause=ReceivableCause.EMERGENCY_REFUSED,
            reason=(
                f"急难型临时救助 {application.code} 于 {application.paid_on:%Y-%m-%d} 先行发放 "
                f"{application.approved_amount} 元，县级后置审批不予确认" + (f"：{reasons}" if reasons else "")
            ),
            amount=application.approved_amount,
            source_key=key,
            created_by=actor,
        )
    )
    _audit(
        actor,
        "receivable.create",
        receivable,
        None,
        f"急难先行救助后置审批不予确认，登记应追回款 {receivable.code}：{receivable.amount} 元",
    )
    return receivable
