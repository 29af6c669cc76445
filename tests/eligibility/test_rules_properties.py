"""Properties of the rules over random households in every shipped profile (hypothesis).

- No amount (or 渐退 month) is negative; an eligible 低保 decision pays something, an ineligible one nothing.
- More counted income never raises a 低保 top-up (for a household not in 渐退).
- A 单人户 never exceeds its household-case equivalent where the cap applies (Changbai): since the household
  is not itself eligible, that is the supplement of the subject's group, or the floor for anyone else.
- Every amount is an exact decimal at the profile's precision (fen / jiao / yuan), with two places.
- A 渐退 schedule never rises and never pays more than the current amount.
"""

from __future__ import annotations

import dataclasses
import datetime
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from eligibility.rules.decision import Outcome
from eligibility.rules.engine import evaluate
from eligibility.rules.facts import CurrentEnrolment, Household, Person, Request
from eligibility.rules.profile_data import load_documents, parameter_set
from eligibility.rules.rounding import STEPS
from eligibility.rules.serialization import request_from_dict, request_to_dict

DOCUMENTS = load_documents()
PROFILES = sorted(DOCUMENTS)
MONTHS = [datetime.date(2025 + (6 + i) // 12, (6 + i) % 12 + 1, 1) for i in range(24)]  # 2025-07 … 2027-06
COUNTED = ("wages", "business", "agriculture", "property", "pension", "support_received", "other_transfer")
OTHER = ("basic_pension", "preferential", "scholarship", "social_assistance", "job_cost", "transfer_expense")
SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

money = st.integers(min_value=0, max_value=300_000).map(lambda fen: Decimal(fen) / 100)
income_money = st.integers(min_value=0, max_value=250_000).map(lambda fen: Decimal(fen) / 100)


@st.composite
def people(draw, ref: str) -> Person:
    disability = draw(st.sampled_from(["", "", "", "physical", "intellectual", "mental", "visual", "hearing"]))
    kinds = draw(st.lists(st.sampled_from(COUNTED + OTHER), max_size=3, unique=True))
    return Person(
        ref=ref,
        birth_date=datetime.date(draw(st.integers(1935, 2024)), draw(st.integers(1, 12)), draw(st.integers(1, 28))),
        disability_type=disability,
        disability_grade=draw(st.integers(1, 4)) if disability else None,
        serious_illness=draw(st.booleans()),
        labour_ability=draw(st.sampled_from(["", "", "full", "partial", "none"])),
        education_stage=draw(st.sampled_from(["none", "junior", "bachelor"])),
        in_school=draw(st.booleans()),
        employment=draw(st.sampled_from(["", "employed", "flexible", "farming", "unemployed", "retired"])),
        deceased=draw(st.integers(0, 9)) == 0,
        incomes=tuple((kind, draw(income_money)) for kind in kinds),
        medical_self_paid_this_year=draw(money),
    )


@st.composite
def households(draw, enrolled: bool | None = None) -> Household:
    size = draw(st.integers(1, 5))
    members = tuple(draw(people(f"m{i + 1}")) for i in range(size))
    is_enrolled = draw(st.booleans()) if enrolled is None else enrolled
    current = (
        (CurrentEnrolment("dibao", draw(money), datetime.date(2024, 1, 1), draw(st.sampled_from(["", "C"]))),)
        if is_enrolled
        else ()
    )
    return Household(
        area_type=draw(st.sampled_from(["urban", "rural"])),
        members=members,
        financial_assets=draw(st.integers(0, 60_000).map(Decimal)),
        rigid_expenses_12m=tuple(
            (kind, draw(money)) for kind in draw(st.lists(st.sampled_from(["medical", "education"]), unique=True))
        ),
        last_year_total_income=draw(st.none() | money),
        income_rise_cause=draw(st.sampled_from(["", "work", "other"])),
        current=current,
    )


def run(program: str, profile: str, month: datetime.date, household: Household, subject: str | None = None):
    params = parameter_set(DOCUMENTS, profile, month)
    return evaluate(Request(program, month, household, subject), params), params


def _assert_exact(amount: Decimal, mode: str) -> None:
    assert amount >= 0
    assert amount.as_tuple().exponent == -2
    assert amount % STEPS[mode] == 0


@SETTINGS
@given(
    program=st.sampled_from(["dibao", "dibao_single", "low_income", "tekun"]),
    profile=st.sampled_from(PROFILES),
    month=st.sampled_from(MONTHS),
    household=households(),
    subject_index=st.integers(0, 4),
)
def test_amounts_are_never_negative_and_exact_at_the_profile_precision(
    program, profile, month, household, subject_index
):
    # Last year's standard (Changbai 特困) needs a December one: the demo standards start in 2025-07.
    assume(program != "tekun" or month.year > 2025)
    subject = household.members[subject_index % len(household.members)].ref
    decision, params = run(program, profile, month, household, subject)
    rounding = params.get("tekun.rounding" if program == "tekun" else "dibao.rounding").value
    # A 渐退 month at the unchanged current amount pays exactly that amount, whatever the rounding.
    carried = household.current[0].monthly_amount if household.current else None
    if program != "tekun" and decision.amount != carried:
        _assert_exact(decision.amount, rounding)
    assert decision.amount >= 0
    for _, amount in decision.exit_schedule:
        if amount != carried:
            _assert_exact(amount, rounding)
    if program in ("dibao", "dibao_single"):
        assert (decision.amount > 0) == (decision.outcome == Outcome.ELIGIBLE)
    if decision.outcome == Outcome.NEEDS_INFORMATION:
        assert decision.missing_facts
    else:
        assert not decision.missing_facts


@SETTINGS
@given(
    profile=st.sampled_from(PROFILES),
    month=st.sampled_from(MONTHS),
    household=households(enrolled=False),
    who=st.integers(0, 4),
    kind=st.sampled_from(COUNTED),
    more=st.integers(1, 200_000).map(lambda fen: Decimal(fen) / 100),
)
def test_more_counted_income_never_raises_the_top_up(profile, month, household, who, kind, more):
    before, _ = run("dibao", profile, month, household)
    index = who % len(household.members)
    member = household.members[index]
    incomes = dict(member.incomes)
    incomes[kind] = incomes.get(kind, Decimal("0")) + more
    richer = dataclasses.replace(member, incomes=tuple(incomes.items()))
    members = (*household.members[:index], richer, *household.members[index + 1 :])
    after, _ = run("dibao", profile, month, dataclasses.replace(household, members=members))
    assert after.amount <= before.amount


@st.composite
def single_cases(draw) -> tuple[Household, Person]:
    """A household of earners and one member in a 单人户 group, its per-capita income around 1–2 × standard."""
    subject = Person(
        "s",
        datetime.date(draw(st.integers(1935, 2024)), 6, 1),
        disability_type=draw(st.sampled_from(["", "physical", "intellectual", "mental"])),
        disability_grade=draw(st.integers(1, 4)),
        serious_illness=draw(st.booleans()),
        employment=draw(st.sampled_from(["", "unemployed", "employed"])),
        incomes=(("pension", draw(st.integers(0, 80_000).map(lambda fen: Decimal(fen) / 100))),),
    )
    size = draw(st.integers(2, 4))
    per_capita = draw(st.sampled_from(range(50_000, 170_000, 37)).map(lambda fen: Decimal(fen) / 100))
    wages = max(Decimal("0"), per_capita * size - subject.incomes[0][1])
    earners = tuple(
        Person(f"e{i}", datetime.date(1975, 1, 1), incomes=(("wages", wages if i == 1 else Decimal("0")),))
        for i in range(1, size)
    )
    household = Household(draw(st.sampled_from(["urban", "rural"])), (subject, *earners))
    return household, subject


@SETTINGS
@given(month=st.sampled_from(MONTHS), case=single_cases())
def test_single_person_never_exceeds_its_household_case_equivalent_in_changbai(month, case):
    household, subject = case
    decision, params = run("dibao_single", "changbai", month, household, subject.ref)
    assert params.get("single.cap_to_household_equivalent").value is True
    if decision.outcome != Outcome.ELIGIBLE:
        return
    standard = params.get(f"dibao.standard.{household.area_type}").value
    age = subject.age_on(month)
    key_person = (
        subject.serious_illness
        or (subject.disability_type and subject.disability_grade in (1, 2))
        or age >= 70
        or age < 18
    )
    # The household is not eligible as a whole (else no 单人户), so its per-capita gap is zero.
    equivalent = standard * params.get("dibao.supplement.share").value if key_person else Decimal("100")
    assert decision.amount <= equivalent


@SETTINGS
@given(profile=st.sampled_from(PROFILES), month=st.sampled_from(MONTHS), household=households(enrolled=True))
def test_exit_schedules_never_rise_nor_exceed_the_current_amount(profile, month, household):
    decision, _ = run("dibao", profile, month, household)
    amounts = [amount for _, amount in decision.exit_schedule]
    assert amounts == sorted(amounts, reverse=True)
    assert all(a <= household.current[0].monthly_amount for a in amounts)
    if amounts:
        assert decision.amount == amounts[0]


@SETTINGS
@given(household=households(), month=st.sampled_from(MONTHS))
def test_requests_round_trip_through_their_json_form(household, month):
    request = Request("dibao", month, household, household.members[0].ref)
    assert request_from_dict(request_to_dict(request)) == request


@pytest.mark.parametrize("profile", PROFILES)
def test_the_standard_raise_on_1_july_never_lowers_an_amount(profile):
    """Same household, 30 June vs 1 July: a higher standard never pays less."""
    household = Household("urban", (Person("m1", datetime.date(1980, 1, 1), incomes=(("wages", Decimal("300")),)),))
    june, _ = run("dibao", profile, datetime.date(2026, 6, 1), household)
    july, _ = run("dibao", profile, datetime.date(2026, 7, 1), household)
    assert july.amount > june.amount > 0


_scalars = (
    st.none()
    | st.booleans()
    | st.integers(-(10**30), 10**30)
    | st.floats()
    | st.text(max_size=12)
    | st.sampled_from(["2026-07", "1980-01-01", "100", "-1", "1e5", "NaN", "rural", "m1", "wages", "dibao"])
)
_keys = st.sampled_from(
    [
        "program",
        "month",
        "household",
        "subject",
        "members",
        "ref",
        "birth_date",
        "incomes",
        "area_type",
        "wages",
        "current",
        "monthly_amount",
        "since",
        "vehicles",
        "value",
        "financial_assets",
        "extra",
        "unknown",
    ]
)
_json = st.recursive(
    _scalars, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_keys, inner, max_size=5), max_leaves=25
)


@settings(max_examples=300, deadline=None)
@given(
    data=_json
    | st.fixed_dictionaries(
        {"program": st.sampled_from(["dibao", "dibao_single", "low_income"]), "month": st.just("2026-07")},
        optional={"household": _json, "subject": _json},
    )
)
def test_malformed_requests_raise_value_error_and_valid_ones_evaluate(data):
    """Arbitrary JSON either fails with a (Chinese) ValueError or evaluates without error."""
    try:
        request = request_from_dict(data)
    except ValueError as error:
        assert str(error)
        return
    evaluate(request, parameter_set(DOCUMENTS, "changbai", request.month))
