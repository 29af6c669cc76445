"""Price-linked temporary subsidies (价格临时补贴; maiji-2021 §四(二)6: 按规定及时发放价格临时补贴).

A county administrator opens a batch: a month, an amount per person and the groups covered (低保, 低保单人户,
特困). Generating it makes one ``PaymentRoll`` of kind ``price_subsidy`` with one line per person covered in that
month: every member of a 低保 household (registered and alive at the start of the month), the subject of a 单人户
or 特困 enrolment — each person once (``line_subsidy_once``) — whose enrolment is in force with an amount in the
month (the latest ``EnrolmentChange`` ≤ month active or exiting, amount > 0), paid to the household's account.
The lines are written in set-based SQL, one statement per program and chunk of enrolment ids. The roll then goes
through the ordinary check → approve → export lifecycle; while it is a draft the batch may be generated again.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import connection, transaction
from django.db.models import Max, Min
from django.utils import timezone

from assistance.errors import ApplicationError
from assistance.models import Region, Staff
from audit.services import audit_record, model_snapshot
from cases.choices import ProgramCode
from cases.models import Enrolment
from payments.choices import RollKind, RollStatus, SubsidyBatchStatus
from payments.models import CountyPaymentSetting, PaymentLine, PaymentRoll, PriceSubsidyBatch
from payments.services._common import money, month_start, require_county, require_payment_admin, to_fen, yuan
from payments.services.rolls import _LATEST_CHANGE, LINE_COLUMNS, refresh_totals, roll_code

# The groups a price subsidy covers, and whether the whole household or the enrolment's subject is paid.
SUBSIDY_PROGRAMS = {
    ProgramCode.DIBAO: "household",
    ProgramCode.DIBAO_SINGLE: "person",
    ProgramCode.TEKUN: "person",
}
CHUNK = 50_000
BATCH_AUDITED = ["code", "month", "amount_per_person", "programs", "basis", "status", "person_count"]

_SUBSIDY_SQL = f"""
INSERT INTO payments_paymentline ({LINE_COLUMNS})
SELECT %(roll)s, 'price_subsidy', e.id, e.household_id, m.id, c.application_id, c.id, NULL, NULL, NULL,
       e.region_id, r.parent_id, %(month)s, %(fen)s,
       h.bank_account_holder, h.bank_name, h.bank_account_number, 'pending', '', ''
FROM cases_enrolment e
JOIN assistance_region r ON r.id = e.region_id
JOIN cases_household h ON h.id = e.household_id
JOIN cases_enrolmentchange c ON c.id = ({_LATEST_CHANGE})
JOIN cases_member m ON {{member_join}}
WHERE e.program = %(program)s AND e.id >= %(lo)s AND e.id < %(hi)s AND r.path LIKE %(path)s
  AND e.start_month <= %(month)s AND c.status IN ('active', 'exiting') AND c.amount > 0
  AND m.is_active = %(true)s AND (m.deceased_on IS NULL OR m.deceased_on >= %(month)s)
ORDER BY e.id, m.id
ON CONFLICT DO NOTHING
"""  # noqa: S608 (constant column lists only; values are query parameters)
SUBSIDY_SQL = {
    "household": _SUBSIDY_SQL.format(member_join="m.household_id = e.household_id"),
    "person": _SUBSIDY_SQL.format(member_join="m.id = e.subject_id"),
}


def _programs(programs: Any) -> list[str]:
    if isinstance(programs, str):
        programs = [p for p in programs.split(",") if p.strip()]
    chosen = []
    for program in programs or []:
        program = str(program).strip()
        if program not in SUBSIDY_PROGRAMS:
            raise ApplicationError(
                "发放对象只能是低保、低保单人户、特困人员", code="invalid", fields={"programs": ["发放对象不正确"]}
            )
        if program not in chosen:
            chosen.append(program)
    if not chosen:
        raise ApplicationError("请选择发放对象", code="invalid", fields={"programs": ["请至少选择一类发放对象"]})
    return [p for p in SUBSIDY_PROGRAMS if p in chosen]


def _month(month: Any) -> dt.date:
    if isinstance(month, dt.date):
        return month_start(month)
    try:
        return dt.date.fromisoformat(f"{str(month).strip()[:7]}-01")
    except ValueError:
        raise ApplicationError(
            "补贴月份格式应为“年-月”", code="invalid", fields={"month": ["格式应为 YYYY-MM"]}
        ) from None


def _seq(code: str) -> int:
    try:
        return int(code.rsplit("-", 1)[1])
    except (IndexError, ValueError):
        return 1


@transaction.atomic
def subsidy_batch_create(
    *, actor: Staff, county: Region, month: Any, amount_per_person: Any, programs: Any, basis: str
) -> PriceSubsidyBatch:
    """Open a price-subsidy batch of ``county`` for ``month`` (county administrator): ``amount_per_person`` yuan
    (> 0, two places at most) to each person of the groups ``programs`` (⊂ dibao, dibao_single, tekun), on the
    document ``basis``. Batches of one county and month are numbered."""
    require_county(county)
    require_payment_admin(actor, county, "发放价格临时补贴")
    month = _month(month)
    amount = money(amount_per_person, "amount_per_person", "每人补贴金额")
    chosen = _programs(programs)
    basis = str(basis or "").strip()
    if not basis:
        raise ApplicationError("请填写文件依据", code="invalid", fields={"basis": ["请填写发放价格临时补贴的文件依据"]})
    if len(basis) > 200:
        raise ApplicationError("文件依据不能超过200字", code="invalid", fields={"basis": ["不能超过200字"]})
    # Lock the county row: two administrators opening batches of one month get distinct numbers.
    Region.objects.select_for_update().filter(pk=county.pk).first()
    seq = PriceSubsidyBatch.objects.filter(county=county, month=month).count() + 1
    batch = PriceSubsidyBatch.objects.create(
        code=roll_code(county, "", month, kind=RollKind.PRICE_SUBSIDY, seq=seq),
        county=county,
        month=month,
        amount_per_person=amount,
        programs=chosen,
        basis=basis,
        created_by=actor,
    )
    audit_record(
        actor=actor,
        action="subsidy_batch.create",
        target=batch,
        region=county,
        after=model_snapshot(batch, BATCH_AUDITED),
    )
    return batch


def _default_template(county: Region):
    setting = CountyPaymentSetting.objects.filter(county=county).select_related("bank_template").first()
    return setting.bank_template if setting else None


@transaction.atomic
def subsidy_batch_generate(*, actor: Staff, batch: PriceSubsidyBatch) -> PaymentRoll:
    """Generate (or, while its roll is a draft, generate again) the batch's roll: one line per person covered in the
    batch's month, ``to_fen(amount_per_person)`` each; return the roll. The batch records the number of persons.
    A checked or approved roll is refused (409): return a checked roll to draft first."""
    batch = PriceSubsidyBatch.objects.select_for_update().select_related("county").get(pk=batch.pk)
    county = batch.county
    require_payment_admin(actor, county, "生成价格临时补贴发放名单")
    roll = PaymentRoll.objects.select_for_update().filter(subsidy_batch=batch).first()
    if roll is None:
        roll = PaymentRoll.objects.create(
            code=roll_code(county, "", batch.month, kind=RollKind.PRICE_SUBSIDY, seq=_seq(batch.code)),
            county=county,
            program="",
            month=batch.month,
            kind=RollKind.PRICE_SUBSIDY,
            seq=_seq(batch.code),
            subsidy_batch=batch,
            generated_by=actor,
            bank_template=_default_template(county),
            note=f"价格临时补贴：{batch.basis}"[:200],
        )
        action = "payment_roll.create"
    else:
        if roll.status != RollStatus.DRAFT:
            raise ApplicationError(
                f"{roll.code} 当前状态为“{roll.get_status_display()}”，只有草稿可以重新生成",
                code="roll_frozen",
                status=409,
            )
        lines = PaymentLine.objects.filter(roll=roll)
        lines._raw_delete(lines.db)
        roll.generated_by = actor
        roll.version += 1
        action = "payment_roll.regenerate"
    fen = to_fen(batch.amount_per_person)
    params = {
        "roll": roll.pk,
        "month": batch.month,
        "fen": fen,
        "path": f"{county.path}%",
        "true": True,
    }
    with connection.cursor() as cursor:
        for program in batch.programs:
            agg = Enrolment.objects.filter(program=program, region__path__startswith=county.path).aggregate(
                lo=Min("id"), hi=Max("id")
            )
            if agg["lo"] is None:
                continue
            for start in range(agg["lo"], agg["hi"] + 1, CHUNK):
                cursor.execute(
                    SUBSIDY_SQL[SUBSIDY_PROGRAMS[program]],
                    {**params, "program": program, "lo": start, "hi": min(start + CHUNK, agg["hi"] + 1)},
                )
    refresh_totals(roll)
    roll.generated_at = timezone.now()
    roll.save()
    before = model_snapshot(batch, BATCH_AUDITED)
    batch.person_count = roll.line_count
    batch.status = SubsidyBatchStatus.GENERATED
    batch.save(update_fields=["person_count", "status"])
    audit_record(
        actor=actor,
        action=action,
        target=roll,
        region=county,
        changes={"lines": roll.line_count, "total": str(yuan(roll.total_fen)), "batch": batch.code},
    )
    audit_record(
        actor=actor,
        action="subsidy_batch.generate",
        target=batch,
        region=county,
        before=before,
        after=model_snapshot(batch, BATCH_AUDITED),
    )
    return roll
