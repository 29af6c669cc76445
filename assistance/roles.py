"""Staff roles, what each may do, and which roles one person must not combine.

Every staff member holds one or more role assignments, each bound to a region; what they may read is
the union of those regions' subtrees (see ``assistance.scoping``). What they may *do* is decided here.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import models


class Role(models.TextChoices):
    VILLAGE_ASSISTANT = "village_assistant", "村协理员"  # reports households in need, helps applicants
    TOWN_CASEWORKER = "town_caseworker", "乡镇经办"  # intake, verification, town review, registry upkeep
    COUNTY_REVIEWER = "county_reviewer", "县级审核"  # confirms or refuses cases, approves rolls
    COUNTY_ADMIN = "county_admin", "县级管理员"  # standards, users and regions of the county
    AUDITOR = "auditor", "审计"  # read-only: audit trail, integrity checks


class RegionLevel(models.TextChoices):
    PROVINCE = "province", "省级"
    CITY = "city", "地市级"
    COUNTY = "county", "县级"
    TOWN = "town", "乡镇（街道）"
    VILLAGE = "village", "村（社区）"


LEVEL_DEPTH = {
    RegionLevel.PROVINCE: 1,
    RegionLevel.CITY: 2,
    RegionLevel.COUNTY: 3,
    RegionLevel.TOWN: 4,
    RegionLevel.VILLAGE: 5,
}

# The level of region each role is bound to. Auditors may sit at county level or above (city
# discipline inspection); the others are bound to exactly one level.
ROLE_LEVELS: dict[str, tuple[str, ...]] = {
    Role.VILLAGE_ASSISTANT: (RegionLevel.VILLAGE,),
    Role.TOWN_CASEWORKER: (RegionLevel.TOWN,),
    Role.COUNTY_REVIEWER: (RegionLevel.COUNTY,),
    Role.COUNTY_ADMIN: (RegionLevel.COUNTY,),
    Role.AUDITOR: (RegionLevel.COUNTY, RegionLevel.CITY, RegionLevel.PROVINCE),
}

# Pairs of roles one person must not hold over overlapping regions. The town caseworker who reviews a
# case must not be the county reviewer who confirms it (four eyes; dibao-shenhe-queren-banfa-2021
# 第二条 separates town review from county confirmation), and auditors are independent of the
# operations they audit.
INCOMPATIBLE_ROLES: frozenset[frozenset[str]] = frozenset(
    {
        frozenset({Role.TOWN_CASEWORKER, Role.COUNTY_REVIEWER}),
        frozenset({Role.AUDITOR, Role.VILLAGE_ASSISTANT}),
        frozenset({Role.AUDITOR, Role.TOWN_CASEWORKER}),
        frozenset({Role.AUDITOR, Role.COUNTY_REVIEWER}),
        frozenset({Role.AUDITOR, Role.COUNTY_ADMIN}),
    }
)


def roles_incompatible(a: str, b: str) -> bool:
    return frozenset({a, b}) in INCOMPATIBLE_ROLES


@dataclass(frozen=True)
class Capabilities:
    """What a staff member may do, derived from all their role assignments."""

    roles: frozenset[str]
    edit_registry: bool  # create and edit households, members, incomes, property, supporters
    reveal_id_number: bool  # see a full ID number (each view is an audit event)
    view_audit_trail: bool  # the audit trail pages beyond a household's own history
    manage_staff: bool  # the admin console for users and regions of one's county
    use_calculator: bool  # the what-if calculator (试算) and evaluations of registered households
    process_cases: bool  # intake, investigation, evaluation, town review, public notice, 急难 pay-first aid
    decide_cases: bool  # county confirmation or refusal, post-approval of 急难 aid, 特困 sampling visits
    report_discovery: bool  # active-discovery reports (主动发现)

    @property
    def role_labels(self) -> list[str]:
        return [Role(r).label for r in Role.values if r in self.roles]


def capabilities_for_roles(roles: frozenset[str]) -> Capabilities:
    return Capabilities(
        roles=roles,
        edit_registry=Role.TOWN_CASEWORKER in roles,
        reveal_id_number=bool(roles & {Role.TOWN_CASEWORKER, Role.COUNTY_REVIEWER, Role.COUNTY_ADMIN, Role.AUDITOR}),
        view_audit_trail=bool(roles & {Role.AUDITOR, Role.COUNTY_ADMIN}),
        manage_staff=Role.COUNTY_ADMIN in roles,
        use_calculator=bool(roles & {Role.TOWN_CASEWORKER, Role.COUNTY_REVIEWER, Role.COUNTY_ADMIN}),
        process_cases=Role.TOWN_CASEWORKER in roles,
        decide_cases=Role.COUNTY_REVIEWER in roles,
        report_discovery=bool(roles & {Role.VILLAGE_ASSISTANT, Role.TOWN_CASEWORKER}),
    )


def capabilities_for(user) -> Capabilities:
    """Return the capabilities of ``user`` (cached on the instance for the request)."""
    cached = getattr(user, "_capabilities", None)
    if cached is None:
        from assistance.scoping import active_assignments

        roles = frozenset(a.role for a in active_assignments(user))
        cached = capabilities_for_roles(roles)
        user._capabilities = cached
    return cached
