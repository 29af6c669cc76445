"""Life events (生命事件) and what they do to enrolments, proved through the real workflow on the real profiles:

- a 特困 subject's death ends support from the next month (tekun-renyuan-rending-banfa-2021 第二十四条(一)); in
  麦积 a funeral payment of 12 months of basic living + care (maiji-2021 §四(二)5), elsewhere none;
- a 低保 member's death: the household is reviewed within 3 months (doudi-baozhang-tongzhi-2022 一(三)) — a 复核
  opens with that deadline — unless nobody counted is left, when the enrolment ends;
- imprisonment: a 特困 subject is suspended; a 低保 household is recomputed without the prisoner
  (dibao-shenhe-queren-banfa-2021 第七条) from the next month; release opens a 复核;
- a 特困 minor turning 18 (the daily run): support continues in school, ends otherwise; a second run changes nothing;
- refusals (future date, a duplicate push, a village assistant, a dead member, a release without imprisonment)
  leave nothing behind; the household page, the event page, the list and the API.

The clock is pinned as in tests/test_workflow_rules.py (Monday 2 March 2026; a case decided on 9 March is enrolled
from April), then moved to the day of each event.
"""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from assistance.errors import ApplicationError
from assistance.services import system_actor
from audit.models import AuditEvent
from cases.choices import ApplicationStatus as S
from cases.id_numbers import make_id_number
from cases.models import Application, Enrolment, EnrolmentChange, LifeEvent, Member
from cases.services import (
    MemberInput,
    application_decide,
    application_visit_record,
    household_create,
    life_event_record,
    tekun_minors_come_of_age,
)
from tests import test_workflow_rules as rules
from tests.test_workflow_rules import (
    SELFCARE_ALL_MET,
    accept,
    at,
    fresh,
    household_of,
    submit,
    today,
    with_wages,
)

D = dt.date
# The workflow rules' fixtures: the pinned clock, the loaded profiles, 麦积 (its own region tree and staff).
clock = rules.clock
profiles = rules.profiles
maiji = rules.maiji


# --- helpers --------------------------------------------------------------------------------------------------


def enrol(clock, household, *, caseworker, reviewer, visitors, county_visitors, program="dibao", subject=None):
    """Take a new application through the whole procedure and return its enrolment (from April 2026)."""
    app = submit(clock, caseworker, accept(caseworker, household, program, subject=subject), visitors)
    if app.county_sampled:  # 特困: the county visits at least 30 % of the cases (tekun 第十六条)
        application_visit_record(
            actor=reviewer,
            application=app,
            visited_on=today(),
            visitors=county_visitors,
            findings="县级抽查入户：情况属实",
            signed_by_applicant=True,
        )
    app = application_decide(actor=reviewer, application=fresh(app), confirm=True)
    return Enrolment.objects.get(application=app)


def enrol_changbai(clock, world, household, **kw) -> Enrolment:
    return enrol(
        clock,
        household,
        caseworker=world.caseworker_a1,
        reviewer=world.reviewer_a,
        visitors=[world.caseworker_a1, world.assistant_a1],
        county_visitors=[world.reviewer_a, world.admin_a],
        **kw,
    )


def enrol_maiji(clock, county, household, **kw) -> Enrolment:
    return enrol(
        clock,
        household,
        caseworker=county.caseworker,
        reviewer=county.reviewer,
        visitors=[county.caseworker, county.caseworker2],
        county_visitors=[county.reviewer, county.admin],
        **kw,
    )


def tekun_person(actor, village, *, id_region="220623", birth=D(1950, 8, 1), **extra):
    """A single person without income or legal supporter, self-care assessed (all six items met)."""
    return household_of(
        actor,
        village,
        people=1,
        id_region=id_region,
        head_birth=birth,
        head_extra={**SELFCARE_ALL_MET, "selfcare_assessed_on": today(), **extra},
    )


_minor_sequence = itertools.count(1)


def minor_person(actor, village, *, id_region: str, birth: dt.date, **extra):
    """A 特困 minor living alone (an orphan without supporters), born exactly on ``birth`` (``tests.factories``
    shifts the birth dates it is given as its counter grows, which would move the birthdays of these tests)."""
    number = make_id_number(id_region, birth, 2 * next(_minor_sequence) + 1)
    head = MemberInput("孤儿", number, "head", extra={**SELFCARE_ALL_MET, "selfcare_assessed_on": today(), **extra})
    household = household_create(
        actor=actor, members=[head], hukou_region=village, area_type="rural", residence_address=f"{village.name}2号"
    )
    assert household.head.birth_date == birth
    return household


def refused(call, **kwargs) -> ApplicationError:
    with pytest.raises(ApplicationError) as error:
        call(**kwargs)
    return error.value


def footprint(member: Member) -> dict:
    """What a refused event must leave as it was."""
    row = Member.objects.get(pk=member.pk)
    return {
        "member": (row.version, row.deceased_on, row.imprisoned_from, row.imprisoned_until),
        "events": LifeEvent.objects.count(),
        "changes": EnrolmentChange.objects.count(),
        "applications": Application.objects.count(),
        "audit": AuditEvent.objects.count(),
        "enrolments": list(Enrolment.objects.values_list("status", "monthly_amount", "version").order_by("pk")),
    }


@pytest.fixture
def poor_household(profiles, world):
    """A rural household of two in 长白: the head earns 300 yuan a month, the child nothing (standard 575)."""
    return with_wages(world.caseworker_a1, household_of(world.caseworker_a1, world.village_a1), "300")


# --- death ----------------------------------------------------------------------------------------------------


def test_death_of_a_maiji_tekun_subject_ends_support_and_computes_the_funeral_payment(clock, world, maiji):
    """麦积: support ends from the month after the death (May is the last month paid) and the funeral payment is 12
    months of basic living + care (maiji-2021 §四(二)5), stored on the event for the payments module."""
    # given: a 特困 person enrolled from April 2026
    household = tekun_person(maiji.caseworker, maiji.village, id_region=maiji.id_region)
    enrolment = enrol_maiji(clock, maiji, household, program="tekun", subject=household.head)
    monthly = enrolment.monthly_amount
    assert monthly > 0

    # when: the death on 18 May is recorded on 20 May
    clock.move_to(at(D(2026, 5, 20)))
    event = life_event_record(actor=maiji.caseworker, member=household.head, kind="death", occurred_on=D(2026, 5, 18))

    # then
    enrolment.refresh_from_db()
    assert (enrolment.status, enrolment.end_month) == ("ended", D(2026, 5, 1))
    assert "死亡" in enrolment.status_reason and enrolment.version == 2
    stop = enrolment.changes.get(cause="event")
    assert (stop.effective_month, stop.amount, stop.status, stop.previous_amount) == (
        D(2026, 6, 1),
        Decimal("0"),
        "ended",
        monthly,
    )
    # the May standards are those of the March evaluation: one year of the monthly amount
    assert event.funeral_amount == 12 * monthly
    assert event.decision["details"]["funeral_payment"] == str(12 * monthly)
    assert f"丧葬费 {12 * monthly} 元" in event.outcome and "maiji-2021 §四(二)5" in event.outcome
    assert Member.objects.get(pk=household.head.pk).deceased_on == D(2026, 5, 18)
    assert list(event.enrolments.all()) == [enrolment]
    assert AuditEvent.objects.filter(action="life_event.record", target_id=str(event.pk)).exists()
    assert AuditEvent.objects.filter(action="enrolment.event", target_id=str(enrolment.pk)).exists()
    assert AuditEvent.objects.filter(action="member.update", target_id=str(household.head.pk)).exists()


def test_death_of_a_tekun_subject_where_the_profile_pays_no_funeral(clock, world, profiles):
    """长白 sets no funeral payment: the enrolment ends and the event records 0."""
    household = tekun_person(world.caseworker_a1, world.village_a1)
    enrolment = enrol_changbai(clock, world, household, program="tekun", subject=household.head)
    clock.move_to(at(D(2026, 5, 20)))
    event = life_event_record(actor=world.caseworker_a1, member=household.head, kind="death", occurred_on=D(2026, 5, 3))
    enrolment.refresh_from_db()
    assert enrolment.status == "ended" and event.funeral_amount == Decimal("0")
    assert "不发放丧葬费" in event.outcome


def test_death_in_a_two_person_dibao_household_opens_a_review_due_within_3_months(clock, world, poor_household):
    """The household still has a living member: a 复核 opens (received as the system account), the event records the
    3-month deadline (doudi-baozhang-tongzhi-2022 一(三)), and the amount is left to the 复核."""
    enrolment = enrol_changbai(clock, world, poor_household)
    child = poor_household.members.get(relation="child")
    clock.move_to(at(D(2026, 5, 20)))

    event = life_event_record(actor=world.caseworker_a1, member=child, kind="death", occurred_on=D(2026, 5, 18))

    enrolment.refresh_from_db()
    assert enrolment.status == "active" and not enrolment.changes.filter(cause="event").exists()
    review = event.review_application
    assert (review.kind, review.status, review.program) == ("recheck", S.ACCEPTED, "dibao")
    assert review.created_by == system_actor() and review.applied_on == D(2026, 5, 20)
    assert event.review_due_on == D(2026, 8, 18)
    assert "doudi-baozhang-tongzhi-2022 一(三)" in event.outcome and review.code in event.outcome

    # a second death in the same household adds to the open 复核 instead of opening another
    head = poor_household.members.get(relation="head")
    clock.move_to(at(D(2026, 6, 2)))
    second = life_event_record(actor=world.caseworker_a1, member=head, kind="death", occurred_on=D(2026, 6, 1))
    enrolment.refresh_from_db()
    # nobody counted is left now: the enrolment ends
    assert enrolment.status == "ended" and enrolment.end_month == D(2026, 6, 1)
    assert second.review_application is None
    assert Application.objects.filter(kind="recheck").count() == 1


def test_death_in_a_single_person_household_ends_the_enrolment(clock, world, profiles):
    household = with_wages(world.caseworker_a1, household_of(world.caseworker_a1, world.village_a1, people=1), "300")
    enrolment = enrol_changbai(clock, world, household)
    clock.move_to(at(D(2026, 7, 3)))
    event = life_event_record(
        actor=world.caseworker_a1,
        member=household.head,
        kind="death",
        occurred_on=D(2026, 6, 29),
        note="死亡医学证明",
    )
    enrolment.refresh_from_db()
    assert (enrolment.status, enrolment.end_month) == ("ended", D(2026, 6, 1))
    assert enrolment.changes.get(cause="event").effective_month == D(2026, 7, 1)
    assert event.review_application is None and event.review_due_on is None
    # July was possibly paid already: the outcome says it is to be recovered
    assert "须按规定追回" in event.outcome


def test_an_end_holds_over_a_graduated_exit_already_scheduled(clock, world, poor_household):
    """The household is in graduated exit (长白: June 2026 to October 2027, then the stop) when its last living
    member dies in June: nothing is paid from July, although the schedule had amounts for those months — the end
    is recorded again after each scheduled month, so the change in force for any later month is the stop."""
    from tests.test_workflow_services import _recheck, _wages

    # given
    enrolment = enrol_changbai(clock, world, poor_household)
    clock.move_to(at(D(2026, 5, 6)))
    _wages(world, poor_household, "3000")
    _recheck(world, poor_household, income_rise_cause="work")
    enrolment.refresh_from_db()
    assert enrolment.status == "exiting"
    head = poor_household.members.get(relation="head")
    child = poor_household.members.get(relation="child")

    # when
    clock.move_to(at(D(2026, 6, 15)))
    life_event_record(actor=world.caseworker_a1, member=head, kind="death", occurred_on=D(2026, 6, 10))
    review = Application.objects.get(kind="recheck", status=S.ACCEPTED)
    last = life_event_record(actor=world.caseworker_a1, member=child, kind="death", occurred_on=D(2026, 6, 12))

    # then
    enrolment.refresh_from_db()
    assert (enrolment.status, enrolment.end_month) == ("ended", D(2026, 6, 1))
    assert last.review_application is None and review.household_id == poor_household.pk
    month = D(2026, 7, 1)
    while month <= D(2028, 1, 1):
        in_force = (
            EnrolmentChange.objects.filter(enrolment=enrolment, effective_month__lte=month)
            .order_by("-effective_month", "-id")
            .first()
        )
        assert (in_force.amount, in_force.status) == (Decimal("0"), "ended"), month
        month = D(month.year + month.month // 12, month.month % 12 + 1, 1)


# --- imprisonment and release ---------------------------------------------------------------------------------


def test_imprisonment_suspends_a_tekun_subject_and_release_opens_a_review(clock, world, profiles):
    household = tekun_person(world.caseworker_a1, world.village_a1)
    enrolment = enrol_changbai(clock, world, household, program="tekun", subject=household.head)
    monthly = enrolment.monthly_amount
    clock.move_to(at(D(2026, 5, 20)))

    jailed = life_event_record(
        actor=world.caseworker_a1,
        member=household.head,
        kind="imprisonment",
        occurred_on=D(2026, 5, 12),
        source="department",
        department="长白县公安局",
    )

    enrolment.refresh_from_db()
    assert (enrolment.status, enrolment.monthly_amount) == ("suspended", Decimal("0"))
    change = enrolment.changes.get(cause="event")
    assert (change.effective_month, change.amount, change.status, change.previous_amount) == (
        D(2026, 6, 1),
        Decimal("0"),
        "suspended",
        monthly,
    )
    assert Member.objects.get(pk=household.head.pk).imprisoned_from == D(2026, 5, 12)
    assert jailed.department == "长白县公安局" and "暂停发放" in jailed.outcome

    # a release before the imprisonment began is refused; after it, a 复核 of the suspended enrolment opens
    clock.move_to(at(D(2026, 11, 2)))
    error = refused(
        life_event_record, actor=world.caseworker_a1, member=household.head, kind="release", occurred_on=D(2026, 5, 1)
    )
    assert (error.code, error.status) == ("invalid", 400) and "occurred_on" in error.fields
    released = life_event_record(
        actor=world.caseworker_a1, member=household.head, kind="release", occurred_on=D(2026, 10, 30)
    )
    review = released.review_application
    assert (review.kind, review.program, review.subject_id) == ("recheck", "tekun", household.head.pk)
    assert Member.objects.get(pk=household.head.pk).imprisoned_until == D(2026, 10, 30)
    enrolment.refresh_from_db()
    assert enrolment.status == "suspended"  # the 复核 decides on restoring it

    # a second release is refused: no current imprisonment
    error = refused(
        life_event_record, actor=world.caseworker_a1, member=household.head, kind="release", occurred_on=D(2026, 11, 1)
    )
    assert (error.code, error.status) == ("not_imprisoned", 409)


def test_imprisonment_in_a_dibao_household_recomputes_the_amount_from_the_next_month(clock, world, poor_household):
    """The child goes to prison: the household is one person earning 300 yuan, so its 低保 is 575 − 300 = 275 yuan
    (长白 rural standard) from June instead of the gap of two."""
    enrolment = enrol_changbai(clock, world, poor_household)
    before = enrolment.monthly_amount
    child = poor_household.members.get(relation="child")
    clock.move_to(at(D(2026, 5, 20)))

    event = life_event_record(actor=world.caseworker_a1, member=child, kind="imprisonment", occurred_on=D(2026, 5, 6))

    enrolment.refresh_from_db()
    change = enrolment.changes.get(cause="event")
    assert (change.effective_month, change.status, change.previous_amount) == (D(2026, 6, 1), "active", before)
    assert change.amount == enrolment.monthly_amount == Decimal(event.decision["amount"]) == Decimal("275")
    assert enrolment.status == "active" and enrolment.version == 2
    assert event.review_application is None
    assert f"由 {before} 元调整为 275" in event.outcome
    # the amount in force: May keeps the old one, June has the new one
    in_force = {
        month: EnrolmentChange.objects.filter(enrolment=enrolment, effective_month__lte=month)
        .order_by("-effective_month", "-id")
        .first()
        .amount
        for month in (D(2026, 5, 1), D(2026, 6, 1))
    }
    assert in_force == {D(2026, 5, 1): before, D(2026, 6, 1): Decimal("275")}


def test_imprisonment_leaving_the_household_ineligible_opens_a_review(clock, world, profiles):
    """Without the prisoner the household's income is above the standard: nothing is changed by itself — a 复核
    decides (graduated exit or stop), and the outcome says why."""
    household = household_of(world.caseworker_a1, world.village_a1, people=3)
    with_wages(world.caseworker_a1, household, "1200")  # 400 a head for three: below 575
    enrolment = enrol_changbai(clock, world, household)
    children = list(household.members.filter(relation="child").order_by("pk"))
    clock.move_to(at(D(2026, 5, 20)))

    event = life_event_record(
        actor=world.caseworker_a1, member=children[0], kind="imprisonment", occurred_on=D(2026, 5, 6)
    )

    enrolment.refresh_from_db()
    assert enrolment.status == "active" and not enrolment.changes.filter(cause="event").exists()
    assert event.review_application is not None and event.review_application.kind == "recheck"
    assert "请通过复核核定" in event.outcome


# --- adulthood (the daily run) ----------------------------------------------------------------------------------


def test_tekun_minors_coming_of_age_continue_in_school_and_end_otherwise(clock, world, maiji):
    """Two orphans aged 17 enrolled in 麦积 turn 18 on 15 June 2026: the one in senior high school keeps support
    (maiji-2021 §四(二)5), the other's ends from July. An elderly 特困 person is not touched; the day before nothing
    happens, and a second run on the same day changes nothing."""
    # given
    birth = D(2008, 6, 15)
    pupil_home = minor_person(
        maiji.caseworker,
        maiji.village,
        id_region=maiji.id_region,
        birth=birth,
        education_stage="senior",
        in_school=True,
    )
    leaver_home = minor_person(maiji.caseworker, maiji.village, id_region=maiji.id_region, birth=birth)
    elder_home = tekun_person(maiji.caseworker, maiji.village, id_region=maiji.id_region)
    pupil = enrol_maiji(clock, maiji, pupil_home, program="tekun", subject=pupil_home.head)
    leaver = enrol_maiji(clock, maiji, leaver_home, program="tekun", subject=leaver_home.head)
    elder = enrol_maiji(clock, maiji, elder_home, program="tekun", subject=elder_home.head)

    # when / then: the day before the birthday, nothing
    clock.move_to(at(D(2026, 6, 14)))
    assert tekun_minors_come_of_age(actor=system_actor(), on=D(2026, 6, 14))["recorded"] == 0

    # when: the birthday
    clock.move_to(at(D(2026, 6, 15)))
    batches = []
    first = tekun_minors_come_of_age(actor=system_actor(), on=D(2026, 6, 15), batch=1, on_batch=batches.append)
    counts = (LifeEvent.objects.count(), AuditEvent.objects.count(), EnrolmentChange.objects.count())
    second = tekun_minors_come_of_age(actor=system_actor(), on=D(2026, 6, 15))

    # then
    assert first == {"recorded": 2, "ended": 1, "continued": 1, "reviews": 0, "failed": 0}
    assert batches == [1, 1]
    assert second == {"recorded": 0, "ended": 0, "continued": 0, "reviews": 0, "failed": 0}
    assert (LifeEvent.objects.count(), AuditEvent.objects.count(), EnrolmentChange.objects.count()) == counts
    for enrolment in (pupil, leaver, elder):
        enrolment.refresh_from_db()
    assert pupil.status == "active" and not pupil.changes.filter(cause="event").exists()
    assert "继续供养" in LifeEvent.objects.get(member=pupil_home.head).outcome
    assert (leaver.status, leaver.end_month) == ("ended", D(2026, 6, 1))
    assert leaver.changes.get(cause="event").effective_month == D(2026, 7, 1)
    event = LifeEvent.objects.get(member=leaver_home.head)
    assert (event.kind, event.source, event.occurred_on, event.reported_by) == (
        "adulthood",
        "system",
        birth.replace(year=2026),
        system_actor(),
    )
    assert "不在校就读" in event.outcome
    assert elder.status == "active" and not LifeEvent.objects.filter(member=elder_home.head).exists()


def test_adulthood_recorded_by_hand_updates_the_school_facts_first(clock, world, maiji):
    """A caseworker records the 18th birthday with "in school, vocational": the registry is updated and support
    continues; the daily run then finds nothing; a wrong date is refused."""
    home = minor_person(maiji.caseworker, maiji.village, id_region=maiji.id_region, birth=D(2008, 4, 20))
    enrolment = enrol_maiji(clock, maiji, home, program="tekun", subject=home.head)
    clock.move_to(at(D(2026, 4, 22)))
    error = refused(
        life_event_record, actor=maiji.caseworker, member=home.head, kind="adulthood", occurred_on=D(2026, 4, 21)
    )
    assert error.fields == {"occurred_on": ["应为 2026-04-20"]}

    event = life_event_record(
        actor=maiji.caseworker,
        member=home.head,
        kind="adulthood",
        occurred_on=D(2026, 4, 20),
        in_school=True,
        education_stage="vocational",
    )

    member = Member.objects.get(pk=home.head.pk)
    assert (member.in_school, member.education_stage) == (True, "vocational")
    enrolment.refresh_from_db()
    assert enrolment.status == "active" and "中等职业教育" in event.outcome
    assert tekun_minors_come_of_age(actor=system_actor(), on=D(2026, 4, 22))["recorded"] == 0


# --- refusals -----------------------------------------------------------------------------------------------


def test_refused_events_leave_nothing_behind(clock, world, poor_household):
    """A future date (400), a village assistant (403), another county's reviewer (403), the same event twice (409
    conflict), a dead member imprisoned (409), a release without imprisonment (409), source "system" typed by a
    person (400), a department push without its name (400): each changes nothing."""
    enrolment_of = enrol_changbai(clock, world, poor_household)
    assert enrolment_of.status == "active"
    child = poor_household.members.get(relation="child")
    head = poor_household.members.get(relation="head")
    clock.move_to(at(D(2026, 5, 20)))
    base = {"member": child, "kind": "death", "occurred_on": D(2026, 5, 18)}

    cases = [
        ({**base, "actor": world.caseworker_a1, "occurred_on": D(2026, 5, 21)}, ("invalid", 400)),
        ({**base, "actor": world.assistant_a1}, ("permission_denied", 403)),
        ({**base, "actor": world.reviewer_b}, ("permission_denied", 403)),
        ({**base, "actor": world.auditor_a}, ("permission_denied", 403)),
        ({**base, "actor": world.caseworker_a1, "member": head, "kind": "release"}, ("not_imprisoned", 409)),
        ({**base, "actor": world.caseworker_a1, "source": "system"}, ("invalid", 400)),
        ({**base, "actor": world.caseworker_a1, "source": "department"}, ("invalid", 400)),
        ({**base, "actor": world.caseworker_a1, "occurred_on": D(1900, 1, 1)}, ("invalid", 400)),
        ({**base, "actor": world.caseworker_a1, "in_school": True}, ("invalid", 400)),
        ({**base, "actor": world.caseworker_a1, "kind": "adulthood"}, ("not_enrolled", 409)),
    ]
    for kwargs, expected in cases:
        before = footprint(child)
        error = refused(life_event_record, **kwargs)
        assert (error.code, error.status) == expected, (kwargs, error.message)
        assert footprint(child) == before, kwargs

    # a county reviewer of the county may record
    life_event_record(actor=world.reviewer_a, **base)
    before = footprint(child)
    duplicate = refused(life_event_record, actor=world.caseworker_a1, **base)
    assert (duplicate.code, duplicate.status) == ("conflict", 409) and "不能重复登记" in duplicate.message
    dead = refused(
        life_event_record,
        actor=world.caseworker_a1,
        member=child,
        kind="imprisonment",
        occurred_on=D(2026, 5, 19),
    )
    assert (dead.code, dead.status) == ("member_deceased", 409)
    assert footprint(child) == before


# --- pages ----------------------------------------------------------------------------------------------------


def test_household_page_lists_events_and_records_one(client, clock, world, poor_household):
    """The household page has the section 生命事件 with a 登记事件 button per member for the caseworker (none for the
    village assistant); the form records the event and the event page shows what was done."""
    enrol_changbai(clock, world, poor_household)
    child = poor_household.members.get(relation="child")
    clock.move_to(at(D(2026, 5, 20)))
    url = reverse("household-detail", args=[poor_household.pk])
    create_url = reverse("life-event-create", args=[child.pk])

    client.force_login(world.assistant_a1)
    page = client.get(url).content.decode()
    assert "生命事件" in page and create_url not in page
    assert client.get(create_url).status_code == 403

    client.force_login(world.caseworker_a1)
    page = client.get(url).content.decode()
    assert create_url in page and "未登记生命事件" in page
    assert "登记生命事件" in client.get(create_url).content.decode()

    # a future date: 400 with the service's message next to the field, nothing saved
    response = client.post(create_url, {"kind": "death", "occurred_on": "2026-05-21"})
    assert response.status_code == 400
    assert "发生日期不能晚于今天" in response.content.decode() and not LifeEvent.objects.exists()
    # a missing kind: the form's own error
    response = client.post(create_url, {"occurred_on": "2026-05-18"})
    assert response.status_code == 400 and "该字段是必填项" in response.content.decode()

    response = client.post(create_url, {"kind": "death", "occurred_on": "2026-05-18", "note": "村委会报告"})
    event = LifeEvent.objects.get()
    assert response.status_code == 302 and response["Location"] == event.get_absolute_url()
    detail = client.get(event.get_absolute_url()).content.decode()
    assert "处理结果" in detail and event.review_application.code in detail and "2026-08-18" in detail
    assert event.get_absolute_url() in client.get(url).content.decode() and "村委会报告" in detail

    # the same event again: 409 on the form
    response = client.post(create_url, {"kind": "death", "occurred_on": "2026-05-18"})
    assert response.status_code == 409 and "不能重复登记" in response.content.decode()

    # another county's caseworker: the member is not found
    client.force_login(world.caseworker_b1)
    assert client.get(create_url).status_code == 404
    assert client.get(event.get_absolute_url()).status_code == 404


def test_event_list_filters_overdue_reviews_with_constant_queries(
    client, clock, world, profiles, django_assert_max_num_queries
):
    """/events/ lists the events of the jurisdiction; "只看核查超期" keeps those whose 3-month deadline passed while
    the 复核 is open; the number of queries does not grow with the rows."""
    households = [
        with_wages(world.caseworker_a1, household_of(world.caseworker_a1, world.village_a1), "300") for _ in range(3)
    ]
    for household in households:
        enrol_changbai(clock, world, household)
    clock.move_to(at(D(2026, 5, 20)))
    first = households[0].members.get(relation="child")
    life_event_record(actor=world.caseworker_a1, member=first, kind="death", occurred_on=D(2026, 5, 18))
    client.force_login(world.caseworker_a1)
    url = reverse("life-event-list")
    client.get(url)  # warm the per-process caches (calendar, capabilities)
    with django_assert_max_num_queries(20) as one:
        assert client.get(url).status_code == 200
    for household in households[1:]:
        child = household.members.get(relation="child")
        life_event_record(actor=world.caseworker_a1, member=child, kind="death", occurred_on=D(2026, 5, 19))
    with django_assert_max_num_queries(len(one)):
        page = client.get(url).content.decode()
    assert page.count('href="/events/') >= 3

    assert "已超期" not in client.get(url, {"overdue": "on"}).content.decode()
    clock.move_to(at(D(2026, 8, 19)))
    client.force_login(world.caseworker_a1)  # the session of May has expired
    overdue = client.get(url, {"overdue": "on"}).content.decode()
    assert "核查超期 1 条" in overdue and "已超期" in overdue
    assert "核查超期 0 条" in client.get(url, {"overdue": "on", "kind": "imprisonment"}).content.decode()


# --- API ------------------------------------------------------------------------------------------------------


def test_api_department_push_list_and_refusals(clock, world, poor_household):
    """POST /api/households/<id>/events/ with source=department records a push (201, the outcome); the same push
    again is 409 conflict; a member of another household, a future date and a village assistant are refused with
    Chinese messages; GET lists the household's events and /api/life-events/ the jurisdiction's."""
    enrol_changbai(clock, world, poor_household)
    child = poor_household.members.get(relation="child")
    other = household_of(world.caseworker_a1, world.village_a1).members.get(relation="head")
    clock.move_to(at(D(2026, 5, 20)))
    api = APIClient()
    api.force_login(world.caseworker_a1)
    url = f"/api/households/{poor_household.pk}/events/"
    push = {
        "member": child.pk,
        "kind": "death",
        "occurred_on": "2026-05-18",
        "source": "department",
        "department": "长白县卫生健康局",
    }

    response = api.post(url, push, format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["kind"], body["kind_display"], body["source_display"]) == ("death", "死亡", "部门推送")
    assert body["department"] == "长白县卫生健康局" and body["review_due_on"] == "2026-08-18"
    assert body["review_application_code"] and "复核" in body["outcome"]

    again = api.post(url, push, format="json")
    assert again.status_code == 409 and again.json()["code"] == "conflict"
    assert "不能重复登记" in again.json()["message"]

    wrong = api.post(url, {**push, "member": other.pk}, format="json")
    assert wrong.status_code == 400 and wrong.json()["fields"]["member"] == ["请选择本户成员"]
    future = api.post(url, {**push, "occurred_on": "2026-05-21", "kind": "imprisonment"}, format="json")
    assert future.status_code == 400 and future.json()["message"] == "发生日期不能晚于今天"
    unknown = api.post(url, {**push, "extra": 1}, format="json")
    assert unknown.status_code == 400 and "extra" in unknown.json()["fields"]

    assistant = APIClient()
    assistant.force_login(world.assistant_a1)
    denied = assistant.post(url, {**push, "occurred_on": "2026-05-17"}, format="json")
    assert denied.status_code == 403 and "经办人员" in denied.json()["message"]
    listed = assistant.get(url).json()
    assert listed["count"] == 1 and listed["results"][0]["member_name"] == child.name

    outsider = APIClient()
    outsider.force_login(world.caseworker_b1)
    assert outsider.get(url).status_code == 404
    assert outsider.get("/api/life-events/").json()["count"] == 0
    assert api.get("/api/life-events/", {"kind": "death"}).json()["count"] == 1
    assert api.get("/api/life-events/", {"kind": "sleep"}).status_code == 400
    assert api.get(f"/api/life-events/{body['id']}/").json()["funeral_amount"] is None
    assert LifeEvent.objects.count() == 1
