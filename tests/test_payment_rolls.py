"""Monthly payment rolls (``payments.services.rolls``): one line per active enrolment with that month's amount and
the decision it came from; generating twice gives the same roll; draft → checked → approved (four eyes) with
frozen lines after approval; totals equal the sum of lines to the fen."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from assistance.errors import ApplicationError, PermissionRefused
from assistance.models import Job, JobStatus
from assistance.services import system_actor
from audit.models import AuditEvent
from cases.models import EnrolmentChange
from cases.services import household_update
from payments.choices import RollStatus
from payments.models import CountyPaymentSetting, PaymentLine, PaymentRoll
from payments.services.rolls import (
    counties_due,
    roll_approve,
    roll_changes,
    roll_check,
    roll_generate,
    roll_return,
    rolls_generate_start,
)
from payments.tasks import generate_due_rolls, generate_rolls
from tests import test_workflow_services as workflow_tests
from tests.factories import make_household
from tests.test_workflow_services import _enrolled, _recheck, _wages

D = dt.date
profiles = workflow_tests.profiles
poor_household = workflow_tests.poor_household
NOVEMBER = D(2026, 11, 1)


def _at(day: dt.date):
    return time_machine.travel(dt.datetime.combine(day, dt.time(9, 0)), tick=False)


def with_account(world, household, number: str = "6217000011112222333"):
    """Give the household a bank account (as the town's caseworker would)."""
    household.refresh_from_db()
    return household_update(
        actor=world.caseworker_a1,
        household=household,
        expected_version=household.version,
        bank_name="长白县农村信用社",
        bank_account_holder=household.members.get(relation="head").name,
        bank_account_number=number,
    )


@pytest.fixture
def enrolled(world, poor_household):
    """The poor household enrolled in 低保 from April 2026, with a bank account."""
    with_account(world, poor_household)
    app = _enrolled(world, poor_household)
    return app.enrolment


def _generate(world, month=NOVEMBER, program="dibao", actor=None):
    with _at(D(2026, 11, 22)):
        return roll_generate(actor=actor or world.admin_a, county=world.county_a, program=program, month=month).roll


def test_roll_has_one_line_per_active_enrolment_with_the_months_amount_and_its_decision(world, enrolled):
    roll = _generate(world)
    lines = list(PaymentLine.objects.filter(roll=roll))
    assert len(lines) == 1
    line = lines[0]
    change = EnrolmentChange.objects.filter(enrolment=enrolled).latest("id")
    assert line.enrolment_id == enrolled.pk
    assert line.amount_fen == int(enrolled.monthly_amount * 100)
    assert line.change_id == change.pk and line.application_id == enrolled.application_id
    assert line.town_id == world.town_a1.pk and line.region_id == world.village_a1.pk
    assert line.account_number == "6217000011112222333" and line.period_month == NOVEMBER
    assert (roll.line_count, roll.total_fen) == (1, line.amount_fen)
    assert roll.generated_at is not None and roll.status == RollStatus.DRAFT


def test_generating_twice_gives_the_same_roll(world, enrolled):
    first = _generate(world)
    lines_before = list(PaymentLine.objects.filter(roll=first).values_list("enrolment_id", "amount_fen", "change_id"))
    second = _generate(world)
    assert second.pk == first.pk
    assert (
        list(PaymentLine.objects.filter(roll=second).values_list("enrolment_id", "amount_fen", "change_id"))
        == lines_before
    )
    assert PaymentRoll.objects.count() == 1


def test_the_amount_is_that_of_the_change_in_force_in_the_month(world, poor_household):
    """A 复核 confirmed in May changes the amount from June: the May roll pays the old, the June roll the new."""
    with_account(world, poor_household)
    enrolment = _enrolled(world, poor_household).enrolment
    old = enrolment.monthly_amount
    _wages(world, poor_household, "100", months=((2026, 3), (2026, 4)))
    _recheck(world, poor_household)
    enrolment.refresh_from_db()
    assert enrolment.monthly_amount != old
    may = _generate(world, month=D(2026, 5, 1))
    june = _generate(world, month=D(2026, 6, 1))
    assert PaymentLine.objects.get(roll=may).amount_fen == int(old * 100)
    assert PaymentLine.objects.get(roll=june).amount_fen == int(enrolment.monthly_amount * 100)
    changes = roll_changes(june)
    assert [c["kind"] for c in changes] == ["changed"]
    with _at(D(2026, 11, 22)):
        report = roll_check(actor=world.admin_a, roll=june).check_report
    delta = int((enrolment.monthly_amount - old) * 100)
    assert report["changes"]["changed"] == {"n": 1, "delta_fen": delta}
    assert report["changes"]["new"] == {"n": 0, "delta_fen": 0} == report["changes"]["ended"]


def test_no_line_before_the_start_month_or_after_an_exit(world, enrolled):
    assert _generate(world, month=D(2026, 3, 1)).line_count == 0
    assert _generate(world, month=D(2026, 4, 1)).line_count == 1
    EnrolmentChange.objects.create(
        enrolment=enrolled, effective_month=D(2026, 10, 1), amount=Decimal("0"), status="ended", cause="exit"
    )
    assert _generate(world, month=D(2026, 10, 1)).line_count == 0


def test_check_lists_totals_by_town_and_changes_against_last_month(world, enrolled, profiles):
    _generate(world, month=D(2026, 10, 1))
    other = make_household(world.caseworker_a1, world.village_a1, members=1)
    with_account(world, other, "6217000099998888777")
    roll = _generate(world)
    with _at(D(2026, 11, 22)):
        roll = roll_check(actor=world.admin_a, roll=roll)
    report = roll.check_report
    assert report["towns"] == [{"town": world.town_a1.pk, "name": world.town_a1.name, "n": 1, "fen": roll.total_fen}]
    assert report["changes"]["new"]["n"] == 0 and report["changes"]["ended"]["n"] == 0
    assert report["previous_count"] == 1 and report["missing_accounts"] == 0
    assert roll.status == RollStatus.CHECKED


def test_approval_needs_a_reviewer_who_neither_generated_nor_checked(world, enrolled):
    roll = _generate(world)
    with _at(D(2026, 11, 22)):
        roll = roll_check(actor=world.admin_a, roll=roll)
        with pytest.raises(PermissionRefused):
            roll_approve(actor=world.admin_a, roll=roll)
        with pytest.raises(PermissionRefused):
            roll_approve(actor=world.caseworker_a1, roll=roll)
        roll = roll_approve(actor=world.reviewer_a, roll=roll, version=roll.version)
    assert roll.status == RollStatus.APPROVED and roll.approved_by == world.reviewer_a
    assert AuditEvent.objects.filter(action="payment_roll.approve", target_id=str(roll.pk)).count() == 1


def test_the_reviewer_who_checked_cannot_approve_too(world, enrolled):
    roll = _generate(world)
    with _at(D(2026, 11, 22)):
        roll = roll_check(actor=world.reviewer_a, roll=roll)
        with pytest.raises(ApplicationError) as error:
            roll_approve(actor=world.reviewer_a, roll=roll)
    assert error.value.code == "same_reviewer" and error.value.status == 409


def test_approved_roll_is_frozen_and_cannot_be_generated_again(world, enrolled):
    roll = _generate(world)
    with _at(D(2026, 11, 22)):
        roll_approve(actor=world.reviewer_a, roll=roll_check(actor=world.admin_a, roll=roll))
    with pytest.raises(ApplicationError) as error:
        _generate(world)
    assert error.value.code == "roll_frozen" and error.value.status == 409
    assert PaymentLine.objects.filter(roll=roll).count() == 1


def test_missing_account_blocks_approval_with_a_chinese_message(world, poor_household):
    _enrolled(world, poor_household)
    roll = _generate(world)
    with _at(D(2026, 11, 22)):
        roll = roll_check(actor=world.admin_a, roll=roll)
        assert roll.check_report["missing_accounts"] == 1
        with pytest.raises(ApplicationError) as error:
            roll_approve(actor=world.reviewer_a, roll=roll)
    assert error.value.code == "missing_account" and "银行账号" in error.value.message
    roll.refresh_from_db()
    assert roll.status == RollStatus.CHECKED


def test_illegal_transitions_and_stale_versions_are_refused_and_change_nothing(world, enrolled):
    roll = _generate(world)
    with _at(D(2026, 11, 22)):
        with pytest.raises(ApplicationError) as error:
            roll_approve(actor=world.reviewer_a, roll=roll)
        assert error.value.code == "illegal_transition"
        with pytest.raises(ApplicationError) as error:
            roll_check(actor=world.admin_a, roll=roll, version=roll.version + 1)
        assert error.value.code == "stale_version"
        checked = roll_check(actor=world.admin_a, roll=roll)
        with pytest.raises(ApplicationError):
            roll_return(actor=world.reviewer_a, roll=checked, reason=" ")
        back = roll_return(actor=world.reviewer_a, roll=checked, reason="请先补录新增对象的账号")
    assert back.status == RollStatus.DRAFT and back.checked_by is None


def test_only_the_county_administrator_generates(world, enrolled):
    with pytest.raises(PermissionRefused):
        _generate(world, actor=world.caseworker_a1)
    with pytest.raises(PermissionRefused):
        _generate(world, actor=world.reviewer_a)
    with pytest.raises(ApplicationError):
        _generate(world, month=D(2027, 3, 1))


def test_generation_queries_do_not_grow_with_enrolments(world, enrolled, profiles):
    _generate(world)
    with CaptureQueriesContext(connection) as one:
        _generate(world)
    for n in range(3):
        other = make_household(world.caseworker_a1, world.village_a1, members=2)
        with_account(world, other, f"62170000{n}1112222333")
        _enrolled(world, other)
    with CaptureQueriesContext(connection) as four:
        roll = _generate(world)
    assert roll.line_count == 4
    assert len(four.captured_queries) == len(one.captured_queries)


def test_generation_in_small_chunks_gives_the_same_lines(world, enrolled, profiles):
    for n in range(3):
        other = make_household(world.caseworker_a1, world.village_a1, members=2)
        with_account(world, other, f"62170000{n}1112222333")
        _enrolled(world, other)
    with _at(D(2026, 11, 22)):
        whole = roll_generate(actor=world.admin_a, county=world.county_a, program="dibao", month=NOVEMBER).roll
        expected = sorted(PaymentLine.objects.filter(roll=whole).values_list("enrolment_id", "amount_fen"))
        small = roll_generate(actor=world.admin_a, county=world.county_a, program="dibao", month=NOVEMBER, chunk=1)
    assert small.chunks >= 4
    assert sorted(PaymentLine.objects.filter(roll=small.roll).values_list("enrolment_id", "amount_fen")) == expected


def test_job_generates_every_program_and_beat_starts_it_once_on_the_roll_day(world, enrolled):
    CountyPaymentSetting.objects.create(county=world.county_a, roll_day=5)
    with _at(D(2026, 11, 4)):
        assert counties_due(D(2026, 11, 4)) == []
    with _at(D(2026, 11, 5)):
        assert counties_due(D(2026, 11, 5)) == [world.county_a]
        job, created = rolls_generate_start(actor=system_actor(), county=world.county_a, month=NOVEMBER, trigger="beat")
        assert created
        result = generate_rolls(job.pk)
        assert generate_rolls(job.pk) == "skipped"
        again, created = rolls_generate_start(
            actor=system_actor(), county=world.county_a, month=NOVEMBER, trigger="beat"
        )
        assert again.pk == job.pk and not created
        assert generate_due_rolls("2026-11-05") == []
    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED and job.done == job.total == 4
    assert result["lines"] == 1 and "1 笔" in result["rolls"]["dibao"]
    assert PaymentRoll.objects.filter(county=world.county_a, month=NOVEMBER).count() == 4


def test_a_restarted_job_leaves_no_duplicate_and_no_gap(world, enrolled, profiles):
    """A worker dies after the first chunk: the redelivered job generates the roll again from the start."""
    for n in range(2):
        other = make_household(world.caseworker_a1, world.village_a1, members=2)
        with_account(world, other, f"62170000{n}1112222333")
        _enrolled(world, other)
    with _at(D(2026, 11, 22)):
        job, _ = rolls_generate_start(actor=world.admin_a, county=world.county_a, month=NOVEMBER, programs=["dibao"])

        class Killed(Exception):
            pass

        def die(done, total):
            if done == 1:
                raise Killed

        Job.objects.filter(pk=job.pk).update(status=JobStatus.RUNNING)
        with pytest.raises(Killed):
            roll_generate(
                actor=world.admin_a, county=world.county_a, program="dibao", month=NOVEMBER, chunk=1, progress=die
            )
        roll = PaymentRoll.objects.get()
        assert roll.generated_at is None and PaymentLine.objects.filter(roll=roll).count() == 1
        with pytest.raises(ApplicationError):
            roll_check(actor=world.admin_a, roll=roll)
        Job.objects.filter(pk=job.pk).update(status=JobStatus.PENDING)
        generate_rolls(job.pk, chunk=1)
    roll.refresh_from_db()
    assert roll.generated_at is not None
    assert PaymentLine.objects.filter(roll=roll).count() == 3 == roll.line_count
    assert len(set(PaymentLine.objects.filter(roll=roll).values_list("enrolment_id", flat=True))) == 3


# --- pages and API -------------------------------------------------------------------------------------------


def test_pages_generate_check_and_approve_a_roll(client, world, enrolled):
    with _at(D(2026, 11, 22)):
        client.force_login(world.admin_a)
        page = client.get("/payments/?month=2026-11")
        assert page.status_code == 200 and "尚未生成" in page.content.decode()
        response = client.post("/payments/", {"county": world.county_a.pk, "month": "2026-11", "programs": ["dibao"]})
        assert response.status_code == 302 and response["Location"].startswith("/jobs/")
        job = Job.objects.get()
        generate_rolls(job.pk)
        roll = PaymentRoll.objects.get(program="dibao")
        detail = client.get(roll.get_absolute_url())
        assert detail.status_code == 200 and 'data-testid="roll-check"' in detail.content.decode()
        response = client.post(f"/payments/rolls/{roll.pk}/check/", {"version": roll.version})
        assert response.status_code == 302
        # the administrator who checked is not offered approval, and is refused if trying
        assert 'data-testid="roll-approve"' not in client.get(roll.get_absolute_url()).content.decode()
        roll.refresh_from_db()
        assert client.post(f"/payments/rolls/{roll.pk}/approve/", {"version": roll.version}).status_code == 403
        client.force_login(world.reviewer_a)
        detail = client.get(roll.get_absolute_url()).content.decode()
        assert 'data-testid="roll-approve"' in detail and "分乡镇合计" in detail
        stale = client.post(f"/payments/rolls/{roll.pk}/approve/", {"version": roll.version - 1})
        assert stale.status_code == 409 and "刷新" in stale.content.decode()
        assert client.post(f"/payments/rolls/{roll.pk}/approve/", {"version": roll.version}).status_code == 302
    roll.refresh_from_db()
    assert roll.status == RollStatus.APPROVED and roll.approved_by == world.reviewer_a


def test_town_caseworkers_do_not_see_county_rolls(client, world, enrolled):
    roll = _generate(world)
    client.force_login(world.caseworker_a1)
    assert client.get("/payments/").status_code == 403
    assert client.get(roll.get_absolute_url()).status_code == 404
    client.force_login(world.admin_b)
    assert client.get(roll.get_absolute_url()).status_code == 404


def test_api_lists_rolls_lines_and_runs_the_transitions(world, enrolled):
    from rest_framework.test import APIClient

    roll = _generate(world)
    api = APIClient()
    with _at(D(2026, 11, 22)):
        api.force_authenticate(world.admin_a)
        listed = api.get("/api/payments/rolls/", {"county": world.county_a.code, "month": "2026-11"})
        assert listed.status_code == 200 and listed.json()["results"][0]["code"] == roll.code
        lines = api.get(f"/api/payments/rolls/{roll.pk}/lines/").json()["results"]
        assert lines[0]["account_number"] == "****2333" and lines[0]["amount_fen"] == roll.total_fen
        assert api.post(f"/api/payments/rolls/{roll.pk}/approve/", {}, format="json").status_code == 403
        checked = api.post(f"/api/payments/rolls/{roll.pk}/check/", {"version": roll.version}, format="json")
        assert checked.status_code == 200 and checked.json()["status"] == "checked"
        api.force_authenticate(world.reviewer_a)
        approved = api.post(f"/api/payments/rolls/{roll.pk}/approve/", {"version": roll.version + 1}, format="json")
        assert approved.status_code == 200 and approved.json()["status"] == "approved"
        again = api.post(f"/api/payments/rolls/{roll.pk}/approve/", {}, format="json")
        assert again.status_code == 409 and again.json()["code"] == "illegal_transition"
        api.force_authenticate(world.admin_a)
        frozen = api.post(
            "/api/payments/rolls/generate/",
            {"county": world.county_a.code, "month": "2026-11", "programs": ["dibao"]},
            format="json",
        )
        assert frozen.status_code == 409 and frozen.json()["code"] == "roll_frozen"
        bad = api.post("/api/payments/rolls/generate/", {"county": "999999", "month": "2026-13"}, format="json")
        assert bad.status_code == 400


def test_a_generation_overtaken_by_another_stops_and_the_later_one_finishes(world, enrolled, profiles):
    """A beat job and a person generate the same roll: the later generation resets it and completes it; the
    earlier one stops at its next chunk without touching the totals."""
    for n in range(2):
        other = make_household(world.caseworker_a1, world.village_a1, members=2)
        with_account(world, other, f"62170000{n}1112222333")
        _enrolled(world, other)
    later = []

    def overtake(done, total):
        if done == 1 and not later:
            later.append(
                roll_generate(actor=world.admin_a, county=world.county_a, program="dibao", month=NOVEMBER, chunk=1)
            )

    with _at(D(2026, 11, 22)):
        earlier = roll_generate(
            actor=world.admin_a, county=world.county_a, program="dibao", month=NOVEMBER, chunk=1, progress=overtake
        )
    assert earlier.superseded and not later[0].superseded
    roll = PaymentRoll.objects.get()
    assert roll.generated_at is not None and roll.line_count == 3
    assert PaymentLine.objects.filter(roll=roll).count() == 3
