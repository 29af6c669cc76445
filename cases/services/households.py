"""Households: register one with its members, change its own fields, change its head, and grant or
revoke another staff member's view of it.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction

from assistance.errors import ApplicationError, PermissionRefused
from assistance.models import Staff
from assistance.roles import RegionLevel
from assistance.scoping import in_scope
from assistance.services import full_clean_or_raise
from audit.services import model_snapshot
from cases.choices import Relation
from cases.models import Household, HouseholdUserObjectPermission, Member
from cases.services._common import (
    _apply,
    _check_version,
    _county_of,
    _require_editor,
    _save_guarded,
    audit_household_event,
)
from cases.services.members import MEMBER_FIELDS, _validate_member

HOUSEHOLD_FIELDS = (
    "hukou_region",
    "residence_region",
    "residence_address",
    "area_type",
    "phone",
    "bank_name",
    "bank_account_holder",
    "bank_account_number",
    "notes",
)


@dataclass
class MemberInput:
    """The facts of one member as entered (form or API)."""

    name: str
    id_number: str
    relation: str
    extra: dict[str, Any] = field(default_factory=dict)


@transaction.atomic
def household_create(*, actor: Staff, members: list[MemberInput], **fields: Any) -> Household:
    """Register a household with its members (exactly one of them the head).

    ``fields`` are the household's own fields (``HOUSEHOLD_FIELDS``); ``hukou_region`` must be a
    village/community in the actor's jurisdiction.
    """
    household = Household(created_by=actor, code=uuid.uuid4().hex[:20])
    _apply(household, fields, HOUSEHOLD_FIELDS)
    region = household.hukou_region if household.hukou_region_id else None
    if region is None:
        raise ApplicationError("请选择户籍所在村（社区）", code="invalid", fields={"hukou_region": ["这是必填项"]})
    if region.level != RegionLevel.VILLAGE:
        raise ApplicationError(
            "户籍地须选择到村（社区）", code="invalid", fields={"hukou_region": ["请选择村（社区）"]}
        )
    _require_editor(actor, household)
    if household.residence_region_id and household.residence_region.level != RegionLevel.VILLAGE:
        raise ApplicationError(
            "居住地须选择到村（社区）", code="invalid", fields={"residence_region": ["请选择村（社区）"]}
        )
    full_clean_or_raise(household, exclude=["head", "created_by", "code"])
    heads = [m for m in members if m.relation == Relation.HEAD]
    if len(heads) != 1:
        raise ApplicationError("家庭须有且只有一名户主", code="head_required", fields={"members": ["请指定一名户主"]})
    numbers = [m.id_number.strip().upper() for m in members]
    if len(set(numbers)) != len(numbers):
        raise ApplicationError(
            "同一身份证号在本次登记中重复出现", code="duplicate_member", fields={"members": ["成员身份证号不能重复"]}
        )
    household.save()
    household.code = f"{(_county_of(household) or region).code}{household.pk:08d}"
    household.save(update_fields=["code"])
    county = _county_of(household)
    created: list[Member] = []
    for entry in members:
        member = Member(household=household, name=entry.name, id_number=entry.id_number, relation=entry.relation)
        _apply(member, entry.extra, MEMBER_FIELDS)
        _validate_member(actor, member, county)
        _save_guarded(member)
        created.append(member)
    household.head = next(m for m in created if m.relation == Relation.HEAD)
    household.save(update_fields=["head"])
    audit_household_event(
        actor=actor,
        action="household.create",
        target=household,
        after=model_snapshot(household),
        household=household,
    )
    for member in created:
        audit_household_event(
            actor=actor,
            action="member.create",
            target=member,
            after=model_snapshot(member),
            household=household,
        )
    return household


@transaction.atomic
def household_update(*, actor: Staff, household: Household, expected_version: int | None, **fields: Any) -> Household:
    """Change a household's own fields. ``expected_version`` is the version the form was loaded with."""
    household = Household.objects.select_for_update().select_related("hukou_region").get(pk=household.pk)
    _require_editor(actor, household)
    _check_version(household, expected_version)
    before = model_snapshot(household)
    _apply(household, fields, HOUSEHOLD_FIELDS)
    if household.hukou_region.level != RegionLevel.VILLAGE:
        raise ApplicationError(
            "户籍地须选择到村（社区）", code="invalid", fields={"hukou_region": ["请选择村（社区）"]}
        )
    if not actor.is_superuser and not in_scope(actor, household.hukou_region):
        raise ApplicationError(
            "只能把户籍地改为您管辖范围内的村（社区）", code="invalid", fields={"hukou_region": ["不在您的管辖范围内"]}
        )
    if household.residence_region_id and household.residence_region.level != RegionLevel.VILLAGE:
        raise ApplicationError(
            "居住地须选择到村（社区）", code="invalid", fields={"residence_region": ["请选择村（社区）"]}
        )
    full_clean_or_raise(household, exclude=["head", "created_by", "code"])
    household.version += 1
    household.save()
    audit_household_event(
        actor=actor,
        action="household.update",
        target=household,
        before=before,
        after=model_snapshot(household),
        household=household,
    )
    return household


@transaction.atomic
def household_grant_access(*, actor: Staff, household: Household, grantee: Staff, reason: str) -> None:
    """Let ``grantee`` see a household outside their regions (django-guardian object permission).

    Only a county administrator of the household's county may grant; the reason is recorded.
    """
    from guardian.shortcuts import assign_perm

    from assistance.services import can_administer_region

    if not can_administer_region(actor, household.hukou_region):
        raise PermissionRefused("只有该家庭所在县的管理员可以授权他人查看")
    if not reason.strip():
        raise ApplicationError("请填写授权理由", code="invalid", fields={"reason": ["这是必填项"]})
    assign_perm("view_household", grantee, household)
    audit_household_event(
        actor=actor,
        action="household.grant_view",
        target=household,
        changes={"grantee": grantee.get_username()},
        note=reason,
        household=household,
    )


@transaction.atomic
def household_revoke_access(*, actor: Staff, household: Household, grantee: Staff) -> None:
    from assistance.services import can_administer_region

    if not can_administer_region(actor, household.hukou_region):
        raise PermissionRefused("只有该家庭所在县的管理员可以撤销授权")
    HouseholdUserObjectPermission.objects.filter(content_object=household, user=grantee).delete()
    audit_household_event(
        actor=actor,
        action="household.revoke_view",
        target=household,
        changes={"grantee": grantee.get_username()},
        household=household,
    )


@transaction.atomic
def household_change_head(
    *, actor: Staff, household: Household, new_head: Member, former_head_relation: str
) -> Household:
    """Make ``new_head`` the head; the former head takes ``former_head_relation`` (or leaves the records
    unchanged if they have already left the household)."""
    household = Household.objects.select_for_update().select_related("hukou_region").get(pk=household.pk)
    _require_editor(actor, household)
    new_head = Member.objects.select_for_update().get(pk=new_head.pk)
    if new_head.household_id != household.pk or not new_head.is_active:
        raise ApplicationError("新户主须为本户在册成员", code="invalid", fields={"new_head": ["请选择本户在册成员"]})
    if former_head_relation == Relation.HEAD or former_head_relation not in Relation.values:
        raise ApplicationError(
            "请选择原户主与新户主的关系", code="invalid", fields={"former_head_relation": ["请选择"]}
        )
    former = household.members.select_for_update().filter(is_active=True, relation=Relation.HEAD).first()
    before = model_snapshot(household)
    if former is not None and former.pk != new_head.pk:
        former.relation = former_head_relation
        former.version += 1
        former.save(update_fields=["relation", "version", "updated_at"])
    new_head.relation = Relation.HEAD
    new_head.version += 1
    new_head.save(update_fields=["relation", "version", "updated_at"])
    household.head = new_head
    household.version += 1
    household.save(update_fields=["head", "version", "updated_at"])
    audit_household_event(
        actor=actor,
        action="household.change_head",
        target=household,
        before=before,
        after=model_snapshot(household),
        household=household,
    )
    return household
