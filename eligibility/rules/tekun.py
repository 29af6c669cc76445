"""特困人员救助供养 (extreme-poverty support) for one person, ``request.subject``.

tekun-renyuan-rending-banfa-2021 第四条: an elderly, disabled or minor person qualifies when all three hold:

1. **No labour ability** (第五条): aged ``tekun.elderly_age`` or more; under ``tekun.minor_age`` (18 since
   gaige-wanshan-shehui-jiuzhu-yijian-2020 二(二)5 and every local document); a disability at or above the
   grades of ``tekun.labour_disability_grades`` (grade 1–3 intellectual/mental, 1–2 physical, 1 visual); or
   assessed as having none. An enrolled person past ``minor_age`` stays covered while in school at one of
   ``tekun.school_stages`` (第二十四条; maiji-2021 §四(二)5 adds higher education). Someone outside these
   cases with a disability or serious illness and no assessment → needs-information (the assessment).
2. **No livelihood** (第六条): own counted monthly income below the 低保 standard (``tekun.exempt_kinds`` not
   counted: basic pension, 优待抚恤金, 高龄津贴 …) and property within the local rule (第七条; the 低保
   property test of the profile).
3. **No able supporter** (第八条): none, or every one is 特困, a 低保 recipient aged
   ``tekun.supporter_dibao_age``+, aged ``tekun.supporter_elderly_age``+ or severely disabled with last
   year's income below ``reference.disposable_income_last_year``, without legal capacity, missing or in
   prison.

Amount per month: basic living = ``tekun.basic_multiple.<scattered|centralised>`` × the 低保 standard (last
year's — December of the previous year — where ``tekun.basic_uses_last_year_standard``, changbai-2021
§二(一)5) plus care = ``tekun.care_share.<selfcare level>`` × the current standard (nantong-2021 §四(一)),
each rounded per ``tekun.rounding``. A subject who died ends support (第二十四条(一)); an enrolled one gets a
funeral payment of ``tekun.funeral_months`` × (basic + care) where the profile pays one (maiji-2021
§四(二)5), reported in ``details``.

Not decided here, because the facts do not carry them: the supporters' own property (第八条(三)–(五) also
require it within the local low-income rule — checked in the economic verification), and a minor's choice of
the orphan / de-facto-unsupported-child allowance instead (第九条).
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from eligibility.rules.decision import Decision, Explainer, Outcome
from eligibility.rules.dibao import decide, household_missing, standard_for
from eligibility.rules.facts import CurrentEnrolment, Household, Person, Request, Supporter
from eligibility.rules.income import KIND_LABELS, household_members, person_income
from eligibility.rules.parameters import ParameterSet, ParamValue
from eligibility.rules.property import property_test
from eligibility.rules.rounding import round_money

BASIS = "tekun-renyuan-rending-banfa-2021"

DISABILITY_LABELS = {
    "visual": "视力残疾",
    "hearing": "听力残疾",
    "speech": "言语残疾",
    "physical": "肢体残疾",
    "intellectual": "智力残疾",
    "mental": "精神残疾",
    "multiple": "多重残疾",
}
SELFCARE_LABELS = {
    "capable": "具备生活自理能力（全自理）",
    "partial": "部分丧失生活自理能力（半护理）",
    "none": "完全丧失生活自理能力（全护理）",
}
MODE_LABELS = {"scattered": "分散供养", "centralised": "集中供养"}
STAGE_LABELS = {
    "none": "未上学/已离校",
    "preschool": "学前教育",
    "primary": "小学",
    "junior": "初中",
    "senior": "普通高中",
    "vocational": "中等职业教育",
    "higher_vocational": "高等职业教育（专科）",
    "bachelor": "本科",
    "postgraduate": "研究生",
}

# Outcomes of one condition.
MET, NOT_MET, UNKNOWN = "met", "not_met", "unknown"


def tekun_enrolment(household: Household) -> CurrentEnrolment | None:
    return next((c for c in household.current if c.program == "tekun"), None)


def _disability_text(person: Person | Supporter) -> str:
    if not person.disability_type:
        return "无"
    grade = f"{person.disability_grade}级" if person.disability_grade else "（等级未知）"
    return f"{DISABILITY_LABELS.get(person.disability_type, person.disability_type)}{grade}"


def _grade_within(disability_type: str, grade: int | None, limits: Any) -> bool:
    """Whether a disability is at least as severe as the limit for its type (grade 1 is the most severe)."""
    if not disability_type or grade is None:
        return False
    limit = limits.get(disability_type, limits.get("*"))
    return limit is not None and 1 <= grade <= int(limit)


def labour_condition(person: Person, month: datetime.date, enrolled: bool, ex: Explainer) -> tuple[str, str]:
    """Condition 1, no labour ability (第五条; 第二十四条 for the in-school continuation).

    Return ``(MET | NOT_MET | UNKNOWN, reason)``.
    """
    age = person.age_on(month)
    elderly_p = ex.param("tekun.elderly_age")
    minor_p = ex.param("tekun.minor_age")
    grades_p = ex.param("tekun.labour_disability_grades")
    inputs = {
        "年龄": age,
        "残疾": _disability_text(person),
        "劳动能力评估": {"full": "有劳动能力", "partial": "部分丧失", "none": "无劳动能力"}.get(
            person.labour_ability, "未评估"
        ),
    }
    label = f"无劳动能力（{BASIS} 第五条）"
    used = [elderly_p, minor_p, grades_p]

    grounds = []
    if age >= elderly_p.value:
        grounds.append(f"年满{elderly_p.value}周岁")
    if age < minor_p.value:
        grounds.append(f"未满{minor_p.value}周岁")
    if _grade_within(person.disability_type, person.disability_grade, grades_p.value):
        grounds.append(f"{_disability_text(person)}")
    if grounds:
        reason = "、".join(grounds)
        ex.step("tekun.labour", label, inputs=inputs, params=used, output=True, reason=reason)
        return MET, reason

    if age >= minor_p.value and person.in_school and _in_school_continuation(person, age, enrolled, ex):
        reason = f"年满{minor_p.value}周岁仍在校就读，继续供养"
        ex.step("tekun.labour", label, inputs=inputs, params=used, output=True, reason=reason)
        return MET, reason

    if person.labour_ability == "none":
        reason = "经评估无劳动能力"
        ex.step("tekun.labour", label, inputs=inputs, params=used, output=True, reason=reason)
        return MET, reason
    if person.labour_ability in ("full", "partial"):
        reason = "不属于第五条所列情形，且经评估具有劳动能力"
        ex.step("tekun.labour", label, inputs=inputs, params=used, output=False, reason=reason)
        return NOT_MET, reason
    if person.disability_type or person.serious_illness:
        reason = "不属于第五条所列年龄和残疾等级情形，有残疾或重病但尚未评估劳动能力"
        ex.step("tekun.labour", label, inputs=inputs, params=used, output=None, reason=reason)
        return UNKNOWN, reason
    reason = "不属于第五条所列情形（年龄、残疾等级），且未评估为无劳动能力"
    ex.step("tekun.labour", label, inputs=inputs, params=used, output=False, reason=reason)
    return NOT_MET, reason


def _in_school_continuation(person: Person, age: int, enrolled: bool, ex: Explainer) -> bool:
    """第二十四条 (and maiji-2021 §四(二)5): an enrolled minor keeps support past ``minor_age`` while in school."""
    continue_p = ex.param("tekun.continue_in_school")
    stages_p = ex.param("tekun.school_stages")
    inputs = {"年龄": age, "在读学段": STAGE_LABELS.get(person.education_stage, person.education_stage)}
    label = "年满18周岁后仍在校就读的继续供养"
    if not continue_p.value:
        why = "本辖区不实行在校就读继续供养"
    elif person.education_stage not in stages_p.value:
        allowed = "、".join(STAGE_LABELS.get(s, s) for s in stages_p.value)
        why = f"在读学段不在继续供养的学段（{allowed}）之内"
    elif not enrolled:
        why = "继续供养只适用于已纳入特困供养、年满18周岁时仍在校的人员；申请人目前不是特困人员"
    else:
        ex.step("tekun.in_school", label, inputs=inputs, params=[continue_p, stages_p], output=True)
        return True
    ex.step(
        "tekun.in_school",
        label,
        inputs=inputs,
        params=[continue_p, stages_p],
        output=False,
        applied=False,
        reason=why,
    )
    return False


def livelihood_condition(household: Household, person: Person, ex: Explainer) -> tuple[str, str, ParamValue, list[str]]:
    """Condition 2, no livelihood (第六条, 第七条). Return ``(status, reason, standard, missing)``."""
    standard = standard_for(household, ex)
    exempt_p = ex.param("tekun.exempt_kinds")
    deductible_p = ex.param("income.deductible_kinds")
    income = person_income(person, tuple(exempt_p.value), tuple(deductible_p.value))
    missing = [f"申请人的收入类别“{kind}”无法识别" for kind in income.unknown_kinds]
    below = income.counted < standard.value
    ex.step(
        "tekun.income",
        f"本人收入低于低保标准（{BASIS} 第六条）",
        inputs={
            "申报收入": {KIND_LABELS.get(k, k): v for k, v in person.incomes},
            "不计入": income.exempt,
            "扣减": income.deducted,
            "计入收入": income.counted,
            "低保标准": standard.value,
        },
        params=[exempt_p, deductible_p, standard],
        output=below,
    )
    members = household_members(household, ex.params.month, ex)
    assets = property_test(household, max(len(members), 1), standard, ex)
    ex.step(
        "tekun.property",
        f"财产状况符合规定（{BASIS} 第七条：由地方规定，按本辖区低保财产条件）",
        output=assets.passed,
        reason="；".join(assets.failures),
    )
    reasons = []
    if not below:
        reasons.append(f"本人计入收入 {income.counted} 元不低于低保标准 {standard.value} 元")
    reasons.extend(assets.failures)
    if reasons:
        return NOT_MET, "；".join(reasons), standard, missing
    return (UNKNOWN if missing else MET), "", standard, missing


def _supporter_unable(supporter: Supporter, month: datetime.date, ex: Explainer) -> tuple[bool, str, list[ParamValue]]:
    """第八条: whether one legal supporter is unable to support; the ground, and the parameters read."""
    age = _age(supporter.birth_date, month)
    dibao_age_p = ex.param("tekun.supporter_dibao_age")
    elderly_p = ex.param("tekun.supporter_elderly_age")
    grades_p = ex.param("tekun.supporter_disability_grades")
    used = [dibao_age_p, elderly_p, grades_p]
    if supporter.is_tekun:
        return True, "（一）本人是特困人员", used
    if supporter.is_dibao and age >= dibao_age_p.value:
        return True, f"（二）{dibao_age_p.value}周岁以上的低保对象", used
    if supporter.lacks_legal_capacity or supporter.missing or supporter.in_prison:
        what = (
            "无民事行为能力" if supporter.lacks_legal_capacity else "被宣告失踪" if supporter.missing else "在监狱服刑"
        )
        return True, f"（五）{what}", used
    old = age >= elderly_p.value
    disabled = _grade_within(supporter.disability_type, supporter.disability_grade, grades_p.value)
    if old or disabled:
        income_p = ex.param("reference.disposable_income_last_year")
        used.append(income_p)
        item = f"（三）{elderly_p.value}周岁以上" if old else f"（四）{_disability_text(supporter)}"
        if supporter.annual_income < income_p.value:
            return True, f"{item}，本人上年收入 {supporter.annual_income} 元低于上年人均可支配收入", used
        return False, f"{item}，但本人上年收入 {supporter.annual_income} 元不低于上年人均可支配收入", used
    return False, "不属于第八条所列无履行义务能力的情形", used


def _age(birth: datetime.date, day: datetime.date) -> int:
    years = day.year - birth.year
    if (day.month, day.day) < (birth.month, birth.day):
        years -= 1
    return years


RELATION_LABELS = {
    "child": "子女",
    "parent": "父母",
    "spouse": "配偶",
    "grandchild": "孙子女/外孙子女",
    "grandparent": "祖父母/外祖父母",
    "sibling": "兄、姐",
}


def supporter_condition(household: Household, person: Person, month: datetime.date, ex: Explainer) -> tuple[str, str]:
    """Condition 3: no legal supporter, or every supporter unable (第八条)."""
    supporters = [s for s in household.supporters if s.supports == person.ref]
    label = f"无法定赡养、抚养、扶养义务人或义务人无履行义务能力（{BASIS} 第八条）"
    if not supporters:
        ex.step("tekun.supporters", label, inputs={"法定义务人": 0}, output=True, reason="无法定义务人")
        return MET, ""
    able = []
    for i, supporter in enumerate(supporters, start=1):
        unable, ground, used = _supporter_unable(supporter, month, ex)
        ex.step(
            "tekun.supporter",
            f"法定义务人{i}（{RELATION_LABELS.get(supporter.relation, supporter.relation)}）是否无履行义务能力",
            inputs={
                "关系": RELATION_LABELS.get(supporter.relation, supporter.relation),
                "年龄": _age(supporter.birth_date, month),
                "残疾": _disability_text(supporter),
                "上年收入": supporter.annual_income,
                "特困人员": supporter.is_tekun,
                "低保对象": supporter.is_dibao,
            },
            params=used,
            output=unable,
            reason=ground,
        )
        if not unable:
            able.append(f"法定义务人{i}（{RELATION_LABELS.get(supporter.relation, supporter.relation)}）有履行义务能力")
    ex.step(
        "tekun.supporters",
        label,
        inputs={"法定义务人": len(supporters), "有履行能力": len(able)},
        output=not able,
        reason="；".join(able) if able else "全部法定义务人无履行义务能力",
    )
    return (NOT_MET, "；".join(able)) if able else (MET, "")


def support_amounts(
    household: Household, person: Person, current_standard: ParamValue, params: ParameterSet, ex: Explainer
) -> tuple[dict[str, Any], list[str]]:
    """Basic living and care standards for the subject; return the figures and any missing facts."""
    area = household.area_type
    mode = "centralised" if household.centralised_support else "scattered"
    rounding_p = ex.param("tekun.rounding")
    last_year_p = ex.param("tekun.basic_uses_last_year_standard")
    if last_year_p.value:
        base = params.last_year(f"dibao.standard.{area}")
        base_text = f"上年度（{params.month.year - 1}年12月在用）低保标准"
    else:
        base = current_standard
        base_text = "当月低保标准"
    multiple_p = ex.param(f"tekun.basic_multiple.{mode}")
    basic = round_money(multiple_p.value * base.value, rounding_p.value)
    ex.step(
        "tekun.basic_living",
        f"基本生活标准：{MODE_LABELS[mode]}按{base_text}的倍数",
        inputs={
            "供养方式": MODE_LABELS[mode],
            "城乡类别": "城市" if area == "urban" else "农村",
            base_text: base.value,
        },
        params=[last_year_p, base, multiple_p, rounding_p],
        output=basic,
    )
    figures: dict[str, Any] = {
        "support_mode": mode,
        "basic_standard_base": base.value,
        "basic_living": basic,
    }
    level = person.selfcare_level
    if level not in SELFCARE_LABELS:
        ex.step(
            "tekun.care",
            f"照料护理标准：按生活自理能力分档（{BASIS} 第二十条至第二十二条）",
            inputs={"生活自理能力": level or "未评估"},
            output=None,
            reason="尚未评估生活自理能力，无法确定照料护理标准档次",
        )
        return figures, [
            "申请人的生活自理能力评估结果（selfcare_level：capable 全自理 / partial 半护理 / none 全护理）"
        ]
    share_p = ex.param(f"tekun.care_share.{level}")
    care = round_money(share_p.value * current_standard.value, rounding_p.value)
    ex.step(
        "tekun.care",
        f"照料护理标准：{SELFCARE_LABELS[level]}按当月低保标准的比例",
        inputs={"生活自理能力": SELFCARE_LABELS[level], "当月低保标准": current_standard.value},
        params=[share_p, current_standard, rounding_p],
        output=care,
    )
    figures["care"] = care
    figures["monthly_total"] = basic + care
    return figures, []


def evaluate_tekun(request: Request, params: ParameterSet) -> Decision:
    """Decide 特困供养 for ``request.subject`` in ``params.month``; see the module docstring.

    Missing facts (no subject, no self-care assessment, no labour assessment where one is needed) give
    needs-information; a missing parameter raises ``MissingParameter`` (e.g. Changbai in 2025, whose
    "last year's standard" lies before the first stored standard).
    """
    ex = Explainer(params)
    household = request.household
    month = params.month
    missing = household_missing(household)
    person = next((p for p in household.members if p.ref == request.subject), None)
    if person is None:
        missing.append("特困供养申请人（subject：共同生活家庭成员的 ref）")
    if missing:
        return decide(request, params, ex, Outcome.NEEDS_INFORMATION, missing=missing)
    enrolment = tekun_enrolment(household)
    ex.step(
        "tekun.subject",
        "特困供养申请人",
        inputs={
            "成员": person.ref,
            "出生日期": person.birth_date.isoformat(),
            "年龄": person.age_on(month),
            "已纳入特困供养": enrolment is not None,
        },
        output=person.ref,
    )
    if person.deceased:
        return _deceased(request, params, household, person, enrolment, ex)
    if person.imprisoned or person.missing:
        why = "依法被判处刑罚且在监狱服刑" if person.imprisoned else "被宣告失踪"
        ex.step(
            "tekun.termination",
            f"不予（终止）救助供养（{BASIS} 第二十四条）",
            inputs={"情形": why},
            output=False,
            reason=why,
        )
        return decide(request, params, ex, Outcome.INELIGIBLE)

    failures: list[str] = []
    unknown: list[str] = []
    status, reason = labour_condition(person, month, enrolment is not None, ex)
    if status == NOT_MET:
        failures.append(f"有劳动能力：{reason}")
    elif status == UNKNOWN:
        unknown.append("申请人的劳动能力评估结果（labour_ability：full / partial / none）")
    status, reason, standard, income_missing = livelihood_condition(household, person, ex)
    if status == NOT_MET:
        failures.append(f"有生活来源：{reason}")
    unknown.extend(income_missing)
    status, reason = supporter_condition(household, person, month, ex)
    if status == NOT_MET:
        failures.append(reason)

    if failures:
        ex.step("tekun.result", f"特困供养条件（{BASIS} 第四条）", output=False, reason="；".join(failures))
        return decide(request, params, ex, Outcome.INELIGIBLE)

    figures, amount_missing = support_amounts(household, person, standard, params, ex)
    unknown.extend(amount_missing)
    recheck_p = ex.param("tekun.recheck_months")
    if unknown:
        ex.step("tekun.result", f"特困供养条件（{BASIS} 第四条）", output=None, reason="信息不全")
        return decide(request, params, ex, Outcome.NEEDS_INFORMATION, missing=unknown, details=figures)
    ex.step(
        "tekun.result",
        f"符合特困供养条件（{BASIS} 第四条），按月发放基本生活标准与照料护理标准",
        inputs={"基本生活标准": figures["basic_living"], "照料护理标准": figures["care"]},
        params=[recheck_p],
        output=figures["monthly_total"],
    )
    return decide(
        request,
        params,
        ex,
        Outcome.ELIGIBLE,
        amount=figures["monthly_total"],
        category=figures["support_mode"],
        recheck_months=recheck_p.value,
        details=figures,
    )


def _deceased(
    request: Request,
    params: ParameterSet,
    household: Household,
    person: Person,
    enrolment: CurrentEnrolment | None,
    ex: Explainer,
) -> Decision:
    """Death ends support (第二十四条(一)); an enrolled person's funeral payment where the profile pays one."""
    ex.step(
        "tekun.termination",
        f"死亡：终止救助供养（{BASIS} 第二十四条）",
        inputs={"情形": "死亡"},
        output=False,
        reason="申请人已死亡",
    )
    months_p = ex.param("tekun.funeral_months")
    label = "丧葬费：一次性发放若干个月的基本生活标准和照料护理标准"
    if not months_p.value or enrolment is None:
        why = "本辖区未规定特困人员丧葬费" if not months_p.value else "只对在册特困人员发放，死者不是特困人员"
        ex.step("tekun.funeral", label, params=[months_p], output=Decimal("0.00"), applied=False, reason=why)
        return decide(request, params, ex, Outcome.INELIGIBLE)
    standard = standard_for(household, ex)
    figures, missing = support_amounts(household, person, standard, params, ex)
    if missing:
        ex.step("tekun.funeral", label, params=[months_p], output=None, reason="缺少生活自理能力评估，无法计算")
        return decide(request, params, ex, Outcome.NEEDS_INFORMATION, missing=missing, details=figures)
    funeral = months_p.value * figures["monthly_total"]
    ex.step(
        "tekun.funeral",
        label,
        inputs={"基本生活标准": figures["basic_living"], "照料护理标准": figures["care"]},
        params=[months_p],
        output=funeral,
    )
    figures["funeral_payment"] = funeral
    return decide(request, params, ex, Outcome.INELIGIBLE, details=figures)
