"""临时救助, 医疗救助 and 教育救助 rules: strict inputs, instalments, caps and the profiles' values."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest

from eligibility.rules.decision import Outcome
from eligibility.rules.education import stage_amount
from eligibility.rules.engine import PROGRAMS, evaluate
from eligibility.rules.profile_data import load_documents, parameter_set
from eligibility.rules.schema import EDUCATION_STAGES
from eligibility.rules.serialization import request_from_dict, request_to_dict
from eligibility.rules.temporary import instalments

HOUSEHOLD = {
    "area_type": "urban",
    "members": [{"ref": "m1", "birth_date": "1980-01-01", "incomes": {"wages": "1500"}}],
    "current": [{"program": "dibao", "monthly_amount": "100", "since": "2025-01"}],
}


@pytest.fixture(scope="module")
def documents():
    return load_documents()


def decide(documents, jurisdiction, program, extra, subject=None, month="2026-07"):
    data = {"program": program, "month": month, "household": HOUSEHOLD, "extra": extra}
    if subject:
        data["subject"] = subject
    request = request_from_dict(data)
    return evaluate(request, parameter_set(documents, jurisdiction, request.month))


def test_engine_knows_the_new_programs():
    assert {"temp_emergency", "temp_expenditure", "medical", "education"} <= set(PROGRAMS)


@pytest.mark.parametrize(
    ("program", "extra"),
    [
        ("temp_emergency", {"cause": "accident", "amount": "5"}),
        ("temp_emergency", {"cause": "meteor"}),
        ("temp_expenditure", {"expense": "-1"}),
        ("temp_expenditure", {"expense": "1.001"}),
        ("medical", {"inpatient_cost": 100.5}),
        ("medical", {"in_county": "yes"}),
        ("education", {"stage": "kindergarten"}),
    ],
)
def test_extra_is_parsed_strictly(program, extra):
    with pytest.raises(ValueError):
        request_from_dict({"program": program, "month": "2026-07", "household": HOUSEHOLD, "extra": extra})


def test_extra_round_trips():
    data = {
        "program": "medical",
        "month": "2026-07",
        "household": HOUSEHOLD,
        "subject": "m1",
        "extra": {"inpatient_cost": "100.50", "insurance_paid": "0", "paid_this_year": "0", "in_county": True},
    }
    request = request_from_dict(data)
    assert dict(request.extra)["inpatient_cost"] == Decimal("100.50")
    assert request_from_dict(request_to_dict(request)) == request


@pytest.mark.parametrize("count", [1, 2, 3, 7])
@pytest.mark.parametrize("mode", ["fen", "jiao", "yuan"])
@pytest.mark.parametrize("amount", ["0.01", "1000.00", "2500.00", "7380.00", "99.99"])
def test_instalments_sum_exactly(amount, count, mode):
    plan = instalments(Decimal(amount), count, datetime.date(2026, 11, 1), mode)
    assert sum(a for _, a in plan) == Decimal(amount)
    assert [m for m, _ in plan][:3] == [
        datetime.date(2026, 11, 1),
        datetime.date(2026, 12, 1),
        datetime.date(2027, 1, 1),
    ][: len(plan)]
    assert all(a >= 0 for _, a in plan)


def test_emergency_paths_at_the_limits(documents):
    paths = {
        e: dict(decide(documents, "maiji", "temp_emergency", {"cause": "accident", "expense": e}).details)["path"]
        for e in ("800", "800.01", "25000", "25000.01")
    }
    assert paths == {
        "800": "town_pay_first",
        "800.01": "prepay_then_county_approval",
        "25000": "prepay_then_county_approval",
        "25000.01": "above_max",
    }


def test_bridge_uses_the_urban_standard_of_the_month(documents):
    june = decide(documents, "changbai", "temp_emergency", {"cause": "pending_application"}, month="2026-06")
    july = decide(documents, "changbai", "temp_emergency", {"cause": "pending_application"}, month="2026-07")
    assert (june.amount, july.amount) == (Decimal("760.00"), Decimal("790.00"))


def test_medical_aid_never_exceeds_the_remaining_cap(documents):
    for paid in ("0", "29000", "30000", "40000"):
        extra = {"inpatient_cost": "100000", "insurance_paid": "0", "paid_this_year": paid}
        decision = decide(documents, "changbai", "medical", extra, subject="m1")
        assert decision.amount <= max(Decimal("30000") - Decimal(paid), Decimal("0"))
        assert decision.amount >= 0
    exhausted = decide(
        documents,
        "changbai",
        "medical",
        {"inpatient_cost": "1000", "insurance_paid": "0", "paid_this_year": "30000"},
        subject="m1",
    )
    assert exhausted.outcome == Outcome.INELIGIBLE


def test_nantong_needs_to_know_whether_the_hospital_is_in_the_county(documents):
    extra = {"inpatient_cost": "1000", "insurance_paid": "0", "paid_this_year": "0"}
    assert decide(documents, "nantong", "medical", extra, subject="m1").outcome == Outcome.NEEDS_INFORMATION
    assert decide(documents, "changbai", "medical", extra, subject="m1").outcome == Outcome.ELIGIBLE


def test_every_profile_gives_an_amount_for_known_stages_only(documents):
    for code in documents:
        params = parameter_set(documents, code, datetime.date(2026, 7, 1))
        amounts = params.get("education.amounts").value
        assert set(amounts) <= set(EDUCATION_STAGES), code
        for stage in amounts:
            assert stage_amount(amounts, stage) > 0


def test_new_parameters_are_covered_for_every_profile(documents):
    keys = [
        k
        for k in parameter_set(documents, "national", datetime.date(2026, 7, 1)).timelines
        if k.split(".")[0] in ("aid", "temp", "medical", "education")
    ]
    assert len(keys) == 17  # … and temp.reserve.per_resident (maiji-2021 §四(四)15)
    for code in documents:
        params = parameter_set(documents, code, datetime.date(2026, 7, 1))
        for key in keys:
            assert params.has(key), (code, key)
