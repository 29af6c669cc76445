"""``manage.py seed_demo``: a small run works, a second run changes nothing, the data is valid."""

from __future__ import annotations

import datetime
import io
import re
from collections import Counter

import pytest
from django.core.management import CommandError, call_command
from django.db.models import Q
from django.utils import timezone
from stdnum import numdb

from assistance.demo.generator import CountyGenerator, IdAllocator
from assistance.demo.loader import DEMO_PASSWORD, county_logins
from assistance.demo.regions import COUNTIES, COUNTY_BY_SLUG, STANDARD_MONTHS, standard_for
from assistance.models import RecognisedIllness, Region, RoleAssignment, Staff
from assistance.roles import Role
from audit.models import AuditEvent
from audit.services import audit_chain_verify
from cases.id_numbers import parse_id_number
from cases.models import (
    Application,
    ApplicationEvent,
    Asset,
    DiscoveryReport,
    Enrolment,
    Evaluation,
    HomeVisit,
    Household,
    LegalSupporter,
    Member,
    MemberIncome,
    RigidExpense,
)
from cases.selectors import inbox_for
from eligibility.models import ParameterStatus, ParameterVersion, PolicyProfile, ProfileJurisdiction
from eligibility.rules.profile_data import load_documents, parameter_set, profile_for_region
from eligibility.selectors import parameter_set_for
from payments.models import CountyPaymentSetting, PaymentLine, PaymentRoll, ReserveFund

SMALL_RUN = ("--households", "3", "--counties", "changbai,maiji")
TABLES = (
    Region,
    Staff,
    RoleAssignment,
    RecognisedIllness,
    PolicyProfile,
    ProfileJurisdiction,
    ParameterVersion,
    Household,
    Member,
    MemberIncome,
    Asset,
    RigidExpense,
    LegalSupporter,
    Application,
    ApplicationEvent,
    Evaluation,
    HomeVisit,
    Enrolment,
    DiscoveryReport,
    CountyPaymentSetting,
    PaymentRoll,
    PaymentLine,
    ReserveFund,
    AuditEvent,
)
# Enough households for every demo stage in both counties: 麦积 (the county decides; 急难 above the town's
# 800 yuan goes to post-approval) and 九华山 (confirmation delegated to the town).
CASES_RUN = ("--households", "50", "--counties", "maiji,jiuhuashan")
TODAY = datetime.date(2026, 11, 21)


def seed(*args: str) -> str:
    out = io.StringIO()
    call_command("seed_demo", *args, stdout=out)
    return out.getvalue()


def table_counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in TABLES}


# --- the command against the database ----------------------------------------------------------------


@pytest.mark.django_db
def test_second_run_changes_nothing():
    # given
    first = seed(*SMALL_RUN)
    before = table_counts()
    # when
    second = seed(*SMALL_RUN)
    # then
    assert before["Household"] == 6
    assert before["MemberIncome"] > 0
    assert table_counts() == before
    assert "没有任何变化" in second
    assert "新增审计事件 0 条" in second
    assert "完成：新增审计事件" in first


@pytest.mark.django_db
def test_small_run_writes_valid_audited_data():
    output = seed(*SMALL_RUN)

    # every member's ID number is valid, and none is registered twice
    numbers = list(Member.objects.values_list("id_number", flat=True))
    assert len(numbers) == len(set(numbers)) >= 6
    for number in numbers:
        parse_id_number(number)
    for supporter in LegalSupporter.objects.all():
        parse_id_number(supporter.id_number)

    # one login per role and region, with the demo password
    for slug in ("changbai", "maiji"):
        county = COUNTY_BY_SLUG[slug]
        logins = county_logins(county)
        assert Staff.objects.filter(username__in=[x.username for x in logins]).count() == len(logins)
        for login in logins:
            assignment = RoleAssignment.objects.get(staff__username=login.username, is_active=True)
            assert (assignment.role, assignment.region.code) == (login.role, login.region_code)
        admin = Staff.objects.get(username=f"{slug}-admin")
        assert admin.check_password(DEMO_PASSWORD)
        assert admin.display_name and not admin.display_name.isascii()
        town = county.towns[0]
        assert RoleAssignment.objects.filter(
            staff__username=f"{slug}-t01-caseworker", role=Role.TOWN_CASEWORKER, region__code=town.code
        ).exists()
        assert RoleAssignment.objects.filter(
            staff__username=f"{slug}-t01-v01-assistant", role=Role.VILLAGE_ASSISTANT, region__code=town.villages[0].code
        ).exists()
        assert f"{slug}-t01-v01-assistant" in output
    superuser = Staff.objects.get(username="admin")
    assert superuser.is_superuser and superuser.check_password(DEMO_PASSWORD)
    assert "其余账号：manage.py seed_demo --list-logins" in output

    # the policy profiles are loaded, each seeded county governed by its own; its illustrative standards,
    # urban and rural, from 2025-07 and raised from 2026-07, are those the generator used
    assert set(PolicyProfile.objects.values_list("code", flat=True)) == set(load_documents())
    assert not ParameterVersion.objects.exclude(status=ParameterStatus.APPROVED).exists()
    for slug in ("changbai", "maiji"):
        spec = COUNTY_BY_SLUG[slug]
        county = Region.objects.get(code=spec.county.code)
        assert ProfileJurisdiction.objects.get(county=county).profile.code == slug
        standards = ParameterVersion.objects.filter(profile__code=slug, key__startswith="dibao.standard.")
        assert standards.count() == 4 and all(s.is_demo and s.note.startswith("演示数据") for s in standards)
        assert {s.effective_from for s in standards} == {datetime.date(2025, 7, 1), datetime.date(2026, 7, 1)}
        for area_type, (first, raised) in spec.standards.items():
            key = f"dibao.standard.{area_type}"
            assert parameter_set_for(county=county, month=datetime.date(2026, 6, 1)).get(key).value == first
            assert parameter_set_for(county=county, month=datetime.date(2026, 7, 1)).get(key).value == raised
    assert "低保标准 4" in output
    assert 10 <= RecognisedIllness.objects.filter(county__code="220623").count() <= 20

    # everything was written through the services: the registry by the system account, the demo cases by the
    # demo staff of the county; the chain covers it all
    assert audit_chain_verify().ok
    registry = (
        AuditEvent.objects.exclude(action__startswith="application.")
        .exclude(action__startswith="discovery.")
        .exclude(action__startswith="payment_roll.")
        .exclude(action__startswith="reserve")
    )
    assert set(registry.values_list("actor_username", flat=True)) == {"system"}
    # the payments demo (rolls, reserve funds) by the county administrators
    payments = AuditEvent.objects.filter(Q(action__startswith="payment_roll.") | Q(action__startswith="reserve"))
    assert set(payments.values_list("actor_username", flat=True)) == {"changbai-admin", "maiji-admin"}
    demo_staff = {x.username for slug in ("changbai", "maiji") for x in county_logins(COUNTY_BY_SLUG[slug])}
    assert set(AuditEvent.objects.values_list("actor_username", flat=True)) <= demo_staff | {"system"}
    created = set(AuditEvent.objects.filter(action="household.create").values_list("household_ref", flat=True))
    assert created == set(Household.objects.values_list("pk", flat=True))


@pytest.mark.django_db
def test_demo_cases_fill_the_inboxes_at_every_stage():
    # given a seed of two counties
    output = seed(*CASES_RUN)
    today = timezone.localdate()
    maiji = Region.objects.get(code="620503")
    apps = Application.objects.filter(county=maiji)
    dibao = apps.filter(program="dibao")
    worker = Staff.objects.get(username="maiji-t01-caseworker")
    reviewer = Staff.objects.get(username="maiji-reviewer")
    assistant = Staff.objects.get(username="maiji-t01-v01-assistant")

    # then 麦积 has 低保 cases at every stage, and two 急难 cases
    assert Counter(dibao.values_list("status", flat=True)) == {
        "materials_pending": 2,
        "accepted": 2,
        "investigating": 2,
        "evaluated": 2,
        "notice": 1,
        "decision": 2,
        "confirmed": 9,  # one at its stage, eight more enrolled for the payments demo (assistance.demo.payments)
    }
    assert all(a.missing_materials and a.accepted_on is None for a in dibao.filter(status="materials_pending"))
    assert sorted(a.visits.count() for a in dibao.filter(status="investigating")) == [0, 1]
    assert all(a.evaluation.eligible for a in dibao.filter(status__in=["evaluated", "notice", "decision"]))
    assert dibao.get(status="notice").notice_start == today
    for app in dibao.filter(status="decision"):
        assert app.notice_start <= today - datetime.timedelta(days=8) and app.submitted_on == today
    next_month = (today.replace(day=28) + datetime.timedelta(days=5)).replace(day=1)
    for confirmed in dibao.filter(status="confirmed"):
        enrolment = Enrolment.objects.get(application=confirmed)
        assert enrolment.status == "active" and enrolment.monthly_amount == confirmed.evaluation.amount > 0
        assert enrolment.start_month == next_month
        assert confirmed.decided_by == reviewer and confirmed.town_reviewed_by.username.startswith("maiji-t0")
    # next month's 低保 roll waits for the reviewer: generated and checked by the administrator, one line each
    roll = PaymentRoll.objects.get(county=maiji, program="dibao", month=next_month)
    admin = Staff.objects.get(username="maiji-admin")
    assert (roll.status, roll.generated_by, roll.checked_by, roll.line_count) == ("checked", admin, admin, 9)
    enrolled = Enrolment.objects.filter(region__path__startswith=maiji.path)
    assert roll.total_fen == sum(int(e.monthly_amount * 100) for e in enrolled)
    # every town's reserve fund of the year: 2 yuan per resident in 麦积 (maiji-2021 §四(四)15)
    funds = ReserveFund.objects.filter(county=maiji, year=today.year)
    assert funds.count() == Region.objects.filter(parent=maiji).count()
    assert all(f.allocated == 2 * f.residents == f.balance for f in funds)
    emergency = apps.filter(program="temp_emergency")
    assert Counter(emergency.values_list("status", flat=True)) == {"confirmed": 1, "post_approval": 1}
    assert (
        emergency.get(status="confirmed").approved_amount <= 800 < emergency.get(status="post_approval").approved_amount
    )
    reports = DiscoveryReport.objects.filter(region__path__startswith=maiji.path)
    assert [(r.status, r.reported_by) for r in reports] == [("open", assistant)] * 2

    # each step was done by the caseworker of the household's town (the back-dated notices by the system account)
    for event in ApplicationEvent.objects.filter(application__county=maiji).select_related("actor", "application"):
        town = event.application.region.parent
        if event.step in ("decide", "enrol"):
            assert event.actor == reviewer
        elif event.actor.username != "system":
            assert any(a.region == town and a.role == Role.TOWN_CASEWORKER for a in event.actor.assignments.all())
        else:
            assert event.step == "notice" and event.day < today

    # the printed logins find work waiting: the caseworker in their own town, the reviewer the decisions
    mine = list(inbox_for(actor=worker))
    assert mine and all(a.region.parent.code == COUNTY_BY_SLUG["maiji"].towns[0].code for a in mine)
    assert Counter(a.status for a in inbox_for(actor=reviewer)) == {"decision": 2, "post_approval": 1}
    assert re.search(r"maiji-reviewer\s+\S+\s+麦积区（待办 3 件）", output)

    # 九华山 confirms in the town, and the demo has one caseworker per town: nothing is decided there
    jiuhuashan = Application.objects.filter(county__code="341799")
    assert jiuhuashan.filter(program="dibao", status="decision").count() == 3
    assert not jiuhuashan.filter(status__in=["confirmed", "post_approval"]).exclude(program="temp_emergency").exists()
    assert not jiuhuashan.filter(status="post_approval").exists()
    assert not PaymentRoll.objects.filter(county__code="341799").exists()
    assert not inbox_for(actor=Staff.objects.get(username="jiuhuashan-reviewer")).exists()
    assert inbox_for(actor=Staff.objects.get(username="jiuhuashan-t01-caseworker")).exists()
    assert audit_chain_verify().ok

    # when it runs again, nothing is added and nothing is audited
    before = table_counts()
    again = seed(*CASES_RUN)
    assert table_counts() == before
    assert "没有任何变化" in again and "新增审计事件 0 条" in again


@pytest.mark.django_db
def test_list_logins_writes_nothing():
    seed(*SMALL_RUN)
    before = table_counts()
    output = seed("--list-logins", "--counties", "maiji")
    assert table_counts() == before
    for login in county_logins(COUNTY_BY_SLUG["maiji"]):
        assert login.username in output
    assert "changbai-admin" not in output


@pytest.mark.django_db
def test_unknown_county_refused():
    with pytest.raises(CommandError, match="未知的县"):
        seed("--counties", "changbai,atlantis")
    assert Household.objects.count() == 0


# --- the data, without a database --------------------------------------------------------------------


def test_region_codes_follow_the_county_prefix():
    known = numdb.get("cn/loc")
    for county in COUNTIES:
        assert 3 <= len(county.towns) <= 5
        for town in county.towns:
            assert re.fullmatch(rf"{county.county.code}\d{{3}}", town.code)
            assert 3 <= len(town.villages) <= 5
            for village in town.villages:
                assert re.fullmatch(rf"{town.code}\d{{3}}", village.code)
                assert village.is_urban == village.name.endswith("社区")
            assert town.is_urban == town.name.endswith("街道")
        assert 10 <= len(county.illnesses) <= 20
        for code in county.id_codes + county.spouse_codes:
            assert any(props.get("county") for _p, props in known.info(code)), code
    jiuhuashan = COUNTY_BY_SLUG["jiuhuashan"]
    assert jiuhuashan.code_note and "341799" in jiuhuashan.code_note
    assert COUNTY_BY_SLUG["nantong-chongchuan"].county.code == "320613"
    assert COUNTY_BY_SLUG["wujin"].towns[0].name == "湟里镇"


def test_households_are_deterministic_and_independent_of_the_run_size():
    county = COUNTY_BY_SLUG["changbai"]
    small = CountyGenerator(county, today=TODAY)
    big = CountyGenerator(county, today=TODAY)
    first = [small.plan(i) for i in range(5)]
    second = [big.plan(i) for i in range(20)][:5]
    assert [p.head.id_number for p in first] == [p.head.id_number for p in second]
    assert [[m.name for m in p.members] for p in first] == [[m.name for m in p.members] for p in second]
    assert [p.incomes for p in first] == [p.incomes for p in second]
    # Nor on which other counties the run includes (their ID region codes do not overlap).
    shared = IdAllocator()
    for other in COUNTIES:
        if other.slug != "changbai":
            CountyGenerator(other, today=TODAY, ids=shared).plan(0)
    alongside = CountyGenerator(county, today=TODAY, ids=shared)
    assert [alongside.plan(i).head.id_number for i in range(5)] == [p.head.id_number for p in first]
    # The composition (and so the natural key) does not depend on the date of the run.
    later = CountyGenerator(county, today=TODAY + datetime.timedelta(days=200))
    assert [later.plan(i).head.id_number for i in range(5)] == [p.head.id_number for p in first]


def test_generated_families_are_consistent():
    ids = IdAllocator()
    seen: set[str] = set()
    for county in COUNTIES:
        generator = CountyGenerator(county, today=TODAY, ids=ids)
        for index in range(60):
            plan = generator.plan(index)
            assert 1 <= len(plan.members) <= 6
            assert [m.relation for m in plan.members].count("head") == 1
            head_age = plan.head.age_on(TODAY)
            for member in plan.members:
                facts = parse_id_number(member.id_number, today=TODAY)
                assert facts.birth_date == member.birth and facts.sex == member.sex
                assert member.id_number not in seen
                seen.add(member.id_number)
                age = member.age_on(TODAY)
                if member.relation == "child":
                    assert head_age - age >= 17, (county.slug, index)
                if member.relation == "grandchild":
                    assert head_age - age >= 36, (county.slug, index)
                if member.relation == "parent":
                    assert age - head_age >= 18, (county.slug, index)
                if member.relation == "spouse":
                    assert abs(age - head_age) <= 6, (county.slug, index)
                f = member.facts
                if f["in_school"]:
                    assert f["education_stage"] != "none"
                    assert 3 <= age <= 25
                if age < 16:
                    assert f.get("employment") in ("", "student")
                if f.get("employment") == "retired":
                    assert age >= 50
                if f.get("disability_type"):
                    assert 1 <= f["disability_grade"] <= 4
            for income in plan.incomes:
                assert income.amount > 0 and income.month < TODAY.replace(day=1)
            if plan.fields.get("bank_account_number"):
                assert plan.fields["bank_account_holder"] == plan.head.name


# --- the demo standards come from the profile files -------------------------------------------------------


def test_every_demo_county_has_a_profile_with_the_generators_standards():
    documents = load_documents()
    for county in COUNTIES:
        profile = profile_for_region(documents, county.county.code)
        assert profile is not None, county.slug
        for area_type, (first, raised) in county.standards.items():
            key = f"dibao.standard.{area_type}"
            for month, expected in ((STANDARD_MONTHS[0], first), (STANDARD_MONTHS[1], raised)):
                params = parameter_set(documents, profile, month)
                assert params.get(key).value == expected, (county.slug, key, month)
                assert params.get(key).effective_from == month
                assert standard_for(county, area_type, month) == expected
