"""Back-pay (补发): the shortfall of months already paid, on an adjustment roll.

Approved lines are frozen; what a frozen month still owes an enrolment — a standard raised with retroactive
effect (追溯提标), a case confirmed after the month's roll was approved, a failed line whose carry was cancelled
while the money is still owed — goes on an adjustment roll (``RollKind.ADJUSTMENT``) of ``back_pay`` lines, which
then follows the roll lifecycle (``roll_check`` → ``roll_approve`` → export → results).

For every enrolment E of the county and program and every month M with a frozen monthly roll::

    shortfall(E, M) = owed(E, M) − covered(E, M)

``owed`` is the amount of E's latest ``EnrolmentChange`` effective by M when it leaves E active or exiting
(the rule of the monthly roll, ``payments.services.rolls._LATEST_CHANGE``), else 0. ``covered`` is the sum of E's
regular, carried and back-pay lines for M on any roll but this draft, except a failed line that will not be paid:
one already carried (its carry line counts instead) or one without a carry state. A failed line waiting for its
carry (``waiting`` / ``ready``) counts: its carry will pay it; so does one whose carry was cancelled (不再发放 is a
person's decision not to pay it again — back-pay must not undo it). Each positive shortfall is one line.

One set-based ``INSERT … SELECT`` per frozen month (SQLite and PostgreSQL), in one transaction: an adjustment roll
carries differences only — and the failed lines of earlier rolls whose account has since been corrected (``carry``
lines, as the next monthly roll would carry them), so that money the bank could not pay goes out again at once.
Idempotent: the draft adjustment roll of the county and program is generated afresh,
and lines on any other roll count as covered, so running it again with nothing new changes nothing.
"""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, connection, transaction
from django.db.models import Max
from django.utils import timezone

from assistance.errors import ApplicationError
from assistance.models import Region, Staff
from audit.services import audit_record, model_snapshot
from cases.choices import ProgramCode
from payments.choices import FROZEN_STATUSES, RollKind, RollStatus
from payments.models import PaymentLine, PaymentRoll
from payments.services._common import month_start, require_county, require_payment_admin, yuan
from payments.services.rolls import (
    _LATEST_CHANGE,
    AUDITED,
    CARRY_SQL,
    LINE_COLUMNS,
    _default_template,
    refresh_totals,
    roll_code,
)

# The programs paid month by month from an enrolment (支出型 instalments have no monthly entitlement to fall short of).
BACKPAY_PROGRAMS = (ProgramCode.DIBAO, ProgramCode.DIBAO_SINGLE, ProgramCode.TEKUN)

# The lines that pay (or will pay) an enrolment's month: for ``covered`` and for overpayment detection.
PAYING_KINDS = ("regular", "carry", "back_pay")

# What E's lines for month M pay or will pay (see the module's docstring), on rolls other than the draft.
_COVERED = """
SELECT COALESCE(SUM(l.amount_fen), 0) FROM payments_paymentline l
WHERE l.enrolment_id = e.id AND l.period_month = %(month)s AND l.kind IN ('regular', 'carry', 'back_pay')
  AND l.roll_id <> %(roll)s
  AND NOT (l.status = 'failed' AND (l.carry_state = ''
       OR EXISTS (SELECT 1 FROM payments_paymentline y WHERE y.carried_from_id = l.id)))
"""

BACKPAY_SQL = f"""
INSERT INTO payments_paymentline ({LINE_COLUMNS})
SELECT %(roll)s, 'back_pay', x.enrolment_id, x.household_id, x.member_id, x.application_id, x.change_id,
       NULL, NULL, NULL, x.region_id, x.town_id, %(month)s, x.owed - x.covered,
       x.payee_name, x.bank_name, x.account_number, 'pending', '', ''
FROM (
  SELECT e.id AS enrolment_id, e.household_id AS household_id, e.subject_id AS member_id,
         c.application_id AS application_id, c.id AS change_id, e.region_id AS region_id, r.parent_id AS town_id,
         CAST(ROUND(c.amount * 100) AS BIGINT) AS owed, ({_COVERED}) AS covered,
         h.bank_account_holder AS payee_name, h.bank_name AS bank_name, h.bank_account_number AS account_number
  FROM cases_enrolment e
  JOIN assistance_region r ON r.id = e.region_id
  JOIN cases_household h ON h.id = e.household_id
  JOIN cases_enrolmentchange c ON c.id = ({_LATEST_CHANGE})
  WHERE e.program = %(program)s AND r.path LIKE %(path)s AND e.start_month <= %(month)s
    AND c.status IN ('active', 'exiting') AND c.amount > 0
) x
WHERE x.owed > x.covered
"""  # noqa: S608 (constant column lists only; values are query parameters)

NOTHING = "没有需要补发的差额"


def frozen_months(*, county: Region, program: str, through_month: dt.date | None = None) -> list[dt.date]:
    """The months whose monthly roll of ``county`` and ``program`` is frozen (approved, exported, reconciled)."""
    rolls = PaymentRoll.objects.filter(
        county=county, program=program, kind=RollKind.MONTHLY, status__in=FROZEN_STATUSES
    )
    if through_month is not None:
        rolls = rolls.filter(month__lte=month_start(through_month))
    return sorted(rolls.values_list("month", flat=True))


def _draft_roll(*, actor: Staff, county: Region, program: str, month: dt.date) -> tuple[PaymentRoll, bool]:
    """The county's draft adjustment roll of ``program`` (locked), or a new one numbered after the month's last."""
    roll = (
        PaymentRoll.objects.select_for_update()
        .filter(county=county, program=program, kind=RollKind.ADJUSTMENT, status=RollStatus.DRAFT)
        .order_by("-month", "-seq")
        .first()
    )
    if roll is not None:
        return roll, False
    last = PaymentRoll.objects.filter(county=county, program=program, kind=RollKind.ADJUSTMENT, month=month).aggregate(
        seq=Max("seq")
    )["seq"]
    seq = (last or 0) + 1
    try:
        with transaction.atomic():
            roll = PaymentRoll.objects.create(
                code=roll_code(county, program, month, RollKind.ADJUSTMENT, seq),
                county=county,
                program=program,
                month=month,
                kind=RollKind.ADJUSTMENT,
                seq=seq,
                generated_by=actor,
                bank_template=_default_template(county),
                note="补发：已发放月份的差额，及更正账户后重发的失败明细",
            )
    except IntegrityError:
        raise ApplicationError(
            "另一位工作人员正在生成补发花名册，请稍后刷新页面", code="conflict", status=409
        ) from None
    return roll, True


def _fingerprint(roll: PaymentRoll) -> list[tuple]:
    return list(
        PaymentLine.objects.filter(roll=roll)
        .order_by("enrolment_id", "period_month")
        .values_list("enrolment_id", "period_month", "amount_fen", "change_id", "account_number", "payee_name")
    )


@transaction.atomic
def backpay_generate(
    *, actor: Staff, county: Region, program: str, through_month: dt.date | None = None
) -> PaymentRoll:
    """Put the shortfall of every frozen month (up to ``through_month``) of ``county``'s ``program`` on its draft
    adjustment roll (补发花名册) and return the roll, totals equal to its lines.

    The county's draft adjustment roll of the program is reused (generated afresh); otherwise a new one is made,
    dated the latest frozen month and numbered after that month's adjustment rolls. Refused: not the county's
    administrator (403); not a monthly enrolment program, no frozen month (400); nothing to back-pay (409
    ``nothing_to_backpay``, nothing saved). When the draft already holds exactly the shortfall, it is returned
    unchanged.
    """
    require_county(county)
    require_payment_admin(actor, county, "生成补发花名册")
    if program not in BACKPAY_PROGRAMS:
        raise ApplicationError(
            "补发只适用于按月发放的低保、特困项目", code="invalid", fields={"program": ["请选择低保或特困供养"]}
        )
    months = frozen_months(county=county, program=program, through_month=through_month)
    if not months:
        raise ApplicationError(
            "该县该项目还没有已审批的月度花名册，没有可补发的月份",
            code="nothing_to_backpay",
            status=409,
        )
    roll, created = _draft_roll(actor=actor, county=county, program=program, month=months[-1])
    before_lines = [] if created else _fingerprint(roll)
    before = model_snapshot(roll, AUDITED)
    saved = transaction.savepoint()
    lines = PaymentLine.objects.filter(roll=roll)
    lines._raw_delete(lines.db)  # a draft's lines: nothing points at them yet
    params = {"roll": roll.pk, "program": program, "path": f"{county.path}%"}
    with connection.cursor() as cursor:
        for month in months:
            cursor.execute(BACKPAY_SQL, {**params, "month": month})
        # Then the failed lines whose account has been corrected (or that a person released) are paid again here,
        # without waiting for next month's roll. After the shortfall: a failed line waiting for its carry counts
        # as covered above, so it is paid once — by its carry line.
        cursor.execute(CARRY_SQL, {**params, "month": months[-1], "county": county.pk})
    after_lines = _fingerprint(roll)
    if not after_lines and created:
        raise ApplicationError(NOTHING, code="nothing_to_backpay", status=409)
    # An existing draft whose shortfall has been paid meanwhile is left empty below (its totals say so).
    if not created and after_lines == before_lines:
        transaction.savepoint_rollback(saved)  # nothing new: the draft stays exactly as it was
        if not after_lines:
            raise ApplicationError(NOTHING, code="nothing_to_backpay", status=409)
        return roll
    transaction.savepoint_commit(saved)
    refresh_totals(roll)
    roll.generated_by = actor
    roll.generated_at = timezone.now()
    if not created:
        roll.version += 1
    roll.save(update_fields=["generated_by", "generated_at", "version", "updated_at"])
    audit_record(
        actor=actor,
        action="payment_roll.back_pay",
        target=roll,
        region=county,
        before=None if created else before,
        after=model_snapshot(roll, AUDITED),
        note=(
            f"补发 {months[0]:%Y年%m月}至{months[-1]:%Y年%m月}已发放月份的差额："
            f"{roll.line_count} 笔，合计 {yuan(roll.total_fen)} 元"
        ),
    )
    return roll
