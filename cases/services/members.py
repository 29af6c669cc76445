"""Members of a household: add, change, remove (the record stays as history), reveal the full ID
number; and the member validation that :func:`cases.services.household_create` shares.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from assistance.errors import ApplicationError, PermissionRefused
from assistance.models import RecognisedIllness, Region, Staff
from assistance.roles import capabilities_for
from audit.services import mask_id_number, model_snapshot
from cases.choices import HouseholdStatus, MembershipEnd, Relation, SelfCareLevel
from cases.id_numbers import parse_id_number
from cases.models import Household, Member
from cases.selectors import households_visible_to
from cases.services._common import (
    _apply,
    _check_version,
    _county_of,
    _require_editor,
    _save_guarded,
    audit_household_event,
)

MEMBER_FIELDS = (
    "name",
    "id_number",
    "relation",
    "disability_type",
    "disability_grade",
    "serious_illness",
    "labour_ability",
    *Member.SELFCARE_FIELDS,
    "selfcare_assessed_on",
    "education_stage",
    "in_school",
    "employment",
    "deceased_on",
    "imprisoned_from",
    "imprisoned_until",
    "missing_since",
)


# --- member validation -------------------------------------------------------------------------------


def selfcare_level(answers: list[bool | None]) -> str:
    """Derive the self-care level from the six items (tekun-renyuan-rending-banfa-2021 第二十二条).

    All six met: capable; 1–3 not met: partial; 4 or more not met: none. Unassessed (all None): "".
    """
    if all(a is None for a in answers):
        return ""
    failed = sum(1 for a in answers if not a)
    if failed == 0:
        return SelfCareLevel.CAPABLE
    if failed <= 3:
        return SelfCareLevel.PARTIAL
    return SelfCareLevel.NONE


def _member_rules(member: Member, today: datetime.date) -> dict[str, list[str]]:
    """Checks across fields that the model's field validators cannot express."""
    errors: dict[str, list[str]] = {}

    def add(field_name: str, message: str) -> None:
        errors.setdefault(field_name, []).append(message)

    for name in ("deceased_on", "imprisoned_from", "missing_since", "selfcare_assessed_on", "left_on"):
        value = getattr(member, name)
        if value and value > today:
            add(name, "日期不能晚于今天")
        if value and member.birth_date and value < member.birth_date:
            add(name, "日期不能早于出生日期")
    if bool(member.disability_type) != (member.disability_grade is not None):
        add("disability_grade" if member.disability_type else "disability_type", "残疾类别和残疾等级须同时填写")
    answers = [getattr(member, f) for f in Member.SELFCARE_FIELDS]
    if any(a is None for a in answers) and not all(a is None for a in answers):
        add("selfcare_eating", "生活自理能力须六项全部评估")
    if not all(a is None for a in answers) and not member.selfcare_assessed_on:
        add("selfcare_assessed_on", "请填写自理能力评估日期")
    if member.in_school and member.education_stage == "none":
        add("education_stage", "在校就读须填写教育阶段")
    if member.imprisoned_until and not member.imprisoned_from:
        add("imprisoned_from", "请填写服刑开始日期")
    if member.imprisoned_until and member.imprisoned_from and member.imprisoned_until < member.imprisoned_from:
        # The member_prison_dates_ordered constraint, checked here so it reads as a field error, not a 409.
        add("imprisoned_until", "服刑结束日期不能早于开始日期")
    return errors


def _assign_id_facts(member: Member) -> None:
    try:
        facts = parse_id_number(member.id_number)
    except ValidationError as error:
        raise ApplicationError("身份证号有误", code="invalid_id_number", fields={"id_number": error.messages}) from None
    member.id_number = facts.number
    member.birth_date = facts.birth_date
    member.sex = facts.sex


def _refuse_duplicate_member(actor: Staff, member: Member) -> None:
    """One person, one active household: name the other household only if the actor may see it."""
    other = (
        Member.objects.filter(id_number=member.id_number, is_active=True)
        .exclude(pk=member.pk)
        .select_related("household", "household__hukou_region")
        .first()
    )
    if other is None:
        return
    if other.household_id == member.household_id:
        message = f"身份证号 {mask_id_number(member.id_number)} 已是本户成员（{other.name}），不能重复登记"
    elif households_visible_to(actor).filter(pk=other.household_id).exists():
        message = (
            f"身份证号 {mask_id_number(member.id_number)} 已登记在 {other.household.hukou_region.name} "
            f"家庭 {other.household.code}（成员 {other.name}），一人只能在一户在册"
        )
    else:
        message = (
            f"身份证号 {mask_id_number(member.id_number)} 已在其他地区的家庭登记为在册成员，"
            "一人只能在一户在册。请联系县级民政部门核实"
        )
    raise ApplicationError(message, code="duplicate_member", fields={"id_number": [message]}, status=409)


def _validate_member(actor: Staff, member: Member, county: Region | None) -> None:
    _assign_id_facts(member)
    recognised = RecognisedIllness.objects.filter(pk=member.serious_illness_id, county=county, is_active=True)
    if member.serious_illness_id and county is not None and not recognised.exists():
        raise ApplicationError(
            "该病种不在本县认定的重病目录中",
            code="illness_not_recognised",
            fields={"serious_illness": ["请从本县重病目录中选择"]},
        )
    answers = [getattr(member, f) for f in Member.SELFCARE_FIELDS]
    member.selfcare_level = selfcare_level(answers)
    errors = _member_rules(member, timezone.localdate())
    try:
        member.full_clean(exclude=["household", "birth_date", "sex"], validate_constraints=False)
    except ValidationError as error:
        for name, messages in error.message_dict.items():
            errors.setdefault(name, []).extend(messages)
    if errors:
        raise ApplicationError("成员信息有误，请按提示修改", code="invalid", fields=errors)
    _refuse_duplicate_member(actor, member)


# --- members -----------------------------------------------------------------------------------------


@transaction.atomic
def member_add(*, actor: Staff, household: Household, name: str, id_number: str, relation: str, **extra: Any) -> Member:
    """Add a person to a household. Refused if their ID number is active in any household."""
    household = Household.objects.select_for_update().select_related("hukou_region").get(pk=household.pk)
    _require_editor(actor, household)
    if relation == Relation.HEAD and household.members.filter(is_active=True, relation=Relation.HEAD).exists():
        raise ApplicationError(
            "本户已有户主；如需更换户主，请使用“变更户主”", code="head_exists", fields={"relation": ["本户已有户主"]}
        )
    member = Member(household=household, name=name, id_number=id_number, relation=relation)
    _apply(member, extra, MEMBER_FIELDS)
    _validate_member(actor, member, _county_of(household))
    _save_guarded(member)
    if relation == Relation.HEAD:
        household.head = member
    household.version += 1
    household.save(update_fields=["head", "version", "updated_at"])
    audit_household_event(
        actor=actor,
        action="member.create",
        target=member,
        after=model_snapshot(member),
        household=household,
    )
    return member


@transaction.atomic
def member_update(*, actor: Staff, member: Member, expected_version: int | None, **fields: Any) -> Member:
    """Change a member's facts. Changing the ID number re-derives birth date and sex."""
    member = Member.objects.select_for_update().select_related("household", "household__hukou_region").get(pk=member.pk)
    household = member.household
    _require_editor(actor, household)
    if not member.is_active:
        raise ApplicationError("该成员已迁出，不能修改", code="member_inactive", status=409)
    _check_version(member, expected_version)
    was_head = member.relation == Relation.HEAD
    is_head = fields.get("relation", member.relation) == Relation.HEAD
    if was_head and not is_head:
        raise ApplicationError(
            "不能直接修改户主的关系；请使用“变更户主”", code="head_change", fields={"relation": ["请使用“变更户主”"]}
        )
    if not was_head and is_head:
        raise ApplicationError(
            "本户已有户主；请使用“变更户主”", code="head_exists", fields={"relation": ["本户已有户主"]}
        )
    return member_change_facts(actor=actor, member=member, fields=fields)


def member_change_facts(*, actor: Staff, member: Member, fields: dict[str, Any], note: str = "") -> Member:
    """Apply ``fields`` (names of ``MEMBER_FIELDS``) to ``member``, validate them as ``member_update`` does, save
    (version + 1) and record the ``member.update`` audit event. Not a service of its own: the caller runs in its
    transaction, has locked ``member`` (with its household) and checked that the actor may make the change —
    ``member_update`` for a registry edit, ``cases.services.events.life_event_record`` for a death, imprisonment
    or release it records."""
    household = member.household
    before = model_snapshot(member)
    _apply(member, fields, MEMBER_FIELDS)
    _validate_member(actor, member, _county_of(household))
    member.version += 1
    _save_guarded(member)
    audit_household_event(
        actor=actor,
        action="member.update",
        target=member,
        before=before,
        after=model_snapshot(member),
        household=household,
        note=note,
    )
    return member


@transaction.atomic
def member_remove(*, actor: Staff, member: Member, left_on: datetime.date, reason: str) -> Member:
    """End a person's membership (moved out, died …). The record stays as history.

    The head can leave only when no one else remains (then the household is closed) — otherwise
    change the head first.
    """
    member = Member.objects.select_for_update().select_related("household", "household__hukou_region").get(pk=member.pk)
    household = Household.objects.select_for_update().get(pk=member.household_id)
    _require_editor(actor, household)
    if not member.is_active:
        raise ApplicationError("该成员已迁出", code="member_inactive", status=409)
    if reason not in MembershipEnd.values:
        raise ApplicationError("请选择迁出原因", code="invalid", fields={"reason": ["请选择迁出原因"]})
    if left_on > timezone.localdate():
        raise ApplicationError("迁出日期不能晚于今天", code="invalid", fields={"left_on": ["日期不能晚于今天"]})
    others = household.members.filter(is_active=True).exclude(pk=member.pk)
    if member.relation == Relation.HEAD and others.exists():
        raise ApplicationError("户主迁出前，请先变更户主", code="head_change", status=409)
    before = model_snapshot(member)
    member.is_active = False
    member.left_on = left_on
    member.left_reason = reason
    if reason == MembershipEnd.DECEASED and not member.deceased_on:
        member.deceased_on = left_on
    member.version += 1
    member.save()
    audit_household_event(
        actor=actor,
        action="member.remove",
        target=member,
        before=before,
        after=model_snapshot(member),
        household=household,
    )
    if not others.exists():
        hh_before = model_snapshot(household)
        household.status = HouseholdStatus.CLOSED
        household.head = None
        household.version += 1
        household.save(update_fields=["status", "head", "version", "updated_at"])
        audit_household_event(
            actor=actor,
            action="household.close",
            target=household,
            before=hh_before,
            after=model_snapshot(household),
            household=household,
            note="最后一名成员迁出，家庭注销",
        )
    return member


@transaction.atomic
def member_reveal_id_number(*, actor: Staff, member: Member, purpose: str = "") -> str:
    """Return the full ID number, recording that the actor viewed it (personal-data access log)."""
    if not capabilities_for(actor).reveal_id_number and not actor.is_superuser:
        raise PermissionRefused("您的岗位不能查看完整身份证号")
    audit_household_event(
        actor=actor,
        action="member.reveal_id_number",
        target=member,
        changes={"viewed": "id_number"},
        note=purpose[:200],
        household=member.household,
    )
    return member.id_number
