"""特困人员救助供养: the three conditions, the amounts by profile, death and the funeral payment."""

from __future__ import annotations

import dataclasses
import datetime
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from eligibility.rules.decision import Outcome
from eligibility.rules.engine import evaluate
from eligibility.rules.facts import CurrentEnrolment, Household, Person, Request, Supporter, Vehicle
from eligibility.rules.parameters import MissingParameter, ParameterSet
from eligibility.rules.profile_data import load_documents, parameter_set
from eligibility.rules.rounding import is_multiple_of_step
from eligibility.rules.tekun import evaluate_tekun

JULY = datetime.date(2026, 7, 1)
DOCUMENTS = load_documents()
TEKUN = CurrentEnrolment("tekun", Decimal("900"), datetime.date(2020, 1, 1))


def person(**fields) -> Person:
    fields.setdefault("ref", "m1")
    fields.setdefault("birth_date", datetime.date(1950, 3, 4))
    fields.setdefault("selfcare_level", "capable")
    return Person(**fields)


def decide(profile: str, *members: Person, month: datetime.date = JULY, subject: str | None = "m1", **household):
    household.setdefault("area_type", "rural")
    request = Request("tekun", month, Household(members=members, **household), subject)
    return evaluate_tekun(request, parameter_set(DOCUMENTS, profile, month))


def step(decision, rule_id: str):
    return next(s for s in decision.steps if s.rule_id == rule_id)


def clauses(decision) -> set[str]:
    return {p.clause for s in decision.steps for p in s.params}


def details(decision) -> dict:
    return dict(decision.details)


def with_param(params: ParameterSet, key: str, value) -> ParameterSet:
    """Return ``params`` with ``key`` replaced by one version of ``value`` (for variants no profile has)."""
    first = params.timelines[key][0]
    timelines = dict(params.timelines)
    timelines[key] = (dataclasses.replace(first, value=value, version_id=f"test:{key}"),)
    return dataclasses.replace(params, timelines=timelines)


# --- amounts ------------------------------------------------------------------------------------------


def test_changbai_uses_last_years_standard_for_basic_living_and_this_months_for_care():
    decision = decide("changbai", person(selfcare_level="partial", incomes=(("basic_pension", Decimal("138")),)))
    assert decision.outcome == Outcome.ELIGIBLE
    assert details(decision)["basic_living"] == Decimal("747.50")  # 1.3 × 575 (December 2025)
    assert details(decision)["care"] == Decimal("120.00")  # 20 % × 600 (July 2026)
    assert decision.amount == Decimal("867.50")
    assert decision.category == "scattered"
    assert decision.recheck_months == 12
    assert {"changbai:dibao.standard.rural@2025-07", "changbai:dibao.standard.rural@2026-07"} <= set(
        decision.versions_used
    )
    assert "changbai-2021 §二(一)5" in clauses(decision)


def test_changbai_centralised_is_twice_last_years_standard():
    decision = decide("changbai", person(selfcare_level="none"), centralised_support=True)
    assert details(decision)["basic_living"] == Decimal("1150.00")
    assert decision.amount == Decimal("1390.00")
    assert decision.category == "centralised"


def test_changbai_before_a_last_years_standard_exists_raises():
    """No standard was in force in December 2024: a parameter gap, not the applicant's problem."""
    with pytest.raises(MissingParameter) as caught:
        decide("changbai", person(), month=datetime.date(2025, 9, 1))
    assert caught.value.key == "dibao.standard.rural"
    assert caught.value.month == datetime.date(2024, 12, 1)


@pytest.mark.parametrize(
    ("level", "care", "total"),
    [("capable", "99.00", "1386.00"), ("partial", "198.00", "1485.00"), ("none", "396.00", "1683.00")],
)
def test_nantong_care_tiers(level, care, total):
    decision = decide("nantong", person(selfcare_level=level))
    assert details(decision)["basic_living"] == Decimal("1287.00")
    assert details(decision)["care"] == Decimal(care)
    assert decision.amount == Decimal(total)
    assert "nantong-2021 §四(一)" in clauses(decision)


def test_the_1_july_raise_reaches_the_amount_from_july():
    june = decide("nantong", person(), month=datetime.date(2026, 6, 1))
    july = decide("nantong", person())
    assert (june.amount, july.amount) == (Decimal("1330.00"), Decimal("1386.00"))


@pytest.mark.parametrize(("mode", "amount"), [("fen", "831.46"), ("jiao", "831.50"), ("yuan", "831.00")])
def test_rounding_per_profile(mode, amount):
    """593.9 × 1.3 = 772.07 and 593.9 × 10 % = 59.39, each rounded half-up per tekun.rounding."""
    month = datetime.date(2026, 6, 1)
    params = with_param(parameter_set(DOCUMENTS, "national", month), "tekun.rounding", mode)
    request = Request("tekun", month, Household("rural", (person(),)), "m1")
    decision = evaluate_tekun(request, params)
    assert decision.amount == Decimal(amount)
    assert is_multiple_of_step(decision.amount, mode)


# --- condition 1: no labour ability ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "outcome"),
    [
        ({"birth_date": datetime.date(1966, 7, 1)}, Outcome.ELIGIBLE),  # 60 on 1 July 2026
        ({"birth_date": datetime.date(1966, 7, 2)}, Outcome.INELIGIBLE),  # 59 on the 1st, no disability
        ({"birth_date": datetime.date(1960, 1, 1), "labour_ability": "full"}, Outcome.ELIGIBLE),  # age decides
        ({"birth_date": datetime.date(1980, 1, 1), "labour_ability": "none"}, Outcome.ELIGIBLE),
        ({"birth_date": datetime.date(1980, 1, 1), "labour_ability": "partial"}, Outcome.INELIGIBLE),
        (
            {"birth_date": datetime.date(1980, 1, 1), "disability_type": "visual", "disability_grade": 1},
            Outcome.ELIGIBLE,
        ),
        (
            {"birth_date": datetime.date(1980, 1, 1), "disability_type": "visual", "disability_grade": 2},
            Outcome.NEEDS_INFORMATION,
        ),
        (
            {"birth_date": datetime.date(1980, 1, 1), "disability_type": "physical", "disability_grade": 2},
            Outcome.ELIGIBLE,
        ),
        (
            {"birth_date": datetime.date(1980, 1, 1), "disability_type": "mental", "disability_grade": 3},
            Outcome.ELIGIBLE,
        ),
        (
            {"birth_date": datetime.date(1980, 1, 1), "disability_type": "mental", "disability_grade": 4},
            Outcome.NEEDS_INFORMATION,
        ),
        ({"birth_date": datetime.date(1980, 1, 1), "serious_illness": True}, Outcome.NEEDS_INFORMATION),
        (
            {"birth_date": datetime.date(1980, 1, 1), "serious_illness": True, "labour_ability": "none"},
            Outcome.ELIGIBLE,
        ),
    ],
)
def test_labour_ability_per_article_5(fields, outcome):
    decision = decide("wujin", person(**fields))
    assert decision.outcome == outcome
    if outcome == Outcome.NEEDS_INFORMATION:
        assert decision.missing_facts == ("申请人的劳动能力评估结果（labour_ability：full / partial / none）",)
    assert "tekun-renyuan-rending-banfa-2021 第五条" in clauses(decision)


def test_a_minor_is_covered_until_the_month_they_turn_18():
    child = person(ref="c1", birth_date=datetime.date(2008, 7, 15))
    assert decide("jiuhuashan", child, subject="c1").outcome == Outcome.ELIGIBLE  # 17 on 1 July
    august = decide("jiuhuashan", child, subject="c1", month=datetime.date(2026, 8, 1))
    assert august.outcome == Outcome.INELIGIBLE
    assert "jiuhuashan-2021 §二(一)2" in clauses(august)


def test_in_school_continuation_needs_an_allowed_stage():
    student = person(birth_date=datetime.date(2006, 3, 1), in_school=True, education_stage="bachelor")
    nantong = decide("nantong", student, current=(TEKUN,))
    maiji = decide("maiji", student, current=(TEKUN,))
    assert nantong.outcome == Outcome.INELIGIBLE
    assert maiji.outcome == Outcome.ELIGIBLE
    refused = step(nantong, "tekun.in_school")
    assert not refused.applied and "学段" in refused.reason
    assert "maiji-2021 §四(二)5" in clauses(maiji)


def test_in_school_continuation_is_for_people_already_supported():
    student = person(birth_date=datetime.date(2007, 3, 1), in_school=True, education_stage="senior")
    decision = decide("maiji", student)
    assert decision.outcome == Outcome.INELIGIBLE
    refused = step(decision, "tekun.in_school")
    assert not refused.applied and "已纳入特困供养" in refused.reason
    assert decide("maiji", student, current=(TEKUN,)).outcome == Outcome.ELIGIBLE


# --- condition 2: no livelihood ----------------------------------------------------------------------


def test_exempt_income_is_not_counted():
    incomes = (("basic_pension", Decimal("5000")), ("preferential", Decimal("800")))
    decision = decide("maiji", person(incomes=incomes))
    assert decision.outcome == Outcome.ELIGIBLE
    assert "tekun-renyuan-rending-banfa-2021 第六条" in clauses(decision)


def test_income_equal_to_the_standard_is_a_livelihood():
    assert decide("maiji", person(incomes=(("pension", Decimal("584.99")),))).outcome == Outcome.ELIGIBLE
    decision = decide("maiji", person(incomes=(("pension", Decimal("585")),)))
    assert decision.outcome == Outcome.INELIGIBLE
    assert step(decision, "tekun.income").output is False


def test_support_received_counts_as_income():
    decision = decide("maiji", person(incomes=(("support_received", Decimal("600")),)))
    assert decision.outcome == Outcome.INELIGIBLE


def test_property_over_the_limit():
    limit = Decimal("24") * Decimal("585")  # maiji inherits 24 months (a national local default)
    assert decide("maiji", person(), financial_assets=limit).outcome == Outcome.ELIGIBLE
    assert decide("maiji", person(), financial_assets=limit + 1).outcome == Outcome.INELIGIBLE
    car = decide("maiji", person(), vehicles=(Vehicle(Decimal("20000")),))
    assert car.outcome == Outcome.INELIGIBLE
    assert decide("maiji", person(), vehicles=(Vehicle(Decimal("20000"), exempt=True),)).outcome == Outcome.ELIGIBLE


def test_unknown_income_kind_needs_information():
    decision = decide("maiji", person(incomes=(("lottery", Decimal("10")),)))
    assert decision.outcome == Outcome.NEEDS_INFORMATION
    assert any("lottery" in fact for fact in decision.missing_facts)


# --- condition 3: supporters -------------------------------------------------------------------------


def supporter(**fields) -> Supporter:
    fields.setdefault("supports", "m1")
    fields.setdefault("relation", "child")
    fields.setdefault("birth_date", datetime.date(1980, 1, 1))
    return Supporter(**fields)


@pytest.mark.parametrize(
    ("fields", "unable"),
    [
        ({}, False),
        ({"is_tekun": True}, True),
        ({"is_dibao": True, "birth_date": datetime.date(1966, 7, 1)}, True),  # 60
        ({"is_dibao": True, "birth_date": datetime.date(1966, 7, 2)}, False),  # 59
        ({"birth_date": datetime.date(1955, 1, 1), "annual_income": Decimal("67499")}, True),  # 71, below 67 500
        ({"birth_date": datetime.date(1955, 1, 1), "annual_income": Decimal("67500")}, False),
        ({"birth_date": datetime.date(1958, 1, 1), "annual_income": Decimal("1000")}, False),  # 68, not disabled
        ({"disability_type": "physical", "disability_grade": 2, "annual_income": Decimal("1000")}, True),
        ({"disability_type": "physical", "disability_grade": 3, "annual_income": Decimal("1000")}, False),
        ({"disability_type": "intellectual", "disability_grade": 3, "annual_income": Decimal("1000")}, True),
        ({"disability_type": "hearing", "disability_grade": 1, "annual_income": Decimal("90000")}, False),
        ({"lacks_legal_capacity": True}, True),
        ({"missing": True}, True),
        ({"in_prison": True}, True),
    ],
)
def test_supporter_capacity_per_article_8(fields, unable):
    """Wujin (national baseline): last year's disposable income (demo) 67 500 yuan from July 2026."""
    decision = decide("wujin", person(), supporters=(supporter(**fields),))
    assert decision.outcome == (Outcome.ELIGIBLE if unable else Outcome.INELIGIBLE)
    assert step(decision, "tekun.supporter").output is unable
    assert "tekun-renyuan-rending-banfa-2021 第八条" in clauses(decision)


def test_one_able_supporter_among_several_is_enough_to_refuse():
    supporters = (supporter(in_prison=True), supporter(relation="spouse"))
    decision = decide("wujin", person(), supporters=supporters)
    assert decision.outcome == Outcome.INELIGIBLE
    assert "法定义务人2（配偶）有履行义务能力" in step(decision, "tekun.supporters").reason


def test_supporters_of_other_members_do_not_count():
    other = person(ref="m2", birth_date=datetime.date(1990, 1, 1))
    decision = decide("wujin", person(), other, supporters=(supporter(supports="m2"),))
    assert decision.outcome == Outcome.ELIGIBLE
    assert step(decision, "tekun.supporters").reason == "无法定义务人"


# --- outcomes and termination ------------------------------------------------------------------------


def test_a_failed_condition_outweighs_missing_information():
    decision = decide("wujin", person(selfcare_level="", incomes=(("pension", Decimal("5000")),)))
    assert decision.outcome == Outcome.INELIGIBLE
    assert decision.missing_facts == ()


def test_no_subject_needs_information():
    decision = decide("wujin", person(), subject=None)
    assert decision.outcome == Outcome.NEEDS_INFORMATION
    assert decision.missing_facts == ("特困供养申请人（subject：共同生活家庭成员的 ref）",)
    assert decide("wujin", person(), subject="m9").outcome == Outcome.NEEDS_INFORMATION


@pytest.mark.parametrize("fact", ["imprisoned", "missing"])
def test_prison_or_declared_missing_ends_support(fact):
    decision = decide("wujin", person(**{fact: True}), current=(TEKUN,))
    assert decision.outcome == Outcome.INELIGIBLE
    assert step(decision, "tekun.termination").output is False


def test_maiji_pays_a_years_basic_and_care_on_death():
    decision = decide("maiji", person(selfcare_level="none", deceased=True), current=(TEKUN,))
    assert decision.outcome == Outcome.INELIGIBLE
    assert decision.amount == Decimal("0.00")
    assert details(decision)["funeral_payment"] == Decimal("11934.00")  # (760.50 + 234) × 12
    assert "maiji-2021 §四(二)5" in clauses(decision)


def test_no_funeral_payment_where_the_profile_has_none_or_the_person_was_not_supported():
    national = decide("nantong", person(deceased=True), current=(TEKUN,))
    assert "funeral_payment" not in details(national)
    assert "未规定" in step(national, "tekun.funeral").reason
    not_enrolled = decide("maiji", person(deceased=True))
    assert "funeral_payment" not in details(not_enrolled)
    assert not step(not_enrolled, "tekun.funeral").applied


def test_funeral_needs_the_selfcare_level():
    decision = decide("maiji", person(selfcare_level="", deceased=True), current=(TEKUN,))
    assert decision.outcome == Outcome.NEEDS_INFORMATION


def test_the_engine_dispatches_to_tekun():
    request = Request("tekun", JULY, Household("rural", (person(),)), "m1")
    assert evaluate(request, parameter_set(DOCUMENTS, "maiji", datetime.date(2020, 1, 1))).amount == Decimal("819.00")


def test_every_step_is_explained_in_chinese():
    decision = decide("changbai", person(), supporters=(supporter(in_prison=True),))
    for s in decision.steps:
        assert s.rule_id and any("\u4e00" <= ch <= "\u9fff" for ch in s.label), s
        assert s.applied or s.reason


# --- properties --------------------------------------------------------------------------------------

PROFILES = ("national", "changbai", "nantong", "jiuhuashan", "maiji", "wujin")
ROUNDING = {
    "national": "fen",
    "changbai": "fen",
    "nantong": "yuan",
    "jiuhuashan": "jiao",
    "maiji": "fen",
    "wujin": "fen",
}

people = st.builds(
    Person,
    ref=st.just("m1"),
    birth_date=st.dates(datetime.date(1920, 1, 1), datetime.date(2026, 6, 1)),
    disability_type=st.sampled_from(["", "visual", "physical", "intellectual", "mental", "hearing"]),
    disability_grade=st.one_of(st.none(), st.integers(1, 4)),
    labour_ability=st.sampled_from(["", "full", "partial", "none"]),
    selfcare_level=st.sampled_from(["", "capable", "partial", "none"]),
    in_school=st.booleans(),
    education_stage=st.sampled_from(["none", "junior", "senior", "bachelor"]),
    deceased=st.booleans(),
    incomes=st.lists(
        st.tuples(
            st.sampled_from(["pension", "basic_pension", "wages", "support_received", "job_cost"]),
            st.decimals(min_value=0, max_value=3000, places=2),
        ),
        max_size=3,
    ).map(tuple),
)


@settings(max_examples=200, deadline=None)
@given(
    profile=st.sampled_from(PROFILES),
    subject=people,
    area=st.sampled_from(["urban", "rural"]),
    centralised=st.booleans(),
    enrolled=st.booleans(),
    month=st.sampled_from([datetime.date(2026, 6, 1), JULY, datetime.date(2027, 1, 1)]),
)
def test_amounts_are_never_negative_and_exact_to_the_profiles_step(
    profile, subject, area, centralised, enrolled, month
):
    current = (TEKUN,) if enrolled else ()
    household = Household(area, (subject,), centralised_support=centralised, current=current)
    decision = evaluate_tekun(Request("tekun", month, household, "m1"), parameter_set(DOCUMENTS, profile, month))
    assert decision.amount >= 0
    assert is_multiple_of_step(decision.amount, ROUNDING[profile])
    if decision.outcome != Outcome.ELIGIBLE:
        assert decision.amount == 0
    else:
        figures = details(decision)
        assert decision.amount == figures["basic_living"] + figures["care"] > 0
    funeral = details(decision).get("funeral_payment")
    assert funeral is None or (funeral >= 0 and subject.deceased and enrolled)
