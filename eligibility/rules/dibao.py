"""低保 by household (按户保): eligibility, amount, category and re-check interval.

1. Members (第七条) and counted income (第十三条, ``income``); unknown kinds → needs-information.
2. Per-capita income below the urban or rural standard (changbai-2021 §二(一)2; nantong-2021 §二(一)),
   compared as ``income < standard × members`` (exact).
3. Property within the limits (``property``).
4. An enrolled household whose income is no longer below the standard goes to the graduated exit
   (``graduated_exit``).
5. Amount (changbai-2021 §二(一)2; dibao-shenhe-queren-banfa-2021 第二十三条): every covered member gets the
   per-capita gap; an ordinary member at least ``dibao.floor_per_person`` (changbai-2021 §二(一)6: 100 元 for
   一般救助对象); a key person (``dibao.supplement.groups``) gets the gap plus ``dibao.supplement.share`` ×
   standard per group (``stack``) or once (``highest``). Rounded once per ``dibao.rounding``.
6. Category and re-check interval (``dibao.category.scheme``, ``dibao.recheck_months``).
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from decimal import Decimal
from fractions import Fraction

from eligibility.rules.decision import Decision, Explainer, Outcome
from eligibility.rules.facts import CurrentEnrolment, Household, Person, Request
from eligibility.rules.income import count_income, household_members
from eligibility.rules.parameters import ParameterSet, ParamValue
from eligibility.rules.property import property_test
from eligibility.rules.rounding import exact, round_money, shown

# 增发对象 (changbai-2021 §二(一)6; maiji-2021 §四(二)4), the vocabulary of schema.SUPPLEMENT_GROUPS.
GROUP_LABELS = {
    "serious_illness": "重病患者",
    "severe_disability": "重度残疾人（一、二级）",
    "elderly_70": "70周岁以上老年人",
    "minor": "未成年人",
    "college_student": "在校大学生",
}
ADULT_AGE = 18  # 民法典第十七条: 不满十八周岁的自然人为未成年人 — a legal definition, not a policy number
ELDERLY_SUPPLEMENT_AGE = 70  # the group code "elderly_70" itself (changbai-2021 §二(一)6: 70 周岁以上)
HIGHER_EDUCATION = ("higher_vocational", "bachelor", "postgraduate")

CATEGORY_LABELS = {
    "A": "A类",
    "B": "B类",
    "C": "C类",
    "urban_full": "城市低保全额保障",
    "urban_partial": "城市低保差额保障",
    "rural_1": "农村低保一类",
    "rural_2": "农村低保二类",
    "rural_3": "农村低保三类",
    "rural_4": "农村低保四类",
    "stable": "经济状况稳定",
    "unstable": "收入来源不固定且有劳动能力",
}
STABLE_EMPLOYMENT = ("employed", "retired", "student")


def decide(
    request: Request,
    params: ParameterSet,
    ex: Explainer,
    outcome: Outcome,
    *,
    amount: Decimal = Decimal("0.00"),
    category: str = "",
    recheck_months: int | None = None,
    exit_schedule: tuple[tuple[datetime.date, Decimal], ...] = (),
    missing: tuple[str, ...] | list[str] = (),
    details: dict | None = None,
) -> Decision:
    """Build the decision from the explainer's steps (listing missing facts at once, 第十条)."""
    if outcome == Outcome.NEEDS_INFORMATION:
        ex.step(
            "facts.missing",
            "一次性告知需补齐的信息（dibao-shenhe-queren-banfa-2021 第十条）",
            output=list(missing),
        )
    return Decision(
        program=request.program,
        jurisdiction=params.jurisdiction,
        month=params.month,
        outcome=outcome,
        amount=amount,
        category=category,
        recheck_months=recheck_months,
        exit_schedule=exit_schedule,
        missing_facts=tuple(missing),
        steps=tuple(ex.steps),
        details=tuple((details or {}).items()),
    )


def household_missing(household: Household) -> list[str]:
    """Facts every household rule needs."""
    missing = []
    if household.area_type not in ("urban", "rural"):
        missing.append("家庭的城乡类别（area_type：urban 城市 / rural 农村）")
    if not household.members:
        missing.append("共同生活家庭成员（至少一人）")
    return missing


def standard_for(household: Household, ex: Explainer) -> ParamValue:
    """Return the urban or rural 低保 standard in force and record it."""
    standard = ex.param(f"dibao.standard.{household.area_type}")
    ex.step(
        "dibao.standard",
        "适用的低保标准（城市/农村）",
        inputs={"城乡类别": "城市" if household.area_type == "urban" else "农村"},
        params=[standard],
        output=standard.value,
    )
    return standard


def dibao_enrolment(household: Household) -> CurrentEnrolment | None:
    return next((c for c in household.current if c.program == "dibao"), None)


def supplement_groups(person: Person, month: datetime.date, groups: tuple[str, ...]) -> tuple[str, ...]:
    """The profile's supplement groups the person belongs to (age on the first day of the month)."""
    age = person.age_on(month)
    tests = {
        "serious_illness": person.serious_illness,
        "severe_disability": bool(person.disability_type) and person.disability_grade in (1, 2),
        "elderly_70": age >= ELDERLY_SUPPLEMENT_AGE,
        "minor": age < ADULT_AGE,
        "college_student": person.in_school and person.education_stage in HIGHER_EDUCATION,
    }
    return tuple(g for g in groups if tests.get(g, False))


def member_amount(
    groups: tuple[str, ...], gap: Fraction, floor: Fraction, share: Fraction, std: Fraction, stacking: str
) -> tuple[Fraction, Fraction]:
    """Return (amount, supplement) of one covered member: a key person gets the gap plus the supplement
    (per group when ``stacking`` is ``stack``, once when ``highest``); anyone else the gap, at least ``floor``."""
    counted = len(groups) if stacking == "stack" else min(1, len(groups))
    supplement = share * std * counted
    if supplement:
        return gap + supplement, supplement
    return max(gap, floor), Fraction(0)


def person_amounts(
    members: tuple[Person, ...], gap: Fraction, standard: ParamValue, month: datetime.date, ex: Explainer
) -> dict[str, Fraction]:
    """Return each covered member's monthly amount: gap (or floor) plus supplements; record the steps."""
    std = exact(standard.value)
    floor_p = ex.param("dibao.floor_per_person")
    share_p = ex.param("dibao.supplement.share")
    groups_p = ex.param("dibao.supplement.groups")
    stacking_p = ex.param("dibao.supplement.stacking")
    share = exact(share_p.value)
    floor = exact(floor_p.value)
    found = {p.ref: supplement_groups(p, month, tuple(groups_p.value)) if share else () for p in members}
    result: dict[str, Fraction] = {}
    supplements: dict[str, Fraction] = {}
    floored: list[str] = []
    for person in members:
        result[person.ref], supplement = member_amount(found[person.ref], gap, floor, share, std, stacking_p.value)
        if supplement:
            supplements[person.ref] = supplement
        elif gap < floor:
            floored.append(person.ref)
    if floor:
        ordinary = [p.ref for p in members if not found[p.ref]]
        ex.step(
            "dibao.floor",
            "一般救助对象月人均补差不低于最低标准",
            inputs={"人均差额": shown(gap), "一般救助对象": ordinary},
            params=[floor_p],
            output=dict.fromkeys(floored, floor_p.value),
            applied=bool(floored),
            reason="" if floored else "人均差额不低于最低补差标准" if ordinary else "家庭成员均为重点保障对象",
        )
    if supplements:
        ex.step(
            "dibao.supplement",
            "重点保障对象在差额基础上增发",
            inputs={ref: [GROUP_LABELS[g] for g in found[ref]] for ref in supplements},
            params=[share_p, groups_p, stacking_p, standard],
            output={ref: shown(v) for ref, v in supplements.items()},
        )
    several = {ref: gs for ref, gs in found.items() if len(gs) > 1}
    if several:
        stack = stacking_p.value == "stack"
        ex.step(
            "dibao.supplement.stacking",
            "同一人属于多类增发对象",
            inputs={ref: [GROUP_LABELS[g] for g in gs] for ref, gs in several.items()},
            params=[stacking_p],
            output="逐类叠加增发" if stack else "只按一类增发",
            applied=stack,
            reason="" if stack else "本辖区多类增发不叠加，只按一类增发",
        )
    return result


def labour_able(person: Person, month: datetime.date, elderly_age: int, minor_age: int, grades: Mapping) -> bool:
    """Whether the person has (some) labour ability. The statutory cases of tekun-renyuan-rending-banfa-2021
    第五条 come first — aged ``elderly_age`` or more, under ``minor_age``, or a disability within
    ``tekun.labour_disability_grades`` (type → the mildest grade that counts) mean no labour ability whatever an
    assessment says, as in ``tekun.labour_condition`` —; otherwise the assessment, if any; otherwise able."""
    age = person.age_on(month)
    if age >= elderly_age or age < minor_age:
        return False
    limit = grades.get(person.disability_type) if person.disability_type else None
    if limit is not None and person.disability_grade is not None and person.disability_grade <= int(limit):
        return False
    if person.labour_ability:
        return person.labour_ability in ("full", "partial")
    return True


def categorize(
    members: tuple[Person, ...], no_income: bool, area_type: str, month: datetime.date, ex: Explainer
) -> tuple[str, int | None]:
    """Return (category, re-check months) per the profile's scheme; record the step."""
    scheme_p = ex.param("dibao.category.scheme")
    recheck_p = ex.param("dibao.recheck_months")
    elderly_p, minor_p = ex.param("tekun.elderly_age"), ex.param("tekun.minor_age")
    grades_p = ex.param("tekun.labour_disability_grades")
    able = [p.ref for p in members if labour_able(p, month, elderly_p.value, minor_p.value, grades_p.value)]
    key = [p.ref for p in members if p.serious_illness or (p.disability_type and p.disability_grade in (1, 2))]
    inputs = {"有劳动能力的成员": able, "重病重残成员": key, "无计入收入": no_income}
    scheme = scheme_p.value
    if scheme == "abc":
        # jiuhuashan-2021 §二(一)1 names A/B/C and their intervals, not how to assign them.
        category = "A" if not able else "B" if key else "C"
        reason = "本地默认：文件未规定分类标准；无劳动能力成员家庭为A类，有劳动能力且有重病重残成员为B类，其余为C类"
    elif scheme == "maiji":
        # maiji-2021 §四(六)22: 全额 / 一类 = members without labour ability and without income.
        full = not able and no_income
        if area_type == "urban":
            category = "urban_full" if full else "urban_partial"
        else:
            category = "rural_1" if full else "rural_2" if not able else "rural_3" if key else "rural_4"
        reason = (
            "本地默认：全额/一类按 maiji-2021 §四(六)22（无劳动能力、无收入来源）；"
            "其余农村家庭：无劳动能力为二类，有劳动能力且有重病重残成员为三类，其余为四类"
        )
    else:
        unstable = any(
            p.ref in able and p.employment not in STABLE_EMPLOYMENT for p in members
        )  # dibao-shenhe-queren-banfa-2021 第三十一条
        category = ""
        reason = (
            "家中有劳动能力且未稳定就业（单位就业、退休、在校以外）的成员，视为收入来源不固定、每半年核查；"
            "否则视为经济状况稳定、每年核查"
        )
        recheck_key = "unstable" if unstable else "stable"
    if scheme in ("abc", "maiji"):
        recheck_key = category
    months = recheck_p.value.get(recheck_key)
    ex.step(
        "dibao.category",
        "分类施保与定期核查周期",
        inputs=inputs,
        params=[scheme_p, recheck_p, elderly_p, minor_p, grades_p],
        output={"类别": CATEGORY_LABELS.get(recheck_key, recheck_key), "核查周期（月）": months},
        reason=reason,
    )
    return category, int(months) if months is not None else None


def evaluate_dibao(request: Request, params: ParameterSet) -> Decision:
    """Decide 低保 for the household of ``request`` in ``params.month``."""
    from eligibility.rules.graduated_exit import evaluate_exit

    ex = Explainer(params)
    household = request.household
    missing = household_missing(household)
    if missing:
        return decide(request, params, ex, Outcome.NEEDS_INFORMATION, missing=missing)
    members = household_members(household, params.month, ex)
    if not members:
        return decide(request, params, ex, Outcome.NEEDS_INFORMATION, missing=["在世且共同生活的家庭成员"])
    standard = standard_for(household, ex)
    enrolment = dibao_enrolment(household)
    income = count_income(household, members, ex, at_entry=enrolment is None)
    if income.missing:
        return decide(request, params, ex, Outcome.NEEDS_INFORMATION, missing=income.missing)
    size = len(members)
    std = exact(standard.value)
    below = income.total < std * size
    ex.step(
        "dibao.income_test",
        "家庭人均收入低于低保标准（shehui-jiuzhu-zanxing-banfa-2014 第九条）",
        inputs={"家庭月收入": shown(income.total), "家庭人口": size, "人均收入": shown(income.per_capita)},
        params=[standard],
        output=below,
    )
    wealth = property_test(household, size, standard, ex)
    if not wealth.passed:
        return decide(request, params, ex, Outcome.INELIGIBLE, details={"reasons": wealth.failures})
    if not below:
        if enrolment is not None:
            return evaluate_exit(request, params, ex, income=income, standard=standard, enrolment=enrolment)
        return decide(request, params, ex, Outcome.INELIGIBLE, details={"reasons": ("家庭人均收入不低于低保标准",)})
    gap = std - income.per_capita
    ex.step(
        "dibao.gap",
        "人均补差 = 低保标准 − 家庭人均收入（shehui-jiuzhu-zanxing-banfa-2014 第十二条）",
        inputs={"低保标准": standard.value, "人均收入": shown(income.per_capita)},
        params=[standard],
        output=shown(gap),
    )
    amounts = person_amounts(members, gap, standard, params.month, ex)
    total = sum(amounts.values(), Fraction(0))
    rounding_p = ex.param("dibao.rounding")
    amount = round_money(total, rounding_p.value)
    ex.step(
        "dibao.amount",
        "家庭月低保金 = 各成员补差（含最低补差、增发）之和，按规定取整",
        inputs={ref: shown(v) for ref, v in amounts.items()},
        params=[rounding_p],
        output=amount,
    )
    category, recheck = categorize(members, income.gross == 0, household.area_type, params.month, ex)
    return decide(
        request,
        params,
        ex,
        Outcome.ELIGIBLE,
        amount=amount,
        category=category,
        recheck_months=recheck,
        details={
            "per_capita_income": shown(income.per_capita),
            "per_person": {ref: shown(v) for ref, v in amounts.items()},
            "covered_members": size,
        },
    )
