"""Test data built through the services (so every object is valid and audited, as in production)."""

from __future__ import annotations

import datetime
import itertools
from dataclasses import dataclass

from assistance.models import Region, Staff
from assistance.roles import Role
from assistance.services import region_create, staff_create, system_actor
from cases.id_numbers import make_id_number
from cases.models import Household
from cases.services import MemberInput, household_create

_sequence = itertools.count(1)
PASSWORD = "test-pass-12345"


def new_id_number(region_code: str = "220623", birth: datetime.date = datetime.date(1960, 5, 17), male=True) -> str:
    """Return a valid, so far unused ID number (distinct sequence digits per call)."""
    n = next(_sequence)
    # vary the birth date too so more than 500 numbers per region can be made
    birth = birth + datetime.timedelta(days=n // 500)
    seq = (n % 500) * 2 + (1 if male else 0)
    return make_id_number(region_code, birth, seq)


def make_staff(username: str, role: str, region: Region, *, actor: Staff | None = None) -> Staff:
    return staff_create(
        actor=actor or system_actor(),
        username=username,
        display_name=username,
        password=PASSWORD,
        role=role,
        region=region,
    )


def make_household(actor: Staff, village: Region, *, members: int = 2, area_type: str = "rural", **fields) -> Household:
    entries = [MemberInput("户主" + str(next(_sequence)), new_id_number(), "head")]
    for i in range(members - 1):
        entries.append(
            MemberInput(f"成员{i}", new_id_number(birth=datetime.date(1990, 1, 1), male=i % 2 == 0), "child")
        )
    fields.setdefault("residence_address", f"{village.name}{next(_sequence)}号")
    return household_create(actor=actor, members=entries, hukou_region=village, area_type=area_type, **fields)


@dataclass
class World:
    """Two counties: 长白 (two towns) and 抚松 (one town), with staff of every role."""

    province: Region
    city: Region
    county_a: Region
    county_b: Region
    town_a1: Region
    town_a2: Region
    town_b1: Region
    village_a1: Region
    village_a1b: Region
    village_a2: Region
    village_b1: Region
    caseworker_a1: Staff
    caseworker_a2: Staff
    caseworker_b1: Staff
    assistant_a1: Staff
    reviewer_a: Staff
    reviewer_b: Staff
    admin_a: Staff
    admin_b: Staff
    auditor_a: Staff


def build_world() -> World:
    sysa = system_actor()
    province = region_create(actor=sysa, code="220000", name="吉林省", level="province", parent=None)
    city = region_create(actor=sysa, code="220600", name="白山市", level="city", parent=province)
    county_a = region_create(actor=sysa, code="220623", name="长白朝鲜族自治县", level="county", parent=city)
    county_b = region_create(actor=sysa, code="220621", name="抚松县", level="county", parent=city)
    town_a1 = region_create(actor=sysa, code="220623100", name="长白镇", level="town", parent=county_a)
    town_a2 = region_create(actor=sysa, code="220623101", name="八道沟镇", level="town", parent=county_a)
    town_b1 = region_create(actor=sysa, code="220621100", name="抚松镇", level="town", parent=county_b)
    village_a1 = region_create(
        actor=sysa, code="220623100001", name="民主社区", level="village", parent=town_a1, is_urban=True
    )
    village_a1b = region_create(actor=sysa, code="220623100201", name="十四道沟村", level="village", parent=town_a1)
    village_a2 = region_create(actor=sysa, code="220623101201", name="八道沟村", level="village", parent=town_a2)
    village_b1 = region_create(actor=sysa, code="220621100201", name="东岗村", level="village", parent=town_b1)
    return World(
        province=province,
        city=city,
        county_a=county_a,
        county_b=county_b,
        town_a1=town_a1,
        town_a2=town_a2,
        town_b1=town_b1,
        village_a1=village_a1,
        village_a1b=village_a1b,
        village_a2=village_a2,
        village_b1=village_b1,
        caseworker_a1=make_staff("cw_a1", Role.TOWN_CASEWORKER, town_a1),
        caseworker_a2=make_staff("cw_a2", Role.TOWN_CASEWORKER, town_a2),
        caseworker_b1=make_staff("cw_b1", Role.TOWN_CASEWORKER, town_b1),
        assistant_a1=make_staff("va_a1", Role.VILLAGE_ASSISTANT, village_a1),
        reviewer_a=make_staff("rev_a", Role.COUNTY_REVIEWER, county_a),
        reviewer_b=make_staff("rev_b", Role.COUNTY_REVIEWER, county_b),
        admin_a=make_staff("adm_a", Role.COUNTY_ADMIN, county_a),
        admin_b=make_staff("adm_b", Role.COUNTY_ADMIN, county_b),
        auditor_a=make_staff("aud_a", Role.AUDITOR, county_a),
    )
