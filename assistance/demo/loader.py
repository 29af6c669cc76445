"""Write the demo data through the services, as the system account, idempotently.

Natural keys decide what exists: a region by its code, a login by its username, an illness by county
and name, a household by its head's ID number; the policy profiles (with the illustrative 低保 standards)
come from ``eligibility/profiles/*.json`` through ``profiles_load``, which skips what is loaded already.
What exists is skipped — no service is called for it, so a second run writes nothing and records no audit
event.
A household is written in one transaction with its members, incomes, property, expenses and legal
supporters: it is there completely or not at all.

The registry is written as the system account. The demo applications (``assistance.demo.cases``) are then
driven through the workflow as the demo staff who would do each step — the town caseworker, the village
assistant, the county reviewer — and skipped for a county that already has any application.
"""

from __future__ import annotations

import datetime
import random
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from django.contrib.auth.hashers import make_password
from django.db import transaction

from assistance.demo.generator import CountyGenerator, HouseholdPlan, IdAllocator
from assistance.demo.names import SurnamePicker, given_name
from assistance.demo.regions import CountySpec, RegionSpec
from assistance.errors import ApplicationError
from assistance.models import RecognisedIllness, Region, RoleAssignment, Staff
from assistance.roles import RegionLevel, Role
from assistance.services import (
    illness_save,
    region_create,
    role_assign,
    staff_create,
    staff_make_superuser,
    system_actor,
)
from cases.models import Member
from cases.services import (
    MemberInput,
    asset_add,
    expense_add,
    household_create,
    income_record,
    supporter_add,
)
from eligibility.rules.profile_data import load_documents
from eligibility.services import profiles_load

DEMO_PASSWORD = "demo12345"  # noqa: S105 - the published password of the demo logins
SUPERUSER = "admin"


@dataclass(frozen=True)
class LoginSpec:
    username: str
    role: str
    region_code: str
    region_name: str
    county_slug: str

    @property
    def role_label(self) -> str:
        return Role(self.role).label


def county_logins(county: CountySpec) -> list[LoginSpec]:
    """Return the demo logins of a county: admin, reviewer, auditor, a caseworker per town, an
    assistant per village (``<slug>-t01-caseworker``, ``<slug>-t01-v01-assistant`` …)."""
    slug, c = county.slug, county.county
    logins = [
        LoginSpec(f"{slug}-admin", Role.COUNTY_ADMIN, c.code, c.name, slug),
        LoginSpec(f"{slug}-reviewer", Role.COUNTY_REVIEWER, c.code, c.name, slug),
        LoginSpec(f"{slug}-auditor", Role.AUDITOR, c.code, c.name, slug),
    ]
    for t, town in enumerate(county.towns, start=1):
        logins.append(LoginSpec(f"{slug}-t{t:02d}-caseworker", Role.TOWN_CASEWORKER, town.code, town.name, slug))
        for v, village in enumerate(town.villages, start=1):
            logins.append(
                LoginSpec(
                    f"{slug}-t{t:02d}-v{v:02d}-assistant", Role.VILLAGE_ASSISTANT, village.code, village.name, slug
                )
            )
    return logins


def headline_logins(county: CountySpec) -> list[LoginSpec]:
    """The logins shown after a run: the county's three, the first town's caseworker and its first assistant."""
    logins = county_logins(county)
    return logins[:5]


def staff_display_name(county: CountySpec, username: str) -> str:
    """A deterministic Chinese name for a demo login (朝鲜族 names for some 长白 staff)."""
    rng = random.Random(f"{county.slug}:staff:{username}")  # noqa: S311 - reproducible, not secret
    korean = rng.random() < county.korean_share
    surname = SurnamePicker(county.surname_boost).pick(rng, korean=korean)
    return surname + given_name(rng, birth_year=rng.randint(1968, 1998), male=rng.random() < 0.5, korean=korean)


@dataclass
class CountyResult:
    county: CountySpec
    created: Counter = field(default_factory=Counter)
    households_planned: int = 0
    households_existing: int = 0
    refused: list[str] = field(default_factory=list)  # households a service refused, with the reason


class DemoLoader:
    """Create the demo data for some counties; see the module docstring for idempotency."""

    def __init__(
        self,
        *,
        counties: list[CountySpec],
        households: int,
        today: datetime.date,
        progress: Callable[[str], None] | None = None,
    ) -> None:
        self.counties = counties
        self.households = households
        self.today = today
        self.progress = progress or (lambda message: None)
        self.actor = system_actor()
        self._password_hash: str | None = None
        self.regions: dict[str, Region] = {}
        self.superuser_created = False

    @property
    def password_hash(self) -> str:
        # Hashed once: every demo login has the same published password (a third of a second per hash).
        if self._password_hash is None:
            self._password_hash = make_password(DEMO_PASSWORD)
        return self._password_hash

    def run(self) -> list[CountyResult]:
        self._superuser()
        # One allocator for the whole run: ID numbers never repeat, whichever counties are chosen
        # (the counties' ID region codes do not overlap, so each county's numbers are its own).
        ids = IdAllocator()
        results = [CountyResult(county) for county in self.counties]
        for result in results:
            self._regions(result.county, result)
        # After the regions: the profiles link their counties by region code.
        self._profiles(results)
        for result in results:
            self._illnesses(result.county, result)
            self._staff(result.county, result)
            plans = self._households(result.county, result, ids)
            self._cases(result.county, result, plans)
        return results

    # --- accounts -------------------------------------------------------------------------------------

    def _superuser(self) -> None:
        existing = Staff.objects.filter(username=SUPERUSER).first()
        if existing is not None:
            if not existing.is_superuser:
                self.progress(f"注意：已存在非系统管理员账号 {SUPERUSER}，未作修改")
            return
        with transaction.atomic():
            staff = staff_create(
                actor=self.actor, username=SUPERUSER, display_name="系统管理员", password=None,
                password_hash=self.password_hash,
            )  # fmt: skip
            staff_make_superuser(actor=self.actor, staff=staff)
        self.superuser_created = True

    def _staff(self, county: CountySpec, result: CountyResult) -> None:
        logins = county_logins(county)
        existing = {s.username: s for s in Staff.objects.filter(username__in=[login.username for login in logins])}
        held = set(
            RoleAssignment.objects.filter(staff__username__in=list(existing), is_active=True).values_list(
                "staff__username", "role", "region__code"
            )
        )
        for login in logins:
            region = self.regions[login.region_code]
            staff = existing.get(login.username)
            if staff is None:
                staff_create(
                    actor=self.actor,
                    username=login.username,
                    display_name=staff_display_name(county, login.username),
                    password=None,
                    password_hash=self.password_hash,
                    role=login.role,
                    region=region,
                )
                result.created["staff"] += 1
            elif (login.username, login.role, login.region_code) not in held:
                role_assign(actor=self.actor, staff=staff, role=login.role, region=region)
                result.created["roles"] += 1

    # --- regions and county data ----------------------------------------------------------------------

    def _regions(self, county: CountySpec, result: CountyResult) -> None:
        codes = [county.province.code, county.city.code, county.county.code]
        for town in county.towns:
            codes.append(town.code)
            codes += [v.code for v in town.villages]
        self.regions.update({r.code: r for r in Region.objects.filter(code__in=codes)})

        def ensure(spec: RegionSpec, level: str, parent: Region | None) -> Region:
            region = self.regions.get(spec.code)
            if region is None:
                region = region_create(
                    actor=self.actor,
                    code=spec.code,
                    name=spec.name,
                    level=level,
                    parent=parent,
                    is_urban=spec.is_urban,
                )
                self.regions[spec.code] = region
                result.created["regions"] += 1
            return region

        with transaction.atomic():
            province = ensure(county.province, RegionLevel.PROVINCE, None)
            city = ensure(county.city, RegionLevel.CITY, province)
            county_region = ensure(county.county, RegionLevel.COUNTY, city)
            for town in county.towns:
                town_region = ensure(RegionSpec(town.code, town.name, town.is_urban), RegionLevel.TOWN, county_region)
                for village in town.villages:
                    ensure(village, RegionLevel.VILLAGE, town_region)

    def _illnesses(self, county: CountySpec, result: CountyResult) -> None:
        region = self.regions[county.county.code]
        existing = set(RecognisedIllness.objects.filter(county=region).values_list("name", flat=True))
        with transaction.atomic():
            for name in county.illnesses:
                if name not in existing:
                    illness_save(actor=self.actor, illness=RecognisedIllness(county=region, name=name))
                    result.created["illnesses"] += 1

    def _profiles(self, results: list[CountyResult]) -> None:
        """Load the policy profiles (national baseline, local profiles, demo standards) from the files.

        A county's count shows the 低保 standards (and other parameters) its profile got this run; what
        changed elsewhere (the national baseline, county links) is counted for the first county, so the
        summary still says something changed.
        """
        documents = load_documents()
        loaded = profiles_load(actor=self.actor, documents=documents)
        owner = {code: document.code for document in documents.values() for code in document.jurisdiction_codes}
        counted: set[str] = set()
        for result in results:
            profile = owner.get(result.county.county.code)
            if profile is not None and profile not in counted:
                counted.add(profile)
                result.created["standards"] += loaded.standards_created[profile]
                result.created["parameters"] += loaded.versions_created[profile] - loaded.standards_created[profile]
        elsewhere = sum(n for code, n in loaded.versions_created.items() if code not in counted)
        elsewhere += len(loaded.profiles_created) + len(loaded.profiles_updated) + len(loaded.links_created)
        if results and elsewhere:
            results[0].created["parameters"] += elsewhere

    # --- households -----------------------------------------------------------------------------------

    def _households(self, county: CountySpec, result: CountyResult, ids: IdAllocator) -> list[HouseholdPlan]:
        """Write the county's households; return their plans (the demo cases choose among them)."""
        generator = CountyGenerator(county, today=self.today, ids=ids)
        plans = [generator.plan(i) for i in range(self.households)]
        result.households_planned = len(plans)
        heads = [p.head.id_number for p in plans]
        existing: set[str] = set()
        for start in range(0, len(heads), 500):
            existing.update(
                Member.objects.filter(id_number__in=heads[start : start + 500], relation="head").values_list(
                    "id_number", flat=True
                )
            )
        county_region = self.regions[county.county.code]
        illnesses = {i.name: i for i in RecognisedIllness.objects.filter(county=county_region, is_active=True)}
        for n, plan in enumerate(plans, start=1):
            if plan.head.id_number in existing:
                result.households_existing += 1
                continue
            try:
                counts = self._household(plan, illnesses)
            except ApplicationError as error:
                details = "；".join(f"{k}：{'、'.join(v)}" for k, v in error.fields.items())
                result.refused.append(
                    f"第{plan.index + 1}户（户主 {plan.head.name}）：{error.message} {details}".strip()
                )
                continue
            result.created.update(counts)
            if n % 50 == 0:
                self.progress(f"  {county.county.name}：已处理 {n}/{len(plans)} 户")
        return plans

    def _cases(self, county: CountySpec, result: CountyResult, plans: list[HouseholdPlan]) -> None:
        """Drive demo applications through the workflow (``assistance.demo.cases``)."""
        from assistance.demo.cases import DemoCases  # it imports this module

        DemoCases(county=county, plans=plans, today=self.today, result=result, progress=self.progress).run()
        # Then recipients enrolled from next month, bank templates, next month's roll and the reserve funds.
        from assistance.demo.payments import DemoPayments

        DemoPayments(county=county, plans=plans, today=self.today, result=result, progress=self.progress).run()

    @transaction.atomic
    def _household(self, plan: HouseholdPlan, illnesses: dict[str, RecognisedIllness]) -> Counter:
        actor, regions = self.actor, self.regions
        entries = []
        for person in plan.members:
            extra = dict(person.facts)
            if person.illness:
                extra["serious_illness"] = illnesses[person.illness]
            entries.append(MemberInput(person.name, person.id_number, person.relation, extra))
        fields = dict(plan.fields)
        if "residence_region" in fields:
            fields["residence_region"] = regions[fields["residence_region"]]
        household = household_create(actor=actor, members=entries, hukou_region=regions[plan.village.code], **fields)
        members = list(Member.objects.filter(household=household).order_by("id"))
        counts = Counter(households=1, members=len(members))
        for income in plan.incomes:
            income_record(
                actor=actor,
                member=members[income.member],
                month=income.month,
                kind=income.kind,
                amount=income.amount,
                note=income.note,
            )
        counts["incomes"] = len(plan.incomes)
        for asset in plan.assets:
            data = dict(asset)
            owner = data.pop("owner")
            asset_add(actor=actor, household=household, owner=members[owner] if owner is not None else None, **data)
        counts["assets"] = len(plan.assets)
        for expense in plan.expenses:
            data = dict(expense)
            member = data.pop("member")
            expense_add(
                actor=actor, household=household, member=members[member] if member is not None else None, **data
            )
        counts["expenses"] = len(plan.expenses)
        for supporter in plan.supporters:
            data = dict(supporter)
            supported = members[data.pop("supported_member")]
            supporter_add(actor=actor, household=household, supported_member=supported, **data)
        counts["supporters"] = len(plan.supporters)
        return counts
