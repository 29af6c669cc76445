"""Scheduled work (cases.services.lifecycle, cases.tasks.daily_run): due re-checks, graduated exits that end by
themselves, overdue flags — each idempotent, the daily task as one job per day."""

from __future__ import annotations

import datetime as dt
from unittest import mock

import pytest
import time_machine
from django.conf import settings

from assistance.models import Job, JobStatus
from assistance.services import system_actor
from audit.models import AuditEvent
from cases.choices import ApplicationStatus as S
from cases.models import Application, Enrolment
from cases.selectors import inbox_for
from cases.services import (
    application_investigation_start,
    deadlines_flag_overdue,
    enrolments_advance,
    recheck_open_due,
)
from tests import test_workflow_services as workflow_tests
from tests.test_workflow_services import _accept, _enrolled, _recheck, _wages

NO_MINORS = {"tekun_minors_recorded": 0, "tekun_minors_ended": 0}
D = dt.date
# The fixtures of the workflow tests: the loaded profiles, a poor household of two in 长白.
profiles = workflow_tests.profiles
poor_household = workflow_tests.poor_household


def _at(day: dt.date):
    return time_machine.travel(dt.datetime.combine(day, dt.time(9, 0)), tick=False)


def test_recheck_opens_on_the_due_date_into_the_town_inbox_once(world, poor_household):
    """The 复核 opens on ``next_recheck_on`` (not the day before), waits in the town caseworker's inbox with
    its investigation deadline, and a second run opens nothing more."""
    # given: enrolled from April 2026, its re-check due by the profile's interval
    enrolment = Enrolment.objects.get(application=_enrolled(world, poor_household))
    due = enrolment.next_recheck_on
    assert due is not None and due > D(2026, 4, 1)
    before = due - dt.timedelta(days=1)

    # when / then: the day before, nothing
    with _at(before):
        assert recheck_open_due(actor=system_actor(), on=before) == 0
    # when: the due day
    with _at(due):
        opened = recheck_open_due(actor=system_actor(), on=due)
        again = recheck_open_due(actor=system_actor(), on=due)
        inbox = list(inbox_for(actor=world.caseworker_a1))

    # then
    assert (opened, again) == (1, 0)
    recheck = Application.objects.get(household=poor_household, kind="recheck")
    assert recheck.status == S.ACCEPTED and recheck.applied_on == due and recheck.created_by == system_actor()
    assert recheck.authorisation_signed_on == enrolment.application.authorisation_signed_on
    assert recheck.due_on is not None and recheck.due_on > due
    assert "定期核查到期" in recheck.reason
    assert recheck in inbox


def test_recheck_skips_enrolments_with_an_open_application(world, poor_household):
    """An enrolment whose household already has an open application of the program is left alone."""
    enrolment = Enrolment.objects.get(application=_enrolled(world, poor_household))
    Enrolment.objects.filter(pk=enrolment.pk).update(next_recheck_on=D(2026, 5, 4))
    with _at(D(2026, 5, 4)):
        _accept(world, poor_household, kind="change", authorisation_signed_on=D(2026, 5, 4))
        assert recheck_open_due(actor=system_actor(), on=D(2026, 5, 4)) == 0
    assert not Application.objects.filter(kind="recheck").exists()


def test_graduated_exit_follows_its_schedule_and_ends_by_itself(world, poor_household):
    """长白: 17 exiting months from June 2026, the stop from November 2027. The enrolment takes each month's
    scheduled amount, ends from November 2027, and a second run changes nothing."""
    # given
    enrolment = Enrolment.objects.get(application=_enrolled(world, poor_household))
    _wages(world, poor_household, "3000")
    _recheck(world, poor_household, income_rise_cause="work")
    july = enrolment.changes.get(effective_month=D(2026, 7, 1))

    # when: July 2026
    first = enrolments_advance(on=D(2026, 7, 10))
    second = enrolments_advance(on=D(2026, 7, 10))

    # then
    enrolment.refresh_from_db()
    assert enrolment.status == "exiting" and enrolment.monthly_amount == july.amount
    assert second == {"ended": 0, "amounts_changed": 0}
    assert first["ended"] == 0

    # when: November 2027
    ended = enrolments_advance(on=D(2027, 11, 5))
    again = enrolments_advance(on=D(2027, 11, 5))

    # then
    enrolment.refresh_from_db()
    assert ended["ended"] == 1 and again == {"ended": 0, "amounts_changed": 0}
    assert enrolment.status == "ended" and enrolment.end_month == D(2027, 10, 1)
    events = AuditEvent.objects.filter(action="enrolment.advance", target_id=str(enrolment.pk))
    assert events.count() == first["amounts_changed"] + 1


def test_overdue_flagged_once_and_cleared_when_the_deadline_moves(world, poor_household):
    """An accepted case not investigated within 3 working days is flagged once; starting the investigation
    moves its deadline on and clears the flag."""
    with _at(D(2026, 3, 2)):
        app = _accept(world, poor_household)
    assert app.due_on == D(2026, 3, 5)

    assert deadlines_flag_overdue(on=D(2026, 3, 5)) == 0
    assert deadlines_flag_overdue(on=D(2026, 3, 6)) == 1
    assert deadlines_flag_overdue(on=D(2026, 3, 9)) == 0
    app.refresh_from_db()
    assert app.overdue_since == D(2026, 3, 6)

    with _at(D(2026, 3, 9)):
        application_investigation_start(actor=world.caseworker_a1, application=app)
    app.refresh_from_db()
    assert app.overdue_since is None and app.due_on >= D(2026, 3, 9)


def test_daily_run_twice_on_one_day_changes_nothing_the_second_time(world, poor_household):
    """daily_run (run in-process) records its totals on the day's job; a second run is skipped."""
    from cases.tasks import daily_run

    enrolment = Enrolment.objects.get(application=_enrolled(world, poor_household))
    due = enrolment.next_recheck_on
    with _at(due):
        first = daily_run.apply().get()
        applications, events = Application.objects.count(), AuditEvent.objects.count()
        second = daily_run.apply().get()

    assert first == {
        "rechecks_opened": 1,
        "enrolments_ended": 0,
        "amounts_changed": 0,
        "overdue_flagged": 0,
        **NO_MINORS,
    }
    assert second == "skipped"
    assert (Application.objects.count(), AuditEvent.objects.count()) == (applications, events)
    job = Job.objects.get(key=f"daily_run:{due.isoformat()}")
    assert job.status == JobStatus.SUCCEEDED and job.result == first
    assert (job.total, job.done, job.attempts, job.trigger) == (4, 4, 1, "beat")


def test_daily_run_failure_fails_the_job_with_the_reason(world, profiles):
    from cases.tasks import daily_run

    with (
        mock.patch("cases.tasks.deadlines_flag_overdue", side_effect=RuntimeError("数据库不可用")),
        pytest.raises(RuntimeError),
    ):
        daily_run.apply(kwargs={"day": "2026-03-02"}).get()

    job = Job.objects.get(key="daily_run:2026-03-02")
    assert job.status == JobStatus.FAILED and "数据库不可用" in job.error


def test_daily_run_is_scheduled_at_half_past_one():
    entry = settings.CELERY_BEAT_SCHEDULE["cases-daily-run"]
    assert entry["task"] == "cases.daily_run"
    assert (entry["schedule"].hour, entry["schedule"].minute) == ({1}, {30})


def test_a_withdrawn_recheck_is_not_reopened_every_day(world, poor_household):
    """A 复核 opened for a due date and then withdrawn is left to the caseworker: the next daily runs do not
    open it again (the next date moves only when a re-check is confirmed)."""
    from cases.services import application_withdraw

    enrolment = Enrolment.objects.get(application=_enrolled(world, poor_household))
    Enrolment.objects.filter(pk=enrolment.pk).update(next_recheck_on=D(2026, 6, 1))
    with time_machine.travel(dt.datetime(2026, 6, 2, 9, 0), tick=False):
        assert recheck_open_due(actor=system_actor(), on=D(2026, 6, 2)) == 1
        recheck = Application.objects.get(kind="recheck")
        application_withdraw(actor=world.caseworker_a1, application=recheck, reason="户主外出务工，暂缓核查")
    with time_machine.travel(dt.datetime(2026, 6, 3, 9, 0), tick=False):
        assert recheck_open_due(actor=system_actor(), on=D(2026, 6, 3)) == 0
