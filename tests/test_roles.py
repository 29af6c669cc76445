"""Role assignments: the level each role sits at, incompatible combinations, revocation, what each role
may do, and the scoping helpers every selector relies on."""

import pytest

from assistance.errors import ApplicationError
from assistance.models import RoleAssignment, Staff
from assistance.roles import Role, capabilities_for, capabilities_for_roles, roles_incompatible
from assistance.scoping import in_scope, scope_q, scope_regions
from assistance.services import (
    can_manage_staff,
    role_assign,
    role_revoke,
    staff_create,
    staff_make_superuser,
    system_actor,
)
from audit.models import AuditEvent
from tests.factories import make_staff


def _new_staff(username: str) -> Staff:
    return staff_create(actor=system_actor(), username=username, display_name=username, password=None)


def _assign(staff, role, region, actor=None):
    return role_assign(actor=actor or system_actor(), staff=staff, role=role, region=region)


def _fresh(staff: Staff) -> Staff:
    """Reload a staff member so cached assignments and capabilities are recomputed."""
    return Staff.objects.get(pk=staff.pk)


# --- the level each role is bound to ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "level_attr", "allowed"),
    [
        (Role.TOWN_CASEWORKER, "town_a1", True),
        (Role.TOWN_CASEWORKER, "county_a", False),
        (Role.TOWN_CASEWORKER, "village_a1", False),
        (Role.VILLAGE_ASSISTANT, "village_a1", True),
        (Role.VILLAGE_ASSISTANT, "town_a1", False),
        (Role.COUNTY_REVIEWER, "county_a", True),
        (Role.COUNTY_REVIEWER, "town_a1", False),
        (Role.COUNTY_REVIEWER, "city", False),
        (Role.COUNTY_ADMIN, "county_a", True),
        (Role.COUNTY_ADMIN, "province", False),
        (Role.AUDITOR, "county_a", True),
        (Role.AUDITOR, "city", True),
        (Role.AUDITOR, "province", True),
        (Role.AUDITOR, "town_a1", False),
    ],
)
def test_role_bound_to_its_region_level(world, role, level_attr, allowed):
    staff = _new_staff("newcomer")
    region = getattr(world, level_attr)
    if allowed:
        assignment = _assign(staff, role, region)
        assert assignment.is_active and assignment.region == region
        return
    with pytest.raises(ApplicationError) as error:
        _assign(staff, role, region)
    assert error.value.code == "role_region_level"
    assert error.value.fields["region"][0].startswith(Role(role).label + "应设在")
    assert not RoleAssignment.objects.filter(staff=staff).exists()


def test_role_level_message_names_the_level(world):
    with pytest.raises(ApplicationError) as error:
        _assign(_new_staff("x"), Role.TOWN_CASEWORKER, world.county_a)
    assert error.value.message == "乡镇经办应设在乡镇（街道）区划"


def test_unknown_role_refused(world):
    with pytest.raises(ApplicationError) as error:
        _assign(_new_staff("x"), "chief", world.county_a)
    assert error.value.code == "invalid_role"
    assert error.value.fields == {"role": ["请选择有效的岗位"]}


# --- incompatible combinations ----------------------------------------------------------------------


def test_town_caseworker_cannot_also_review_for_the_county(world):
    # given: cw_a1 is the caseworker of 长白镇 in county A
    # when / then
    with pytest.raises(ApplicationError) as error:
        _assign(world.caseworker_a1, Role.COUNTY_REVIEWER, world.county_a)
    assert error.value.code == "incompatible_roles"
    assert "不得同时" in error.value.message
    assert error.value.fields == {"role": ["与该人员现有岗位不相容"]}
    assert not RoleAssignment.objects.filter(staff=world.caseworker_a1, role=Role.COUNTY_REVIEWER).exists()


def test_county_reviewer_cannot_become_caseworker_of_a_town_of_the_county(world):
    with pytest.raises(ApplicationError) as error:
        _assign(world.reviewer_a, Role.TOWN_CASEWORKER, world.town_a2)
    assert error.value.code == "incompatible_roles"


@pytest.mark.parametrize(
    ("role", "level_attr"),
    [
        (Role.VILLAGE_ASSISTANT, "village_a1"),
        (Role.TOWN_CASEWORKER, "town_a1"),
        (Role.COUNTY_REVIEWER, "county_a"),
        (Role.COUNTY_ADMIN, "county_a"),
    ],
)
def test_auditor_is_independent_of_operations_in_the_same_region(world, role, level_attr):
    with pytest.raises(ApplicationError) as error:
        _assign(world.auditor_a, role, getattr(world, level_attr))
    assert error.value.code == "incompatible_roles"


def test_city_auditor_cannot_work_a_village_below(world):
    staff = _new_staff("city_auditor")
    _assign(staff, Role.AUDITOR, world.city)
    with pytest.raises(ApplicationError) as error:
        _assign(staff, Role.VILLAGE_ASSISTANT, world.village_b1)
    assert error.value.code == "incompatible_roles"


def test_operator_cannot_become_auditor_above(world):
    with pytest.raises(ApplicationError) as error:
        _assign(world.caseworker_a1, Role.AUDITOR, world.city)
    assert error.value.code == "incompatible_roles"


def test_caseworker_in_county_a_may_review_in_county_b(world):
    assignment = _assign(world.caseworker_a1, Role.COUNTY_REVIEWER, world.county_b)
    roles = {(a.role, a.region_id) for a in RoleAssignment.objects.filter(staff=world.caseworker_a1, is_active=True)}
    assert roles == {(Role.TOWN_CASEWORKER, world.town_a1.pk), (Role.COUNTY_REVIEWER, world.county_b.pk)}
    assert assignment.granted_by == system_actor()


def test_auditor_of_county_a_may_work_in_county_b(world):
    _assign(world.auditor_a, Role.TOWN_CASEWORKER, world.town_b1)
    assert capabilities_for(_fresh(world.auditor_a)).roles == {Role.AUDITOR, Role.TOWN_CASEWORKER}


def test_reviewer_may_also_administer_the_county(world):
    _assign(world.reviewer_a, Role.COUNTY_ADMIN, world.county_a)
    assert capabilities_for(_fresh(world.reviewer_a)).manage_staff


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        (Role.TOWN_CASEWORKER, Role.COUNTY_REVIEWER, True),
        (Role.COUNTY_REVIEWER, Role.TOWN_CASEWORKER, True),
        (Role.AUDITOR, Role.COUNTY_ADMIN, True),
        (Role.COUNTY_REVIEWER, Role.COUNTY_ADMIN, False),
        (Role.TOWN_CASEWORKER, Role.VILLAGE_ASSISTANT, False),
    ],
)
def test_incompatibility_is_symmetric(a, b, expected):
    assert roles_incompatible(a, b) is expected


# --- duplicates, revocation, who may grant ----------------------------------------------------------


def test_duplicate_assignment_refused(world):
    with pytest.raises(ApplicationError) as error:
        _assign(world.caseworker_a1, Role.TOWN_CASEWORKER, world.town_a1)
    assert error.value.code == "duplicate_role"
    assert error.value.message == "该人员在此区划已有相同岗位"
    assert RoleAssignment.objects.filter(staff=world.caseworker_a1, is_active=True).count() == 1


def test_revoke_ends_the_role_keeps_history_and_removes_the_scope(world):
    # given
    assignment = RoleAssignment.objects.get(staff=world.caseworker_a1, is_active=True)
    # when
    revoked = role_revoke(actor=world.admin_a, assignment=assignment)
    # then
    assert not revoked.is_active and revoked.ended_at is not None
    assert RoleAssignment.objects.filter(pk=assignment.pk).exists()
    staff = _fresh(world.caseworker_a1)
    assert not capabilities_for(staff).edit_registry
    assert scope_regions(staff) == []
    event = AuditEvent.objects.filter(action="role.revoke").latest("id")
    assert event.actor_id == world.admin_a.pk
    assert event.changes == {"role": Role.TOWN_CASEWORKER, "region": world.town_a1.code}


def test_revoking_twice_is_a_conflict(world):
    assignment = RoleAssignment.objects.get(staff=world.caseworker_a1, is_active=True)
    role_revoke(actor=world.admin_a, assignment=assignment)
    with pytest.raises(ApplicationError) as error:
        role_revoke(actor=world.admin_a, assignment=assignment)
    assert error.value.code == "already_revoked"
    assert error.value.status == 409


def test_revoked_role_can_be_granted_again(world):
    assignment = RoleAssignment.objects.get(staff=world.caseworker_a1, is_active=True)
    role_revoke(actor=world.admin_a, assignment=assignment)
    again = _assign(world.caseworker_a1, Role.TOWN_CASEWORKER, world.town_a1, actor=world.admin_a)
    assert again.pk != assignment.pk
    assert RoleAssignment.objects.filter(staff=world.caseworker_a1).count() == 2


def test_county_admin_grants_only_in_their_county(world):
    staff = _new_staff("helper")
    _assign(staff, Role.VILLAGE_ASSISTANT, world.village_a2, actor=world.admin_a)
    with pytest.raises(ApplicationError) as error:
        _assign(staff, Role.VILLAGE_ASSISTANT, world.village_b1, actor=world.admin_a)
    assert error.value.status == 403


@pytest.mark.parametrize("who", ["caseworker_a1", "reviewer_a", "auditor_a", "assistant_a1"])
def test_only_administrators_grant_roles(world, who):
    with pytest.raises(ApplicationError) as error:
        _assign(_new_staff("x"), Role.VILLAGE_ASSISTANT, world.village_a1, actor=getattr(world, who))
    assert error.value.status == 403


def test_county_admin_cannot_change_their_own_roles(world):
    with pytest.raises(ApplicationError) as error:
        _assign(world.admin_a, Role.COUNTY_REVIEWER, world.county_a, actor=world.admin_a)
    assert error.value.status == 403
    own = RoleAssignment.objects.get(staff=world.admin_a, is_active=True)
    with pytest.raises(ApplicationError):
        role_revoke(actor=world.admin_a, assignment=own)
    assert RoleAssignment.objects.get(pk=own.pk).is_active


def test_county_admin_role_opens_and_closes_the_admin_console(world):
    # given
    staff = _new_staff("new_admin")
    assert not staff.is_staff
    # when
    assignment = _assign(staff, Role.COUNTY_ADMIN, world.county_a, actor=world.admin_a)
    # then
    assert _fresh(staff).is_staff
    opened = AuditEvent.objects.filter(action="staff.update", target_id=str(staff.pk)).latest("id")
    assert opened.changes == {"is_staff": {"before": False, "after": True}}
    assert opened.region_id == world.county_a.pk
    # when revoked
    role_revoke(actor=world.admin_a, assignment=assignment)
    # then
    assert not _fresh(staff).is_staff
    closed = AuditEvent.objects.filter(action="staff.update", target_id=str(staff.pk)).latest("id")
    assert closed.changes == {"is_staff": {"before": True, "after": False}}


def test_console_stays_open_while_another_admin_role_remains(world):
    staff = _new_staff("two_counties")
    first = _assign(staff, Role.COUNTY_ADMIN, world.county_a)
    _assign(staff, Role.COUNTY_ADMIN, world.county_b)
    role_revoke(actor=system_actor(), assignment=first)
    assert _fresh(staff).is_staff


def test_other_roles_do_not_open_the_console(world):
    for staff in (world.caseworker_a1, world.reviewer_a, world.auditor_a, world.assistant_a1):
        assert not _fresh(staff).is_staff
    assert _fresh(world.admin_a).is_staff and _fresh(world.admin_b).is_staff


# --- capabilities -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "edit", "reveal", "audit", "manage"),
    [
        ("assistant_a1", False, False, False, False),
        ("caseworker_a1", True, True, False, False),
        ("reviewer_a", False, True, False, False),
        ("admin_a", False, True, True, True),
        ("auditor_a", False, True, True, False),
    ],
)
def test_capabilities_per_role(world, who, edit, reveal, audit, manage):
    caps = capabilities_for(_fresh(getattr(world, who)))
    assert (caps.edit_registry, caps.reveal_id_number, caps.view_audit_trail, caps.manage_staff) == (
        edit,
        reveal,
        audit,
        manage,
    )


def test_no_role_no_capability():
    caps = capabilities_for_roles(frozenset())
    assert not any((caps.edit_registry, caps.reveal_id_number, caps.view_audit_trail, caps.manage_staff))
    assert caps.role_labels == []


def test_role_labels_in_chinese(world):
    _assign(world.reviewer_a, Role.COUNTY_ADMIN, world.county_a)
    assert capabilities_for(_fresh(world.reviewer_a)).role_labels == ["县级审核", "县级管理员"]


def test_inactive_account_has_no_capability(world):
    staff = _fresh(world.caseworker_a1)
    staff.is_active = False
    assert not capabilities_for(staff).edit_registry
    assert scope_regions(staff) == []


# --- scoping helpers --------------------------------------------------------------------------------


def test_scope_of_a_caseworker_is_their_town(world):
    staff = _fresh(world.caseworker_a1)
    assert scope_regions(staff) == [world.town_a1]
    assert in_scope(staff, world.village_a1)
    assert in_scope(staff, world.town_a1)
    assert not in_scope(staff, world.village_a2)
    assert not in_scope(staff, world.county_a)


def test_nested_regions_fold_into_the_ancestor(world):
    staff = _new_staff("busy")
    _assign(staff, Role.VILLAGE_ASSISTANT, world.village_a1)
    _assign(staff, Role.COUNTY_REVIEWER, world.county_a)
    _assign(staff, Role.COUNTY_REVIEWER, world.county_b)
    assert scope_regions(_fresh(staff)) == [world.county_b, world.county_a]  # ordered by path


def test_scope_q_filters_a_queryset(world):
    from assistance.models import Region

    staff = _fresh(world.reviewer_b)
    visible = set(Region.objects.filter(scope_q(staff, "parent")).values_list("code", flat=True))
    # regions whose parent lies in county B: its town and the town's village
    assert visible == {world.town_b1.code, world.village_b1.code}


def test_scope_q_without_roles_matches_nothing(world):
    from assistance.models import Region

    staff = _new_staff("nobody")
    assert not Region.objects.filter(scope_q(staff, "parent")).exists()
    assert not in_scope(staff, world.village_a1)


def test_can_manage_staff_only_when_all_roles_lie_in_the_county(world):
    admin_a = _fresh(world.admin_a)
    assert can_manage_staff(admin_a, world.caseworker_a1)
    assert not can_manage_staff(admin_a, world.caseworker_b1)
    # a caseworker of county A who also reviews in county B is managed by neither county alone
    _assign(world.caseworker_a1, Role.COUNTY_REVIEWER, world.county_b)
    assert not can_manage_staff(admin_a, world.caseworker_a1)
    assert not can_manage_staff(_fresh(world.admin_b), world.caseworker_a1)


def test_superuser_manages_everyone(world):
    root = staff_make_superuser(actor=system_actor(), staff=_new_staff("root"))
    assert can_manage_staff(root, world.caseworker_b1)
    assert can_manage_staff(root, world.admin_a)


def test_make_staff_factory_builds_through_services(world):
    staff = make_staff("factory_made", Role.VILLAGE_ASSISTANT, world.village_a2)
    assert AuditEvent.objects.filter(action="staff.create", target_id=str(staff.pk)).exists()
    assert AuditEvent.objects.filter(action="role.assign", target_id=str(staff.pk)).exists()
