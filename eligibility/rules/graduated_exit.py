"""渐退 — graduated exit of an enrolled 低保 household whose income is no longer below the standard.

Trigger: the household is enrolled (``Household.current`` has a ``dibao`` enrolment), its per-capita income
is at or above the standard and below ``exit.income_multiple`` × standard, and — where ``exit.cause`` is
``work`` — the rise came from work (``Household.income_rise_cause``; missing → needs-information).

Duration: ``exit.months``, or ``exit.months_with_disabled`` when a member is disabled (changbai-2021 §二(一)2:
18 months, 24 for a household with a disabled member; nantong-2021 §二(一): 6 months; maiji-2021 §四(三)11:
at most 6; doudi-baozhang-tongzhi-2022 一(三): in principle at most 6).

Amounts, from the decided month on: ``unchanged`` keeps the current amount (nantong-2021 §二(一)
“维持原最低生活保障金不变”); ``yearly_decrease`` (changbai-2021 §二(一)2 “逐年递减”) pays the current amount in
the first twelve months and lowers it by ``exit.yearly_decrease`` of the current amount for every further
year (year k: amount × (1 − k × decrease), never below zero) — the document gives no size, so the profile's
value is a local default. Each month is rounded per ``dibao.rounding``.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from fractions import Fraction

from eligibility.rules.decision import Decision, Explainer, Outcome
from eligibility.rules.dibao import decide
from eligibility.rules.facts import CurrentEnrolment, Request
from eligibility.rules.income import IncomeResult
from eligibility.rules.parameters import ParameterSet, ParamValue, add_months
from eligibility.rules.rounding import CENT, exact, round_money, shown

CAUSES = {"work": "就业创业", "other": "其他原因"}


def exit_schedule(
    base: Decimal, months: int, mode: str, decrease: Decimal, start: datetime.date, rounding: str
) -> tuple[tuple[datetime.date, Decimal], ...]:
    """Return ``(month, amount)`` for each month of the exit period.

    A month at the full current amount pays exactly that amount (“维持原低保金不变”), even where it is not a
    multiple of the profile's rounding step; a reduced month is rounded per ``rounding``.
    """
    schedule = []
    for i in range(months):
        factor = Fraction(1) if mode == "unchanged" else max(Fraction(0), 1 - (i // 12) * exact(decrease))
        amount = base.quantize(CENT) if factor == 1 else round_money(exact(base) * factor, rounding)
        schedule.append((add_months(start, i), amount))
    return tuple(schedule)


def evaluate_exit(
    request: Request,
    params: ParameterSet,
    ex: Explainer,
    *,
    income: IncomeResult,
    standard: ParamValue,
    enrolment: CurrentEnrolment,
) -> Decision:
    """Decide the graduated exit (the caller has found income at or above the standard)."""
    household = request.household
    size = income.size
    std = exact(standard.value)
    enabled_p = ex.param("exit.enabled")
    multiple_p = ex.param("exit.income_multiple")
    cause_p = ex.param("exit.cause")
    stop = {"reasons": ("家庭人均收入不低于低保标准，停发低保金",)}
    if not enabled_p.value:
        ex.step(
            "exit.enabled",
            "低保渐退",
            params=[enabled_p],
            output=False,
            applied=False,
            reason="本辖区未实行渐退",
        )
        return decide(request, params, ex, Outcome.INELIGIBLE, details=stop)
    limit = exact(multiple_p.value) * std * size
    within = income.total < limit
    ex.step(
        "exit.income_limit",
        "渐退条件：人均收入超过低保标准但低于规定倍数",
        inputs={"人均收入": shown(income.per_capita), "低保标准": standard.value},
        params=[enabled_p, multiple_p, standard],
        output=within,
        applied=within,
        reason="" if within else f"人均收入达到低保标准的 {multiple_p.value} 倍，不适用渐退",
    )
    if not within:
        return decide(request, params, ex, Outcome.INELIGIBLE, details=stop)
    cause = household.income_rise_cause
    if cause_p.value == "work":
        if cause not in CAUSES:
            ex.step("exit.cause", "渐退条件：收入因就业创业增加", params=[cause_p], output=None)
            return decide(
                request,
                params,
                ex,
                Outcome.NEEDS_INFORMATION,
                missing=["收入增加的原因（income_rise_cause：work 就业创业 / other 其他原因）"],
            )
        ok = cause == "work"
        ex.step(
            "exit.cause",
            "渐退条件：收入因就业创业增加",
            inputs={"收入增加原因": CAUSES[cause]},
            params=[cause_p],
            output=ok,
            applied=ok,
            reason="" if ok else "收入增加并非因就业创业，不适用渐退",
        )
        if not ok:
            return decide(request, params, ex, Outcome.INELIGIBLE, details=stop)
    else:
        ex.step("exit.cause", "渐退条件：不限收入增加的原因", params=[cause_p], output=True)
    months_p = ex.param("exit.months")
    disabled_p = ex.param("exit.months_with_disabled")
    disabled = [p.ref for p in income.members if p.disability_type]
    duration_p = disabled_p if disabled and disabled_p.value != months_p.value else months_p
    ex.step(
        "exit.duration",
        "渐退期（家中有残疾人的按残疾人家庭期限）",
        inputs={"残疾成员": disabled},
        params=[months_p, disabled_p],
        output=duration_p.value,
    )
    mode_p = ex.param("exit.amount_mode")
    decrease_p = ex.param("exit.yearly_decrease")
    rounding_p = ex.param("dibao.rounding")
    schedule = exit_schedule(
        enrolment.monthly_amount,
        duration_p.value,
        mode_p.value,
        decrease_p.value,
        params.month,
        rounding_p.value,
    )
    used = [mode_p, rounding_p] + ([decrease_p] if mode_p.value == "yearly_decrease" else [])
    ex.step(
        "exit.schedule",
        "渐退期逐月金额" + ("（保持原低保金不变）" if mode_p.value == "unchanged" else "（逐年递减）"),
        inputs={"原低保金": enrolment.monthly_amount, "起始月份": f"{params.month:%Y-%m}"},
        params=used,
        output={f"{m:%Y-%m}": a for m, a in schedule},
        reason="" if mode_p.value == "unchanged" else "本地默认：首12个月按原金额，其后每年按原金额的递减比例递减",
    )
    if not schedule:
        return decide(request, params, ex, Outcome.INELIGIBLE, details=stop)
    return decide(
        request,
        params,
        ex,
        Outcome.ELIGIBLE,
        amount=schedule[0][1],
        category=enrolment.category,
        exit_schedule=schedule,
        details={
            "graduated_exit": True,
            "exit_months": len(schedule),
            "exit_last_month": f"{schedule[-1][0]:%Y-%m}",
            "per_capita_income": shown(income.per_capita),
        },
    )
