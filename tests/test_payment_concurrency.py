"""Concurrent payment operations on PostgreSQL, each thread with its own connection: two reviewers approving one
roll, two 急难 payments drawing on a reserve fund that holds enough for one, two generations of one roll. Every race
ends with one winner and a 409 in Chinese for the loser — never a second approval, a negative balance or a
duplicate line."""

from __future__ import annotations

from decimal import Decimal

import pytest
import time_machine

from assistance.errors import ApplicationError
from assistance.roles import Role
from assistance.services import system_actor
from audit.models import AuditEvent
from audit.services import audit_chain_verify
from cases.models import Application
from cases.services import emergency_aid_grant, household_update
from eligibility.rules.profile_data import load_documents
from eligibility.services import profiles_load
from payments.choices import RollStatus
from payments.models import PaymentLine, PaymentRoll, ReserveEntry, ReserveFund
from payments.services import reserve as reserve_services
from payments.services import rolls as roll_services
from payments.services.reserve import reserve_allocate
from tests import test_workflow_rules as rules
from tests.factories import make_staff
from tests.test_concurrency import run_together
from tests.test_workflow_concurrency import at_the_same_moment, split
from tests.test_workflow_rules import MONDAY, at, household_of, with_wages

APRIL = MONDAY.replace(month=4, day=1)
pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def clock():
    with time_machine.travel(at(MONDAY), tick=False) as traveller:
        yield traveller


@pytest.fixture
def profiles(clock, world):
    return profiles_load(actor=system_actor(), documents=load_documents())


maiji = rules.maiji  # 麦积 (2 yuan per resident for the reserve fund), on the profiles above


def _enrolled_households(world, n: int) -> None:
    """``n`` 长白 households enrolled in 低保 through the whole path (from April 2026), each with an account."""
    from tests.test_workflow_services import _enrolled

    for i in range(n):
        household = with_wages(world.caseworker_a1, household_of(world.caseworker_a1, world.village_a1), "300")
        household_update(
            actor=world.caseworker_a1,
            household=household,
            expected_version=household.version,
            bank_name="长白县农村信用社",
            bank_account_holder=household.members.get(relation="head").name,
            bank_account_number=f"62170000{i}1112222333",
        )
        _enrolled(world, household)


def test_two_reviewers_approve_the_same_roll(clock, world, profiles):
    _enrolled_households(world, 2)
    reviewer_2 = make_staff("rev_a2", Role.COUNTY_REVIEWER, world.county_a)
    month = APRIL  # enrolled from April (confirmed in March)
    roll = roll_services.roll_generate(actor=world.admin_a, county=world.county_a, program="dibao", month=month).roll
    roll = roll_services.roll_check(actor=world.admin_a, roll=roll)
    assert roll.line_count == 2
    version = roll.version

    with at_the_same_moment(2, roll_services, "_locked"):
        results = run_together(
            [
                lambda: roll_services.roll_approve(actor=world.reviewer_a, roll=roll, version=version),
                lambda: roll_services.roll_approve(actor=reviewer_2, roll=roll, version=version),
            ]
        )
    winners, losers = split(results)
    assert len(winners) == 1 and len(losers) == 1
    assert isinstance(losers[0], ApplicationError) and losers[0].status == 409
    roll.refresh_from_db()
    assert roll.status == RollStatus.APPROVED and roll.approved_by == winners[0].approved_by
    assert AuditEvent.objects.filter(action="payment_roll.approve", target_id=str(roll.pk)).count() == 1
    assert audit_chain_verify().ok


def test_two_generations_of_one_roll_leave_one_line_per_enrolment(clock, world, profiles):
    _enrolled_households(world, 3)
    month = APRIL  # enrolled from April (confirmed in March)

    def generate():
        return roll_services.roll_generate(actor=world.admin_a, county=world.county_a, program="dibao", month=month)

    results = run_together([generate, generate])
    assert all(kind == "ok" for kind, _value in results)
    assert sorted(value.superseded for _kind, value in results) in ([False, False], [False, True])
    roll = PaymentRoll.objects.get()
    lines = PaymentLine.objects.filter(roll=roll)
    assert lines.count() == 3 == len(set(lines.values_list("enrolment_id", flat=True)))
    assert roll.line_count == 3 and roll.generated_at is not None


def test_two_emergency_payments_against_a_fund_for_one(clock, world, maiji):
    # given a 麦积 town fund of 1 000 yuan (500 residents × 2 yuan) and two households in need of 600 each
    fund = reserve_allocate(actor=maiji.admin, town=maiji.town, year=MONDAY.year, residents=500)
    assert fund.balance == Decimal("1000.00")
    households = [household_of(maiji.caseworker, maiji.village, id_region="620503") for _ in range(2)]

    def pay(household):
        return lambda: emergency_aid_grant(
            actor=maiji.caseworker, household=household, cause="accident", expense=Decimal("600")
        )

    with at_the_same_moment(2, reserve_services, "_locked_fund"):
        results = run_together([pay(households[0]), pay(households[1])])
    winners, losers = split(results)
    assert len(winners) == 1 and len(losers) == 1
    assert isinstance(losers[0], ApplicationError) and losers[0].status == 409 and "备用金" in losers[0].message
    fund = ReserveFund.objects.get(pk=fund.pk)
    assert fund.balance == Decimal("400.00") and fund.drawn == Decimal("600.00")
    assert ReserveEntry.objects.filter(fund=fund, kind="drawdown").count() == 1
    # the refused payment left nothing behind: no case, no entry
    assert Application.objects.filter(program="temp_emergency").count() == 1
