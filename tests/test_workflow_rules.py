"""The workflow's rules, proved through the services on the real profiles (SQLite and PostgreSQL).

What each test pins down, with the clause behind it:

- 一次性告知 (dibao-shenhe-queren-banfa-2021 第十条): missing materials hold the application without clocks;
- 失信 (maiji-2021 §五(三)): no application of any kind, 急难 included, during the penalty period;
- 近亲属备案 (第十一条, 第二十条): county decision and county home visit, even where confirmation is delegated;
- delegated confirmation (jiuhuashan-2021 §二(五)17–18): the town decides, within 20 working days;
- four eyes: the town reviewer does not decide the same case;
- 特困 sampling (tekun-renyuan-rending-banfa-2021 第十六条): ≥ 30 % of town-approved cases visited by the county;
- 急难型 (maiji-2021 §四(四)15; changbai-2021 §二(一)4) and the bridge aid (changbai-2021 §二(四)18);
- 支出型: town review then county approval, no notice, no enrolment;
- withdrawal, return, extension (第二十二条), refusal notice (第二十一条), roles, deadlines and holidays.

The clock is pinned with time-machine (``clock`` fixture): Monday 2 March 2026 unless a test moves it. The
working-day counts are checked by hand against chinesecalendar's 2026 arrangement.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from decimal import Decimal

import pytest
import time_machine
from django.utils import timezone

from assistance.errors import ApplicationError, PermissionRefused
from assistance.models import Region, Staff
from assistance.roles import Role
from assistance.services import region_create, system_actor
from assistance.workdays import WorkingCalendar
from audit.models import AuditEvent
from cases.choices import ApplicationStatus as S
from cases.deadlines import application_clocks
from cases.models import (
    Application,
    ApplicationEvent,
    DiscoveryReport,
    Enrolment,
    Evaluation,
    HomeVisit,
    Household,
    IntegrityPenalty,
)
from cases.services import (
    MemberInput,
    application_accept,
    application_decide,
    application_evaluate,
    application_extend,
    application_investigation_start,
    application_materials_complete,
    application_notice_close,
    application_notice_publish,
    application_refusal_notify,
    application_return,
    application_town_review,
    application_visit_record,
    application_withdraw,
    discovery_report_close,
    discovery_report_create,
    emergency_aid_grant,
    emergency_papers_complete,
    household_create,
    income_record,
    integrity_penalty_record,
    relative_filing_record,
)
from cases.services import workflow as workflow_services
from eligibility.rules.profile_data import load_documents
from eligibility.selectors import parameter_set_for, parameter_set_for_profile
from eligibility.services import profiles_load
from tests.factories import make_staff, new_id_number

D = dt.date
MONDAY = D(2026, 3, 2)
SELFCARE_ALL_MET = {
    "selfcare_eating": True,
    "selfcare_dressing": True,
    "selfcare_transfer": True,
    "selfcare_toileting": True,
    "selfcare_walking": True,
    "selfcare_bathing": True,
}


# --- fixtures and helpers ----------------------------------------------------------------------------------


@pytest.fixture
def clock():
    """Pin the services' "today" to Monday 2 March 2026, 09:00 in Beijing; tests move it with ``move_to``."""
    with time_machine.travel(at(MONDAY), tick=False) as traveller:
        yield traveller


def at(day: dt.date) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, 9, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))


def today() -> dt.date:
    return timezone.localdate()


@pytest.fixture
def profiles(clock, world):
    return profiles_load(actor=system_actor(), documents=load_documents())


@dataclass
class County:
    """A county under a profile of its own, with one town (two caseworkers), a second town, and county staff."""

    county: Region
    town: Region
    village: Region
    other_town: Region
    caseworker: Staff
    caseworker2: Staff
    other_caseworker: Staff
    reviewer: Staff
    admin: Staff
    id_region: str  # the region part of its residents' ID numbers


def build_county(prefix: str, *, province, city, county, town, village, other_town, id_region: str) -> County:
    """Build a region tree (province → city → county → towns → village) and its staff through the services, then
    load the profiles again so that the county is linked to the profile naming its code."""
    sysa = system_actor()
    province_r = region_create(actor=sysa, code=province[0], name=province[1], level="province", parent=None)
    city_r = region_create(actor=sysa, code=city[0], name=city[1], level="city", parent=province_r)
    county_r = region_create(actor=sysa, code=county[0], name=county[1], level="county", parent=city_r)
    town_r = region_create(actor=sysa, code=town[0], name=town[1], level="town", parent=county_r)
    other_r = region_create(actor=sysa, code=other_town[0], name=other_town[1], level="town", parent=county_r)
    village_r = region_create(actor=sysa, code=village[0], name=village[1], level="village", parent=town_r)
    result = profiles_load(actor=sysa, documents=load_documents())
    assert county[0] not in {code for _profile, code in result.missing_regions}, result.missing_regions
    return County(
        county=county_r,
        town=town_r,
        village=village_r,
        other_town=other_r,
        caseworker=make_staff(f"{prefix}_cw1", Role.TOWN_CASEWORKER, town_r),
        caseworker2=make_staff(f"{prefix}_cw2", Role.TOWN_CASEWORKER, town_r),
        other_caseworker=make_staff(f"{prefix}_cw_other", Role.TOWN_CASEWORKER, other_r),
        reviewer=make_staff(f"{prefix}_rev", Role.COUNTY_REVIEWER, county_r),
        admin=make_staff(f"{prefix}_adm", Role.COUNTY_ADMIN, county_r),
        id_region=id_region,
    )


@pytest.fixture
def jiuhuashan(profiles) -> County:
    """九华山风景区 (local code 341799, jiuhuashan profile): confirmation delegated to the towns in 20 working days
    (jiuhuashan-2021 §二(五)17–18). Its residents' 户籍 numbers start with 青阳县's 341723."""
    return build_county(
        "jh",
        province=("340000", "安徽省"),
        city=("341700", "池州市"),
        county=("341799", "九华山风景区"),
        town=("341799108", "九华镇"),
        village=("341799108201", "老田村"),
        other_town=("341799203", "九华乡"),
        id_region="341723",
    )


@pytest.fixture
def maiji(profiles) -> County:
    """天水市麦积区 (620503, maiji profile): 急难 ≤ 800 yuan by the town, ≤ 25 000 paid first then approved by the
    district (maiji-2021 §四(四)15); no bridge aid (temp.bridge_months = 0, the national default)."""
    return build_county(
        "mj",
        province=("620000", "甘肃省"),
        city=("620500", "天水市"),
        county=("620503", "麦积区"),
        town=("620503110", "麦积镇"),
        village=("620503110201", "街亭村"),
        other_town=("620503100", "社棠镇"),
        id_region="620503",
    )


def household_of(
    actor: Staff,
    village: Region,
    *,
    people: int = 2,
    id_region: str = "220623",
    head_birth: D = D(1970, 5, 17),
    area_type: str = "rural",
    head_extra: dict | None = None,
) -> Household:
    """Register a household of ``people`` members through the service (the head first)."""
    entries = [
        MemberInput("户主", new_id_number(id_region, birth=head_birth), "head", extra=dict(head_extra or {})),
        *(
            MemberInput(f"子女{i}", new_id_number(id_region, birth=D(2000, 1, 1), male=i % 2 == 0), "child")
            for i in range(people - 1)
        ),
    ]
    return household_create(
        actor=actor, members=entries, hukou_region=village, area_type=area_type, residence_address=f"{village.name}1号"
    )


def with_wages(actor: Staff, household: Household, amount: str) -> Household:
    """Record the head's wages for September–December 2025 (the months the March 2026 evaluation averages)."""
    for month in range(9, 13):
        income_record(actor=actor, member=household.head, month=D(2025, month, 1), kind="wages", amount=Decimal(amount))
    return household


@pytest.fixture
def poor_household(profiles, world) -> Household:
    """A rural household of two in 长白 with 300 yuan wages a month: below the rural standard (575)."""
    household = household_of(world.caseworker_a1, world.village_a1)
    return with_wages(world.caseworker_a1, household, "300")


def fresh(app: Application) -> Application:
    return Application.objects.get(pk=app.pk)


def accept(actor: Staff, household: Household, program: str = "dibao", **kw) -> Application:
    kw.setdefault("authorisation_signed_on", today())
    return application_accept(actor=actor, household=household, program=program, **kw)


def investigate(actor: Staff, app: Application, visitors: list[Staff]) -> Application:
    """Start the investigation, record a two-person home visit and evaluate."""
    app = application_investigation_start(actor=actor, application=app)
    application_visit_record(
        actor=actor,
        application=app,
        visited_on=today(),
        visitors=visitors,
        findings="入户核实：家中无劳动力，房屋简陋，无车辆",
        signed_by_applicant=True,
    )
    application_evaluate(actor=actor, application=app)
    return fresh(app)


def publish(actor: Staff, app: Application, visitors: list[Staff]) -> Application:
    """Investigate, evaluate, approve for the town and post the 7-day notice (from today)."""
    app = investigate(actor, app, visitors)
    assert app.evaluation.eligible, app.evaluation.decision
    application_town_review(actor=actor, application=app, approve=True, opinion="经调查核实，符合条件，同意")
    return application_notice_publish(actor=actor, application=fresh(app))


def submit(clock, actor: Staff, app: Application, visitors: list[Staff]) -> Application:
    """Take an accepted 低保/特困 case to the decision: publish, let the notice run out, submit."""
    app = publish(actor, app, visitors)
    clock.move_to(at(app.notice_end + dt.timedelta(days=1)))
    return application_notice_close(actor=actor, application=app)


def clocks_of(app: Application, on: dt.date | None = None) -> dict:
    """The application's clocks by key, as the case page shows them."""
    params = parameter_set_for(county=app.county, month=app.accepted_on)
    clocks = application_clocks(app, params, WorkingCalendar.load(app.accepted_on), on or today())
    return {c.key: c for c in clocks}


def refused(call, *args, **kwargs) -> ApplicationError:
    with pytest.raises(ApplicationError) as error:
        call(*args, **kwargs)
    return error.value


def footprint(app: Application) -> dict:
    """Everything a refused transition must leave as it was."""
    row = fresh(app)
    return {
        "version": row.version,
        "status": row.status,
        "due_on": row.due_on,
        "town_opinion": row.town_opinion,
        "decided_on": row.decided_on,
        "approved_amount": row.approved_amount,
        "events": list(ApplicationEvent.objects.filter(application=app).values_list("id", flat=True)),
        "audit": AuditEvent.objects.count(),
        "evaluations": Evaluation.objects.count(),
        "visits": HomeVisit.objects.count(),
        "enrolments": Enrolment.objects.count(),
        "applications": Application.objects.count(),
    }


# --- 一次性告知 ------------------------------------------------------------------------------------------------


def test_missing_materials_wait_without_clocks_until_complete(clock, world, poor_household):
    """Missing materials are listed once and the application waits without clocks; when they are in, it is
    accepted that day and its clocks count from it (dibao-shenhe-queren-banfa-2021 第十条, 第十五条)."""
    # given an application with two materials missing
    app = accept(world.caseworker_a1, poor_household, missing_materials=["户口簿复印件", " 残疾证 ", ""])

    # then it waits: not accepted, no clocks, no deadline
    assert app.status == S.MATERIALS_PENDING
    assert app.missing_materials == ["户口簿复印件", "残疾证"]
    assert app.accepted_on is None and app.accepted_by is None
    assert app.due_on is None and not app.due_provisional
    assert application_clocks(app, parameter_set_for(county=app.county, month=MONDAY), WorkingCalendar(), MONDAY) == []
    event = ApplicationEvent.objects.get(application=app)
    assert (event.step, event.data) == ("accept", {"missing_materials": ["户口簿复印件", "残疾证"]})
    # the investigation cannot start before acceptance
    assert refused(application_investigation_start, actor=world.caseworker_a1, application=app).code == (
        "illegal_transition"
    )

    # when the materials come in on Wednesday 4 March
    clock.move_to(at(D(2026, 3, 4)))
    app = application_materials_complete(actor=world.caseworker_a1, application=app, version=app.version)

    # then the clocks start on that day: the investigation within 3 working days → Monday 9 March
    assert app.status == S.ACCEPTED
    assert (app.accepted_on, app.accepted_by) == (D(2026, 3, 4), world.caseworker_a1)
    assert app.due_on == D(2026, 3, 9)
    clocks = clocks_of(app)
    assert clocks["investigation_start"].start == D(2026, 3, 4)
    # 30 working days from 4 March: 19 left in March, 1–3 April (22), 清明 6 April off, 7–10 (26), 13–16 April (30)
    assert clocks["procedure"].due == D(2026, 4, 16)
    # a second completion is an illegal transition
    assert refused(application_materials_complete, actor=world.caseworker_a1, application=app).code == (
        "illegal_transition"
    )


def test_materials_cannot_be_completed_before_the_application(clock, world, poor_household):
    app = accept(world.caseworker_a1, poor_household, missing_materials=["户口簿复印件"])
    error = refused(
        application_materials_complete, actor=world.caseworker_a1, application=app, on=MONDAY - dt.timedelta(days=1)
    )
    assert error.code == "invalid"
    assert fresh(app).status == S.MATERIALS_PENDING


# --- 失信 ---------------------------------------------------------------------------------------------------


def test_integrity_penalty_bars_every_program_until_it_ends(clock, world, poor_household):
    """During a 失信 penalty no member of the household may apply for anything, 急难 aid included; the day after
    the penalty ends they may (maiji-2021 §五(三))."""
    # given a penalty on the head's child until 30 June 2026
    child = poor_household.members.exclude(relation="head").get()
    penalty = integrity_penalty_record(
        actor=world.reviewer_a,
        county=world.county_a,
        id_number=child.id_number,
        name=child.name,
        reason="隐瞒家庭收入骗取低保金",
        starts_on=D(2026, 1, 1),
        ends_on=D(2026, 6, 30),
    )
    assert AuditEvent.objects.filter(action="integrity_penalty.record", target_id=str(penalty.pk)).exists()

    # when the household applies for each program
    head = poor_household.head
    attempts = [
        lambda: accept(world.caseworker_a1, poor_household, "dibao"),
        lambda: accept(world.caseworker_a1, poor_household, "tekun", subject=head),
        lambda: accept(world.caseworker_a1, poor_household, "dibao_single", subject=head),
        lambda: accept(world.caseworker_a1, poor_household, "temp_expenditure", requested_amount=Decimal("5000")),
        lambda: emergency_aid_grant(
            actor=world.caseworker_a1, household=poor_household, cause="accident", expense=Decimal("500")
        ),
    ]
    # then each is refused with the penalty's period, and nothing is written
    for attempt in attempts:
        error = refused(attempt)
        assert (error.code, error.status) == ("integrity_penalty", 409)
        assert "失信惩戒期" in error.message and "2026-06-30" in error.message
    assert not Application.objects.exists()

    # on the last day of the penalty still refused; the day after, accepted
    clock.move_to(at(D(2026, 6, 30)))
    assert refused(accept, world.caseworker_a1, poor_household).code == "integrity_penalty"
    clock.move_to(at(D(2026, 7, 1)))
    assert accept(world.caseworker_a1, poor_household).status == S.ACCEPTED
    aid = emergency_aid_grant(
        actor=world.caseworker_a1, household=poor_household, cause="accident", expense=Decimal("500")
    )
    assert aid.status == S.CONFIRMED


def test_integrity_penalty_is_recorded_by_the_county_only(clock, world, poor_household):
    """Only a county reviewer or administrator of that county records a 失信 penalty."""
    number = poor_household.head.id_number
    kwargs = {
        "county": world.county_a,
        "id_number": number,
        "name": "户主",
        "reason": "虚报收入骗取救助",
        "starts_on": D(2026, 1, 1),
        "ends_on": D(2026, 12, 31),
    }
    for outsider in (world.caseworker_a1, world.assistant_a1, world.auditor_a, world.reviewer_b, world.admin_b):
        error = refused(integrity_penalty_record, actor=outsider, **kwargs)
        assert isinstance(error, PermissionRefused) and error.status == 403
    assert not IntegrityPenalty.objects.exists()

    # a penalty ending before it starts, a malformed ID number and a town instead of a county are refused
    assert refused(integrity_penalty_record, actor=world.reviewer_a, **{**kwargs, "ends_on": D(2025, 12, 31)}).code == (
        "invalid"
    )
    assert refused(integrity_penalty_record, actor=world.reviewer_a, **{**kwargs, "id_number": "12345"}).code == (
        "invalid"
    )
    assert refused(integrity_penalty_record, actor=world.reviewer_a, **{**kwargs, "county": world.town_a1}).code == (
        "invalid"
    )
    assert not IntegrityPenalty.objects.exists()

    integrity_penalty_record(actor=world.reviewer_a, **kwargs)
    integrity_penalty_record(actor=world.admin_a, **{**kwargs, "id_number": f" {number[:6]} {number[6:]} "})
    assert list(IntegrityPenalty.objects.values_list("id_number", flat=True)) == [number, number]


# --- 近亲属备案 -----------------------------------------------------------------------------------------------


def test_close_relative_needs_a_county_visit_and_no_visit_waiver(clock, world, poor_household):
    """A filed close relative of a cadre marks the application; the home visit cannot be waived and the county
    confirms only after its own home visit (dibao-shenhe-queren-banfa-2021 第十一条, 第二十条)."""
    # given the child is filed as the village director's daughter
    child = poor_household.members.exclude(relation="head").get()
    relative_filing_record(
        actor=world.caseworker_a1,
        region=world.village_a1,
        relative_id_number=child.id_number,
        relative_name=child.name,
        cadre_name="王主任",
        cadre_position="民主社区居委会主任",
        relation="女儿",
    )

    # when the household applies
    app = accept(world.caseworker_a1, poor_household)

    # then the application is marked, and Changbai's visit waiver (changbai-2021 §二(六)22) does not apply to it
    assert app.close_relative
    assert "王主任" in app.close_relative_note and "女儿" in app.close_relative_note
    error = refused(application_investigation_start, actor=world.caseworker_a1, application=app, waive_visit=True)
    assert (error.code, error.fields) == ("visit_required", {"waive_visit": ["近亲属备案须入户调查"]})
    assert fresh(app).status == S.ACCEPTED

    app = submit(clock, world.caseworker_a1, app, [world.caseworker_a1, world.assistant_a1])
    assert app.status == S.DECISION

    # the county cannot confirm before its own visit; the town cannot record that visit
    before = footprint(app)
    error = refused(application_decide, actor=world.reviewer_a, application=app, confirm=True)
    assert (error.code, error.status) == ("county_visit_missing", 409)
    assert footprint(app) == before
    town_visit = refused(
        application_visit_record,
        actor=world.caseworker_a1,
        application=app,
        visited_on=today(),
        visitors=[world.caseworker_a1, world.assistant_a1],
        findings="乡镇再次入户",
        signed_by_applicant=True,
    )
    assert isinstance(town_visit, PermissionRefused)

    visit = application_visit_record(
        actor=world.reviewer_a,
        application=app,
        visited_on=today(),
        visitors=[world.reviewer_a, world.admin_a],
        findings="县级入户核查：情况属实",
        signed_by_applicant=True,
    )
    assert visit.by_county
    app = application_decide(actor=world.reviewer_a, application=app, confirm=True)
    assert app.status == S.CONFIRMED
    assert Enrolment.objects.filter(application=app).exists()


def test_visit_waiver_where_the_profile_allows_it(clock, world, poor_household, maiji):
    """Changbai may skip the home visit where the economic verification covers it (changbai-2021 §二(六)22); the
    national baseline may not (maiji has no such clause). A path without a home visit ignores the request."""
    app = accept(world.caseworker_a1, poor_household)
    app = application_investigation_start(actor=world.caseworker_a1, application=app, waive_visit=True)
    assert app.visit_waived
    evaluation = application_evaluate(actor=world.caseworker_a1, application=app)
    assert evaluation.eligible

    household = with_wages(
        maiji.caseworker, household_of(maiji.caseworker, maiji.village, id_region=maiji.id_region), "300"
    )
    dibao = accept(maiji.caseworker, household)
    error = refused(application_investigation_start, actor=maiji.caseworker, application=dibao, waive_visit=True)
    assert (error.code, error.fields) == ("visit_required", {"waive_visit": ["本地不允许免于入户调查"]})
    spending = accept(maiji.caseworker, household, "temp_expenditure", requested_amount=Decimal("3000"))
    spending = application_investigation_start(actor=maiji.caseworker, application=spending, waive_visit=True)
    assert spending.status == S.INVESTIGATING and not spending.visit_waived


def test_close_relative_in_a_delegated_county_is_decided_by_the_county(clock, world, jiuhuashan):
    """Where the towns confirm, a close relative's case still goes to the county with a county visit."""
    jh = jiuhuashan
    household = with_wages(jh.caseworker, household_of(jh.caseworker, jh.village, id_region=jh.id_region), "300")
    relative_filing_record(
        actor=jh.admin,
        region=jh.village,
        relative_id_number=household.head.id_number,
        relative_name="户主",
        cadre_name="李镇长",
        cadre_position="九华镇副镇长",
        relation="兄弟",
    )
    app = accept(jh.caseworker, household)
    assert app.delegated and app.close_relative
    # the 2022 notice's 20 working days are for cases the town confirms; this one the county confirms, but
    # jiuhuashan's own limit is 20 working days for every 低保 case (jiuhuashan-2021 §二(五)18)
    assert clocks_of(app)["procedure"].days == 20

    app = submit(clock, jh.caseworker, app, [jh.caseworker, jh.caseworker2])
    assert "县级审核确认" in ApplicationEvent.objects.filter(application=app, step="submit").get().label

    # the town cannot decide it, even a caseworker who did not review it
    assert isinstance(
        refused(application_decide, actor=jh.caseworker2, application=app, confirm=True), PermissionRefused
    )
    assert refused(application_decide, actor=jh.reviewer, application=app, confirm=True).code == "county_visit_missing"
    application_visit_record(
        actor=jh.reviewer,
        application=app,
        visited_on=today(),
        visitors=[jh.reviewer, jh.admin],
        findings="县级入户核查：情况属实",
        signed_by_applicant=True,
    )
    app = application_decide(actor=jh.reviewer, application=app, confirm=True)
    assert (app.status, app.decided_by) == (S.CONFIRMED, jh.reviewer)


# --- delegated confirmation and four eyes ----------------------------------------------------------------------


def test_delegated_confirmation_is_decided_by_another_caseworker_of_the_town(clock, world, jiuhuashan):
    """九华山 delegates 低保/特困 confirmation to the towns (jiuhuashan-2021 §二(五)17) within 20 working days
    (§二(五)18): a caseworker of that town decides — not the one who reviewed the case (four eyes), not a
    caseworker of another town, not the county reviewer."""
    jh = jiuhuashan
    household = with_wages(jh.caseworker, household_of(jh.caseworker, jh.village, id_region=jh.id_region), "300")

    # given an accepted application
    app = accept(jh.caseworker, household)
    assert app.profile == "jiuhuashan" and app.delegated
    # 20 working days from Monday 2 March: 3–6, 9–13, 16–20, 23–27 March (19), Monday 30 March (20)
    clocks = clocks_of(app)
    assert (clocks["procedure"].days, clocks["procedure"].due) == (20, D(2026, 3, 30))

    # when it is reviewed by caseworker 1 and submitted
    app = submit(clock, jh.caseworker, app, [jh.caseworker, jh.caseworker2])
    assert app.status == S.DECISION and app.town_reviewed_by == jh.caseworker
    assert "乡镇审核确认" in ApplicationEvent.objects.filter(application=app, step="submit").get().label

    # then the county reviewer, a caseworker of another town and the town reviewer himself are refused
    before = footprint(app)
    county = refused(application_decide, actor=jh.reviewer, application=app, confirm=True)
    assert isinstance(county, PermissionRefused) and "下放乡镇" in county.message
    other = refused(application_decide, actor=jh.other_caseworker, application=app, confirm=True)
    assert isinstance(other, PermissionRefused)
    same = refused(application_decide, actor=jh.caseworker, application=app, confirm=True)
    assert (same.code, same.status) == ("same_reviewer", 403)
    assert refused(application_return, actor=jh.caseworker, application=app, reason="材料需补充核实").code == (
        "same_reviewer"
    )
    assert footprint(app) == before

    # and caseworker 2 confirms: the enrolment starts next month
    app = application_decide(actor=jh.caseworker2, application=app, confirm=True, version=app.version)
    assert (app.status, app.decided_by) == (S.CONFIRMED, jh.caseworker2)
    assert "乡镇审核确认" in ApplicationEvent.objects.filter(application=app, step="decide").get().label
    assert Enrolment.objects.get(application=app).start_month == D(2026, 4, 1)


def test_delegation_covers_dibao_and_tekun_only(clock, world, jiuhuashan):
    """jiuhuashan-2021 §二(五)17 delegates the confirmation of 低保 and 特困; temporary expenditure aid is still
    approved by the civil-affairs bureau (个人申请 → 镇审核 → 民政局审批)."""
    jh = jiuhuashan
    household = with_wages(jh.caseworker, household_of(jh.caseworker, jh.village, id_region=jh.id_region), "300")
    app = accept(jh.caseworker, household, "temp_expenditure", requested_amount=Decimal("5000"))
    assert not app.delegated
    app = application_investigation_start(actor=jh.caseworker, application=app)
    application_evaluate(actor=jh.caseworker, application=app)
    application_town_review(actor=jh.caseworker, application=fresh(app), approve=True, opinion="支出属实，同意救助")
    app = fresh(app)
    assert isinstance(
        refused(application_decide, actor=jh.caseworker2, application=app, confirm=True), PermissionRefused
    )
    assert application_decide(actor=jh.reviewer, application=app, confirm=True).status == S.CONFIRMED


# --- 特困 sampling ------------------------------------------------------------------------------------------


def tekun_subject(actor: Staff, village: Region) -> Household:
    """A single person aged 75, no income, no legal supporter, self-care assessed (all six items met)."""
    return household_of(
        actor,
        village,
        people=1,
        head_birth=D(1950, 8, 1),
        head_extra={**SELFCARE_ALL_MET, "selfcare_assessed_on": today()},
    )


def test_county_samples_at_least_30_percent_of_tekun_cases(clock, world, profiles, monkeypatch):
    """Of the 特困 cases the towns approve, the county visits at least 30 % (tekun-renyuan-rending-banfa-2021
    第十六条; procedure.tekun_sample_share); a sampled case is not confirmed without that visit."""
    # the random draw above the floor never picks a case here, so the run is deterministic: exactly the
    # floor is sampled and some cases are not (the random part has its own test below)
    monkeypatch.setattr(workflow_services.secrets, "randbelow", lambda n: n - 1)
    # given four 特困 applications approved by the town and publicly noticed
    cases = []
    for _ in range(4):
        household = tekun_subject(world.caseworker_a1, world.village_a1)
        app = accept(world.caseworker_a1, household, "tekun", subject=household.head)
        cases.append(publish(world.caseworker_a1, app, [world.caseworker_a1, world.assistant_a1]))

    # when the notices run out and the cases are submitted to the county
    clock.move_to(at(D(2026, 3, 9)))
    cases = [application_notice_close(actor=world.caseworker_a1, application=app) for app in cases]

    # then at least 30 % are sampled, and the submission says so
    sampled = [app for app in cases if app.county_sampled]
    assert len(sampled) == math.ceil(Decimal("0.3") * len(cases))
    for app in sampled:
        assert "列入县级抽查" in ApplicationEvent.objects.get(application=app, step="submit").label

    # a sampled case needs the county's visit; an unsampled one does not
    case = sampled[0]
    error = refused(application_decide, actor=world.reviewer_a, application=case, confirm=True)
    assert (error.code, error.status) == ("county_visit_missing", 409)
    application_visit_record(
        actor=world.reviewer_a,
        application=case,
        visited_on=today(),
        visitors=[world.reviewer_a, world.admin_a],
        findings="县级抽查入户：情况属实",
        signed_by_applicant=True,
    )
    confirmed = application_decide(actor=world.reviewer_a, application=case, confirm=True)
    enrolment = Enrolment.objects.get(application=confirmed)
    assert (enrolment.program, enrolment.subject_id) == ("tekun", case.subject_id)
    assert enrolment.monthly_amount > 0

    unsampled = next(app for app in cases if not app.county_sampled)
    assert application_decide(actor=world.reviewer_a, application=unsampled, confirm=True).status == S.CONFIRMED


def test_sampling_above_the_floor_is_random(clock, world, profiles, monkeypatch):
    """Above the 30 % floor a case is still sampled when the random draw falls within the share, so a town
    cannot tell in advance which cases the county will visit."""
    monkeypatch.setattr(workflow_services.secrets, "randbelow", lambda n: 0)
    households = [tekun_subject(world.caseworker_a1, world.village_a1) for _ in range(3)]
    apps = [
        publish(
            world.caseworker_a1,
            accept(world.caseworker_a1, h, "tekun", subject=h.head),
            [world.caseworker_a1, world.assistant_a1],
        )
        for h in households
    ]
    clock.move_to(at(D(2026, 3, 9)))
    closed = [application_notice_close(actor=world.caseworker_a1, application=app) for app in apps]
    assert all(app.county_sampled for app in closed)


def test_sampling_share_holds_as_cases_accumulate(clock, world, profiles):
    """Whatever the number of cases submitted in the year, the sampled share never falls below 30 %."""
    households = [tekun_subject(world.caseworker_a1, world.village_a1) for _ in range(7)]
    apps = [
        publish(
            world.caseworker_a1,
            accept(world.caseworker_a1, h, "tekun", subject=h.head),
            [world.caseworker_a1, world.assistant_a1],
        )
        for h in households
    ]
    clock.move_to(at(D(2026, 3, 9)))
    sampled = 0
    for n, app in enumerate(apps, start=1):
        sampled += application_notice_close(actor=world.caseworker_a1, application=app).county_sampled
        assert Decimal(sampled) >= Decimal("0.3") * n, (n, sampled)


# --- 临时救助 急难型 ------------------------------------------------------------------------------------------


def test_emergency_aid_within_the_town_limit_is_done_at_once(clock, world, maiji):
    """≤ 800 yuan: the town pays at once and the case is closed; the papers are completed afterwards
    (maiji-2021 §四(四)15 小金额救助)."""
    household = household_of(maiji.caseworker, maiji.village, id_region=maiji.id_region)
    app = emergency_aid_grant(
        actor=maiji.caseworker, household=household, cause="accident", expense=Decimal("800"), note="房屋失火"
    )
    assert app.status == S.CONFIRMED
    assert (app.paid_on, app.decided_on, app.decided_by) == (MONDAY, MONDAY, maiji.caseworker)
    assert app.approved_amount == Decimal("800.00") and app.evaluation.category == "town_pay_first"
    assert app.profile == "maiji" and app.authorisation_signed_on is None
    assert app.due_on is None and not Enrolment.objects.exists()
    assert "乡镇审批权限内" in ApplicationEvent.objects.get(application=app, step="emergency_pay").label
    # the county has nothing to approve
    assert refused(application_decide, actor=maiji.reviewer, application=app, confirm=True).code == (
        "illegal_transition"
    )

    app = emergency_papers_complete(actor=maiji.caseworker, application=app, note="已补签字盖章")
    assert app.papers_completed_on == MONDAY
    assert refused(emergency_papers_complete, actor=maiji.caseworker, application=app).code == "already_completed"


def test_emergency_aid_above_the_town_limit_waits_for_county_post_approval(clock, world, maiji):
    """> 800 and ≤ 25 000 yuan: paid first, approved by the district afterwards (先行救助、后置审批)."""
    household = household_of(maiji.caseworker, maiji.village, id_region=maiji.id_region)
    app = emergency_aid_grant(actor=maiji.caseworker, household=household, cause="illness", expense=Decimal("6000"))
    assert app.status == S.POST_APPROVAL
    assert (app.paid_on, app.submitted_on, app.decided_by) == (MONDAY, MONDAY, None)
    assert app.approved_amount == Decimal("6000.00")

    # the town does not approve it; the district's reviewer does
    assert isinstance(
        refused(application_decide, actor=maiji.caseworker2, application=app, confirm=True), PermissionRefused
    )
    assert refused(application_withdraw, actor=maiji.caseworker, application=app, reason="申请人撤回").code == (
        "illegal_transition"
    )
    clock.move_to(at(D(2026, 3, 5)))
    app = application_decide(actor=maiji.reviewer, application=app, confirm=True, reasons="情况属实，同意")
    assert (app.status, app.decided_by, app.decided_on) == (S.CONFIRMED, maiji.reviewer, D(2026, 3, 5))
    assert app.approved_amount == Decimal("6000.00") and app.paid_on == MONDAY
    app = emergency_papers_complete(actor=maiji.caseworker, application=app)
    assert app.papers_completed_on == D(2026, 3, 5)
    assert not Enrolment.objects.exists()


def test_emergency_aid_above_the_maximum_pays_the_maximum_and_notes_the_rest(clock, world, maiji):
    """> 25 000 yuan: the maximum is paid first, the rest is decided case by case (一事一议)."""
    household = household_of(maiji.caseworker, maiji.village, id_region=maiji.id_region)
    app = emergency_aid_grant(actor=maiji.caseworker, household=household, cause="disaster", expense=Decimal("31000"))
    assert app.status == S.POST_APPROVAL and app.approved_amount == Decimal("25000.00")
    assert app.evaluation.category == "above_max"
    event = ApplicationEvent.objects.get(application=app, step="emergency_pay")
    assert "一事一议" in event.label and "6000" in event.label
    assert Decimal(event.data["remainder"]) == Decimal("6000.00")


def test_emergency_aid_has_no_means_test(clock, world, maiji):
    """A household with a high income still gets 急难 aid (no economic check, changbai-2021 §二(一)4)."""
    household = with_wages(
        maiji.caseworker, household_of(maiji.caseworker, maiji.village, id_region=maiji.id_region), "20000"
    )
    app = emergency_aid_grant(actor=maiji.caseworker, household=household, cause="accident", expense=Decimal("700"))
    assert app.status == S.CONFIRMED and app.approved_amount == Decimal("700.00")
    # and a second emergency of the same household is not a duplicate
    again = emergency_aid_grant(actor=maiji.caseworker, household=household, cause="illness", expense=Decimal("300"))
    assert again.status == S.CONFIRMED


def test_emergency_aid_in_changbai_uses_the_national_defaults(clock, world, poor_household):
    app = emergency_aid_grant(
        actor=world.caseworker_a1, household=poor_household, cause="accident", expense=Decimal("1200.50")
    )
    assert app.status == S.POST_APPROVAL and app.approved_amount == Decimal("1200.50")
    # nothing typed into the amount is a 500: empty, negative, not a number, NaN, infinite, too big, sub-fen
    for bad in ("", "-1", "abc", "NaN", "Infinity", "1e20", "0.001", None, Decimal("sNaN")):
        error = refused(
            emergency_aid_grant, actor=world.caseworker_a1, household=poor_household, cause="accident", expense=bad
        )
        assert error.code == "invalid" and "expense" in error.fields, bad
    for bad in ("NaN", Decimal("-Infinity"), "12.345", "x"):
        error = refused(accept, world.caseworker_a1, poor_household, "temp_expenditure", requested_amount=bad)
        assert error.code == "invalid" and "requested_amount" in error.fields, bad
    assert Application.objects.count() == 1
    assert refused(
        emergency_aid_grant, actor=world.caseworker_a1, household=poor_household, cause="lottery", expense="100"
    ).fields == {"cause": ["请选择急难事由"]}


# --- bridge aid ---------------------------------------------------------------------------------------------


def test_bridge_aid_pays_one_month_of_the_urban_standard_once(clock, world, poor_household):
    """Changbai: an applicant for 低保 gets one month of the urban standard at once (changbai-2021 §二(四)18) —
    once per application."""
    dibao = accept(world.caseworker_a1, poor_household)

    bridge = emergency_aid_grant(
        actor=world.caseworker_a1, household=poor_household, cause="", expense=Decimal("0"), parent=dibao
    )

    # the urban standard of March 2026 (760), though the household is rural
    assert bridge.status == S.CONFIRMED and bridge.parent == dibao
    assert (bridge.cause, bridge.approved_amount, bridge.evaluation.category) == (
        "pending_application",
        Decimal("760.00"),
        "bridge",
    )
    assert "过渡救助" in ApplicationEvent.objects.get(application=bridge, step="emergency_pay").label
    assert fresh(dibao).status == S.ACCEPTED  # the 低保 case runs on
    error = refused(
        emergency_aid_grant, actor=world.caseworker_a1, household=poor_household, cause="", expense=0, parent=dibao
    )
    assert (error.code, error.status) == ("duplicate_application", 409)
    assert Application.objects.filter(parent=dibao).count() == 1


def test_bridge_aid_needs_an_open_dibao_or_tekun_application_of_the_household(clock, world, poor_household):
    dibao = accept(world.caseworker_a1, poor_household)
    application_withdraw(actor=world.caseworker_a1, application=dibao, reason="申请人外出务工，撤回申请")
    error = refused(
        emergency_aid_grant, actor=world.caseworker_a1, household=poor_household, cause="", expense=0, parent=dibao
    )
    assert (error.code, error.status) == ("invalid", 409)


def test_bridge_aid_is_refused_where_the_profile_sets_none(clock, world, maiji):
    """Maiji sets no bridge aid (temp.bridge_months = 0): a bridge request is refused with a clear message
    rather than paid as an unnamed emergency; ordinary 急难 aid stays available."""
    household = with_wages(
        maiji.caseworker, household_of(maiji.caseworker, maiji.village, id_region=maiji.id_region), "300"
    )
    dibao = accept(maiji.caseworker, household)
    for expense in (Decimal("0"), Decimal("500")):
        error = refused(
            emergency_aid_grant,
            actor=maiji.caseworker,
            household=household,
            cause="accident",
            expense=expense,
            parent=dibao,
        )
        assert (error.code, error.status) == ("no_bridge_aid", 409)
        assert "过渡" in error.message
    assert not Application.objects.filter(parent=dibao).exists()
    aid = emergency_aid_grant(actor=maiji.caseworker, household=household, cause="accident", expense=Decimal("500"))
    assert aid.status == S.CONFIRMED and aid.parent is None


# --- 支出型 -------------------------------------------------------------------------------------------------


def test_expenditure_aid_path(clock, world, poor_household):
    """支出型: accepted with the necessary spending → investigation (economic check, no home visit needed) →
    evaluation → town review → county approval without public notice; the approved amount is the evaluated one
    and no monthly enrolment is created (changbai-2021 §二(一)4)."""
    # missing amount is refused
    error = refused(accept, world.caseworker_a1, poor_household, "temp_expenditure")
    assert error.fields == {"requested_amount": ["请填写支出金额"]}

    app = accept(world.caseworker_a1, poor_household, "temp_expenditure", requested_amount=Decimal("5000"))
    assert app.status == S.ACCEPTED and app.requested_amount == Decimal("5000")
    # no home visit on this path: asking to waive one is moot, not an error
    app = application_investigation_start(actor=world.caseworker_a1, application=app, waive_visit=True)
    assert not app.visit_waived
    evaluation = application_evaluate(actor=world.caseworker_a1, application=app)
    assert evaluation.eligible and evaluation.program == "temp_expenditure"
    # income 300 × 12 × … well below the capacity line: the whole 5 000 is beyond capacity, half of it is paid
    assert evaluation.amount == Decimal("2500.00")

    app = application_town_review(
        actor=world.caseworker_a1, application=fresh(app), approve=True, opinion="医疗支出属实，同意救助"
    )
    assert app.status == S.DECISION and app.submitted_on == MONDAY
    assert refused(application_notice_publish, actor=world.caseworker_a1, application=app).code == "illegal_transition"

    app = application_decide(actor=world.reviewer_a, application=app, confirm=True)
    assert app.status == S.CONFIRMED
    assert app.approved_amount == evaluation.amount
    assert not Enrolment.objects.exists()
    steps = list(ApplicationEvent.objects.filter(application=app).values_list("step", flat=True))
    assert steps == ["accept", "investigation_start", "evaluate", "town_review", "decide"]


# --- withdrawal, return, extension, refusal notice -------------------------------------------------------------


def test_withdrawal_closes_the_case_and_frees_the_household(clock, world, poor_household):
    app = accept(world.caseworker_a1, poor_household)
    assert refused(application_withdraw, actor=world.caseworker_a1, application=app, reason="").code == (
        "reason_required"
    )
    assert isinstance(
        refused(application_withdraw, actor=world.caseworker_a2, application=app, reason="申请人撤回申请"),
        PermissionRefused,
    )
    app = application_withdraw(actor=world.caseworker_a1, application=app, reason="申请人外出务工，自愿撤回")
    assert (app.status, app.closed_reason, app.decided_on) == (S.WITHDRAWN, "申请人外出务工，自愿撤回", MONDAY)
    assert app.due_on is None
    assert all(not c.open for c in clocks_of(app).values())
    assert refused(application_withdraw, actor=world.caseworker_a1, application=app, reason="再次撤回").code == (
        "illegal_transition"
    )
    # a new application may be made
    assert accept(world.caseworker_a1, poor_household).status == S.ACCEPTED


def test_return_sends_the_case_back_to_investigation(clock, world, poor_household):
    """退回: the decider sends the case back; the town opinion and the notice are cleared and the case goes through
    the town review and the notice again."""
    app = submit(
        clock,
        world.caseworker_a1,
        accept(world.caseworker_a1, poor_household),
        [world.caseworker_a1, world.assistant_a1],
    )
    assert isinstance(
        refused(application_return, actor=world.caseworker_a1, application=app, reason="收入须重新核实"),
        PermissionRefused,
    )
    assert refused(application_return, actor=world.reviewer_a, application=app, reason="").code == "reason_required"

    app = application_return(actor=world.reviewer_a, application=app, reason="子女务工收入须重新核实")
    assert app.status == S.INVESTIGATING
    assert (app.town_opinion, app.town_reviewed_by, app.notice_start, app.submitted_on) == ("", None, None, None)
    assert app.closed_reason == "子女务工收入须重新核实"
    assert refused(application_decide, actor=world.reviewer_a, application=app, confirm=True).code == (
        "illegal_transition"
    )

    application_evaluate(actor=world.caseworker_a1, application=app)
    application_town_review(actor=world.caseworker_a1, application=fresh(app), approve=True, opinion="复核后仍符合")
    app = application_notice_publish(actor=world.caseworker_a1, application=fresh(app))
    clock.move_to(at(app.notice_end + dt.timedelta(days=1)))
    app = application_notice_close(actor=world.caseworker_a1, application=app)
    assert application_decide(actor=world.reviewer_a, application=app, confirm=True).status == S.CONFIRMED
    steps = list(ApplicationEvent.objects.filter(application=app).values_list("step", flat=True))
    assert steps.count("return") == 1 and steps.count("notice") == 2


def test_extension_gives_45_working_days_once_and_only_for_dibao(clock, world, poor_household):
    """第二十二条: 30 working days, extendable once to 45 with a recorded reason; 特困 has its own time limits."""
    app = accept(world.caseworker_a1, poor_household)
    # 30 working days from 2 March → 14 April (清明 4–6 April off)
    assert clocks_of(app)["procedure"].due == D(2026, 4, 14)
    assert refused(application_extend, actor=world.caseworker_a1, application=app, reason="短").code == (
        "reason_required"
    )

    app = application_extend(actor=world.reviewer_a, application=app, reason="申请人人户分离，经济状况难以核实")
    assert app.extended and app.extension_reason == "申请人人户分离，经济状况难以核实"
    procedure = clocks_of(app)["procedure"]
    # 45 working days from 2 March: 21 in March, 21 in April (6 April, 清明, off) → 42 on 30 April; 劳动节 1–5 May
    # off; 6, 7, 8 May → Friday 8 May
    assert (procedure.days, procedure.due) == (45, D(2026, 5, 8))
    assert refused(application_extend, actor=world.caseworker_a1, application=app, reason="再次延长时限").code == (
        "already_extended"
    )

    household = tekun_subject(world.caseworker_a1, world.village_a1)
    tekun = accept(world.caseworker_a1, household, "tekun", subject=household.head)
    error = refused(application_extend, actor=world.caseworker_a1, application=tekun, reason="经济状况难以核实")
    assert error.status == 409 and "只有低保" in error.message
    assert not fresh(tekun).extended


def test_refusal_notice_within_3_working_days(clock, world, poor_household):
    """A refusal is notified in writing within 3 working days (第二十一条); recording the delivery closes it."""
    app = submit(
        clock,
        world.caseworker_a1,
        accept(world.caseworker_a1, poor_household),
        [world.caseworker_a1, world.assistant_a1],
    )
    # notice 2–8 March, submitted Monday 9 March
    assert app.submitted_on == D(2026, 3, 9)
    assert refused(application_refusal_notify, actor=world.caseworker_a1, application=app).code == (
        "illegal_transition"
    )
    clock.move_to(at(D(2026, 3, 13)))  # a Friday
    app = application_decide(actor=world.reviewer_a, application=app, confirm=False, reasons="核实后人均收入高于标准")
    assert app.status == S.REFUSED and app.decision_reasons == "核实后人均收入高于标准"
    # Friday 13 March + 3 working days → Wednesday 18 March
    assert app.due_on == D(2026, 3, 18)
    assert clocks_of(app)["refusal_notice"].open

    assert (
        refused(application_refusal_notify, actor=world.caseworker_a1, application=app, on=D(2026, 3, 12)).code
        == "invalid"
    )
    clock.move_to(at(D(2026, 3, 16)))
    app = application_refusal_notify(actor=world.caseworker_a1, application=app)
    assert app.refusal_notified_on == D(2026, 3, 16) and app.due_on is None
    assert clocks_of(app)["refusal_notice"].state == "done"
    assert refused(application_refusal_notify, actor=world.reviewer_a, application=app).code == "already_notified"
    assert not Enrolment.objects.exists()


# --- roles --------------------------------------------------------------------------------------------------


def test_village_assistant_reports_and_caseworker_converts(clock, world, poor_household):
    """主动发现: the village assistant reports in their own village but cannot receive applications; a caseworker of
    the town turns the report into an application (channel 主动发现)."""
    report = discovery_report_create(
        actor=world.assistant_a1,
        region=world.village_a1,
        person_name="户主",
        description="老人独居，近期因病失去收入",
        household=poor_household,
        suggested_program="dibao",
    )
    assert report.status == "open" and report.reported_by == world.assistant_a1
    # not in another village, not by a county reviewer
    for actor, region in ((world.assistant_a1, world.village_a1b), (world.reviewer_a, world.village_a1)):
        error = refused(
            discovery_report_create, actor=actor, region=region, person_name="张三", description="生活困难需要救助"
        )
        assert isinstance(error, PermissionRefused)
    # the assistant cannot accept the application, nor can a caseworker of another town
    for actor in (world.assistant_a1, world.caseworker_a2, world.caseworker_b1, world.reviewer_a):
        assert isinstance(refused(accept, actor, poor_household, discovery=report), PermissionRefused)

    app = accept(world.caseworker_a1, poor_household, discovery=report)
    report.refresh_from_db()
    assert (app.channel, app.discovery, report.status, report.household) == (
        "discovery",
        report,
        "converted",
        poor_household,
    )
    assert AuditEvent.objects.filter(action="discovery.convert", target_id=str(report.pk)).exists()
    # a converted report cannot be converted again nor closed
    assert refused(discovery_report_close, actor=world.caseworker_a1, report=report, reason="已核实").code == (
        "discovery_closed"
    )


def test_discovery_report_of_another_household_cannot_be_converted_for_this_one(clock, world, poor_household):
    other = household_of(world.caseworker_a1, world.village_a1)
    report = discovery_report_create(
        actor=world.assistant_a1,
        region=world.village_a1,
        person_name="户主",
        description="老人独居，生活困难",
        household=other,
    )
    error = refused(accept, world.caseworker_a1, poor_household, discovery=report)
    assert error.code == "invalid"
    report.refresh_from_db()
    assert report.status == "open" and not Application.objects.exists()


def test_outsiders_are_refused_each_transition(clock, world, poor_household):
    """A caseworker of another town cannot work the case; a reviewer of another county cannot decide it."""
    app = accept(world.caseworker_a1, poor_household)
    for call in (
        lambda actor: application_investigation_start(actor=actor, application=app),
        lambda actor: application_withdraw(actor=actor, application=app, reason="申请人撤回申请"),
        lambda actor: application_extend(actor=actor, application=app, reason="经济状况难以核实"),
    ):
        for outsider in (world.caseworker_a2, world.caseworker_b1, world.assistant_a1, world.auditor_a):
            assert isinstance(refused(call, outsider), PermissionRefused)
    app = submit(clock, world.caseworker_a1, app, [world.caseworker_a1, world.assistant_a1])
    for outsider in (world.reviewer_b, world.admin_a, world.caseworker_a2, world.auditor_a):
        assert isinstance(refused(application_decide, actor=outsider, application=app, confirm=True), PermissionRefused)
    assert fresh(app).status == S.DECISION


def test_visitors_must_be_two_local_staff(clock, world, poor_household):
    app = application_investigation_start(
        actor=world.caseworker_a1, application=accept(world.caseworker_a1, poor_household)
    )
    error = refused(
        application_visit_record,
        actor=world.caseworker_a1,
        application=app,
        visited_on=today(),
        visitors=[world.caseworker_a1, world.caseworker_b1],
        findings="入户调查情况",
        signed_by_applicant=True,
    )
    assert error.code == "invalid" and "visitors" in error.fields
    error = refused(
        application_visit_record,
        actor=world.caseworker_a1,
        application=app,
        visited_on=today(),
        visitors=[world.caseworker_a1, world.assistant_a1],
        findings="入户调查情况",
        signed_by_applicant=False,
    )
    assert error.code == "signature_required"
    assert not HomeVisit.objects.exists()


# --- deadlines ----------------------------------------------------------------------------------------------


def test_deadline_into_an_undeclared_year_is_provisional(clock, world, poor_household):
    """Accepted on Monday 21 December 2026: the 30 working days run into 2027, whose holidays chinesecalendar
    1.11 does not know; the deadline is counted by the provisional rule (Monday–Friday less 1 January) and
    marked provisional, without an error."""
    clock.move_to(at(D(2026, 12, 21)))
    app = accept(world.caseworker_a1, poor_household)
    clocks = clocks_of(app)
    # the investigation clock stays in 2026: 22, 23, 24 December → known days, not provisional
    assert (clocks["investigation_start"].due, clocks["investigation_start"].provisional) == (D(2026, 12, 24), False)
    assert (app.due_on, app.due_provisional) == (D(2026, 12, 24), False)
    # 22–25 and 28–31 December (8), 1 January off, 4–29 January (28), 1–2 February (30)
    assert (clocks["procedure"].due, clocks["procedure"].provisional) == (D(2027, 2, 2), True)

    app = application_investigation_start(actor=world.caseworker_a1, application=app)
    assert (app.due_on, app.due_provisional) == (D(2027, 2, 2), True)


def test_deadline_in_a_known_year_is_not_provisional(clock, world, poor_household):
    app = application_investigation_start(
        actor=world.caseworker_a1, application=accept(world.caseworker_a1, poor_household)
    )
    assert (app.due_on, app.due_provisional) == (D(2026, 4, 14), False)
    assert not any(c.provisional for c in clocks_of(app).values())


def test_deadline_across_national_day_counts_the_make_up_saturday(clock, world, poor_household):
    """2026 arrangement (State Council, in chinesecalendar 1.11): 中秋 25–27 September, 国庆 1–7 October off;
    Sunday 20 September and Saturday 10 October are working days (调休)."""
    clock.move_to(at(D(2026, 9, 28)))  # Monday after 中秋
    app = accept(world.caseworker_a1, poor_household)
    clocks = clocks_of(app)
    # investigation within 3 working days: 29 and 30 September, then 1–7 October off → Thursday 8 October
    assert clocks["investigation_start"].due == D(2026, 10, 8)
    # 30 working days: 29–30 Sep (2), 8–9 Oct (4), Saturday 10 Oct worked (5), 12–16 Oct (10), 19–23 (15),
    # 26–30 (20), 2–6 Nov (25), 9–13 Nov (30) → Friday 13 November (without the make-up Saturday: 16 November)
    assert clocks["procedure"].due == D(2026, 11, 13)
    assert not clocks["procedure"].provisional


def test_delegated_time_limit_applies_to_cases_the_town_confirms(profiles):
    """National baseline: 30 working days, 20 where the town confirms (doudi-baozhang-tongzhi-2022); a close
    relative's case, confirmed by the county even in a delegated county, keeps the 30 (the clocks of an unsaved
    application)."""
    params = parameter_set_for_profile(code="national", month=MONDAY)
    case = Application(
        program="dibao",
        status=S.ACCEPTED,
        accepted_on=MONDAY,
        investigation_started_on=None,
        submitted_on=None,
        town_reviewed_on=None,
        decided_on=None,
        refusal_notified_on=None,
        extended=False,
        delegated=True,
        close_relative=False,
    )
    calendar = WorkingCalendar()
    assert application_clocks(case, params, calendar, MONDAY)[1].days == 20
    case.close_relative = True
    assert application_clocks(case, params, calendar, MONDAY)[1].days == 30
    case.delegated, case.close_relative = False, False
    assert application_clocks(case, params, calendar, MONDAY)[1].days == 30
    case.extended = True
    assert application_clocks(case, params, calendar, MONDAY)[1].days == 45


# --- evaluation snapshots -----------------------------------------------------------------------------------


def test_evaluation_snapshots_are_immutable_and_reevaluation_adds_one(clock, world, poor_household):
    app = investigate(
        world.caseworker_a1, accept(world.caseworker_a1, poor_household), [world.caseworker_a1, world.assistant_a1]
    )
    first = app.evaluation
    first.amount = Decimal("9999")
    with pytest.raises(ValueError, match="不可修改"):
        first.save()
    first.refresh_from_db()
    assert first.amount != Decimal("9999")

    # the registry is corrected (income rises) and the case evaluated again
    income_record(
        actor=world.caseworker_a1, member=poor_household.head, month=D(2026, 1, 1), kind="wages", amount=Decimal("500")
    )
    second = application_evaluate(actor=world.caseworker_a1, application=app)
    assert second.pk != first.pk and fresh(app).evaluation == second
    assert Evaluation.objects.filter(application=app).count() == 2
    assert Evaluation.objects.get(pk=first.pk).amount == first.amount
    assert first.request != second.request


# --- nothing half-saved -------------------------------------------------------------------------------------


def test_refused_transitions_leave_nothing_behind(clock, world, poor_household):
    """Every refusal below leaves the application's version, status, timeline and the audit trail as they were."""
    app = submit(
        clock,
        world.caseworker_a1,
        accept(world.caseworker_a1, poor_household),
        [world.caseworker_a1, world.assistant_a1],
    )
    stale = app.version - 1
    other_household = household_of(world.caseworker_a1, world.village_a1)
    attempts = {
        "stale form": lambda: application_decide(actor=world.reviewer_a, application=app, confirm=True, version=stale),
        "caseworker decides": lambda: application_decide(actor=world.caseworker_a1, application=app, confirm=True),
        "other county": lambda: application_decide(actor=world.reviewer_b, application=app, confirm=True),
        "no reasons": lambda: application_decide(actor=world.reviewer_a, application=app, confirm=False, reasons=" "),
        "return without reason": lambda: application_return(actor=world.reviewer_a, application=app, reason="退回"),
        "notice again": lambda: application_notice_publish(actor=world.caseworker_a1, application=app),
        "evaluate now": lambda: application_evaluate(actor=world.caseworker_a1, application=app),
        "short extension reason": lambda: application_extend(actor=world.reviewer_a, application=app, reason="延长"),
        "one visitor": lambda: application_visit_record(
            actor=world.reviewer_a,
            application=app,
            visited_on=today(),
            visitors=[world.reviewer_a],
            findings="县级入户核查",
            signed_by_applicant=True,
        ),
        "second application": lambda: accept(world.caseworker_a1, poor_household),
        "bridge from another household": lambda: emergency_aid_grant(
            actor=world.caseworker_a1,
            household=other_household,
            cause="",
            expense=0,
            parent=app,
        ),
    }
    for name, attempt in attempts.items():
        before = footprint(app)
        with pytest.raises(ApplicationError):
            attempt()
        assert footprint(app) == before, name

    app = application_decide(actor=world.reviewer_a, application=app, confirm=True, version=app.version)
    assert app.status == S.CONFIRMED
    before = footprint(app)
    with pytest.raises(ApplicationError) as error:
        application_decide(actor=world.reviewer_a, application=app, confirm=True)
    assert error.value.code == "illegal_transition"
    assert footprint(app) == before
    assert Enrolment.objects.filter(application=app).count() == 1


def test_refused_discovery_conversion_leaves_the_report_open(clock, world, poor_household):
    accept(world.caseworker_a1, poor_household)
    report = discovery_report_create(
        actor=world.assistant_a1, region=world.village_a1, person_name="户主", description="生活困难，需要救助"
    )
    count = AuditEvent.objects.count()
    assert refused(accept, world.caseworker_a1, poor_household, discovery=report).code == "duplicate_application"
    assert DiscoveryReport.objects.get(pk=report.pk).status == "open"
    assert AuditEvent.objects.count() == count


def test_next_step_names_what_the_case_waits_for():
    """The inbox's 下一步 column: from the case's state alone, no queries."""
    import datetime as _dt

    from cases.actions import next_step
    from cases.models import Application as App

    today = _dt.date(2026, 3, 10)
    assert next_step(App(status="accepted", program="dibao"), today) == "启动调查核实"
    assert (
        next_step(App(status="notice", program="dibao", notice_end=_dt.date(2026, 3, 12)), today) == "公示至 03月12日"
    )
    assert next_step(App(status="notice", program="dibao", notice_end=_dt.date(2026, 3, 9)), today) == "报送审核确认"
    assert next_step(App(status="evaluated", program="dibao", deliberation_required=True), today) == "民主评议"
    assert (
        next_step(App(status="decision", program="tekun", county_sampled=True), today)
        == "县级审核确认（须县级入户核查）"
    )
    assert next_step(App(status="decision", program="dibao", delegated=True), today) == "乡镇审核确认"
    assert next_step(App(status="refused", program="dibao"), today) == "书面告知送达"
    emergency = App(status="confirmed", program="temp_emergency", paid_on=today)
    assert next_step(emergency, today) == "补齐签字盖章手续"


def test_open_application_constraints_use_the_open_statuses():
    """The one-open-application constraints' status list is exactly ``OPEN_STATUSES``."""
    from cases.choices import OPEN_STATUSES
    from cases.models.workflow import _OPEN_STATUS_VALUES

    assert sorted(_OPEN_STATUS_VALUES) == sorted(OPEN_STATUSES)
