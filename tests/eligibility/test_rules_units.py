"""Unit tests of the 低保 family of rules, the engine and serialization, on hand-built parameter sets
(independent of the shipped profile files)."""

from __future__ import annotations

import datetime
import json
from decimal import Decimal
from fractions import Fraction
from types import MappingProxyType

import pytest

from eligibility.rules.decision import Outcome
from eligibility.rules.engine import evaluate
from eligibility.rules.facts import CurrentEnrolment, Home, Household, Person, Request, Vehicle
from eligibility.rules.graduated_exit import exit_schedule
from eligibility.rules.parameters import MissingParameter, ParameterSet, ParamValue
from eligibility.rules.rounding import is_multiple_of_step, round_money
from eligibility.rules.serialization import decision_to_dict, request_from_dict, request_to_dict

D = Decimal
JULY = datetime.date(2026, 7, 1)
BASE = {
    "income.exempt_kinds": ("preferential", "family_planning", "scholarship", "heroic_award", "social_assistance"),
    "income.deductible_kinds": ("job_cost", "transfer_expense"),
    "income.deduct_rigid_expenses_at_entry": False,
    "income.rigid_expense_kinds": ("medical", "rehabilitation", "care"),
    "property.financial_months": 24,
    "property.vehicle_rule": "none_allowed",
    "property.vehicle_value_limit": D("0"),
    "property.max_homes": 1,
    "dibao.floor_per_person": D("0"),
    "dibao.supplement.share": D("0"),
    "dibao.supplement.groups": (),
    "dibao.supplement.stacking": "highest",
    "dibao.rounding": "fen",
    "dibao.category.scheme": "none",
    "dibao.recheck_months": MappingProxyType({"stable": 12, "unstable": 6}),
    "single.household_income_multiple": D("1.5"),
    "single.groups": ("severe_disability", "intellectual_mental_3", "serious_illness"),
    "single.medical_cost_test": False,
    "single.cap_to_household_equivalent": False,
    "exit.enabled": True,
    "exit.income_multiple": D("2"),
    "exit.cause": "any",
    "exit.months": 6,
    "exit.months_with_disabled": 6,
    "exit.amount_mode": "unchanged",
    "exit.yearly_decrease": D("0"),
    "tekun.elderly_age": 60,
    "tekun.minor_age": 18,
    "tekun.labour_disability_grades": MappingProxyType({"intellectual": 3, "mental": 3, "physical": 2, "visual": 1}),
    "low_income.edge_multiple": D("1.5"),
    "low_income.multiple": D("2"),
    "rigid.spending_share": D("0.5"),
    "reference.disposable_income_last_year": D("40000"),
}
STANDARDS = {"dibao.standard.urban": (D("800"), D("820")), "dibao.standard.rural": (D("600"), D("620"))}


def make_params(month: datetime.date = JULY, drop: tuple[str, ...] = (), **overrides) -> ParameterSet:
    """A test profile: BASE from 2021-01, standards from 2025-07 and raised on 2026-07."""
    values = {**BASE, **{k.replace("__", "."): v for k, v in overrides.items()}}
    timelines = {}
    for key, value in values.items():
        if key in drop:
            continue
        timelines[key] = (ParamValue(key, value, datetime.date(2021, 1, 1), f"t:{key}", f"test §{key}", "test"),)
    for key, (old, new) in STANDARDS.items():
        timelines[key] = (
            ParamValue(key, old, datetime.date(2025, 7, 1), f"t:{key}@2025-07", "", "test", True),
            ParamValue(key, new, datetime.date(2026, 7, 1), f"t:{key}@2026-07", "", "test", True),
        )
    return ParameterSet("test", month, MappingProxyType(timelines))


def person(ref="m1", born="1980-01-01", **kwargs) -> Person:
    incomes = tuple((k, D(v)) for k, v in kwargs.pop("incomes", {}).items())
    return Person(ref=ref, birth_date=datetime.date.fromisoformat(born), incomes=incomes, **kwargs)


def household(*members, area="rural", **kwargs) -> Household:
    return Household(area_type=area, members=tuple(members), **kwargs)


def decide(program, hh, month=JULY, subject=None, **overrides):
    return evaluate(Request(program, month, hh, subject), make_params(month, **overrides))


def step(decision, rule_id):
    return next(s for s in decision.steps if s.rule_id == rule_id)


# --- rounding -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "mode", "expected"),
    [
        (D("489.50"), "yuan", "490.00"),
        (D("489.49"), "yuan", "489.00"),
        (D("1549.85"), "jiao", "1549.90"),
        (D("1549.84"), "jiao", "1549.80"),
        (Fraction(1000, 3), "fen", "333.33"),
        (Fraction(2000, 3), "fen", "666.67"),
        (D("0.005"), "fen", "0.01"),
        (D("-0.005"), "fen", "-0.01"),
    ],
)
def test_round_money_half_up_exactly(value, mode, expected):
    assert str(round_money(value, mode)) == expected
    assert is_multiple_of_step(round_money(value, mode), mode)


def test_round_money_rejects_unknown_mode():
    with pytest.raises(ValueError, match="取整"):
        round_money(D("1"), "li")


# --- income ---------------------------------------------------------------------------------------------


def test_job_cost_is_deducted_only_from_the_same_persons_earned_income():
    hh = household(
        person("m1", incomes={"wages": "100", "job_cost": "300"}),
        person("m2", "1950-01-01", incomes={"pension": "500"}),
    )
    decision = decide("dibao", hh)
    # m1 counts 0 (job cost capped at wages), m2 500 → per capita 250 → (620 − 250) × 2
    assert decision.amount == D("740.00")
    assert step(decision, "income.counted").output == {"m1": D("0"), "m2": D("500"), "合计": D("500")}


def test_deductions_not_allowed_by_the_profile_are_shown_as_not_applied():
    hh = household(person(incomes={"wages": "300", "job_cost": "100"}))
    decision = decide("dibao", hh, income__deductible_kinds=())
    assert decision.amount == D("320.00")
    ignored = [s for s in decision.considered_not_applied if s.rule_id == "income.deductions"]
    assert ignored and ignored[0].inputs == (("m1", D("100")),)


def test_a_locally_exempt_kind_is_not_counted():
    hh = household(person(incomes={"support_received": "200"}))
    assert decide("dibao", hh).amount == D("420.00")
    exempt = ("support_received",)
    assert decide("dibao", hh, income__exempt_kinds=exempt).amount == D("620.00")


def test_unknown_income_kind_needs_information_and_is_never_counted():
    decision = decide("dibao", household(person(incomes={"wages": "100", "bitcoin": "50"})))
    assert decision.outcome == Outcome.NEEDS_INFORMATION
    assert "bitcoin" in decision.missing_facts[0]
    assert decision.steps[-1].rule_id == "facts.missing"


def test_rigid_expenses_are_deducted_at_entry_only_and_never_below_zero():
    expenses = (("medical", D("24000")), ("education", D("1200")))
    hh = household(person(incomes={"wages": "1000"}), rigid_expenses_12m=expenses)
    on = {"income__deduct_rigid_expenses_at_entry": True}
    # medical 24000 / 12 = 2000 > income 1000 → income counts 0; education is not a deductible kind here
    assert decide("dibao", hh, **on).amount == D("620.00")
    enrolled = household(
        person(incomes={"wages": "500"}),
        rigid_expenses_12m=expenses,
        current=(CurrentEnrolment("dibao", D("100"), datetime.date(2025, 1, 1)),),
    )
    decision = decide("dibao", enrolled, **on)
    assert decision.amount == D("120.00")
    assert not step(decision, "income.rigid_deduction").applied


def test_deceased_imprisoned_and_missing_members_are_left_out():
    hh = household(
        person("m1", incomes={"wages": "300"}),
        person("m2", deceased=True, incomes={"wages": "5000"}),
        person("m3", imprisoned=True),
        person("m4", missing=True),
    )
    decision = decide("dibao", hh)
    assert decision.amount == D("320.00")
    assert len([s for s in decision.steps if s.rule_id == "household.member_excluded"]) == 3


# --- property -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("rule", "vehicles", "eligible"),
    [
        ("ignore", (Vehicle(D("90000")),), True),
        ("none_allowed", (Vehicle(D("90000"), exempt=True),), True),
        ("none_allowed", (Vehicle(D("1000")),), False),
        ("value_limit", (Vehicle(D("20000")),), True),
        ("value_limit", (Vehicle(D("20000")), Vehicle(D("0.01"))), False),
    ],
)
def test_vehicle_rules(rule, vehicles, eligible):
    hh = household(person(incomes={"wages": "300"}), vehicles=vehicles)
    decision = decide("dibao", hh, property__vehicle_rule=rule, property__vehicle_value_limit=D("20000"))
    assert (decision.outcome == Outcome.ELIGIBLE) is eligible


def test_homes_and_financial_assets_limits():
    one = household(person(), homes=(Home(D("1")), Home(D("1"), exempt=True)))
    assert decide("dibao", one).outcome == Outcome.ELIGIBLE
    two = household(person(), homes=(Home(D("1")), Home(D("1"))))
    assert decide("dibao", two).outcome == Outcome.INELIGIBLE
    at_limit = household(person(), person("m2"), financial_assets=D("29760"))  # 24 × 620 × 2
    assert decide("dibao", at_limit).outcome == Outcome.ELIGIBLE
    over = household(person(), person("m2"), financial_assets=D("29760.01"))
    decision = decide("dibao", over)
    assert decision.outcome == Outcome.INELIGIBLE
    assert "金融资产" in dict(decision.details)["reasons"][0]


# --- amount ---------------------------------------------------------------------------------------------


def test_standard_by_area_and_month_boundary():
    hh = household(person(incomes={"wages": "100"}), area="urban")
    assert decide("dibao", hh, datetime.date(2026, 6, 1)).amount == D("700.00")
    assert decide("dibao", hh, JULY).amount == D("720.00")


def test_thirds_are_exact_and_rounded_once():
    hh = household(person("m1", incomes={"wages": "1000"}), person("m2"), person("m3"))
    # 3 × 620 − 1000 = 860 exactly, although the per-capita income is 333.33…
    assert decide("dibao", hh).amount == D("860.00")
    assert decide("dibao", hh, dibao__rounding="yuan").amount == D("860.00")


def test_supplement_stacking_stack_versus_highest():
    old = person("m1", "1940-01-01", serious_illness=True, disability_type="physical", disability_grade=1)
    hh = household(old, person("m2", incomes={"wages": "1240"}))
    settings = {
        "dibao__supplement__share": D("0.5"),
        "dibao__supplement__groups": ("serious_illness", "severe_disability", "elderly_70", "minor"),
    }
    highest = decide("dibao", hh, dibao__supplement__stacking="highest", **settings)
    stacked = decide("dibao", hh, dibao__supplement__stacking="stack", **settings)
    # per-capita income 620 = the standard → not eligible at all: no gap, supplements alone do not qualify
    assert highest.outcome == stacked.outcome == Outcome.INELIGIBLE
    hh = household(old, person("m2", incomes={"wages": "1000"}))  # gap 120 per person
    highest = decide("dibao", hh, dibao__supplement__stacking="highest", **settings)
    stacked = decide("dibao", hh, dibao__supplement__stacking="stack", **settings)
    assert highest.amount == D("240.00") + D("310.00")  # one supplement of 310
    assert stacked.amount == D("240.00") + D("930.00")  # three groups × 310
    assert not step(highest, "dibao.supplement.stacking").applied
    assert step(stacked, "dibao.supplement.stacking").applied


def test_floor_applies_to_ordinary_members_only():
    hh = household(person("m1", incomes={"wages": "1200"}), person("m2", "2015-01-01"))  # gap 20
    settings = {
        "dibao__floor_per_person": D("100"),
        "dibao__supplement__share": D("0.5"),
        "dibao__supplement__groups": ("minor",),
    }
    assert decide("dibao", hh, **settings).amount == D("100.00") + D("20.00") + D("310.00")


@pytest.mark.parametrize(
    ("scheme", "members", "area", "category", "months"),
    [
        ("abc", [person("m1", "1950-01-01")], "rural", "A", 12),
        ("abc", [person("m1"), person("m2", labour_ability="none", serious_illness=True)], "rural", "B", 12),
        ("abc", [person("m1", employment="employed")], "rural", "C", 6),
        ("maiji", [person("m1", "1950-01-01")], "urban", "urban_full", 12),
        ("maiji", [person("m1", "1950-01-01", incomes={"pension": "10"})], "urban", "urban_partial", 6),
        ("maiji", [person("m1", "1950-01-01", incomes={"pension": "10"})], "rural", "rural_2", 12),
        ("maiji", [person("m1"), person("m2", disability_type="visual", disability_grade=1)], "rural", "rural_3", 6),
        ("maiji", [person("m1", disability_type="visual", disability_grade=3)], "rural", "rural_4", 6),
        ("none", [person("m1", employment="employed")], "rural", "", 12),
        ("none", [person("m1", employment="flexible")], "rural", "", 6),
    ],
)
def test_categories_and_recheck_intervals(scheme, members, area, category, months):
    recheck = {
        "abc": {"A": 12, "B": 12, "C": 6},
        "maiji": {"urban_full": 12, "urban_partial": 6, "rural_1": 12, "rural_2": 12, "rural_3": 6, "rural_4": 6},
        "none": {"stable": 12, "unstable": 6},
    }[scheme]
    decision = decide(
        "dibao",
        household(*members, area=area),
        dibao__category__scheme=scheme,
        dibao__recheck_months=MappingProxyType(recheck),
    )
    assert (decision.category, decision.recheck_months) == (category, months)
    if scheme != "none":
        assert step(decision, "dibao.category").reason.startswith("本地默认")


# --- graduated exit -------------------------------------------------------------------------------------


def test_exit_schedule_decreases_linearly_by_year_and_never_below_zero():
    schedule = exit_schedule(D("100"), 60, "yearly_decrease", D("0.3"), JULY, "fen")
    amounts = [a for _, a in schedule]
    assert amounts[0] == amounts[11] == D("100.00")
    assert amounts[12] == D("70.00") and amounts[24] == D("40.00") and amounts[36] == D("10.00")
    assert amounts[48] == amounts[59] == D("0.00")
    assert schedule[-1][0] == datetime.date(2031, 6, 1)


def _enrolled(*members, **kwargs):
    return household(*members, current=(CurrentEnrolment("dibao", D("300"), datetime.date(2025, 1, 1)),), **kwargs)


def test_exit_uses_the_longer_period_when_a_member_is_disabled():
    hh = _enrolled(person("m1", incomes={"wages": "1300"}), person("m2", disability_type="hearing", disability_grade=4))
    decision = decide("dibao", hh, exit__months=18, exit__months_with_disabled=24)
    assert len(decision.exit_schedule) == 24 and decision.amount == D("300.00")


def test_exit_not_enabled_or_cause_restricted():
    hh = _enrolled(person(incomes={"wages": "700"}))
    assert decide("dibao", hh, exit__enabled=False).outcome == Outcome.INELIGIBLE
    needs = decide("dibao", hh, exit__cause="work")
    assert needs.outcome == Outcome.NEEDS_INFORMATION and "收入增加的原因" in needs.missing_facts[0]
    worked = _enrolled(person(incomes={"wages": "700"}), income_rise_cause="work")
    assert decide("dibao", worked, exit__cause="work").outcome == Outcome.ELIGIBLE


def test_an_enrolled_household_still_below_the_standard_is_recomputed_not_exited():
    hh = _enrolled(person(incomes={"wages": "500"}))
    decision = decide("dibao", hh)
    assert decision.amount == D("120.00") and not decision.exit_schedule


# --- 单人户 ----------------------------------------------------------------------------------------------


def _edge_household(subject: Person) -> Household:
    return household(person("m1", incomes={"wages": "1400"}), subject)  # per capita 700: 1–1.5 × 620


def test_single_person_without_cap_gets_the_standard_minus_own_income():
    subject = person("m2", disability_type="mental", disability_grade=3, incomes={"pension": "20"})
    decision = decide("dibao_single", _edge_household(subject), subject="m2")
    assert decision.amount == D("600.00")
    assert "single.cap" not in {s.rule_id for s in decision.steps}


def test_single_person_cap_not_applied_when_below_the_household_equivalent():
    subject = person("m2", serious_illness=True, incomes={"wages": "600"})
    hh = household(person("m1", incomes={"wages": "640"}), subject)  # per capita 620 = standard → gap 0
    settings = {
        "single__cap_to_household_equivalent": True,
        "dibao__supplement__share": D("0.5"),
        "dibao__supplement__groups": ("serious_illness",),
    }
    decision = decide("dibao_single", hh, subject="m2", **settings)
    # own gap 20 + supplement 310 = 330 > equivalent 0 + 310 → capped to 310
    assert decision.amount == D("310.00")
    assert step(decision, "single.cap").applied


def test_single_subject_facts():
    subject = person("m2", disability_type="physical", disability_grade=1)
    assert decide("dibao_single", _edge_household(subject)).outcome == Outcome.NEEDS_INFORMATION
    unknown = decide("dibao_single", _edge_household(subject), subject="m9")
    assert unknown.outcome == Outcome.NEEDS_INFORMATION and "m9" in unknown.missing_facts[0]
    dead = person("m2", disability_type="physical", disability_grade=1, deceased=True)
    assert decide("dibao_single", _edge_household(dead), subject="m2").outcome == Outcome.INELIGIBLE


def test_single_own_income_at_the_standard_is_ineligible():
    subject = person("m2", serious_illness=True, incomes={"pension": "620"})
    hh = household(person("m1", incomes={"wages": "780"}), subject)
    assert decide("dibao_single", hh, subject="m2").outcome == Outcome.INELIGIBLE


# --- 低收入 ----------------------------------------------------------------------------------------------


def test_rigid_expense_test_before_the_2024_rule_is_in_force():
    hh = household(person(incomes={"wages": "1300"}), rigid_expenses_12m=(("medical", D("20000")),))
    decision = decide("low_income", hh, drop=("rigid.spending_share",))
    assert decision.outcome == Outcome.INELIGIBLE
    assert not step(decision, "low_income.rigid").applied
    assert decide("low_income", hh).category == "rigid_expense"


# --- engine and serialization ---------------------------------------------------------------------------


def test_unknown_program_is_a_chinese_value_error():
    with pytest.raises(ValueError, match="未知的救助项目"):
        decide("housing", household(person()))


def test_the_request_month_decides_whatever_month_the_parameters_were_built_for():
    hh = household(person(incomes={"wages": "100"}))
    decision = evaluate(Request("dibao", JULY, hh), make_params(datetime.date(2026, 1, 1)))
    assert decision.amount == D("520.00") and decision.month == JULY


def test_missing_parameter_is_raised_not_hidden():
    with pytest.raises(MissingParameter):
        decide("dibao", household(person()), datetime.date(2025, 6, 1))


def test_decision_records_versions_and_serializes_to_json():
    decision = decide("dibao", household(person(incomes={"wages": "100"})))
    assert "t:dibao.standard.rural@2026-07" in decision.versions_used
    data = decision_to_dict(decision)
    json.dumps(data, ensure_ascii=False)
    assert data["amount"] == "520.00" and data["month"] == "2026-07" and data["outcome"] == "eligible"
    standard = data["steps"][1]["params"][0]
    assert standard == {
        "key": "dibao.standard.rural",
        "value": "620",
        "effective_from": "2026-07",
        "version_id": "t:dibao.standard.rural@2026-07",
        "clause": "",
        "profile": "test",
        "local_default": True,
        "demo": False,
    }


VALID = {
    "program": "dibao",
    "month": "2026-07",
    "household": {
        "area_type": "rural",
        "financial_assets": "100.50",
        "members": [{"ref": "m1", "birth_date": "1980-02-29", "incomes": {"wages": "300"}}],
        "current": [{"program": "dibao", "monthly_amount": "10", "since": "2025-01"}],
        "vehicles": [{"value": "1000", "exempt": True}],
    },
}


def test_request_round_trip():
    request = request_from_dict(VALID)
    assert request.household.members[0].incomes == (("wages", D("300")),)
    assert request.household.current[0].since == datetime.date(2025, 1, 1)
    assert request_from_dict(request_to_dict(request)) == request


def _with(path: list, value):
    data = json.loads(json.dumps(VALID))
    target = data
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return data


@pytest.mark.parametrize(
    ("path", "value", "message"),
    [
        (["colour"], "red", "未知的字段 'colour'"),
        (["household", "members", 0, "shoe_size"], 42, "request.household.members[0].shoe_size"),
        (["household", "financial_assets"], 100.5, "金额应写成字符串"),
        (["household", "financial_assets"], "-1", "不能为负数"),
        (["household", "financial_assets"], "1.005", "最多保留两位小数"),
        (["household", "financial_assets"], "abc", "金额格式不正确"),
        (["household", "financial_assets"], "NaN", "金额格式不正确"),
        (["household", "members", 0, "incomes", "wages"], True, "金额应写成字符串"),
        (["month"], "2026-13", "月份不存在"),
        (["month"], "2026-07-01", "YYYY-MM"),
        (["household", "members", 0, "birth_date"], "1981-02-29", "日期不存在"),
        (["household", "members", 0, "disability_grade"], 5, "1–4"),
        (["household", "area_type"], "suburban", "urban"),
        (["household", "current", 0, "since"], "2025", "YYYY-MM"),
    ],
)
def test_request_from_dict_rejects_bad_input_naming_the_field(path, value, message):
    with pytest.raises(ValueError, match=message.replace("[", r"\[").replace("]", r"\]")):
        request_from_dict(_with(path, value))


def test_request_from_dict_rejects_duplicate_refs_and_missing_required_fields():
    data = _with(["household", "members"], [{"ref": "m1", "birth_date": "1980-01-01"}] * 2)
    with pytest.raises(ValueError, match="重复"):
        request_from_dict(data)
    with pytest.raises(ValueError, match="缺少必填字段"):
        request_from_dict({"program": "dibao", "month": "2026-07"})
    with pytest.raises(ValueError, match="缺少必填字段"):
        request_from_dict(_with(["household", "members"], [{"ref": "m1"}]))


def test_elderly_member_has_no_labour_ability_whatever_the_assessment():
    """第五条: a person aged 60 or more has no labour ability, even if an assessment says 部分丧失."""
    import datetime as _dt

    from eligibility.rules.dibao import labour_able
    from eligibility.rules.facts import Person

    elderly = Person(ref="m1", birth_date=_dt.date(1935, 7, 1), labour_ability="partial")
    adult = Person(ref="m2", birth_date=_dt.date(1980, 7, 1), labour_ability="partial")
    month = _dt.date(2026, 7, 1)
    assert labour_able(elderly, month, 60, 18, {}) is False
    assert labour_able(adult, month, 60, 18, {}) is True
