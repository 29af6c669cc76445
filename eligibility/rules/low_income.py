"""低收入人口 status tests: 低保边缘, 低收入家庭, 刚性支出困难.

- 低保边缘家庭 (dibao-shenhe-queren-banfa-2021 第八条; dishouru-renkou-dongtai-jiance-2023 二): not 低保-eligible,
  per-capita income below ``low_income.edge_multiple`` (1.5) × standard, property within the 低保 rule.
- 低收入家庭 (changbai-2021 §二(一)7; nantong-2021 §三(二)): per-capita income at or above the standard and below
  ``low_income.multiple`` (2) × standard, property within the 低保 rule.
- 刚性支出困难家庭 (gangxing-zhichu-kunnan-jiating-rending-2024 第四条, in force 2025-01): not 低保, 特困 or 低保边缘;
  per-capita income (×12) below last year's local per-capita disposable income
  (``reference.disposable_income_last_year``); property within the rule; rigid spending of the last 12 months
  above ``rigid.spending_share`` of the household's total income of those months (income before any
  rigid-expense deduction, ×12).

Outcome: eligible when any status holds; ``category`` is the first of ``dibao_edge``, ``low_income``,
``rigid_expense`` that holds and ``details["statuses"]`` lists them all. A household that meets the 低保
test itself, or is already enrolled in 低保/特困, is not given these statuses (it is 低保/特困).
"""

from __future__ import annotations

from decimal import Decimal

from eligibility.rules.decision import Decision, Explainer, Outcome
from eligibility.rules.dibao import decide, household_missing, standard_for
from eligibility.rules.facts import Household, Request
from eligibility.rules.income import IncomeResult, count_income, household_members
from eligibility.rules.parameters import ParameterSet
from eligibility.rules.property import property_test
from eligibility.rules.rounding import exact, shown

STATUS_LABELS = {"dibao_edge": "低保边缘家庭", "low_income": "低收入家庭", "rigid_expense": "刚性支出困难家庭"}


def evaluate_low_income(request: Request, params: ParameterSet) -> Decision:
    """Decide the household's 低收入 statuses in ``params.month``."""
    ex = Explainer(params)
    household = request.household
    missing = household_missing(household)
    if missing:
        return decide(request, params, ex, Outcome.NEEDS_INFORMATION, missing=missing)
    members = household_members(household, params.month, ex)
    if not members:
        return decide(request, params, ex, Outcome.NEEDS_INFORMATION, missing=["在世且共同生活的家庭成员"])
    enrolled = [c.program for c in household.current if c.program in ("dibao", "tekun")]
    if enrolled:
        reason = (
            "已纳入低保或特困供养（本身即属低收入人口），不再认定低保边缘或刚性支出困难家庭"
            "（gangxing-zhichu-kunnan-jiating-rending-2024 第四条（一））"
        )
        ex.step(
            "low_income.enrolled", "是否已纳入低保、特困", inputs={"在保项目": enrolled}, output=True, reason=reason
        )
        return decide(request, params, ex, Outcome.INELIGIBLE, details={"reasons": (reason,)})
    standard = standard_for(household, ex)
    income = count_income(household, members, ex, at_entry=True)
    if income.missing:
        return decide(request, params, ex, Outcome.NEEDS_INFORMATION, missing=income.missing)
    size = len(members)
    std = exact(standard.value)
    wealth = property_test(household, size, standard, ex)
    if not wealth.passed:
        return decide(request, params, ex, Outcome.INELIGIBLE, details={"reasons": wealth.failures})
    if income.total < std * size:
        reason = (
            "家庭人均收入低于低保标准且财产符合规定：符合低保条件，应申请低保；"
            "低保边缘家庭指不符合低保条件的家庭（dibao-shenhe-queren-banfa-2021 第八条）"
        )
        ex.step(
            "low_income.dibao",
            "家庭人均收入低于低保标准",
            inputs={"人均收入": shown(income.per_capita)},
            params=[standard],
            output=True,
            reason=reason,
        )
        return decide(request, params, ex, Outcome.INELIGIBLE, details={"reasons": (reason,), "qualifies_for": "dibao"})
    statuses = []
    edge_p = ex.param("low_income.edge_multiple")
    edge = income.total < exact(edge_p.value) * std * size
    ex.step(
        "low_income.edge",
        "低保边缘家庭：人均收入低于低保标准的规定倍数（dishouru-renkou-dongtai-jiance-2023 二）",
        inputs={"人均收入": shown(income.per_capita), "低保标准": standard.value},
        params=[edge_p, standard],
        output=edge,
    )
    if edge:
        statuses.append("dibao_edge")
    multiple_p = ex.param("low_income.multiple")
    low = income.total < exact(multiple_p.value) * std * size
    ex.step(
        "low_income.multiple",
        "低收入家庭：人均收入高于低保标准、低于规定倍数",
        inputs={"人均收入": shown(income.per_capita), "低保标准": standard.value},
        params=[multiple_p, standard],
        output=low,
    )
    if low:
        statuses.append("low_income")
    if _rigid_test(household, income, edge, ex):
        statuses.append("rigid_expense")
    details = {"statuses": tuple(statuses), "per_capita_income": shown(income.per_capita)}
    if not statuses:
        details["reasons"] = ("不符合低保边缘、低收入家庭或刚性支出困难家庭的条件",)
        return decide(request, params, ex, Outcome.INELIGIBLE, details=details)
    return decide(request, params, ex, Outcome.ELIGIBLE, category=statuses[0], details=details)


def _rigid_test(household: Household, income: IncomeResult, edge: bool, ex: Explainer) -> bool:
    """gangxing-zhichu-kunnan-jiating-rending-2024 第四条; record the step."""
    label = (
        "刚性支出困难家庭：收入低于上年度人均可支配收入，刚性支出占比超过规定"
        "（gangxing-zhichu-kunnan-jiating-rending-2024 第四条）"
    )
    spent = sum((amount for _, amount in household.rigid_expenses_12m), Decimal("0"))
    if not ex.params.has("rigid.spending_share"):
        ex.step("low_income.rigid", label, output=False, applied=False, reason="刚性支出困难家庭认定办法尚未施行")
        return False
    share_p = ex.param("rigid.spending_share")
    reference_p = ex.param("reference.disposable_income_last_year")
    if edge:
        ex.step(
            "low_income.rigid",
            label,
            params=[share_p],
            output=False,
            applied=False,
            reason="已认定为低保边缘家庭的不再认定刚性支出困难家庭（第四条（一））",
        )
        return False
    gross = exact(income.gross)
    per_capita_year = gross * 12 / income.size
    income_ok = per_capita_year < exact(reference_p.value)
    spending_ok = exact(spent) > exact(share_p.value) * gross * 12
    ex.step(
        "low_income.rigid",
        label,
        inputs={"人均年收入": shown(per_capita_year), "近12个月刚性支出": spent, "家庭年收入": shown(gross * 12)},
        params=[reference_p, share_p],
        output={"收入条件": income_ok, "支出条件": spending_ok},
    )
    return income_ok and spending_ok and spent > 0
