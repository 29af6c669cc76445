"""The case workflow's services: the 低保 path from intake to enrolment, and what each transition refuses.

Dates are pinned with time-machine: 2026-03-02 is a Monday after the Spring Festival holidays (chinesecalendar:
2026-02-15 … 2026-02-23 off), so the working-day counts below can be checked by hand.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import time_machine

from assistance.errors import ApplicationError
from assistance.services import system_actor
from audit.models import AuditEvent
from cases.choices import ApplicationStatus as S
from cases.models import Application, ApplicationEvent, Enrolment, Evaluation
from cases.services import (
    application_accept,
    application_decide,
    application_evaluate,
    application_investigation_start,
    application_notice_close,
    application_notice_publish,
    application_objection_record,
    application_town_review,
    application_visit_record,
    income_record,
)
from eligibility.rules.profile_data import load_documents
from eligibility.services import profiles_load
from tests.factories import make_household

D = dt.date
MONDAY = D(2026, 3, 2)


@pytest.fixture
def profiles(db):
    return profiles_load(actor=system_actor(), documents=load_documents())


@pytest.fixture
def poor_household(world, profiles):
    """A rural household of two in 长白 with 300 yuan wages a month: below the rural standard (575)."""
    household = make_household(world.caseworker_a1, world.village_a1, members=2)
    head = household.members.get(relation="head")
    for month in range(9, 13):
        income_record(
            actor=world.caseworker_a1, member=head, month=D(2025, month, 1), kind="wages", amount=Decimal("300")
        )
    return household


def _accept(world, household, **kw):
    kw.setdefault("authorisation_signed_on", MONDAY)
    return application_accept(actor=world.caseworker_a1, household=household, program="dibao", **kw)


def _through_evaluation(world, app, visited_on=MONDAY):
    app = application_investigation_start(actor=world.caseworker_a1, application=app)
    application_visit_record(
        actor=world.caseworker_a1,
        application=app,
        visited_on=visited_on,
        visitors=[world.caseworker_a1, world.assistant_a1],
        findings="家中无劳动力，房屋简陋，无车辆",
        signed_by_applicant=True,
    )
    application_evaluate(actor=world.caseworker_a1, application=app)
    return Application.objects.get(pk=app.pk)


@time_machine.travel(dt.datetime(2026, 3, 2, 9, 0), tick=False)
def test_dibao_path_from_intake_to_enrolment(world, poor_household):
    """Intake → investigation → visit → evaluation → town review → 7-day notice → county confirmation
    creates the enrolment from the next month with the evaluated amount, and every step is on the timeline."""
    # given an accepted application
    app = _accept(world, poor_household)
    assert app.status == S.ACCEPTED and app.accepted_on == MONDAY
    assert app.code.startswith("SQ2206232026")
    # the investigation must start within 3 working days: Thursday 5 March
    assert app.due_on == D(2026, 3, 5)

    # when it is investigated and evaluated
    app = _through_evaluation(world, app)
    assert app.status == S.EVALUATED
    evaluation = app.evaluation
    assert evaluation.eligible and evaluation.amount > 0
    # the whole procedure: 30 working days from Monday 2 March: 21 in March, 3 before 清明 (4–6 April off),
    # then 7–10 and 13–14 April → Tuesday 14 April
    assert app.due_on == D(2026, 4, 14)

    application_town_review(
        actor=world.caseworker_a1, application=app, approve=True, opinion="经调查核实，符合低保条件"
    )
    app = application_notice_publish(actor=world.caseworker_a1, application=Application.objects.get(pk=app.pk))
    assert (app.notice_start, app.notice_end) == (MONDAY, D(2026, 3, 8))

    # the notice period is not over yet
    with pytest.raises(ApplicationError) as refused:
        application_notice_close(actor=world.caseworker_a1, application=app)
    assert refused.value.code == "notice_running"

    with time_machine.travel(dt.datetime(2026, 3, 9, 9, 0), tick=False):
        app = application_notice_close(actor=world.caseworker_a1, application=app)
        assert app.status == S.DECISION
        # the county's opinion within 10 working days of receipt (9 March) → 23 March
        app = application_decide(actor=world.reviewer_a, application=app, confirm=True, version=app.version)

    # then
    assert app.status == S.CONFIRMED and app.approved_amount == evaluation.amount
    enrolment = Enrolment.objects.get(application=app)
    assert enrolment.start_month == D(2026, 4, 1)
    assert enrolment.monthly_amount == evaluation.amount
    assert enrolment.status == "active"
    steps = list(ApplicationEvent.objects.filter(application=app).values_list("step", flat=True))
    assert steps == [
        "accept",
        "investigation_start",
        "visit",
        "evaluate",
        "town_review",
        "notice",
        "submit",
        "decide",
        "enrol",
    ]
    assert AuditEvent.objects.filter(action="application.decide", target_id=str(app.pk)).exists()


@time_machine.travel(dt.datetime(2026, 3, 2, 9, 0), tick=False)
def test_refusals_leave_nothing_changed(world, poor_household):
    """Missing authorisation, an illegal transition, evaluation before the visit, a caseworker confirming,
    a stale form and a refusal without reasons are each refused with a code, and change nothing."""
    with pytest.raises(ApplicationError) as e:
        application_accept(actor=world.caseworker_a1, household=poor_household, program="dibao")
    assert e.value.code == "authorisation_missing"
    assert not Application.objects.exists()

    app = _accept(world, poor_household)
    with pytest.raises(ApplicationError) as e:
        _accept(world, poor_household)
    assert e.value.code == "duplicate_application"

    with pytest.raises(ApplicationError) as e:
        application_town_review(actor=world.caseworker_a1, application=app, approve=True, opinion="同意同意")
    assert e.value.code == "illegal_transition"

    app = application_investigation_start(actor=world.caseworker_a1, application=app)
    with pytest.raises(ApplicationError) as e:
        application_evaluate(actor=world.caseworker_a1, application=app)
    assert e.value.code == "visit_missing"
    assert not Evaluation.objects.exists()

    with pytest.raises(ApplicationError) as e:
        application_visit_record(
            actor=world.caseworker_a1,
            application=app,
            visited_on=MONDAY,
            visitors=[world.caseworker_a1],
            findings="一人入户调查",
            signed_by_applicant=True,
        )
    assert e.value.code == "visitors_required"

    with pytest.raises(ApplicationError) as e:
        application_investigation_start(actor=world.caseworker_a1, application=app, version=app.version - 1)
    assert e.value.code == "stale_version"

    app = Application.objects.get(pk=app.pk)
    version = app.version
    with pytest.raises(ApplicationError) as e:
        application_decide(actor=world.caseworker_a1, application=app, confirm=True)
    assert e.value.code == "illegal_transition"
    assert Application.objects.get(pk=app.pk).version == version


@time_machine.travel(dt.datetime(2026, 3, 2, 9, 0), tick=False)
def test_objection_sends_case_back_and_requires_deliberation(world, poor_household):
    app = _through_evaluation(world, _accept(world, poor_household))
    application_town_review(actor=world.caseworker_a1, application=app, approve=True, opinion="符合条件，同意")
    app = application_notice_publish(actor=world.caseworker_a1, application=Application.objects.get(pk=app.pk))
    application_objection_record(
        actor=world.caseworker_a1, application=app, received_on=MONDAY, content="群众反映其子女在外务工收入较高"
    )
    app = Application.objects.get(pk=app.pk)
    assert app.status == S.INVESTIGATING and app.deliberation_required
    application_evaluate(actor=world.caseworker_a1, application=app)
    with pytest.raises(ApplicationError) as e:
        application_town_review(
            actor=world.caseworker_a1, application=Application.objects.get(pk=app.pk), approve=True, opinion="同意纳入"
        )
    assert e.value.code == "deliberation_missing"


@time_machine.travel(dt.datetime(2026, 3, 2, 9, 0), tick=False)
def test_reviewer_refusal_needs_reasons_and_starts_notice_clock(world, poor_household):
    app = _through_evaluation(world, _accept(world, poor_household))
    application_town_review(actor=world.caseworker_a1, application=app, approve=True, opinion="符合条件，同意")
    app = application_notice_publish(actor=world.caseworker_a1, application=Application.objects.get(pk=app.pk))
    with time_machine.travel(dt.datetime(2026, 3, 10, 9, 0), tick=False):
        app = application_notice_close(actor=world.caseworker_a1, application=app)
        with pytest.raises(ApplicationError) as e:
            application_decide(actor=world.reviewer_a, application=app, confirm=False, reasons="")
        assert e.value.code == "reason_required"
        app = application_decide(
            actor=world.reviewer_a, application=app, confirm=False, reasons="家庭人均收入核实后高于当地低保标准"
        )
    assert app.status == S.REFUSED
    # written notice within 3 working days of Tuesday 10 March → Friday 13 March
    assert app.due_on == D(2026, 3, 13)
    assert not Enrolment.objects.exists()


@time_machine.travel(dt.datetime(2026, 3, 10, 9, 0), tick=False)
def test_steps_recorded_late_keep_their_days_in_order(world, poor_household):
    """A step done on paper may be recorded later with its own day, but never before the step it follows nor in
    the future; the timeline is in the order the steps happened."""
    app = _accept(world, poor_household, applied_on=MONDAY)
    app = application_investigation_start(actor=world.caseworker_a1, application=app, on=D(2026, 3, 3))
    application_visit_record(
        actor=world.caseworker_a1,
        application=app,
        visited_on=D(2026, 3, 4),
        visitors=[world.caseworker_a1, world.assistant_a1],
        findings="家中无劳动力，无车辆",
        signed_by_applicant=True,
    )
    with pytest.raises(ApplicationError) as e:
        application_evaluate(actor=world.caseworker_a1, application=app, on=D(2026, 3, 2))
    assert e.value.fields == {"on": ["早于启动调查日期"]}
    with pytest.raises(ApplicationError):
        application_evaluate(actor=world.caseworker_a1, application=app, on=D(2026, 3, 11))
    application_evaluate(actor=world.caseworker_a1, application=app, on=D(2026, 3, 4))
    app = Application.objects.get(pk=app.pk)
    with pytest.raises(ApplicationError) as e:
        application_town_review(
            actor=world.caseworker_a1, application=app, approve=True, opinion="符合条件，同意", on=D(2026, 3, 3)
        )
    assert e.value.fields == {"on": ["早于评估日期"]}
    app = application_town_review(
        actor=world.caseworker_a1, application=app, approve=True, opinion="符合条件，同意", on=D(2026, 3, 5)
    )
    assert app.town_reviewed_on == D(2026, 3, 5)
    app = application_notice_publish(actor=world.caseworker_a1, application=app)
    from cases.selectors import application_timeline

    days = [e.day for e in application_timeline(app)]
    assert days == sorted(days) and days[-1] == D(2026, 3, 10)


def _enrolled(world, household) -> Application:
    """Take ``household`` through the whole 低保 path in March 2026: enrolled from April."""
    with time_machine.travel(dt.datetime(2026, 3, 2, 9, 0), tick=False):
        app = _through_evaluation(world, _accept(world, household))
        application_town_review(actor=world.caseworker_a1, application=app, approve=True, opinion="符合条件，同意")
        application_notice_publish(actor=world.caseworker_a1, application=Application.objects.get(pk=app.pk))
    with time_machine.travel(dt.datetime(2026, 3, 10, 9, 0), tick=False):
        app = application_notice_close(actor=world.caseworker_a1, application=Application.objects.get(pk=app.pk))
        return application_decide(actor=world.reviewer_a, application=app, confirm=True)


def _recheck(world, household, kind="recheck", **kw) -> Application:
    """A 复核/变更/退出 taken to the county's decision and confirmed (in May 2026)."""
    with time_machine.travel(dt.datetime(2026, 5, 6, 9, 0), tick=False):
        accepted = _accept(world, household, kind=kind, authorisation_signed_on=D(2026, 5, 6), **kw)
        app = _through_evaluation(world, accepted, visited_on=D(2026, 5, 6))
        application_town_review(actor=world.caseworker_a1, application=app, approve=True, opinion="复核后提出意见")
        application_notice_publish(actor=world.caseworker_a1, application=Application.objects.get(pk=app.pk))
    with time_machine.travel(dt.datetime(2026, 5, 14, 9, 0), tick=False):
        app = application_notice_close(actor=world.caseworker_a1, application=Application.objects.get(pk=app.pk))
        return application_decide(actor=world.reviewer_a, application=app, confirm=True, reasons="经复核作出决定")


def _wages(world, household, amount: str, months=((2026, 3), (2026, 4))) -> None:
    head = household.members.get(relation="head")
    for year, month in months:
        income_record(
            actor=world.caseworker_a1, member=head, month=D(year, month, 1), kind="wages", amount=Decimal(amount)
        )


def test_recheck_adjusts_the_enrolment_from_the_next_month(world, poor_household):
    """复核: income rose but stays below the standard → the amount changes from June; April and May keep theirs."""
    enrolment = Enrolment.objects.get(application=_enrolled(world, poor_household))
    first = enrolment.monthly_amount
    _wages(world, poor_household, "700")
    recheck = _recheck(world, poor_household)
    enrolment.refresh_from_db()
    assert recheck.status == S.CONFIRMED and enrolment.status == "active"
    assert enrolment.monthly_amount == recheck.evaluation.amount < first
    changes = list(enrolment.changes.values_list("effective_month", "amount", "cause"))
    assert changes == [(D(2026, 4, 1), first, "new"), (D(2026, 6, 1), recheck.evaluation.amount, "recheck")]


def test_recheck_above_the_standard_starts_the_graduated_exit(world, poor_household):
    """长白 (changbai-2021 §二(一)2): per-capita income at or above the standard but below twice it → 18 months
    of graduated exit from the month decided, month by month, then the stop."""
    enrolment = Enrolment.objects.get(application=_enrolled(world, poor_household))
    _wages(world, poor_household, "3000")
    recheck = _recheck(world, poor_household, income_rise_cause="work")
    enrolment.refresh_from_db()
    assert recheck.evaluation.eligible and recheck.evaluation.decision["exit_schedule"]
    assert enrolment.status == "exiting"
    exiting = enrolment.changes.filter(cause="graduated_exit", status="exiting")
    # 18 months counted from May, the month evaluated and decided (paid at the old amount): June 2026 to
    # October 2027 at the schedule's amounts, nothing from November 2027
    assert exiting.count() == 17 and exiting.first().effective_month == D(2026, 6, 1)
    assert enrolment.end_month == D(2027, 10, 1)
    stop = enrolment.changes.get(status="ended")
    assert (stop.effective_month, stop.amount) == (D(2027, 11, 1), Decimal("0"))


def test_exit_application_stops_the_enrolment(world, poor_household):
    enrolment = Enrolment.objects.get(application=_enrolled(world, poor_household))
    _recheck(world, poor_household, kind="exit", reason="本人申请退出低保")
    enrolment.refresh_from_db()
    assert enrolment.status == "ended" and enrolment.end_month == D(2026, 5, 1)
    assert enrolment.changes.get(status="ended").effective_month == D(2026, 6, 1)


@time_machine.travel(dt.datetime(2026, 3, 2, 9, 0), tick=False)
def test_recheck_needs_an_enrolment_and_new_needs_none(world, poor_household):
    with pytest.raises(ApplicationError) as e:
        _accept(world, poor_household, kind="recheck")
    assert e.value.code == "not_enrolled"


def test_demo_end_notice_lets_a_newcomer_finish_a_case(world, poor_household):
    """``manage.py demo_end_notice`` ends a running notice yesterday — on the timeline and in the audit trail —
    so that the caseworker can submit at once; a case not in notice, or an unknown code, is refused."""
    from django.core.management import call_command
    from django.core.management.base import CommandError
    from django.utils import timezone

    today = timezone.localdate()
    app = _through_evaluation(world, _accept(world, poor_household, authorisation_signed_on=today), visited_on=today)
    application_town_review(actor=world.caseworker_a1, application=app, approve=True, opinion="符合条件，同意")
    app = application_notice_publish(actor=world.caseworker_a1, application=Application.objects.get(pk=app.pk))
    with pytest.raises(CommandError):
        call_command("demo_end_notice", "SQ-none")
    call_command("demo_end_notice", app.code, stdout=__import__("io").StringIO())
    app.refresh_from_db()
    assert app.notice_end == today - dt.timedelta(days=1)
    assert app.events.filter(step="demo_notice_shift").exists()
    assert AuditEvent.objects.filter(action="demo.notice_shift", target_id=str(app.pk)).exists()
    application_notice_close(actor=world.caseworker_a1, application=app)
    with pytest.raises(CommandError):
        call_command("demo_end_notice", app.code)
