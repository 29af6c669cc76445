"""临时救助 (temporary assistance): 急难型 (``temp_emergency``) and 支出型 (``temp_expenditure``).

急难型 (linshi-jiuzhu-yijian-2018 二(一)(二); changbai-2021 §二(一)4; maiji-2021 §四(四)15): no check of the
household's income or property, no democratic evaluation or public notice — aid is paid first and the papers are
completed afterwards. ``extra``: ``cause`` (accident / illness / disaster / other / pending_application) and
``expense`` (the assessed need, yuan). The path (``details["path"]``):

- ``town_pay_first`` — need ≤ ``temp.emergency.town_limit`` (maiji: 800): the town pays at once (小金额先行救助);
- ``prepay_then_county_approval`` — need ≤ ``temp.emergency.prepay_max`` (maiji: 25 000): 先行救助、后置审批;
- ``above_max`` — the maximum is paid first, the rest (``details["remainder"]``) goes to 一事一议;
- ``bridge`` — an applicant for 低保/特困 (``cause = pending_application``) receives ``temp.bridge_months`` months of
  the URBAN 低保 standard while the application is decided (changbai-2021 §二(四)18); where the profile sets no
  bridge aid (0 months) the ordinary path applies.

支出型 (linshi-jiuzhu-yijian-2018 二(一); changbai-2021 §二(一)4): ``extra``: ``expense`` (necessary spending —
medical, education … — after insurance, yuan). Eligible when per-capita counted income (``income``, ×12) is below
last year's per-capita disposable income (``reference.disposable_income_last_year``), property is within the 低保
limit (``property``) and the spending exceeds the household's capacity = 12 × (counted monthly income − 低保
standard × members), at least 0. A 低保 or 特困 household (a ``current`` enrolment) skips the income and property
check and its capacity is 0 (changbai-2021 §二(一)4). Amount = ``temp.expenditure.share`` × the spending beyond
capacity, at most ``temp.expenditure.cap_months`` × standard × members (linshi-jiuzhu-yijian-2018 二(三): linked to
the 低保 standard), rounded per ``aid.rounding``; paid in ``temp.expenditure.instalments`` monthly instalments from
the decided month (一次审批、分次发放), ``details["instalments"]`` = ((month, amount), …): equal instalments
rounded down to the rounding step, the remainder in the first, so they sum to the amount exactly.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from fractions import Fraction

from eligibility.rules.decision import Decision, Explainer, Outcome
from eligibility.rules.dibao import decide, household_missing, standard_for
from eligibility.rules.facts import Request
from eligibility.rules.income import count_income, household_members
from eligibility.rules.parameters import ParameterSet, add_months
from eligibility.rules.property import property_test
from eligibility.rules.rounding import STEPS, exact, round_money, shown

CAUSE_LABELS = {
    "accident": "火灾、交通事故等意外事件",
    "illness": "家庭成员突发重大疾病",
    "disaster": "自然灾害等突发事件",
    "other": "其他特殊困难",
    "pending_application": "申请低保、特困供养期间基本生活困难",
}
PATH_LABELS = {
    "town_pay_first": "乡镇（街道）小金额先行救助，事后补充说明",
    "prepay_then_county_approval": "先行救助、后置审批（报区县民政部门审批）",
    "above_max": "按先行救助上限发放，超出部分“一事一议”",
    "bridge": "申请低保、特困期间先行给予急难临时救助",
}
ENROLLED_PROGRAMS = ("dibao", "tekun")


def extra_of(request: Request) -> dict:
    return dict(request.extra)


def instalments(
    amount: Decimal, count: int, first: datetime.date, mode: str
) -> tuple[tuple[datetime.date, Decimal], ...]:
    """Split ``amount`` into ``count`` monthly instalments from ``first``: equal parts rounded down to the step of
    ``mode``, the remainder added to the first, so the parts sum to ``amount`` exactly."""
    count = max(count, 1)
    step = STEPS[mode]
    base = (amount / count // step) * step
    parts = [base] * count
    parts[0] = amount - base * (count - 1)
    return tuple((add_months(first, i), part.quantize(Decimal("0.01"))) for i, part in enumerate(parts))


def evaluate_emergency(request: Request, params: ParameterSet) -> Decision:
    """急难型临时救助."""
    ex = Explainer(params)
    extra = extra_of(request)
    cause = extra.get("cause")
    ex.step(
        "temp.no_means_test",
        "急难型临时救助：不核查家庭经济状况，不经民主评议和公示，先行救助、事后补齐手续"
        "（linshi-jiuzhu-yijian-2018 二(二)；changbai-2021 §二(一)4）",
        inputs={"事由": CAUSE_LABELS.get(cause or "", "未填写")},
        output=True,
    )
    if cause is None:
        return decide(request, params, ex, Outcome.NEEDS_INFORMATION, missing=["急难事由（extra.cause）"])
    rounding_p = ex.param("aid.rounding")
    if cause == "pending_application":
        months_p = ex.param("temp.bridge_months")
        if months_p.value > 0:
            urban = ex.param("dibao.standard.urban")
            amount = round_money(exact(urban.value) * months_p.value, rounding_p.value)
            ex.step(
                "temp.bridge",
                "申请低保、特困供养的，先按城市低保标准给予急难临时救助，再履行审核确认手续（changbai-2021 §二(四)18）",
                inputs={"月数": months_p.value, "城市低保标准": urban.value},
                params=[months_p, urban, rounding_p],
                output=amount,
            )
            details = {"path": "bridge", "path_label": PATH_LABELS["bridge"]}
            return decide(request, params, ex, Outcome.ELIGIBLE, amount=amount, category="bridge", details=details)
        ex.step(
            "temp.bridge",
            "申请低保、特困期间的先行急难救助",
            params=[months_p],
            output=Decimal("0.00"),
            applied=False,
            reason="本辖区未规定申请期间按低保标准先行救助，按一般急难型救助办理",
        )
    expense = extra.get("expense")
    if expense is None:
        return decide(request, params, ex, Outcome.NEEDS_INFORMATION, missing=["急难救助需求金额（extra.expense）"])
    if expense <= 0:
        reason = "没有需要救助的急难支出"
        ex.step("temp.emergency_need", "急难救助需求", inputs={"需求金额": expense}, output=False, reason=reason)
        return decide(request, params, ex, Outcome.INELIGIBLE, details={"reasons": (reason,)})
    town_p = ex.param("temp.emergency.town_limit")
    max_p = ex.param("temp.emergency.prepay_max")
    remainder = Decimal("0.00")
    if expense <= town_p.value:
        path, paid = "town_pay_first", expense
    elif expense <= max_p.value:
        path, paid = "prepay_then_county_approval", expense
    else:
        path, paid = "above_max", max_p.value
        remainder = round_money(expense - max_p.value, rounding_p.value)
    amount = round_money(paid, rounding_p.value)
    ex.step(
        "temp.emergency_path",
        "急难型救助的审批方式：小金额由乡镇先行救助；较重的先行救助、后置审批，一次性不超过上限"
        "（maiji-2021 §四(四)15）",
        inputs={"需求金额": expense},
        params=[town_p, max_p, rounding_p],
        output={"方式": PATH_LABELS[path], "救助金额": amount},
    )
    if remainder:
        ex.step(
            "temp.one_case_one_decision",
            "超出先行救助上限的部分“一事一议”（linshi-jiuzhu-yijian-2018 二(三)）",
            inputs={"超出部分": remainder},
            params=[max_p],
            output=remainder,
            applied=False,
            reason="一事一议由审批机关另行决定，不计入本次金额",
        )
    details = {"path": path, "path_label": PATH_LABELS[path], "remainder": remainder}
    return decide(request, params, ex, Outcome.ELIGIBLE, amount=amount, category=path, details=details)


def evaluate_expenditure(request: Request, params: ParameterSet) -> Decision:
    """支出型临时救助."""
    ex = Explainer(params)
    household = request.household
    extra = extra_of(request)
    missing = household_missing(household)
    if "expense" not in extra:
        missing.append("生活必需支出金额（extra.expense，医疗、教育等，扣除保险报销后）")
    if missing:
        return decide(request, params, ex, Outcome.NEEDS_INFORMATION, missing=missing)
    expense: Decimal = extra["expense"]
    members = household_members(household, params.month, ex)
    if not members:
        return decide(request, params, ex, Outcome.NEEDS_INFORMATION, missing=["在世且共同生活的家庭成员"])
    size = len(members)
    standard = standard_for(household, ex)
    std = exact(standard.value)
    enrolled = [c.program for c in household.current if c.program in ENROLLED_PROGRAMS]
    if enrolled:
        ex.step(
            "temp.means_test",
            "家庭收入和财产核查",
            inputs={"在保项目": enrolled},
            output=True,
            applied=False,
            reason="低保家庭及其成员、特困人员不再核查家庭收入和财产，重点核实生活必需支出（changbai-2021 §二(一)4）",
        )
        capacity = Fraction(0)
        per_capita = None
    else:
        income = count_income(household, members, ex, at_entry=False)
        if income.missing:
            return decide(request, params, ex, Outcome.NEEDS_INFORMATION, missing=income.missing)
        reference_p = ex.param("reference.disposable_income_last_year")
        per_capita = income.per_capita * 12
        income_ok = per_capita < exact(reference_p.value)
        ex.step(
            "temp.income",
            "家庭人均可支配收入低于上年度居民人均可支配收入"
            "（changbai-2021 §二(一)4；linshi-jiuzhu-yijian-2018 二(一)）",
            inputs={"人均年收入": shown(per_capita), "家庭人口": size},
            params=[reference_p],
            output=income_ok,
        )
        wealth = property_test(household, size, standard, ex)
        reasons = list(wealth.failures)
        if not income_ok:
            reasons.insert(0, f"家庭人均年收入 {shown(per_capita)} 元不低于上年度人均可支配收入 {reference_p.value} 元")
        if reasons:
            return decide(request, params, ex, Outcome.INELIGIBLE, details={"reasons": tuple(reasons)})
        capacity = max(Fraction(0), 12 * (income.total - std * size))
    ex.step(
        "temp.capacity",
        "家庭承受能力：12个月家庭收入高于低保标准的部分",
        inputs={"家庭人口": size, "低保标准": standard.value},
        params=[standard],
        output=shown(capacity),
    )
    excess = exact(expense) - capacity
    beyond = excess > 0
    ex.step(
        "temp.expense_beyond_capacity",
        "生活必需支出超出家庭承受能力（linshi-jiuzhu-yijian-2018 二(一)）",
        inputs={"必需支出": expense, "承受能力": shown(capacity)},
        output=shown(max(excess, Fraction(0))),
    )
    if not beyond:
        reason = f"必需支出 {expense} 元未超出家庭承受能力 {shown(capacity)} 元"
        return decide(request, params, ex, Outcome.INELIGIBLE, details={"reasons": (reason,)})
    share_p = ex.param("temp.expenditure.share")
    cap_p = ex.param("temp.expenditure.cap_months")
    rounding_p = ex.param("aid.rounding")
    raw = exact(share_p.value) * excess
    cap = std * cap_p.value * size
    capped = raw > cap
    amount = round_money(min(raw, cap), rounding_p.value)
    ex.step(
        "temp.expenditure_amount",
        "救助金额：超出承受能力部分按比例救助，不超过规定月数的低保标准（linshi-jiuzhu-yijian-2018 二(三)）",
        inputs={"超出部分": shown(excess), "按比例": shown(raw), "上限": shown(cap), "达到上限": capped},
        params=[share_p, cap_p, standard, rounding_p],
        output=amount,
    )
    count_p = ex.param("temp.expenditure.instalments")
    plan = instalments(amount, count_p.value, params.month, rounding_p.value)
    ex.step(
        "temp.instalments",
        "一次审批、分次发放（changbai-2021 §二(一)4；maiji-2021 §四(四)15）",
        inputs={"期数": len(plan)},
        params=[count_p, rounding_p],
        output={f"{m:%Y-%m}": a for m, a in plan},
        applied=len(plan) > 1,
        reason="" if len(plan) > 1 else "一次发放",
    )
    details = {
        "capacity": shown(capacity),
        "beyond_capacity": shown(excess),
        "capped": capped,
        "means_test_skipped": bool(enrolled),
        "instalments": plan,
    }
    if per_capita is not None:
        details["per_capita_income_year"] = shown(per_capita)
    return decide(request, params, ex, Outcome.ELIGIBLE, amount=amount, details=details)
