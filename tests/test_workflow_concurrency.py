"""Concurrent workflow transitions on PostgreSQL, each thread with its own connection (as in test_concurrency):
two reviewers confirming one case, two intakes of one household, two intakes numbering applications in one county,
two bridge payments for one application. Every race ends with exactly one winner and a 409 with a Chinese message
for the loser — never a second enrolment, a duplicate number or a 500."""

from __future__ import annotations

import threading
from decimal import Decimal
from unittest import mock

import pytest
import time_machine

from assistance.errors import ApplicationError, StaleVersion
from assistance.roles import Role
from assistance.services import system_actor
from audit.models import AuditEvent
from audit.services import audit_chain_verify
from cases.choices import ApplicationStatus as S
from cases.models import Application, ApplicationEvent, Enrolment
from cases.services import application_decide, emergency_aid_grant, workflow
from eligibility.rules.profile_data import load_documents
from eligibility.services import profiles_load
from tests.factories import make_staff
from tests.test_concurrency import TIMEOUT, run_together
from tests.test_workflow_rules import MONDAY, accept, at, household_of, submit, with_wages

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def clock():
    """Monday 2 March 2026 for every thread (time-machine patches the clock process-wide)."""
    with time_machine.travel(at(MONDAY), tick=False) as traveller:
        yield traveller


@pytest.fixture
def profiles(clock, world):
    return profiles_load(actor=system_actor(), documents=load_documents())


@pytest.fixture
def poor_household(profiles, world):
    return with_wages(world.caseworker_a1, household_of(world.caseworker_a1, world.village_a1), "300")


def at_the_same_moment(parties: int, module, name: str):
    """Patch ``module.name`` so that every caller waits for the others before calling the original: all writers
    are inside their transactions, about to take the same lock (or run the same check), at once."""
    barrier = threading.Barrier(parties)
    original = getattr(module, name)

    def wait_then_call(*args, **kwargs):
        barrier.wait(timeout=TIMEOUT)
        return original(*args, **kwargs)

    return mock.patch.object(module, name, side_effect=wait_then_call)


def split(results):
    winners = [value for kind, value in results if kind == "ok"]
    losers = [value for kind, value in results if kind == "error"]
    return winners, losers


@pytest.mark.parametrize("with_version", [True, False], ids=["same form", "no version"])
def test_two_reviewers_confirm_the_same_case(clock, world, poor_household, with_version):
    # given a case waiting for the county, and a second reviewer of the county
    reviewer_2 = make_staff("rev_a2", Role.COUNTY_REVIEWER, world.county_a)
    app = submit(
        clock,
        world.caseworker_a1,
        accept(world.caseworker_a1, poor_household),
        [
            world.caseworker_a1,
            world.assistant_a1,
        ],
    )
    assert app.status == S.DECISION
    version = app.version if with_version else None
    audit_before = AuditEvent.objects.filter(action="application.decide").count()

    # when both confirm at the same moment
    with at_the_same_moment(2, workflow, "_locked"):
        results = run_together(
            [
                lambda: application_decide(actor=world.reviewer_a, application=app, confirm=True, version=version),
                lambda: application_decide(actor=reviewer_2, application=app, confirm=True, version=version),
            ]
        )

    # then exactly one confirms; the other is told the case moved on
    winners, losers = split(results)
    assert len(winners) == 1 and len(losers) == 1, results
    error = losers[0]
    assert isinstance(error, ApplicationError), repr(error)
    assert error.status == 409
    if with_version:
        assert isinstance(error, StaleVersion) and error.code == "stale_version"
        assert error.message == "该记录已被他人修改，请刷新页面后重新填写"
    else:
        assert error.code == "illegal_transition"
        assert error.message == "申请当前状态为“已确认”，不能作出审核确认决定"
    app.refresh_from_db()
    assert app.status == S.CONFIRMED and app.decided_by == winners[0].decided_by
    assert Enrolment.objects.filter(application=app).count() == 1
    assert Enrolment.objects.count() == 1
    assert ApplicationEvent.objects.filter(application=app, step="decide").count() == 1
    assert ApplicationEvent.objects.filter(application=app, step="enrol").count() == 1
    assert AuditEvent.objects.filter(action="application.decide").count() == audit_before + 1
    assert audit_chain_verify().ok


def test_two_caseworkers_accept_the_same_household_at_once(clock, world, poor_household):
    # given two caseworkers of the household's town
    caseworker_2 = make_staff("cw_a1b", Role.TOWN_CASEWORKER, world.town_a1)

    # when both receive its 低保 application at the same moment
    with at_the_same_moment(2, workflow, "_locked_household"):
        results = run_together(
            [
                lambda: accept(world.caseworker_a1, poor_household),
                lambda: accept(caseworker_2, poor_household),
            ]
        )

    # then one application exists; the other intake is refused as a duplicate naming it
    winners, losers = split(results)
    assert len(winners) == 1 and len(losers) == 1, results
    error = losers[0]
    assert isinstance(error, ApplicationError), repr(error)
    assert (error.status, error.code) == (409, "duplicate_application")
    assert error.message == f"已有同一救助项目的申请正在办理（{winners[0].code}，已受理）"
    assert Application.objects.filter(household=poor_household, program="dibao").count() == 1
    assert AuditEvent.objects.filter(action="application.accept").count() == 1


def test_intake_race_past_the_check_is_refused_by_the_constraint(clock, world, poor_household):
    """Should both intakes pass the duplicate check (no household lock), the database's one-open-application
    constraint refuses the second with its own Chinese message and the same code — not an IntegrityError."""
    caseworker_2 = make_staff("cw_a1b", Role.TOWN_CASEWORKER, world.town_a1)

    def unlocked(household):
        return type(household).objects.select_related("hukou_region").get(pk=household.pk)

    with (
        mock.patch.object(workflow, "_locked_household", side_effect=unlocked),
        at_the_same_moment(2, workflow, "_close_relative"),  # called after the duplicate check
    ):
        results = run_together(
            [
                lambda: accept(world.caseworker_a1, poor_household),
                lambda: accept(caseworker_2, poor_household),
            ]
        )

    winners, losers = split(results)
    assert len(winners) == 1 and len(losers) == 1, results
    error = losers[0]
    assert isinstance(error, ApplicationError), repr(error)
    assert (error.status, error.code) == (409, "duplicate_application")
    assert error.message == "该家庭已有同一救助项目的申请正在办理"
    assert Application.objects.filter(household=poor_household).count() == 1


def test_two_intakes_in_one_county_get_distinct_codes(clock, world, profiles):
    # given two households of two towns of one county
    household_1 = with_wages(world.caseworker_a1, household_of(world.caseworker_a1, world.village_a1), "300")
    household_2 = with_wages(world.caseworker_a2, household_of(world.caseworker_a2, world.village_a2), "300")

    # when both are received at the same moment, each about to draw the next number
    with at_the_same_moment(2, workflow, "_next_code"):
        results = run_together(
            [
                lambda: accept(world.caseworker_a1, household_1),
                lambda: accept(world.caseworker_a2, household_2),
            ]
        )

    # then both are accepted with consecutive numbers of the county's 2026 series
    winners, losers = split(results)
    assert not losers, results
    codes = sorted(app.code for app in winners)
    assert codes == ["SQ2206232026000001", "SQ2206232026000002"]


def test_two_bridge_payments_for_one_application_at_once(clock, world, poor_household):
    """changbai-2021 §二(四)18 bridge aid is paid once per application, even when two caseworkers click at once."""
    caseworker_2 = make_staff("cw_a1b", Role.TOWN_CASEWORKER, world.town_a1)
    dibao = accept(world.caseworker_a1, poor_household)

    def bridge(actor):
        return lambda: emergency_aid_grant(
            actor=actor, household=poor_household, cause="", expense=Decimal("0"), parent=dibao
        )

    with at_the_same_moment(2, workflow, "_locked"):
        results = run_together([bridge(world.caseworker_a1), bridge(caseworker_2)])

    winners, losers = split(results)
    assert len(winners) == 1 and len(losers) == 1, results
    assert (losers[0].status, losers[0].code) == (409, "duplicate_application")
    assert Application.objects.filter(parent=dibao, program="temp_emergency").count() == 1
