"""提标: a new standard recomputes every enrolment of the county in bulk (``cases.services.recompute``), through the
rules engine's batch path on the enrolments' decision basis, with a change per enrolment and a report of totals."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from assistance.errors import ApplicationError, PermissionRefused
from assistance.models import Job, JobStatus
from assistance.services import system_actor
from audit.models import AuditEvent
from cases.models import (
    Enrolment,
    EnrolmentBasis,
    EnrolmentBasisIncome,
    EnrolmentBasisPerson,
    EnrolmentChange,
)
from cases.services.basis import enrolled_request
from cases.services.recompute import enrolments_recompute, standard_recompute_start
from cases.tasks import standard_recompute
from eligibility.calculator import Jurisdiction, evaluate_request
from eligibility.models import PolicyProfile
from eligibility.services import parameter_approve, parameter_propose
from tests import test_workflow_rules as workflow_rules
from tests import test_workflow_services as workflow_tests
from tests.factories import make_household, make_staff
from tests.test_workflow_services import _enrolled

D = dt.date
profiles = workflow_tests.profiles
poor_household = workflow_tests.poor_household
clock = workflow_rules.clock  # today pinned to Monday 2 March 2026, moved by the test
JANUARY = D(2027, 1, 1)


def _at(day: dt.date):
    return time_machine.travel(dt.datetime.combine(day, dt.time(9, 0)), tick=False)


def _raise_rural_standard(world, value: str = "650", month: dt.date = JANUARY) -> None:
    """长白 raises its rural 低保 standard from ``month``: proposed by one administrator, approved by another."""
    from assistance.roles import Role

    second = make_staff("adm_a_second", Role.COUNTY_ADMIN, world.county_a)
    with _at(D(2026, 12, 1)):
        version = parameter_propose(
            actor=world.admin_a,
            profile=PolicyProfile.objects.get(code="changbai"),
            key="dibao.standard.rural",
            effective_from=month,
            value=value,
            clause="changbai-2021 §二(一)2",
        )
        parameter_approve(actor=second, version=version)


def _expected(enrolment: Enrolment, month: dt.date) -> Decimal:
    """What the scalar engine decides for the enrolment's facts in ``month`` (the reference)."""
    enrolment.refresh_from_db()
    request = enrolled_request(enrolment, enrolment.evaluation, month)
    app = enrolment.application
    decision = evaluate_request(request, Jurisdiction(profile=app.profile, name="", county=app.county))
    return decision.amount


@pytest.fixture
def second_household(world, profiles):
    """Another 长白 household: one person, 200 yuan wages a month."""
    from cases.services import income_record

    household = make_household(world.caseworker_a1, world.village_a1, members=1)
    head = household.members.get(relation="head")
    for month in range(9, 13):
        income_record(
            actor=world.caseworker_a1, member=head, month=D(2025, month, 1), kind="wages", amount=Decimal("200")
        )
    return household


def test_decisions_store_the_basis_the_recomputation_reads(world, poor_household):
    """A confirmation stores the facts it relied on: the household, both members, the head's wages in fen."""
    enrolment = Enrolment.objects.get(application=_enrolled(world, poor_household))
    basis = EnrolmentBasis.objects.get(enrolment=enrolment)
    assert basis.urban is False and basis.fallback is False and basis.subject == -1
    assert EnrolmentBasisPerson.objects.filter(enrolment=enrolment).count() == 2
    incomes = list(EnrolmentBasisIncome.objects.filter(enrolment=enrolment).values_list("kind", "amount"))
    assert incomes == [(0, 30000)]  # wages, 300 yuan a month


def test_new_standard_recomputes_every_enrolment_from_its_month(world, poor_household, second_household):
    """长白 raises the rural standard from January 2027: both enrolments get the engine's new amount from
    January, each with an EnrolmentChange (cause 提标) naming the old amount; the totals add up."""
    # given two enrolled households, and one with no basis (decided before bases were kept): scalar path
    first = Enrolment.objects.get(application=_enrolled(world, poor_household))
    second = Enrolment.objects.get(application=_enrolled(world, second_household))
    EnrolmentBasis.objects.filter(enrolment=second).delete()
    before = {first.pk: first.monthly_amount, second.pk: second.monthly_amount}
    _raise_rural_standard(world, "650")
    expected = {e.pk: _expected(e, JANUARY) for e in (first, second)}
    assert all(expected[pk] > before[pk] for pk in before)

    # when
    with _at(D(2026, 12, 10)):
        result = enrolments_recompute(actor=world.admin_a, county=world.county_a, month=JANUARY)

    # then
    for enrolment in (first, second):
        enrolment.refresh_from_db()
        assert enrolment.monthly_amount == expected[enrolment.pk]
        change = EnrolmentChange.objects.get(enrolment=enrolment, cause="standard")
        assert (change.effective_month, change.amount, change.previous_amount) == (
            JANUARY,
            expected[enrolment.pk],
            before[enrolment.pk],
        )
    report = result.as_dict()
    assert (report["considered"], report["changed"], report["unchanged"], report["review"]) == (2, 2, 0, 0)
    assert report["scalar"] == 1
    assert Decimal(report["total_before"]) == sum(before.values())
    assert Decimal(report["total_after"]) == sum(expected.values())
    assert Decimal(report["increase"]) == sum(expected.values()) - sum(before.values())
    assert AuditEvent.objects.filter(action="enrolment.recompute").count() == 1


def test_recomputing_twice_changes_nothing_the_second_time(world, poor_household):
    enrolment = Enrolment.objects.get(application=_enrolled(world, poor_household))
    _raise_rural_standard(world, "650")
    with _at(D(2026, 12, 10)):
        first = enrolments_recompute(actor=world.admin_a, county=world.county_a, month=JANUARY).as_dict()
        second = enrolments_recompute(actor=world.admin_a, county=world.county_a, month=JANUARY).as_dict()
    assert (first["changed"], second["changed"], second["unchanged"]) == (1, 0, 1)
    assert EnrolmentChange.objects.filter(enrolment=enrolment, cause="standard").count() == 1


def test_batch_and_scalar_paths_agree_on_the_same_enrolments(world, poor_household, second_household):
    """The same two enrolments recomputed with and without their basis give the same amounts."""
    enrolments = [Enrolment.objects.get(application=_enrolled(world, h)) for h in (poor_household, second_household)]
    _raise_rural_standard(world, "700")
    with _at(D(2026, 12, 10)):
        batch_amounts = [_expected(e, JANUARY) for e in enrolments]
        enrolments_recompute(actor=world.admin_a, county=world.county_a, month=JANUARY)
    assert [Enrolment.objects.get(pk=e.pk).monthly_amount for e in enrolments] == batch_amounts


def test_an_enrolment_decided_meanwhile_keeps_its_decision(world, poor_household):
    """The write is conditional on the amount read: an amount changed by a decision is not overwritten."""
    enrolment = Enrolment.objects.get(application=_enrolled(world, poor_household))
    _raise_rural_standard(world, "650")
    import numpy as np

    from cases.services.recompute import _write

    old = int(enrolment.monthly_amount * 100)
    Enrolment.objects.filter(pk=enrolment.pk).update(monthly_amount=Decimal("123.00"))  # decided meanwhile
    written = _write(np.array([enrolment.pk]), np.array([old]), np.array([old + 5000]), JANUARY)
    assert written == 0 and Enrolment.objects.get(pk=enrolment.pk).monthly_amount == Decimal("123.00")
    assert not EnrolmentChange.objects.filter(cause="standard").exists()


def test_queries_do_not_grow_with_the_number_of_enrolments(world, poor_household, second_household):
    """Reading and writing are set-based: the batch path's queries per chunk do not depend on its size."""
    for household in (poor_household, second_household):
        _enrolled(world, household)
    _raise_rural_standard(world, "650")
    with _at(D(2026, 12, 10)), CaptureQueriesContext(connection) as queries:
        enrolments_recompute(actor=world.admin_a, county=world.county_a, month=JANUARY)
    with_two = len(queries)
    third = make_household(world.caseworker_a1, world.village_a1, members=3)
    _enrolled(world, third)
    with _at(D(2026, 12, 10)), CaptureQueriesContext(connection) as queries:
        enrolments_recompute(actor=world.admin_a, county=world.county_a, month=JANUARY)
    # the third enrolment is new; the first two are already at their amount: no extra query for either
    assert len(queries) <= with_two + 2, [q["sql"][:120] for q in queries.captured_queries]


# --- starting a run: the service, the task, the page and the API -------------------------------------------------


def test_only_the_county_administrator_starts_a_run_for_this_month_or_later(world, profiles):
    with _at(D(2026, 12, 10)):
        with pytest.raises(PermissionRefused):
            standard_recompute_start(actor=world.caseworker_a1, county=world.county_a, month=JANUARY)
        with pytest.raises(PermissionRefused):
            standard_recompute_start(actor=world.admin_b, county=world.county_a, month=JANUARY)
        with pytest.raises(ApplicationError) as past:
            standard_recompute_start(actor=world.admin_a, county=world.county_a, month=D(2026, 11, 1))
        assert past.value.status == 400 and "补发" in past.value.message
        with pytest.raises(ApplicationError) as town:
            standard_recompute_start(actor=world.admin_a, county=world.town_a1, month=JANUARY)
        assert town.value.status == 400


def test_the_job_runs_reports_and_is_found_again(world, poor_household):
    """The job records total / done and finishes with the totals; starting again for the same standards finds
    it; after another approved change of the standard, a new job is started."""
    enrolment = Enrolment.objects.get(application=_enrolled(world, poor_household))
    _raise_rural_standard(world, "650")
    with _at(D(2026, 12, 10)):
        job, created = standard_recompute_start(actor=world.admin_a, county=world.county_a, month=JANUARY)
        assert created and job.status == JobStatus.PENDING and job.county == world.county_a
        summary = standard_recompute(job.pk)
        job.refresh_from_db()
        again, created_again = standard_recompute_start(actor=world.admin_a, county=world.county_a, month=JANUARY)
    assert job.status == JobStatus.SUCCEEDED and (job.total, job.done) == (1, 1)
    assert job.result["changed"] == 1 and job.result == summary
    assert (again.pk, created_again) == (job.pk, False)
    assert standard_recompute(job.pk) == "skipped"
    enrolment.refresh_from_db()
    assert enrolment.monthly_amount == Decimal(job.result["total_after"])


def test_page_starts_the_run_and_shows_the_job(client, world, poor_household):
    _enrolled(world, poor_household)
    _raise_rural_standard(world, "650")
    with _at(D(2026, 12, 10)):
        client.force_login(world.admin_a)  # sessions expire: sign in at the travelled time
        page = client.get("/jobs/recompute/")
        assert page.status_code == 200
        html = page.content.decode()
        assert "提标重算" in html and world.county_a.name in html and "2027-01" in html
        response = client.post("/jobs/recompute/", {"county": world.county_a.pk, "month": "2027-01"})
    job = Job.objects.get(kind="standard_recompute")
    assert response.status_code == 302 and response["Location"] == f"/jobs/{job.pk}/"
    with _at(D(2026, 12, 10)):
        bad = client.post("/jobs/recompute/", {"county": world.county_a.pk, "month": "2026-01"})
    assert bad.status_code == 400 and "补发" in bad.content.decode()


def test_page_refuses_staff_who_do_not_administer_a_county(client, world, profiles):
    client.force_login(world.caseworker_a1)
    assert client.get("/jobs/recompute/").status_code == 403


def test_api_starts_the_run(world, poor_household):
    _enrolled(world, poor_household)
    _raise_rural_standard(world, "650")
    client = APIClient()
    client.force_authenticate(world.admin_a)
    with _at(D(2026, 12, 10)):
        response = client.post(
            "/api/standard-recompute/",
            {"county": world.county_a.code, "month": "2027-01"},
            content_type="application/json",
        )
        bad = client.post(
            "/api/standard-recompute/",
            {"county": world.county_a.code, "month": "2027-13"},
            content_type="application/json",
        )
        refused = client.post(
            "/api/standard-recompute/",
            {"county": world.county_b.code, "month": "2027-01"},
            content_type="application/json",
        )
    assert response.status_code == 202
    body = response.json()
    assert body["job"] == Job.objects.get(kind="standard_recompute").pk and body["url"] == f"/jobs/{body['job']}/"
    assert bad.status_code == 400 and refused.status_code == 403


def test_system_actor_may_start_runs(world, profiles):
    with _at(D(2026, 12, 10)):
        job, created = standard_recompute_start(actor=system_actor(), county=world.county_a, month=JANUARY)
    assert created and job.trigger == "user"


def test_an_enrolment_changed_by_a_life_event_is_left_to_the_recheck(world, poor_household):
    """After an imprisonment recomputed the household's share, its amount rests on no decision yet: the decision
    basis is dropped and 提标 lists the enrolment for 复核 instead of recomputing it from the old facts."""
    from cases.services import life_event_record

    enrolment = Enrolment.objects.get(application=_enrolled(world, poor_household))
    member = poor_household.members.exclude(relation="head").get()
    with _at(D(2026, 6, 3)):
        life_event_record(actor=world.caseworker_a1, member=member, kind="imprisonment", occurred_on=D(2026, 6, 1))
    assert not EnrolmentBasis.objects.filter(enrolment=enrolment).exists()
    enrolment.refresh_from_db()
    amount = enrolment.monthly_amount
    _raise_rural_standard(world, "650")

    with _at(D(2026, 12, 10)):
        report = enrolments_recompute(actor=world.admin_a, county=world.county_a, month=JANUARY).as_dict()

    enrolment.refresh_from_db()
    assert enrolment.monthly_amount == amount and (report["changed"], report["review"]) == (0, 1)
    assert report["review_list"] == [
        {"enrolment": enrolment.pk, "program": "dibao", "reason": "生命事件后金额尚未经复核确认，请先复核"}
    ]


def test_tekun_enrolments_are_recomputed_like_the_scalar_engine(clock, world, profiles):
    """A 特困 subject's basic living and care amounts follow the new standard (the batch path's 特困 rule on the
    stored basis, subject included), exactly as the scalar engine decides the same facts."""
    from cases.services import application_decide, application_visit_record
    from tests.test_workflow_rules import accept, submit, tekun_subject

    household = tekun_subject(world.caseworker_a1, world.village_a1)
    app = submit(
        clock,
        world.caseworker_a1,
        accept(world.caseworker_a1, household, "tekun", subject=household.head),
        [world.caseworker_a1, world.assistant_a1],
    )
    if app.county_sampled:
        application_visit_record(
            actor=world.reviewer_a,
            application=app,
            visited_on=app.submitted_on,
            visitors=[world.reviewer_a, world.admin_a],
            findings="县级抽查入户：情况属实",
            signed_by_applicant=True,
        )
    enrolment = Enrolment.objects.get(
        application=application_decide(actor=world.reviewer_a, application=app, confirm=True)
    )
    assert EnrolmentBasis.objects.get(enrolment=enrolment).subject == 0
    before = enrolment.monthly_amount
    _raise_rural_standard(world, "700")
    clock.move_to(dt.datetime(2026, 12, 10, 9, 0))
    expected = _expected(enrolment, JANUARY)

    report = enrolments_recompute(actor=world.admin_a, county=world.county_a, month=JANUARY).as_dict()

    enrolment.refresh_from_db()
    assert enrolment.monthly_amount == expected
    assert expected != before and report["programs"]["tekun"]["changed"] == 1
    assert report["programs"]["tekun"]["scalar"] == 0
