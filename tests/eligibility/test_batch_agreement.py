"""The batch path (``rules.batch``, numpy over integer fen) agrees exactly with the scalar rules.

Random households (seeded ``random.Random``: ages 0–95, disabilities of every type and grade, serious illness,
assessed or unassessed labour and self-care, incomes of every kind including exempt and deductible ones, a few
losses, assets, vehicles, homes, rigid expenses, legal supporters) are decided for 低保 and 特困 with every shipped
profile in June and July 2026 (both sides of the 1 July standard change), by ``engine.evaluate`` and by the batch
path. For every household the batch path handles, outcome and amount must be equal; the households it hands
back to the scalar path ("needs scalar path") must be few.
"""

from __future__ import annotations

import dataclasses
import datetime
import os
import random
from decimal import Decimal

import numpy as np
import pytest

from eligibility.rules import batch
from eligibility.rules.engine import evaluate
from eligibility.rules.facts import CurrentEnrolment, Home, Household, Person, Request, Supporter, Vehicle
from eligibility.rules.profile_data import load_documents, parameter_set
from eligibility.rules.schema import EDUCATION_STAGES, EXPENSE_KINDS

HOUSEHOLDS = int(os.environ.get("BATCH_AGREEMENT_HOUSEHOLDS", "100000"))
MONTHS = (datetime.date(2026, 6, 1), datetime.date(2026, 7, 1))
OUTCOME_CODES = {
    "eligible": batch.ELIGIBLE,
    "ineligible": batch.INELIGIBLE,
    "needs_information": batch.NEEDS_INFORMATION,
}
# Income kinds by how often they occur; counted, exempt (basic_pension …) and deductible (job_cost …) kinds.
INCOME_MIX = (
    ("wages", 30),
    ("agriculture", 15),
    ("business", 5),
    ("pension", 8),
    ("basic_pension", 10),
    ("support_received", 5),
    ("property", 3),
    ("unemployment_benefit", 2),
    ("other_transfer", 2),
    ("other", 2),
    ("preferential", 2),
    ("family_planning", 2),
    ("scholarship", 2),
    ("heroic_award", 1),
    ("social_assistance", 3),
    ("job_cost", 6),
    ("transfer_expense", 2),
)
KINDS, WEIGHTS = zip(*INCOME_MIX, strict=True)


def _money(rng: random.Random, high: int) -> Decimal:
    """A random amount in yuan up to ``high``: whole yuan, jiao or fen; rarely (0.2 %) with a sub-fen digit."""
    if rng.random() < 0.002:
        return Decimal(rng.randint(0, high * 1000)) / 1000
    unit = rng.choice((1, 10, 100))  # whole fen, jiao or yuan
    return Decimal(rng.randint(0, high * 100) // unit * unit) / 100


def _birth(rng: random.Random, age: int) -> datetime.date:
    year = 2026 - age
    return (
        datetime.date(year, rng.randint(1, 12), rng.randint(1, 28))
        if rng.random() < 0.9
        else datetime.date(year, rng.choice((6, 7)), 1)
    )


def _disability(rng: random.Random) -> tuple[str, int | None]:
    if rng.random() < 0.8:
        return "", None
    return rng.choice(batch.DISABILITY_TYPES), rng.choice((1, 2, 3, 4, 4, None))


def random_person(rng: random.Random, ref: str) -> Person:
    age = rng.choice((rng.randint(0, 17), rng.randint(18, 59), rng.randint(18, 59), rng.randint(60, 95)))
    disability_type, grade = _disability(rng)
    incomes = []
    for _ in range(rng.choice((0, 0, 1, 1, 1, 2, 3))):
        kind = rng.choices(KINDS, WEIGHTS)[0]
        amount = _money(rng, 1500 if kind in ("wages", "business") else 600)
        if rng.random() < 0.01:
            amount = -amount  # a loss
        incomes.append((kind, amount))
    stage = rng.choice(EDUCATION_STAGES) if age < 26 and rng.random() < 0.7 else "none"
    return Person(
        ref=ref,
        birth_date=_birth(rng, age),
        disability_type=disability_type,
        disability_grade=grade,
        serious_illness=rng.random() < 0.08,
        labour_ability=rng.choice(("", "", "", "full", "partial", "none")),
        selfcare_level=rng.choice(("", "capable", "capable", "partial", "none")),
        education_stage=stage,
        in_school=stage != "none",
        deceased=rng.random() < 0.01,
        imprisoned=rng.random() < 0.005,
        missing=rng.random() < 0.005,
        incomes=tuple(incomes),
    )


def random_supporter(rng: random.Random, ref: str) -> Supporter:
    disability_type, grade = _disability(rng)
    return Supporter(
        supports=ref,
        relation=rng.choice(("child", "parent", "spouse", "sibling")),
        birth_date=_birth(rng, rng.randint(18, 90)),
        disability_type=disability_type,
        disability_grade=grade,
        annual_income=_money(rng, 80000),
        is_tekun=rng.random() < 0.05,
        is_dibao=rng.random() < 0.15,
        in_prison=rng.random() < 0.02,
        missing=rng.random() < 0.02,
        lacks_legal_capacity=rng.random() < 0.02,
    )


def random_household(rng: random.Random) -> tuple[Household, str]:
    """A household and its 特困 subject."""
    members = tuple(random_person(rng, f"m{i}") for i in range(1, rng.choice((1, 1, 2, 2, 3, 3, 4, 5, 6)) + 1))
    subject = rng.choice(members).ref
    supporters = tuple(
        random_supporter(rng, rng.choice((subject, subject, "m1"))) for _ in range(rng.choice((0, 0, 1, 2, 3)))
    )
    return (
        Household(
            area_type=rng.choice(("urban", "rural")),
            members=members,
            financial_assets=_money(rng, rng.choice((2000, 20000, 100000))),
            vehicles=tuple(
                Vehicle(value=_money(rng, 60000), exempt=rng.random() < 0.5) for _ in range(rng.random() < 0.1)
            ),
            homes=tuple(
                Home(value=_money(rng, 300000), exempt=rng.random() < 0.3) for _ in range(rng.choice((0, 1, 1, 1, 2)))
            ),
            rigid_expenses_12m=tuple(
                (rng.choice(EXPENSE_KINDS), _money(rng, 30000)) for _ in range(rng.choice((0, 0, 0, 1, 2)))
            ),
            supporters=supporters,
            current=(CurrentEnrolment("dibao", Decimal("300"), datetime.date(2025, 1, 1)),)
            if rng.random() < 0.005
            else (),
            centralised_support=rng.random() < 0.2,
        ),
        subject,
    )


@pytest.fixture(scope="module")
def documents():
    return load_documents()


def _decimal_fen(amount: int) -> Decimal:
    return Decimal(int(amount)) / 100


class Agreement:
    """Compares the batch path's outcome and amount with the scalar engine's, household by household."""

    def __init__(self, program: str) -> None:
        self.program = program
        self.checked = self.fallback = 0
        self.mismatches: list = []
        self.outcomes = dict.fromkeys(OUTCOME_CODES, 0)

    def compare(self, profile, month, params, households, enrolled_in: str | None = None) -> None:
        program = self.program
        subjects = [s for _, s in households] if program == "tekun" else None
        cols = batch.to_columns([h for h, _ in households], subjects, enrolled_in=enrolled_in)
        result = batch.evaluate_batch(cols, params, program)
        for i, (household, subject) in enumerate(households):
            if result.outcome[i] == batch.SCALAR:
                self.fallback += 1
                continue
            request = Request(
                program=program, month=month, household=household, subject=subject if program == "tekun" else None
            )
            decision = evaluate(request, params)
            self.checked += 1
            self.outcomes[str(decision.outcome)] += 1
            got = (int(result.outcome[i]), _decimal_fen(result.amount[i]))
            want = (OUTCOME_CODES[str(decision.outcome)], decision.amount)
            if got != want and len(self.mismatches) < 10:
                self.mismatches.append((profile, month, i, got, want, household, subject))


@pytest.mark.parametrize("program", ["dibao", "tekun"])
def test_batch_agrees_with_scalar(documents, program):
    rng = random.Random(20260701 if program == "dibao" else 20260702)
    profiles = sorted(documents)
    groups = [(p, m) for p in profiles for m in MONTHS]
    per_group = -(-HOUSEHOLDS // len(groups))
    agreement = Agreement(program)
    for profile, month in groups:
        params = parameter_set(documents, profile, month)
        agreement.compare(profile, month, params, [random_household(rng) for _ in range(per_group)])
    checked, fallback, outcomes = agreement.checked, agreement.fallback, agreement.outcomes
    total = checked + fallback
    print(
        f"\n{program}: {checked} agreed of {total}; needs scalar path {fallback} ({fallback / total:.2%}); {outcomes}"
    )
    assert not agreement.mismatches, agreement.mismatches[:3]
    assert fallback / total < 0.05
    # The mix is realistic enough to exercise every outcome.
    assert all(outcomes.values()), outcomes


def test_batch_results_are_integer_fen_and_non_negative(documents):
    rng = random.Random(7)
    households = [random_household(rng) for _ in range(2000)]
    cols = batch.to_columns([h for h, _ in households], [s for _, s in households])
    for program in ("dibao", "tekun"):
        result = batch.evaluate_batch(cols, parameter_set(documents, "nantong", MONTHS[1]), program)
        assert result.amount.dtype == np.int64
        assert (result.amount >= 0).all()
        assert (result.amount[result.outcome != batch.ELIGIBLE] == 0).all()
        assert (result.amount % 100 == 0).all()  # nantong rounds to the yuan


@pytest.mark.parametrize("program", ["dibao", "tekun"])
def test_batch_agrees_with_scalar_for_enrolled_households(documents, program):
    """Enrolled mode (the 提标 recomputation): households already enrolled in ``program`` are decided by the batch
    path as the scalar path decides them — no rigid-expense deduction at entry; 渐退 and the 特困 in-school
    continuation go to the scalar path — and their number is small."""
    rng = random.Random(20261121 if program == "dibao" else 20261122)
    agreement = Agreement(program)
    for profile in sorted(documents):
        for month in MONTHS:
            params = parameter_set(documents, profile, month)
            households = []
            for _ in range(200):
                household, subject = random_household(rng)
                enrolment = CurrentEnrolment(program, Decimal("500"), datetime.date(2024, 1, 1))
                households.append((dataclasses.replace(household, current=(enrolment,)), subject))
            agreement.compare(profile, month, params, households, enrolled_in=program)
    print(
        f"\nenrolled {program}: {agreement.checked} agreed; "
        f"needs scalar path {agreement.fallback}; {agreement.outcomes}"
    )
    assert not agreement.mismatches, agreement.mismatches[:3]
    assert agreement.checked > 0 and agreement.outcomes["eligible"] > 0
