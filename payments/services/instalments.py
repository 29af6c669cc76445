"""Instalment plans of 支出型 temporary aid (一次审批、分次发放; maiji-2021 §四(四)15, changbai-2021 §二(一)4).

When a 支出型 case is confirmed, its approved amount is split into the monthly instalments the rules engine planned
at the evaluation (``Evaluation.decision["details"]["instalments"]`` = ``[["YYYY-MM-DD", "amount"], …]``, the
profile's ``temp.expenditure.instalments`` parts summing to the amount). The county's 支出型 monthly roll of month M
pays every scheduled instalment due by M not yet on a line (``payments.services.rolls.INSTALMENT_SQL``), each once
(``line_instalment_once``).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation

from django.db import IntegrityError, transaction

from assistance.errors import ApplicationError
from assistance.models import Staff
from audit.services import audit_record, model_snapshot
from cases.choices import ApplicationStatus, ProgramCode
from cases.models import Application
from payments.choices import InstalmentStatus, LineKind
from payments.models import Instalment, InstalmentPlan, PaymentLine
from payments.services._common import FEN, add_months, month_start, require_payment_admin, today


def _months_between(first: dt.date, second: dt.date) -> int:
    return (second.year - first.year) * 12 + second.month - first.month


def planned_instalments(application: Application) -> list[tuple[dt.date, Decimal]]:
    """The (month, amount) pairs of the application's stored evaluation, moved so that the first is not before the
    month of the decision (the engine plans from the month evaluated; a case decided later starts paying then);
    one instalment of the approved amount in the month after the decision when the evaluation has no plan."""
    decided = month_start(application.decided_on or today())
    evaluation = application.evaluation
    raw = ((evaluation.decision or {}).get("details") or {}).get("instalments") if evaluation is not None else None
    plan: list[tuple[dt.date, Decimal]] = []
    try:
        for month, amount in raw or []:
            plan.append((month_start(dt.date.fromisoformat(str(month)[:10])), Decimal(str(amount)).quantize(FEN)))
    except (TypeError, ValueError, InvalidOperation):
        plan = []
    if not plan:
        return [(add_months(decided, 1), Decimal(application.approved_amount).quantize(FEN))]
    plan.sort()
    shift = max(0, _months_between(plan[0][0], decided))
    return [(add_months(month, shift), amount) for month, amount in plan]


@transaction.atomic
def instalment_plan_create(*, actor: Staff, application: Application) -> InstalmentPlan:
    """Create the instalment plan of a confirmed 支出型 case from its stored evaluation; return it. Idempotent: a
    case with a plan gets it back. The instalments sum to ``approved_amount`` to the fen (else 409
    ``plan_mismatch``, which rolls the decision back: the amount and the plan must agree)."""
    existing = InstalmentPlan.objects.filter(application=application).first()
    if existing is not None:
        return existing
    if application.program != ProgramCode.TEMP_EXPENDITURE or application.status != ApplicationStatus.CONFIRMED:
        raise ApplicationError("只有审批同意的支出型临时救助可以分次发放", code="illegal_transition", status=409)
    total = Decimal(application.approved_amount or 0).quantize(FEN)
    if total <= 0:
        raise ApplicationError("核定金额为0，无需发放", code="invalid", status=409)
    plan_rows = planned_instalments(application)
    if sum(amount for _month, amount in plan_rows) != total:
        # The engine's plan is of the evaluated amount; an approved amount set otherwise is paid in the same number
        # of instalments, equal parts in fen with the remainder in the first.
        count = len(plan_rows)
        fen = int(total * 100)
        base, rest = divmod(fen, count)
        amounts = [Decimal(base + (rest if i == 0 else 0)) / 100 for i in range(count)]
        plan_rows = [(month, amount.quantize(FEN)) for (month, _old), amount in zip(plan_rows, amounts, strict=True)]
        if sum(a for _m, a in plan_rows) != total or any(a <= 0 for _m, a in plan_rows):
            raise ApplicationError("分次发放计划与核定金额不符", code="plan_mismatch", status=409)
    try:
        with transaction.atomic():
            plan = InstalmentPlan.objects.create(
                application=application,
                household_id=application.household_id,
                member_id=application.subject_id,
                county_id=application.county_id,
                total=total,
            )
    except IntegrityError:  # created a moment ago by a concurrent call
        return InstalmentPlan.objects.get(application=application)
    Instalment.objects.bulk_create(
        [Instalment(plan=plan, seq=seq, month=month, amount=amount) for seq, (month, amount) in enumerate(plan_rows, 1)]
    )
    audit_record(
        actor=actor,
        action="instalment_plan.create",
        target=plan,
        region=application.region,
        household=application.household,
        after={"total": str(total), "instalments": [[f"{m:%Y-%m}", str(a)] for m, a in plan_rows]},
        note=application.code,
    )
    return plan


def on_application_decided_instalments(*, actor: Staff, application: Application, confirmed: bool) -> None:
    """The hook's part for 支出型: a confirmed case gets its instalment plan (一次审批、分次发放)."""
    if confirmed and application.program == ProgramCode.TEMP_EXPENDITURE:
        instalment_plan_create(actor=actor, application=application)


def instalment_on_roll(instalment: Instalment) -> bool:
    return PaymentLine.objects.filter(instalment=instalment, kind=LineKind.INSTALMENT).exists()


@transaction.atomic
def instalment_cancel(*, actor: Staff, instalment: Instalment, reason: str) -> Instalment:
    """Cancel a scheduled instalment not yet on a roll (e.g. the spending did not happen): county administrator,
    with a reason. One already on a roll (even a draft) is refused (409 ``instalment_on_roll``)."""
    instalment = Instalment.objects.select_for_update().select_related("plan", "plan__county").get(pk=instalment.pk)
    plan = instalment.plan
    require_payment_admin(actor, plan.county, "取消分次发放")
    if instalment.status != InstalmentStatus.SCHEDULED:
        raise ApplicationError("该期已取消", code="illegal_transition", status=409)
    if instalment_on_roll(instalment):
        raise ApplicationError(
            "该期已列入发放花名册，不能取消；如需更正请在花名册中办理", code="instalment_on_roll", status=409
        )
    reason = str(reason or "").strip()
    if not reason:
        raise ApplicationError("请填写取消理由", code="invalid", fields={"reason": ["请填写取消理由"]})
    before = model_snapshot(instalment, ["status", "amount", "month"])
    instalment.status = InstalmentStatus.CANCELLED
    instalment.save(update_fields=["status"])
    audit_record(
        actor=actor,
        action="instalment.cancel",
        target=instalment,
        region=plan.county,
        before=before,
        after=model_snapshot(instalment, ["status", "amount", "month"]),
        note=reason[:200],
    )
    return instalment
