"""低保 单人户 — one member of a household that is not itself eligible, included alone.

Who (``single.groups``, dibao-shenhe-queren-banfa-2021 第八条; doudi-baozhang-tongzhi-2022 一(一)):
grade 1–2 (severely) disabled; grade 3 intellectual or mental disability; a serious illness on the county's
list; an adult unemployed severely disabled person. Where ``single.medical_cost_test`` is on (maiji-2021
§四(二)4), also a patient whose self-paid medical costs this year exceed last year's total household income.

The household: per-capita income below ``single.household_income_multiple`` × standard (1.5 × nationally —
a 低保边缘 household; 2 × where a document says 低收入家庭) and property within the limits. A household that
qualifies as a whole is not split: it applies as a household (doudi-baozhang-tongzhi-2022 一(一): 不得仅将个别
家庭成员纳入低保范围).

Amount: the subject as a one-person case — standard minus the subject's own counted income, at least the
floor for an ordinary recipient, plus the supplements of the subject's groups. Where
``single.cap_to_household_equivalent`` is on (changbai-2021 §二(一)6 不得高于按户保障同类对象补助水平), the
amount is capped at what the same person would get as a member of a household case with the household's
per-capita income: the per-capita gap (zero when that income is at or above the standard) — at least the
floor for an ordinary recipient — plus the same supplements. That reading of “同类对象” is ours and the
explanation says so.
"""

from __future__ import annotations

import datetime
from fractions import Fraction

from eligibility.rules.decision import Decision, Explainer, Outcome
from eligibility.rules.dibao import (
    categorize,
    decide,
    household_missing,
    member_amount,
    person_amounts,
    standard_for,
    supplement_groups,
)
from eligibility.rules.facts import Person, Request
from eligibility.rules.income import count_income, household_members
from eligibility.rules.parameters import ParameterSet
from eligibility.rules.property import property_test
from eligibility.rules.rounding import exact, round_money, shown

GROUP_LABELS = {
    "severe_disability": "一、二级重度残疾人",
    "intellectual_mental_3": "三级智力、精神残疾人",
    "serious_illness": "重特大疾病患者",
    "unemployed_severe_disabled_adult": "成年无业重度残疾人",
}
ADULT_AGE = 18  # 民法典第十七条 (a legal definition)
NOT_EMPLOYED = ("", "unemployed", "not_working")


def single_groups(person: Person, month: datetime.date, groups: tuple[str, ...]) -> tuple[str, ...]:
    """The profile's 单人户 groups the person belongs to."""
    severe = bool(person.disability_type) and person.disability_grade in (1, 2)
    tests = {
        "severe_disability": severe,
        "intellectual_mental_3": person.disability_type in ("intellectual", "mental") and person.disability_grade == 3,
        "serious_illness": person.serious_illness,
        "unemployed_severe_disabled_adult": severe
        and person.age_on(month) >= ADULT_AGE
        and person.employment in NOT_EMPLOYED,
    }
    return tuple(g for g in groups if tests.get(g, False))


def evaluate_single(request: Request, params: ParameterSet) -> Decision:
    """Decide 单人户 低保 for ``request.subject`` in ``params.month``."""
    ex = Explainer(params)
    household = request.household
    missing = household_missing(household)
    if not request.subject:
        missing.append("单人户申请人（subject：家庭成员的 ref）")
    elif household.members and all(p.ref != request.subject for p in household.members):
        missing.append(f"单人户申请人 {request.subject} 不在家庭成员中")
    if missing:
        return decide(request, params, ex, Outcome.NEEDS_INFORMATION, missing=missing)
    members = household_members(household, params.month, ex)
    subject = next((p for p in members if p.ref == request.subject), None)
    if subject is None:
        return decide(request, params, ex, Outcome.INELIGIBLE, details={"reasons": ("申请人不计入共同生活家庭成员",)})
    standard = standard_for(household, ex)
    enrolled = any(c.program in ("dibao", "dibao_single") for c in household.current)
    income = count_income(household, members, ex, at_entry=not enrolled)
    if income.missing:
        return decide(request, params, ex, Outcome.NEEDS_INFORMATION, missing=income.missing)
    size = len(members)
    std = exact(standard.value)
    multiple_p = ex.param("single.household_income_multiple")
    below_standard = income.total < std * size
    below_ceiling = income.total < exact(multiple_p.value) * std * size
    ex.step(
        "single.household_income",
        "单人户：家庭人均收入低于低保标准的规定倍数（且家庭整体不符合按户保障）",
        inputs={"家庭人均收入": shown(income.per_capita), "低保标准": standard.value},
        params=[multiple_p, standard],
        output={"低于低保标准": below_standard, "低于规定倍数": below_ceiling},
    )
    wealth = property_test(household, size, standard, ex)
    if not wealth.passed:
        return decide(request, params, ex, Outcome.INELIGIBLE, details={"reasons": wealth.failures})
    if below_standard:
        reason = "家庭整体符合低保条件，应按户申请，不得仅将个别家庭成员纳入（doudi-baozhang-tongzhi-2022 一(一)）"
        ex.step("single.whole_household", "家庭整体符合按户保障条件", output=True, applied=False, reason=reason)
        return decide(request, params, ex, Outcome.INELIGIBLE, details={"reasons": (reason,)})
    if not below_ceiling:
        reason = f"家庭人均收入不低于低保标准的 {multiple_p.value} 倍"
        return decide(request, params, ex, Outcome.INELIGIBLE, details={"reasons": (reason,)})

    groups_p = ex.param("single.groups")
    groups = single_groups(subject, params.month, tuple(groups_p.value))
    ex.step(
        "single.groups",
        "单人户可纳入人员类别",
        inputs={
            "残疾类别": subject.disability_type,
            "残疾等级": subject.disability_grade,
            "重病": subject.serious_illness,
        },
        params=[groups_p],
        output=[GROUP_LABELS[g] for g in groups],
    )
    medical_ok, medical_missing = _medical_cost_test(subject, household.last_year_total_income, ex)
    if not groups and not medical_ok:
        if medical_missing:
            return decide(
                request, params, ex, Outcome.NEEDS_INFORMATION, missing=["上年度家庭总收入（last_year_total_income）"]
            )
        reason = "申请人不属于可单独纳入低保的人员类别"
        return decide(request, params, ex, Outcome.INELIGIBLE, details={"reasons": (reason,)})

    own = exact(income.of(subject.ref).counted)
    gap = std - own
    ex.step(
        "single.gap",
        "单人户补差 = 低保标准 − 本人收入",
        inputs={"低保标准": standard.value, "本人收入": shown(own)},
        params=[standard],
        output=shown(gap),
    )
    if gap <= 0:
        reason = "本人收入不低于低保标准"
        return decide(request, params, ex, Outcome.INELIGIBLE, details={"reasons": (reason,)})
    amount = person_amounts((subject,), gap, standard, params.month, ex)[subject.ref]
    amount = _cap(subject, amount, std, income.per_capita, params.month, ex, standard)
    rounding_p = ex.param("dibao.rounding")
    rounded = round_money(amount, rounding_p.value)
    ex.step(
        "single.amount",
        "单人户月低保金（按规定取整）",
        inputs={"金额": shown(amount)},
        params=[rounding_p],
        output=rounded,
    )
    if rounded <= 0:
        reason = "按户保障同类对象的补助水平为零"
        return decide(request, params, ex, Outcome.INELIGIBLE, details={"reasons": (reason,)})
    category, recheck = categorize((subject,), own == 0, household.area_type, params.month, ex)
    return decide(
        request,
        params,
        ex,
        Outcome.ELIGIBLE,
        amount=rounded,
        category=category,
        recheck_months=recheck,
        details={"household_per_capita_income": shown(income.per_capita), "own_income": shown(own)},
    )


def _medical_cost_test(subject: Person, last_year_income, ex: Explainer) -> tuple[bool, bool]:
    """maiji-2021 §四(二)4: self-paid medical costs this year above last year's household income.

    Return (passed, needs the missing household income)."""
    test_p = ex.param("single.medical_cost_test")
    if not test_p.value:
        return False, False
    if last_year_income is None:
        ex.step(
            "single.medical_cost",
            "当年就医自负费用超过上年度家庭总收入",
            inputs={"本年自付医疗费": subject.medical_self_paid_this_year},
            params=[test_p],
            output=None,
            reason="缺少上年度家庭总收入",
        )
        return False, True
    ok = subject.medical_self_paid_this_year > last_year_income
    ex.step(
        "single.medical_cost",
        "当年就医自负费用超过上年度家庭总收入",
        inputs={"本年自付医疗费": subject.medical_self_paid_this_year, "上年度家庭总收入": last_year_income},
        params=[test_p],
        output=ok,
        applied=ok,
        reason="" if ok else "自付医疗费未超过上年度家庭总收入",
    )
    return ok, False


def _cap(subject, amount: Fraction, std: Fraction, per_capita: Fraction, month, ex: Explainer, standard) -> Fraction:
    """changbai-2021 §二(一)6: not above the same kind of person in a household case."""
    cap_p = ex.param("single.cap_to_household_equivalent")
    if not cap_p.value:
        return amount
    floor_p = ex.param("dibao.floor_per_person")
    share_p = ex.param("dibao.supplement.share")
    groups_p = ex.param("dibao.supplement.groups")
    stacking_p = ex.param("dibao.supplement.stacking")
    share = exact(share_p.value)
    groups = supplement_groups(subject, month, tuple(groups_p.value)) if share else ()
    household_gap = max(std - per_capita, Fraction(0))
    equivalent, _ = member_amount(groups, household_gap, exact(floor_p.value), share, std, stacking_p.value)
    capped = amount > equivalent
    ex.step(
        "single.cap",
        "单人户金额不高于按户保障同类对象的补助水平",
        inputs={
            "单人户金额": shown(amount),
            "按户保障同类对象金额": shown(equivalent),
            "家庭人均收入": shown(per_capita),
        },
        params=[cap_p, floor_p, share_p, groups_p, stacking_p, standard],
        output=shown(min(amount, equivalent)),
        applied=capped,
        reason="按户保障同类对象：以本户人均收入计算的人均补差（一般对象不低于最低补差）加同类增发；此为本系统对“同类对象补助水平”的解读"
        if capped
        else "未超过按户保障同类对象的补助水平",
    )
    return min(amount, equivalent)
