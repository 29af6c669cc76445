"""Counted household income (dibao-shenhe-queren-banfa-2021 第十三条) and who counts as a member (第七条).

Each member's monthly incomes are sorted into three treatments:

- counted (计入): wages, net business and farm income, net property income, transfer income (pensions,
  support received, unemployment benefit, compensation …) and other income — 第十三条（一）至（五）;
- exempt (不计入): the kinds in ``income.exempt_kinds`` (第十三条 不计入（一）至（四）; a local profile may
  exempt more);
- deducted (扣减): ``job_cost`` and ``transfer_expense`` when listed in ``income.deductible_kinds``
  (necessary job costs, 第十三条 末款; transfer expenses, （四）). A job cost is deducted only from the same
  person's earned income, and no member's counted income goes below zero.

Where the profile says so (``income.deduct_rigid_expenses_at_entry``, e.g. nantong-2021 §三(二)), a new
applicant's rigid expenses of the last 12 months (``income.rigid_expense_kinds``) are deducted, as a monthly
average, from the household's income. Money in, ``Fraction`` totals out (see ``rounding``).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from eligibility.rules.decision import Explainer
from eligibility.rules.facts import Household, Person
from eligibility.rules.rounding import exact, shown
from eligibility.rules.schema import EXPENSE_KINDS, INCOME_KINDS

_BASIS = "dibao-shenhe-queren-banfa-2021 第十三条"

# Kinds that are income (计入) unless the profile exempts them, with the item of 第十三条 they fall under.
COUNTED_KINDS: dict[str, str] = {
    "wages": "（一）工资性收入",
    "business": "（二）经营净收入",
    "agriculture": "（二）经营净收入",
    "property": "（三）财产净收入",
    "pension": "（四）转移净收入",
    "support_received": "（四）转移净收入",
    "unemployment_benefit": "（四）转移净收入",
    "other_transfer": "（四）转移净收入",
    "other": "（五）其他",
}
# Kinds that reduce income when the profile lists them as deductible; otherwise they are ignored.
DEDUCTION_KINDS = ("job_cost", "transfer_expense")
# Earned income a job cost may be deducted from (第十三条（一）: wages net of necessary job costs).
EARNED_KINDS = ("wages", "business", "agriculture")

KIND_LABELS: dict[str, str] = {
    "wages": "工资性收入",
    "business": "经营净收入（工商业、服务业）",
    "agriculture": "经营净收入（农林牧渔业）",
    "property": "财产净收入",
    "pension": "离退休金、养老金",
    "support_received": "赡养（抚养、扶养）费",
    "unemployment_benefit": "失业保险金",
    "other_transfer": "其他转移性收入",
    "other": "其他应计入收入",
    "basic_pension": "城乡居民基本养老保险基础养老金",
    "preferential": "优待抚恤金",
    "family_planning": "计划生育奖励与扶助金",
    "scholarship": "奖学金、助学金",
    "heroic_award": "见义勇为等奖励性补助",
    "social_assistance": "社会救助款物",
    "job_cost": "必要的就业成本",
    "transfer_expense": "转移性支出",
}


@dataclass(frozen=True)
class PersonIncome:
    """One member's monthly income after the profile's treatments."""

    ref: str
    counted: Decimal  # ≥ 0
    exempt: Decimal
    deducted: Decimal  # what was actually deducted (capped)
    ignored_deductions: Decimal  # deduction kinds the profile does not allow
    unknown_kinds: tuple[str, ...]


@dataclass(frozen=True)
class IncomeResult:
    """The household's counted monthly income."""

    members: tuple[Person, ...]
    by_person: tuple[PersonIncome, ...]
    gross: Decimal  # Σ counted income of the members, before the rigid-expense deduction
    rigid_deduction: Fraction  # monthly
    total: Fraction  # counted household income per month, ≥ 0
    missing: tuple[str, ...]  # missing facts (unknown kinds), in Chinese

    def of(self, ref: str) -> PersonIncome:
        return next(p for p in self.by_person if p.ref == ref)

    @property
    def size(self) -> int:
        return len(self.members)

    @property
    def per_capita(self) -> Fraction:
        return self.total / self.size if self.members else Fraction(0)


def person_income(person: Person, exempt_kinds: tuple[str, ...], deductible_kinds: tuple[str, ...]) -> PersonIncome:
    """Sort one person's incomes by treatment; unknown kinds are reported, not counted."""
    counted = exempt = earned = Decimal("0")
    job_cost = other_deductions = ignored = Decimal("0")
    unknown: list[str] = []
    for kind, raw in person.incomes:
        amount = max(raw, Decimal("0"))  # a loss (negative net income) is no income, and offsets nothing
        if kind in DEDUCTION_KINDS:
            if kind not in deductible_kinds:
                ignored += amount
            elif kind == "job_cost":
                job_cost += amount
            else:
                other_deductions += amount
        elif kind in exempt_kinds:
            exempt += amount
        elif kind in INCOME_KINDS:
            counted += amount
            if kind in EARNED_KINDS:
                earned += amount
        else:
            unknown.append(kind)
    deducted = min(job_cost, earned) + other_deductions
    deducted = min(deducted, counted)
    return PersonIncome(person.ref, counted - deducted, exempt, deducted, ignored, tuple(unknown))


def household_members(household: Household, month: datetime.date, ex: Explainer) -> tuple[Person, ...]:
    """Return the members who count (第七条: not the deceased, prisoners or people declared missing)."""
    kept, left_out = [], []
    for person in household.members:
        why = "已死亡" if person.deceased else "服刑" if person.imprisoned else "宣告失踪" if person.missing else ""
        (left_out if why else kept).append((person, why))
    for person, why in left_out:
        ex.step(
            "household.member_excluded",
            "不计入共同生活家庭成员（dibao-shenhe-queren-banfa-2021 第七条）",
            inputs={"成员": person.ref, "情形": why},
            output=False,
            reason=f"{person.ref}{why}，不计入家庭人口和收入",
        )
    members = tuple(p for p, _ in kept)
    ex.step(
        "household.members",
        "确定共同生活家庭成员",
        inputs={"登记人数": len(household.members), "月份": f"{month:%Y-%m}"},
        output=len(members),
    )
    return members


def count_income(household: Household, members: tuple[Person, ...], ex: Explainer, *, at_entry: bool) -> IncomeResult:
    """Count the household's monthly income per 第十三条 and the profile; record the steps.

    ``at_entry``: the household is applying (not already enrolled), so a rigid-expense deduction at entry
    may apply. Unknown income or expense kinds come back in ``missing`` (the caller decides
    needs-information); they are never counted.
    """
    exempt_p = ex.param("income.exempt_kinds")
    deductible_p = ex.param("income.deductible_kinds")
    people = tuple(person_income(p, tuple(exempt_p.value), tuple(deductible_p.value)) for p in members)
    missing = [
        f"成员 {p.ref} 的收入类别“{kind}”无法识别（应为：{'、'.join(INCOME_KINDS)}）"
        for p in people
        for kind in p.unknown_kinds
    ]
    gross = sum((p.counted for p in people), Decimal("0"))
    exempt_total = sum((p.exempt for p in people), Decimal("0"))
    if exempt_total:
        ex.step(
            "income.exempt",
            "不计入家庭收入的收入（第十三条）",
            inputs={p.ref: p.exempt for p in people if p.exempt},
            params=[exempt_p],
            output=exempt_total,
        )
    deducted_total = sum((p.deducted for p in people), Decimal("0"))
    if deducted_total:
        ex.step(
            "income.deductions",
            "扣减必要的就业成本和转移性支出（第十三条）",
            inputs={p.ref: p.deducted for p in people if p.deducted},
            params=[deductible_p],
            output=deducted_total,
        )
    ignored_total = sum((p.ignored_deductions for p in people), Decimal("0"))
    if ignored_total:
        ex.step(
            "income.deductions",
            "申报的扣减项（本辖区不予扣减）",
            inputs={p.ref: p.ignored_deductions for p in people if p.ignored_deductions},
            params=[deductible_p],
            output=Decimal("0"),
            applied=False,
            reason="该类扣减不在本辖区可扣减类别之列",
        )
    ex.step(
        "income.counted",
        "核算家庭成员收入（dibao-shenhe-queren-banfa-2021 第十三条）",
        inputs={p.ref: dict(p.incomes) for p in members},
        params=[exempt_p, deductible_p],
        output={**{p.ref: p.counted for p in people}, "合计": gross},
    )
    rigid, rigid_missing = _rigid_deduction(household, ex, at_entry=at_entry, gross=gross)
    missing.extend(rigid_missing)
    total = exact(gross) - rigid
    return IncomeResult(members, people, gross, rigid, total, tuple(missing))


def _rigid_deduction(
    household: Household, ex: Explainer, *, at_entry: bool, gross: Decimal
) -> tuple[Fraction, list[str]]:
    """Return the monthly rigid-expense deduction (nantong-2021 §三(二)) and any missing facts."""
    if not household.rigid_expenses_12m:
        return Fraction(0), []
    unknown = [k for k, _ in household.rigid_expenses_12m if k not in EXPENSE_KINDS]
    missing = [f"刚性支出类别“{k}”无法识别（应为：{'、'.join(EXPENSE_KINDS)}）" for k in unknown]
    enabled_p = ex.param("income.deduct_rigid_expenses_at_entry")
    kinds_p = ex.param("income.rigid_expense_kinds")
    spent = sum((amount for kind, amount in household.rigid_expenses_12m if kind in kinds_p.value), Decimal("0"))
    inputs = {"近12个月刚性支出": dict(household.rigid_expenses_12m), "可扣减合计": spent}
    if not enabled_p.value or not at_entry or not spent:
        why = (
            "本辖区不在准入时扣减刚性支出"
            if not enabled_p.value
            else "刚性支出扣减只在新申请准入时适用，本户已在保"
            if not at_entry
            else "没有可扣减类别的刚性支出"
        )
        ex.step(
            "income.rigid_deduction",
            "准入时扣减刚性支出",
            inputs=inputs,
            params=[enabled_p, kinds_p],
            output=Decimal("0"),
            applied=False,
            reason=why,
        )
        return Fraction(0), missing
    monthly = min(exact(spent) / 12, exact(gross))
    ex.step(
        "income.rigid_deduction",
        "准入时扣减刚性支出（按月平均，不超过家庭收入）",
        inputs=inputs,
        params=[enabled_p, kinds_p],
        output=shown(monthly),
    )
    return monthly, missing
