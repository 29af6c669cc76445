"""Monthly payment rolls (发放花名册): generate, check, return, approve.

A roll is generated in set-based SQL (``INSERT … SELECT … ON CONFLICT DO NOTHING``), one statement per chunk of
enrolment ids, so that a county's or a province's roll costs little more than copying its rows. The amount of
enrolment E for month M is that of E's latest ``EnrolmentChange`` with ``effective_month`` ≤ M when that change
leaves it active or exiting (a graduated exit's amounts are future-dated changes; supplements are in the
amount): the regular line names that change, and through it the decision.

Idempotence: regular lines are unique per enrolment and month (``line_regular_once``); carried, instalment and
funeral lines per their source. Generating a draft again deletes its lines and inserts them afresh from the
current data, so generating twice gives the same roll; a worker killed mid-generation leaves ``generated_at``
empty (the roll cannot be checked) and the restarted job generates it again from the start — no duplicate, no
gap. From approval on, a roll is frozen: corrections go through an adjustment roll (``payments.services.backpay``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from django.db import IntegrityError, connection, transaction
from django.db.models import Count, Sum
from django.utils import timezone

from assistance.errors import ApplicationError
from assistance.models import Region, Staff
from audit.services import audit_record, model_snapshot
from cases.choices import ProgramCode
from cases.models import Enrolment
from payments.choices import FROZEN_STATUSES, ROLL_PROGRAMS, LineKind, RollKind, RollStatus
from payments.models import CountyPaymentSetting, PaymentLine, PaymentRoll
from payments.services._common import (
    add_months,
    check_version,
    month_start,
    require_county,
    require_county_staff,
    require_payment_admin,
    require_payment_reviewer,
    today,
    yuan,
)

CHUNK = 100_000  # enrolment ids per INSERT … SELECT (one transaction each; the job reports progress per chunk)
AUDITED = ["status", "line_count", "total_fen", "checked_by", "approved_by", "version"]
PROGRAM_LETTERS = {
    ProgramCode.DIBAO: "DB",
    ProgramCode.DIBAO_SINGLE: "DR",
    ProgramCode.TEKUN: "TK",
    ProgramCode.TEMP_EXPENDITURE: "ZC",
}

LINE_COLUMNS = (
    "roll_id, kind, enrolment_id, household_id, member_id, application_id, change_id, instalment_id, life_event_id, "
    "carried_from_id, region_id, town_id, period_month, amount_fen, payee_name, bank_name, account_number, status, "
    "failure_reason, carry_state"
)

# The latest change of the enrolment effective in the month (a correlated subquery both SQLite and PostgreSQL
# plan as one index probe per enrolment on (enrolment_id, …)).
_LATEST_CHANGE = (
    "SELECT c2.id FROM cases_enrolmentchange c2 WHERE c2.enrolment_id = e.id AND c2.effective_month <= %(month)s "
    "ORDER BY c2.effective_month DESC, c2.id DESC LIMIT 1"
)

REGULAR_SQL = f"""
INSERT INTO payments_paymentline ({LINE_COLUMNS})
SELECT %(roll)s, 'regular', e.id, e.household_id, e.subject_id, c.application_id, c.id, NULL, NULL, NULL,
       e.region_id, r.parent_id, %(month)s, CAST(ROUND(c.amount * 100) AS BIGINT),
       h.bank_account_holder, h.bank_name, h.bank_account_number, 'pending', '', ''
FROM cases_enrolment e
JOIN assistance_region r ON r.id = e.region_id
JOIN cases_household h ON h.id = e.household_id
JOIN cases_enrolmentchange c ON c.id = ({_LATEST_CHANGE})
WHERE e.program = %(program)s AND e.id >= %(lo)s AND e.id < %(hi)s AND r.path LIKE %(path)s
  AND e.start_month <= %(month)s AND c.status IN ('active', 'exiting') AND c.amount > 0
ON CONFLICT DO NOTHING
"""  # noqa: S608 (constant column lists only; values are query parameters)

# Failed lines of the county's earlier rolls of the program (a price-subsidy roll's failed lines go to the program
# of their enrolment), once the household's account has changed or a person released the line: paid again, for
# the month they were owed for, to the account the household has now.
CARRY_SQL = f"""
INSERT INTO payments_paymentline ({LINE_COLUMNS})
SELECT %(roll)s, 'carry', l.enrolment_id, l.household_id, l.member_id, l.application_id, l.change_id,
       l.instalment_id, l.life_event_id, l.id, l.region_id, l.town_id, l.period_month, l.amount_fen,
       h.bank_account_holder, h.bank_name, h.bank_account_number, 'pending', '', ''
FROM payments_paymentline l
JOIN payments_paymentroll pr ON pr.id = l.roll_id
JOIN cases_household h ON h.id = l.household_id
LEFT JOIN cases_enrolment e ON e.id = l.enrolment_id
WHERE pr.county_id = %(county)s AND pr.id <> %(roll)s AND pr.month <= %(month)s
  AND l.status = 'failed' AND l.carry_state IN ('waiting', 'ready')
  AND (pr.program = %(program)s OR (pr.program = '' AND e.program = %(program)s))
  AND h.bank_account_number <> ''
  AND (l.carry_state = 'ready' OR h.bank_account_number <> l.account_number)
  AND NOT EXISTS (SELECT 1 FROM payments_paymentline x WHERE x.carried_from_id = l.id)
ON CONFLICT DO NOTHING
"""  # noqa: S608 (constant column lists only; values are query parameters)

# 支出型 instalments due by the month and not on any roll yet (一次审批、分次发放, maiji-2021 §四(四)15).
INSTALMENT_SQL = f"""
INSERT INTO payments_paymentline ({LINE_COLUMNS})
SELECT %(roll)s, 'instalment', NULL, p.household_id, p.member_id, p.application_id, NULL, i.id, NULL, NULL,
       a.region_id, r.parent_id, i.month, CAST(ROUND(i.amount * 100) AS BIGINT),
       h.bank_account_holder, h.bank_name, h.bank_account_number, 'pending', '', ''
FROM payments_instalment i
JOIN payments_instalmentplan p ON p.id = i.plan_id
JOIN cases_application a ON a.id = p.application_id
JOIN assistance_region r ON r.id = a.region_id
JOIN cases_household h ON h.id = p.household_id
WHERE p.county_id = %(county)s AND i.month <= %(month)s AND i.status = 'scheduled'
  AND NOT EXISTS (SELECT 1 FROM payments_paymentline x WHERE x.instalment_id = i.id AND x.kind = 'instalment')
ON CONFLICT DO NOTHING
"""  # noqa: S608 (constant column lists only; values are query parameters)

# 特困 funeral payments (maiji-2021 §四(二)5: 一年的基本生活标准、照料护理标准), computed when the death was
# recorded (``LifeEvent.funeral_amount``), paid once on the next 特困 roll.
FUNERAL_SQL = f"""
INSERT INTO payments_paymentline ({LINE_COLUMNS})
SELECT %(roll)s, 'funeral', NULL, ev.household_id, ev.member_id, NULL, NULL, NULL, ev.id, NULL,
       h.hukou_region_id, r.parent_id, %(month)s, CAST(ROUND(ev.funeral_amount * 100) AS BIGINT),
       h.bank_account_holder, h.bank_name, h.bank_account_number, 'pending', '', ''
FROM cases_lifeevent ev
JOIN cases_household h ON h.id = ev.household_id
JOIN assistance_region r ON r.id = h.hukou_region_id
WHERE ev.kind = 'death' AND ev.funeral_amount > 0 AND r.path LIKE %(path)s
  AND NOT EXISTS (SELECT 1 FROM payments_paymentline x WHERE x.life_event_id = ev.id AND x.kind = 'funeral')
ON CONFLICT DO NOTHING
"""  # noqa: S608 (constant column lists only; values are query parameters)


def roll_code(county: Region, program: str, month: dt.date, kind: str = RollKind.MONTHLY, seq: int = 1) -> str:
    letters = PROGRAM_LETTERS.get(program, "JT")
    prefix = {RollKind.MONTHLY: "FF", RollKind.ADJUSTMENT: "BF", RollKind.PRICE_SUBSIDY: "JB"}[kind]
    code = f"{prefix}{county.code[:6]}{month:%Y%m}{letters}"
    return code if kind == RollKind.MONTHLY else f"{code}-{seq:02d}"


def refresh_totals(roll: PaymentRoll) -> PaymentRoll:
    """Set the roll's totals to the sum of its lines (and of their results), to the fen."""
    agg = PaymentLine.objects.filter(roll=roll).aggregate(n=Count("id"), fen=Sum("amount_fen"))
    paid = PaymentLine.objects.filter(roll=roll, status="paid").aggregate(n=Count("id"), fen=Sum("amount_fen"))
    failed = PaymentLine.objects.filter(roll=roll, status="failed").aggregate(n=Count("id"), fen=Sum("amount_fen"))
    roll.line_count, roll.total_fen = agg["n"], agg["fen"] or 0
    roll.paid_count, roll.paid_fen = paid["n"], paid["fen"] or 0
    roll.failed_count, roll.failed_fen = failed["n"], failed["fen"] or 0
    roll.save(
        update_fields=["line_count", "total_fen", "paid_count", "paid_fen", "failed_count", "failed_fen", "updated_at"]
    )
    return roll


def _validate_month(month: dt.date) -> dt.date:
    month = month_start(month)
    latest = add_months(month_start(today()), 1)
    if month > latest:
        raise ApplicationError(
            f"只能生成{latest:%Y年%m月}及以前月份的花名册", code="invalid", fields={"month": ["月份过远"]}
        )
    return month


@transaction.atomic
def _begin(*, actor: Staff, county: Region, program: str, month: dt.date) -> PaymentRoll:
    """Create the month's roll, or reset its draft: lock it, refuse a frozen one, delete its lines."""
    roll = (
        PaymentRoll.objects.select_for_update()
        .filter(county=county, program=program, month=month, kind=RollKind.MONTHLY)
        .first()
    )
    if roll is None:
        try:
            with transaction.atomic():  # a savepoint: another generation may create the same roll at this moment
                roll = PaymentRoll.objects.create(
                    code=roll_code(county, program, month),
                    county=county,
                    program=program,
                    month=month,
                    kind=RollKind.MONTHLY,
                    generated_by=actor,
                    bank_template=_default_template(county),
                )
        except IntegrityError:
            roll = PaymentRoll.objects.select_for_update().get(
                county=county, program=program, month=month, kind=RollKind.MONTHLY
            )
        else:
            audit_record(
                actor=actor,
                action="payment_roll.create",
                target=roll,
                region=county,
                after=model_snapshot(roll, AUDITED),
            )
            return roll
    if roll.status in FROZEN_STATUSES:
        raise ApplicationError(
            f"{roll.code} 已审批，明细已冻结，不能重新生成；更正请通过补发花名册办理",
            code="roll_frozen",
            status=409,
        )
    before = model_snapshot(roll, AUDITED)
    # A draft's lines have no bank result, receivable or carried line pointing at them: delete them in one
    # statement, without Django's collector reading every related table first.
    lines = PaymentLine.objects.filter(roll=roll)
    lines._raw_delete(lines.db)
    roll.status = RollStatus.DRAFT
    roll.generated_by = actor
    roll.generated_at = None  # not checkable until the generation finishes
    roll.checked_by = roll.checked_at = None
    roll.check_report = {}
    roll.line_count = roll.total_fen = roll.paid_count = roll.paid_fen = roll.failed_count = roll.failed_fen = 0
    roll.version += 1
    roll.save()
    audit_record(
        actor=actor,
        action="payment_roll.regenerate",
        target=roll,
        region=county,
        before=before,
        after=model_snapshot(roll, AUDITED),
    )
    return roll


def _default_template(county: Region):
    setting = CountyPaymentSetting.objects.filter(county=county).select_related("bank_template").first()
    return setting.bank_template if setting else None


def _id_bounds(county: Region, program: str) -> tuple[int, int]:
    from django.db.models import Max, Min

    agg = Enrolment.objects.filter(program=program, region__path__startswith=county.path).aggregate(
        lo=Min("id"), hi=Max("id")
    )
    return (agg["lo"] or 0, (agg["hi"] or -1) + 1)


@dataclass
class GenerateResult:
    roll: PaymentRoll
    regular: int
    extra: int
    chunks: int
    superseded: bool = False  # another generation of the same roll started meanwhile and finishes it


def roll_generate(
    *,
    actor: Staff,
    county: Region,
    program: str,
    month: dt.date,
    chunk: int = CHUNK,
    progress: Callable[[int, int], None] | None = None,
) -> GenerateResult:
    """Generate (or generate again) the county's roll of ``program`` for ``month``; return it with counts.

    Not one transaction: the reset, each chunk of regular lines, the carried/instalment/funeral lines and the
    totals commit one by one (a province's roll is millions of lines), and ``generated_at`` is set last. Call
    it again after an interruption: it starts over and ends with the same lines. Two generations of one roll at
    once (a beat job and a person): the later one resets the roll (its version) and finishes it; the earlier
    one notices at its next chunk and stops, ``superseded``. ``progress(done, total)`` is
    called after each chunk of enrolment ids.
    """
    require_county(county)
    require_payment_admin(actor, county, "生成发放花名册")
    if program not in ROLL_PROGRAMS:
        raise ApplicationError("该救助项目不按月发放", code="invalid", fields={"program": ["请选择按月发放的救助项目"]})
    month = _validate_month(month)
    roll = _begin(actor=actor, county=county, program=program, month=month)
    params = {"roll": roll.pk, "month": month, "program": program, "path": f"{county.path}%", "county": county.pk}
    lo, hi = _id_bounds(county, program)
    starts = list(range(lo, hi, chunk)) if hi > lo else []
    regular = 0
    token = roll.version  # this generation's; a later one (a second job, a person asking again) bumps it

    def superseded() -> bool:
        return not PaymentRoll.objects.filter(pk=roll.pk, version=token).exists()

    for number, start in enumerate(starts, 1):
        if superseded():
            return GenerateResult(roll=roll, regular=regular, extra=0, chunks=number - 1, superseded=True)
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(REGULAR_SQL, {**params, "lo": start, "hi": min(start + chunk, hi)})
            regular += max(cursor.rowcount, 0)
        if progress:
            progress(number, len(starts))
    extra = 0
    with transaction.atomic(), connection.cursor() as cursor:
        statements = [CARRY_SQL]
        if program == ProgramCode.TEMP_EXPENDITURE:
            statements.append(INSTALMENT_SQL)
        if program == ProgramCode.TEKUN:
            statements.append(FUNERAL_SQL)
        for sql in statements:
            cursor.execute(sql, params)
            extra += max(cursor.rowcount, 0)
    with transaction.atomic():
        roll = PaymentRoll.objects.select_for_update().get(pk=roll.pk)
        if roll.version != token:  # the later generation sets the totals and marks the roll generated
            return GenerateResult(roll=roll, regular=regular, extra=extra, chunks=len(starts), superseded=True)
        refresh_totals(roll)
        roll.generated_at = timezone.now()
        roll.save(update_fields=["generated_at", "updated_at"])
        audit_record(
            actor=actor,
            action="payment_roll.generate",
            target=roll,
            region=county,
            changes={"lines": roll.line_count, "total": str(yuan(roll.total_fen)), "month": f"{month:%Y-%m}"},
        )
    return GenerateResult(roll=roll, regular=regular, extra=extra, chunks=len(starts))


# --- check ----------------------------------------------------------------------------------------------------

CHANGES_SQL = """
SELECT cur.enrolment_id AS enrolment_id, cur.amount_fen AS fen, prev.amount_fen AS previous
FROM (SELECT enrolment_id, amount_fen FROM payments_paymentline WHERE roll_id = %(cur)s AND kind = 'regular') cur
LEFT JOIN (SELECT enrolment_id, amount_fen FROM payments_paymentline WHERE roll_id = %(prev)s AND kind = 'regular') prev
  ON prev.enrolment_id = cur.enrolment_id
WHERE prev.enrolment_id IS NULL OR prev.amount_fen <> cur.amount_fen
UNION ALL
SELECT prev.enrolment_id, NULL, prev.amount_fen
FROM (SELECT enrolment_id, amount_fen FROM payments_paymentline WHERE roll_id = %(prev)s AND kind = 'regular') prev
WHERE NOT EXISTS (
  SELECT 1 FROM payments_paymentline cur WHERE cur.roll_id = %(cur)s AND cur.kind = 'regular'
  AND cur.enrolment_id = prev.enrolment_id)
"""


def previous_roll(roll: PaymentRoll) -> PaymentRoll | None:
    """The monthly roll of the month before, same county and program."""
    if roll.kind != RollKind.MONTHLY:
        return None
    return PaymentRoll.objects.filter(
        county_id=roll.county_id, program=roll.program, kind=RollKind.MONTHLY, month=add_months(roll.month, -1)
    ).first()


def roll_changes(roll: PaymentRoll, *, limit: int | None = None) -> list[dict]:
    """The changes of the roll's regular lines against last month's: ``{"enrolment", "kind", "fen", "previous"}``
    with kind new / ended / changed (ordered by enrolment)."""
    prev = previous_roll(roll)
    if prev is None:
        return []
    sql = CHANGES_SQL + " ORDER BY 1" + (f" LIMIT {int(limit)}" if limit else "")
    with connection.cursor() as cursor:
        cursor.execute(sql, {"cur": roll.pk, "prev": prev.pk})
        rows = cursor.fetchall()
    out = []
    for enrolment_id, fen, previous in rows:
        kind = "new" if previous is None else ("ended" if fen is None else "changed")
        out.append({"enrolment": enrolment_id, "kind": kind, "fen": fen, "previous": previous})
    return out


CHANGE_TOTALS_SQL = f"""
SELECT CASE WHEN x.previous IS NULL THEN 'new' WHEN x.fen IS NULL THEN 'ended' ELSE 'changed' END AS kind,
       COUNT(*), SUM(COALESCE(x.fen, 0) - COALESCE(x.previous, 0))
FROM ({CHANGES_SQL}) x
GROUP BY 1
"""  # noqa: S608 (constant SQL only; values are query parameters)


def change_totals(roll: PaymentRoll) -> dict[str, list[int]]:
    """``{"new" | "ended" | "changed": [households, change in fen]}`` against last month's roll, counted in SQL (a
    province's roll changes for hundreds of thousands of enrolments a month)."""
    totals = {"new": [0, 0], "ended": [0, 0], "changed": [0, 0]}
    prev = previous_roll(roll)
    if prev is None:
        return totals
    with connection.cursor() as cursor:
        cursor.execute(CHANGE_TOTALS_SQL, {"cur": roll.pk, "prev": prev.pk})
        for kind, n, delta in cursor.fetchall():
            totals[kind] = [int(n), int(delta or 0)]
    return totals


def check_report(roll: PaymentRoll) -> dict:
    """The figures a person checks before approving: totals by town and by kind, lines without an account, and
    the changes against last month (counts and money) — everything as integers of fen."""
    towns = (
        PaymentLine.objects.filter(roll=roll)
        .values("town_id", "town__name")
        .annotate(n=Count("id"), fen=Sum("amount_fen"))
        .order_by("town__name")
    )
    kinds = PaymentLine.objects.filter(roll=roll).values("kind").annotate(n=Count("id"), fen=Sum("amount_fen"))
    missing = PaymentLine.objects.filter(roll=roll, account_number="").count()
    changes = change_totals(roll)
    prev = previous_roll(roll)
    return {
        "towns": [{"town": t["town_id"], "name": t["town__name"], "n": t["n"], "fen": t["fen"] or 0} for t in towns],
        "kinds": {k["kind"]: {"n": k["n"], "fen": k["fen"] or 0} for k in kinds},
        "missing_accounts": missing,
        "previous": prev.code if prev else "",
        "previous_total_fen": prev.total_fen if prev else 0,
        "previous_count": prev.line_count if prev else 0,
        "changes": {k: {"n": v[0], "delta_fen": v[1]} for k, v in changes.items()},
        "line_count": roll.line_count,
        "total_fen": roll.total_fen,
    }


def _locked(roll: PaymentRoll, version: int | None) -> PaymentRoll:
    locked = PaymentRoll.objects.select_for_update().select_related("county").get(pk=roll.pk)
    check_version(locked, version)
    return locked


def _require_status(roll: PaymentRoll, allowed: tuple[str, ...], doing: str) -> None:
    if roll.status not in allowed:
        raise ApplicationError(
            f"花名册当前状态为“{roll.get_status_display()}”，不能{doing}", code="illegal_transition", status=409
        )


@transaction.atomic
def roll_check(*, actor: Staff, roll: PaymentRoll, version: int | None = None) -> PaymentRoll:
    """Check a generated draft (核对): store the totals by town, the changes against last month and the lines
    without an account on the roll; draft → checked. Its totals must equal the sum of its lines."""
    roll = _locked(roll, version)
    require_county_staff(actor, roll.county, "核对发放花名册")
    _require_status(roll, (RollStatus.DRAFT,), "核对")
    if roll.generated_at is None:
        raise ApplicationError("花名册正在生成，请等待生成完成后再核对", code="roll_generating", status=409)
    before = model_snapshot(roll, AUDITED)
    refresh_totals(roll)
    roll.check_report = check_report(roll)
    roll.status = RollStatus.CHECKED
    roll.checked_by = actor
    roll.checked_at = timezone.now()
    roll.version += 1
    roll.save()
    audit_record(
        actor=actor,
        action="payment_roll.check",
        target=roll,
        region=roll.county,
        before=before,
        after=model_snapshot(roll, AUDITED),
    )
    return roll


@transaction.atomic
def roll_return(*, actor: Staff, roll: PaymentRoll, reason: str, version: int | None = None) -> PaymentRoll:
    """Send a checked roll back to draft (退回) with the reviewer's reason, e.g. to generate it again."""
    roll = _locked(roll, version)
    require_county_staff(actor, roll.county, "退回发放花名册")
    _require_status(roll, (RollStatus.CHECKED,), "退回")
    reason = (reason or "").strip()
    if not reason:
        raise ApplicationError("请填写退回理由", code="invalid", fields={"reason": ["请填写退回理由"]})
    before = model_snapshot(roll, AUDITED)
    roll.status = RollStatus.DRAFT
    roll.checked_by = roll.checked_at = None
    roll.note = reason[:200]
    roll.version += 1
    roll.save()
    audit_record(
        actor=actor,
        action="payment_roll.return",
        target=roll,
        region=roll.county,
        before=before,
        after=model_snapshot(roll, AUDITED),
        note=reason,
    )
    return roll


@transaction.atomic
def roll_approve(*, actor: Staff, roll: PaymentRoll, version: int | None = None) -> PaymentRoll:
    """Approve a checked roll (审批): a county reviewer who neither generated nor checked it (four eyes). Every
    line must have an account, and the totals must still equal the lines. From here on the lines are frozen."""
    roll = _locked(roll, version)
    require_payment_reviewer(actor, roll.county, "审批发放花名册")
    _require_status(roll, (RollStatus.CHECKED,), "审批")
    if actor.pk in (roll.generated_by_id, roll.checked_by_id):
        raise ApplicationError("生成或核对花名册的人不能审批同一花名册（双人复核）", code="same_reviewer", status=409)
    missing = PaymentLine.objects.filter(roll=roll, account_number="").count()
    if missing:
        raise ApplicationError(
            f"有 {missing} 条明细缺少银行账号，请由乡镇补录账号后重新生成花名册", code="missing_account", status=409
        )
    before = model_snapshot(roll, AUDITED)
    total = PaymentLine.objects.filter(roll=roll).aggregate(n=Count("id"), fen=Sum("amount_fen"))
    if (total["n"], total["fen"] or 0) != (roll.line_count, roll.total_fen):
        raise ApplicationError("花名册合计与明细不符，请重新生成并核对", code="totals_mismatch", status=409)
    roll.status = RollStatus.APPROVED
    roll.approved_by = actor
    roll.approved_at = timezone.now()
    roll.version += 1
    roll.save()
    audit_record(
        actor=actor,
        action="payment_roll.approve",
        target=roll,
        region=roll.county,
        before=before,
        after=model_snapshot(roll, AUDITED),
        note=f"{roll.line_count} 笔，合计 {yuan(roll.total_fen)} 元",
    )
    return roll


# --- the generation job -------------------------------------------------------------------------------------------


def rolls_generate_start(
    *, actor: Staff, county: Region, month: dt.date, programs: list[str] | None = None, trigger: str = "user"
):
    """Start the job that generates the county's rolls of ``month`` (all monthly programs unless ``programs``);
    return ``(job, created)``. Beat starts one per county and month (key without a number: once); a person
    asking again starts a new job (the key carries the roll versions, so a double click finds the same job)."""
    from assistance.jobs import job_start

    require_county(county)
    require_payment_admin(actor, county, "生成发放花名册")
    month = _validate_month(month)
    programs = [p for p in (programs or ROLL_PROGRAMS) if p in ROLL_PROGRAMS]
    if not programs:
        raise ApplicationError("请选择按月发放的救助项目", code="invalid", fields={"programs": ["请选择"]})
    for program in programs:
        existing = PaymentRoll.objects.filter(
            county=county, program=program, month=month, kind=RollKind.MONTHLY
        ).first()
        if existing is not None and existing.status in FROZEN_STATUSES and len(programs) == 1:
            raise ApplicationError(
                f"{existing.code} 已审批，明细已冻结，不能重新生成；更正请通过补发花名册办理",
                code="roll_frozen",
                status=409,
            )
    versions = ".".join(
        str(v)
        for v in PaymentRoll.objects.filter(county=county, month=month, kind=RollKind.MONTHLY, program__in=programs)
        .order_by("program")
        .values_list("version", flat=True)
    )
    suffix = "beat" if trigger == "beat" else f"{'+'.join(sorted(programs))}:{versions or '0'}"
    job, created = job_start(
        actor=actor,
        kind="payment_rolls",
        key=f"payment_rolls:{county.code}:{month:%Y-%m}:{suffix}"[:120],
        label=f"{county.name}{month:%Y年%m月}发放花名册生成",
        county=county,
        params={"county": county.code, "month": f"{month:%Y-%m}", "programs": programs},
        trigger=trigger,
    )
    if created:
        from payments.tasks import generate_rolls

        transaction.on_commit(lambda: generate_rolls.delay(job.pk))
    return job, created


def counties_due(on: dt.date) -> list[Region]:
    """The counties whose roll day has come this month and whose monthly rolls of the month are not all there."""
    due = []
    for setting in CountyPaymentSetting.objects.select_related("county").filter(roll_day__lte=on.day):
        month = month_start(on)
        have = PaymentRoll.objects.filter(
            county=setting.county, month=month, kind=RollKind.MONTHLY, generated_at__isnull=False
        ).count()
        if have < len(ROLL_PROGRAMS):
            due.append(setting.county)
    return due


def roll_lines_without_account(roll: PaymentRoll):
    return PaymentLine.objects.filter(roll=roll, account_number="")


def line_kind_label(kind: str) -> str:
    return LineKind(kind).label
