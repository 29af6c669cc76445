"""Parameters in the database: loading the profile files, four-eyes approval, superseding, effective-dated lookup
through ``parameter_set_for`` (with inheritance) and the coverage check."""

from __future__ import annotations

import dataclasses
import datetime
import io
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.db import IntegrityError, transaction
from django.utils import timezone

from assistance.errors import ApplicationError
from assistance.roles import Role
from assistance.services import staff_create, staff_make_superuser, system_actor
from audit.models import AuditEvent
from eligibility.models import ParameterStatus, ParameterVersion, PolicyProfile, ProfileJurisdiction
from eligibility.rules.profile_data import add_months, load_documents, parameter_set
from eligibility.rules.schema import PARAMETERS
from eligibility.selectors import parameter_set_for
from eligibility.services import parameter_approve, parameter_propose, parameter_reject, profiles_load
from tests.factories import PASSWORD, make_staff

RURAL = "dibao.standard.rural"


def this_month() -> datetime.date:
    return timezone.localdate().replace(day=1)


def next_july() -> datetime.date:
    """A 1 July at least a month ahead (proposals for past months are refused)."""
    today = timezone.localdate()
    return datetime.date(today.year + 1, 7, 1)


def counts() -> dict[str, int]:
    return {
        "profiles": PolicyProfile.objects.count(),
        "links": ProfileJurisdiction.objects.count(),
        "versions": ParameterVersion.objects.count(),
        "events": AuditEvent.objects.count(),
    }


@pytest.fixture
def documents():
    return load_documents()


@pytest.fixture
def profiles(world, documents):
    """The shipped profile files loaded; 长白 (the world's county A, 220623) is governed by ``changbai``."""
    return profiles_load(actor=system_actor(), documents=documents)


@pytest.fixture
def admin_a2(world):
    """A second administrator of county A (the four-eyes partner of ``admin_a``)."""
    return make_staff("adm_a2", Role.COUNTY_ADMIN, world.county_a)


@pytest.fixture
def root(world):
    staff = staff_create(actor=system_actor(), username="root", display_name="系统管理员", password=PASSWORD)
    return staff_make_superuser(actor=system_actor(), staff=staff)


def changbai() -> PolicyProfile:
    return PolicyProfile.objects.get(code="changbai")


def propose(actor, *, key=RURAL, month=None, value="650", profile=None, **kwargs) -> ParameterVersion:
    kwargs.setdefault("clause", "changbai-2021 §二(一)2")
    return parameter_propose(
        actor=actor,
        profile=profile or changbai(),
        key=key,
        effective_from=month or next_july(),
        value=value,
        **kwargs,
    )


# --- loading ---------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_loading_twice_changes_nothing(world, documents):
    # given
    first = profiles_load(actor=system_actor(), documents=documents)
    before = counts()
    # when
    second = profiles_load(actor=system_actor(), documents=documents)
    out = io.StringIO()
    call_command("load_profiles", stdout=out)
    # then
    assert first.changed and set(first.profiles_created) == set(documents)
    assert ("changbai", "220623") in first.links_created
    assert sum(first.versions_created.values()) == sum(len(d.versions) for d in documents.values())
    assert not second.changed
    assert counts() == before
    assert "没有任何变化" in out.getvalue()
    assert ParameterVersion.objects.exclude(status=ParameterStatus.APPROVED).count() == 0


@pytest.mark.django_db
def test_loaded_rows_resolve_exactly_like_the_files(world, profiles, documents):
    for month in (datetime.date(2025, 7, 1), datetime.date(2026, 6, 1), datetime.date(2026, 7, 1), next_july()):
        stored = parameter_set_for(county=world.county_a, month=month)
        files = parameter_set(documents, "changbai", month)
        assert stored.jurisdiction == "changbai" and stored.month == month
        assert set(stored.timelines) == set(files.timelines)
        for key, timeline in files.timelines.items():
            ours = stored.timelines[key]
            assert [dataclasses.replace(v, version_id="") for v in ours] == [
                dataclasses.replace(v, version_id="") for v in timeline
            ]
            # version ids are the database rows
            assert all(ParameterVersion.objects.filter(pk=int(v.version_id), key=key).exists() for v in ours)


@pytest.mark.django_db
def test_a_changed_file_supersedes_the_month_but_a_console_correction_survives_a_reload(
    world, profiles, documents, admin_a2
):
    # given: a console correction of 长白's rural standard for next July
    month = next_july()
    correction = parameter_approve(actor=admin_a2, version=propose(world.admin_a, month=month, value="640"))
    # when: the unchanged files are loaded again
    assert not profiles_load(actor=system_actor(), documents=documents).changed
    # then: the correction stands
    assert parameter_set_for(county=world.county_a, month=month).get(RURAL).version_id == str(correction.pk)

    # when: the file itself changes an existing month
    national = documents["national"]
    old = next(v for v in national.versions if v.key == "dibao.floor_per_person")
    changed = dataclasses.replace(old, value=Decimal("5"), note="测试：文件修改")
    versions = tuple(changed if v is old else v for v in national.versions)
    edited = {**documents, "national": dataclasses.replace(national, versions=versions)}
    result = profiles_load(actor=system_actor(), documents=edited)
    # then: one new approved row, the old one superseded by it
    assert result.versions_created == {"national": 1} and result.versions_superseded == 1
    replaced = ParameterVersion.objects.get(
        profile__code="national", key="dibao.floor_per_person", status=ParameterStatus.SUPERSEDED
    )
    new = ParameterVersion.objects.get(
        profile__code="national",
        key="dibao.floor_per_person",
        status=ParameterStatus.APPROVED,
        effective_from=old.effective_from,
    )
    assert replaced.superseded_by_id == new.pk and new.value == "5"


@pytest.mark.django_db
def test_only_a_superuser_loads_and_a_county_keeps_one_profile(world, profiles, documents):
    with pytest.raises(ApplicationError) as error:
        profiles_load(actor=world.admin_a, documents=documents)
    assert error.value.status == 403
    # 长白 is governed by changbai; a file claiming it for maiji as well is refused (and nothing written)
    maiji = documents["maiji"]
    changbai_doc = documents["changbai"]
    moved = {
        **documents,
        "changbai": dataclasses.replace(changbai_doc, jurisdiction_codes=()),
        "maiji": dataclasses.replace(maiji, jurisdiction_codes=(*maiji.jurisdiction_codes, "220623")),
    }
    before = counts()
    with pytest.raises(ApplicationError) as error:
        profiles_load(actor=system_actor(), documents=moved)
    assert (error.value.status, error.value.code) == (409, "county_has_profile")
    assert counts() == before


# --- proposing and approving (four eyes) -------------------------------------------------------------------


@pytest.mark.django_db
def test_propose_then_a_second_administrator_approves(world, profiles, admin_a2):
    # given
    month = next_july()
    before = parameter_set_for(county=world.county_a, month=month).get(RURAL)
    # when
    draft = propose(world.admin_a, month=month, value=Decimal("650"))
    # then: a draft is not in force
    assert draft.status == ParameterStatus.DRAFT and draft.value == "650"
    assert parameter_set_for(county=world.county_a, month=month).get(RURAL) == before
    assert AuditEvent.objects.filter(action="parameter.propose", target_id=str(draft.pk)).exists()

    # when: the proposer tries to approve it
    with pytest.raises(ApplicationError) as error:
        parameter_approve(actor=world.admin_a, version=draft)
    assert (error.value.status, error.value.code) == (403, "four_eyes")

    # when: another administrator of the county approves it
    approved = parameter_approve(actor=admin_a2, version=draft)
    # then
    assert approved.status == ParameterStatus.APPROVED and approved.approved_by == admin_a2
    in_force = parameter_set_for(county=world.county_a, month=month).get(RURAL)
    assert (in_force.value, in_force.version_id, in_force.profile) == (Decimal("650"), str(draft.pk), "changbai")
    assert in_force.clause == "changbai-2021 §二(一)2"
    # the month before keeps the old standard
    assert parameter_set_for(county=world.county_a, month=add_months(month, -1)).get(RURAL) == before
    event = AuditEvent.objects.get(action="parameter.approve", target_id=str(draft.pk))
    assert event.actor_username == "adm_a2" and event.region_id == world.county_a.pk
    # a decided version cannot be decided again
    with pytest.raises(ApplicationError) as error:
        parameter_approve(actor=admin_a2, version=draft)
    assert (error.value.status, error.value.code) == (409, "not_draft")


@pytest.mark.django_db
def test_a_second_approval_for_the_same_month_supersedes_the_first(world, profiles, admin_a2):
    # given
    month = next_july()
    first = parameter_approve(actor=admin_a2, version=propose(world.admin_a, month=month, value="650"))
    # when: a correction for the same month (proposed by the other administrator this time)
    second = parameter_approve(actor=world.admin_a, version=propose(admin_a2, month=month, value="655"))
    # then
    first.refresh_from_db()
    assert first.status == ParameterStatus.SUPERSEDED and first.superseded_by_id == second.pk
    assert second.status == ParameterStatus.APPROVED
    in_force = parameter_set_for(county=world.county_a, month=month).get(RURAL)
    assert (in_force.value, in_force.version_id) == (Decimal("655"), str(second.pk))
    assert AuditEvent.objects.filter(action="parameter.supersede", target_id=str(first.pk)).exists()
    assert (
        ParameterVersion.objects.filter(
            profile=changbai(), key=RURAL, effective_from=month, status=ParameterStatus.APPROVED
        ).count()
        == 1
    )


@pytest.mark.django_db
def test_administrators_of_other_counties_are_refused(world, profiles, admin_a2, root):
    draft = propose(world.admin_a)
    events = AuditEvent.objects.count()
    with pytest.raises(ApplicationError) as error:
        propose(world.admin_b)
    assert error.value.status == 403
    for decide in (
        lambda: parameter_approve(actor=world.admin_b, version=draft),
        lambda: parameter_reject(actor=world.admin_b, version=draft, reason="不同意"),
    ):
        with pytest.raises(ApplicationError) as error:
            decide()
        assert error.value.status == 403
    # a caseworker of the county is no administrator either
    with pytest.raises(ApplicationError) as error:
        parameter_approve(actor=world.caseworker_a1, version=draft)
    assert error.value.status == 403
    # the national baseline: superusers only
    national = PolicyProfile.objects.get(code="national")
    with pytest.raises(ApplicationError) as error:
        propose(world.admin_a, profile=national)
    assert error.value.status == 403
    assert AuditEvent.objects.count() == events
    national_draft = propose(root, profile=national, clause="dibao-shenhe-queren-banfa-2021 第十条")
    with pytest.raises(ApplicationError):
        parameter_approve(actor=admin_a2, version=national_draft)
    assert parameter_approve(actor=root, version=draft).status == ParameterStatus.APPROVED


@pytest.mark.django_db
def test_reject_and_withdraw(world, profiles, admin_a2):
    draft = propose(world.admin_a)
    with pytest.raises(ApplicationError) as error:
        parameter_reject(actor=admin_a2, version=draft, reason="  ")
    assert error.value.fields == {"reason": ["这是必填项"]}
    rejected = parameter_reject(actor=admin_a2, version=draft, reason="标准调整尚未经县政府批准")
    assert rejected.status == ParameterStatus.REJECTED and rejected.rejected_by == admin_a2
    with pytest.raises(ApplicationError):
        parameter_approve(actor=admin_a2, version=draft)
    assert parameter_set_for(county=world.county_a, month=next_july()).get(RURAL).version_id != str(draft.pk)
    # the proposer may withdraw their own draft
    again = propose(world.admin_a, value="660")
    assert parameter_reject(actor=world.admin_a, version=again, reason="撤回").status == ParameterStatus.REJECTED


@pytest.mark.django_db
def test_proposals_are_validated(world, profiles, root):
    events = AuditEvent.objects.count()
    bad = [
        ({"value": "abc"}, "value"),
        ({"value": 650.5}, "value"),  # a float: never for money
        ({"value": "-1"}, "value"),
        ({"key": "dibao.rounding", "value": "cents"}, "value"),
        ({"key": "exit.months", "value": "six"}, "value"),
        ({"key": "no.such.key"}, "key"),
        ({"month": next_july().replace(day=15)}, "effective_from"),
        ({"month": add_months(this_month(), -1)}, "effective_from"),  # in the past
        ({"clause": ""}, "clause"),
        ({"clause": "", "local_default": True}, "note"),
    ]
    for kwargs, field in bad:
        with pytest.raises(ApplicationError) as error:
            propose(world.admin_a, **kwargs)
        assert error.value.status == 400 and field in error.value.fields, kwargs
    assert AuditEvent.objects.count() == events
    # typed values are stored in their JSON form
    assert propose(world.admin_a, key="exit.months", value=12).value == 12
    assert propose(world.admin_a, key="single.groups", value=["serious_illness"]).value == ["serious_illness"]
    # a second draft for the same month waits for the first to be decided
    with pytest.raises(ApplicationError) as error:
        propose(world.admin_a, key="exit.months", value=10)
    assert (error.value.status, error.value.code) == (409, "duplicate_draft")
    # a superuser may record a past month (a late correction)
    past = propose(root, month=add_months(this_month(), -2), clause="", local_default=True, note="补录")
    assert past.status == ParameterStatus.DRAFT


@pytest.mark.django_db
def test_the_database_allows_one_approved_version_per_month(world, profiles):
    row = ParameterVersion.objects.filter(profile__code="changbai", key=RURAL).first()
    clone = {f: getattr(row, f) for f in ("profile", "key", "effective_from", "value", "recorded_by", "approved_by")}
    with pytest.raises(IntegrityError), transaction.atomic():
        ParameterVersion.objects.create(**clone, status=ParameterStatus.APPROVED, approved_at=timezone.now())
    with pytest.raises(IntegrityError), transaction.atomic():
        ParameterVersion.objects.create(
            **{**clone, "effective_from": datetime.date(2030, 1, 2)}, status=ParameterStatus.DRAFT
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        ParameterVersion.objects.create(**{**clone, "approved_by": None}, status=ParameterStatus.APPROVED)


# --- lookup by month, inheritance ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_standards_change_on_1_july_not_1_january(world, profiles, django_assert_num_queries):
    with django_assert_num_queries(2):
        june = parameter_set_for(county=world.county_a, month=datetime.date(2026, 6, 30))
    july = parameter_set_for(county=world.county_a, month=datetime.date(2026, 7, 1))
    january = parameter_set_for(county=world.county_a, month=datetime.date(2026, 1, 1))
    assert june.month == datetime.date(2026, 6, 1)
    assert june.get(RURAL).value == january.get(RURAL).value == Decimal("575")
    assert july.get(RURAL).value == Decimal("600")
    assert july.get(RURAL).effective_from == datetime.date(2026, 7, 1)
    assert july.get(RURAL).version_id != june.get(RURAL).version_id
    # "last year's standard" is the one the previous year ended with
    assert july.last_year(RURAL).value == Decimal("575")
    # demo figures cite no clause and say so
    assert july.get(RURAL).local_default and july.get(RURAL).clause == ""
    # a village resolves to its county's profile
    assert parameter_set_for(county=world.village_a2, month=july.month).jurisdiction == "changbai"


@pytest.mark.django_db
def test_a_local_version_overrides_the_national_one_from_its_month(world, profiles, documents, admin_a2):
    # given: a key 长白's document does not set
    key = next(k for k in sorted(documents["national"].keys) if k not in documents["changbai"].keys)
    month = next_july()
    inherited = parameter_set_for(county=world.county_a, month=month).get(key)
    assert inherited.profile == "national"
    national_row = ParameterVersion.objects.get(pk=int(inherited.version_id))
    assert national_row.profile.code == "national"
    # given: the local value 长白 overrides it with from next July
    value = {"money": "1", "ratio": "0.5", "int": 3, "bool": not inherited.value}.get(
        PARAMETERS[key].type, national_row.value
    )
    local = parameter_approve(
        actor=admin_a2, version=propose(world.admin_a, key=key, value=value, month=month, clause="changbai-2021 §二")
    )
    # then: national before that month, 长白's from it on
    before = parameter_set_for(county=world.county_a, month=add_months(month, -1)).get(key)
    after = parameter_set_for(county=world.county_a, month=month).get(key)
    assert (before.profile, before.version_id) == ("national", inherited.version_id)
    assert (after.profile, after.version_id) == ("changbai", str(local.pk))


@pytest.mark.django_db
def test_a_county_without_a_profile_is_refused(world, profiles):
    with pytest.raises(ApplicationError) as error:
        parameter_set_for(county=world.county_b, month=datetime.date(2026, 7, 1))
    assert (error.value.status, error.value.code) == (400, "no_profile")
    assert "抚松县" in error.value.message


# --- coverage check -------------------------------------------------------------------------------------------


def coverage(*args: str) -> str:
    out = io.StringIO()
    call_command("coverage_check", *args, stdout=out)
    return out.getvalue()


@pytest.mark.django_db
def test_coverage_check_passes_for_the_shipped_profiles(world, profiles):
    output = coverage("--start", "2026-11")
    assert "覆盖检查通过" in output
    assert "抚松县" in output  # named: a county without a profile cannot be decided


@pytest.mark.django_db
def test_coverage_check_reports_gaps(world, documents):
    # given: the national rounding rule (which 长白 does not set) only starts in March 2027
    key = "dibao.rounding"
    assert key not in documents["changbai"].keys
    national = documents["national"]
    late = tuple(
        dataclasses.replace(v, effective_from=datetime.date(2027, 3, 1)) if v.key == key else v
        for v in national.versions
    )
    profiles_load(
        actor=system_actor(), documents={**documents, "national": dataclasses.replace(national, versions=late)}
    )
    # when / then: four months missing for the one county governed (长白)
    output = io.StringIO()
    with pytest.raises(CommandError, match="覆盖检查未通过：4 个"):
        call_command("coverage_check", "--start", "2026-11", stdout=output)
    text = output.getvalue()
    assert f"长白朝鲜族自治县（220623） 档案 changbai  {key}" in text
    assert "2026-11 至 2027-02" in text
    # from March 2027 the window is covered
    assert "覆盖检查通过" in coverage("--start", "2027-03", "--months", "18")


# --- concurrency (PostgreSQL) -----------------------------------------------------------------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_administrators_approving_the_same_draft_at_once(world, profiles, admin_a2, root):
    from tests.test_concurrency import run_together

    # given
    draft = propose(world.admin_a, value="650")
    # when
    results = run_together(
        [
            lambda: parameter_approve(actor=admin_a2, version=draft),
            lambda: parameter_approve(actor=root, version=draft),
        ]
    )
    # then: one approval, the other told it was decided already
    outcomes = sorted(kind for kind, _ in results)
    assert outcomes == ["error", "ok"]
    error = next(value for kind, value in results if kind == "error")
    assert isinstance(error, ApplicationError) and error.code == "not_draft"
    assert AuditEvent.objects.filter(action="parameter.approve", target_id=str(draft.pk)).count() == 1
