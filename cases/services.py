"""Writes to the household registry. Every function: checks the actor may edit the household, validates
(fields and database constraints), writes, and records an audit event — in one transaction.

Callers handle :class:`assistance.errors.ApplicationError` (a 4xx with a Chinese message and field
errors). A refused write leaves nothing behind.
"""

from __future__ import annotations

import datetime
import uuid
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import UniqueConstraint
from django.utils import timezone

from assistance.errors import ApplicationError, PermissionRefused, StaleVersion
from assistance.models import RecognisedIllness, Region, Staff
from assistance.roles import RegionLevel, capabilities_for
from assistance.scoping import in_scope
from assistance.services import full_clean_or_raise
from audit.services import audit_record, mask_id_number, model_snapshot
from cases.choices import HouseholdStatus, MembershipEnd, Relation, SelfCareLevel
from cases.id_numbers import parse_id_number
from cases.models import (
    Asset,
    Household,
    HouseholdUserObjectPermission,
    LegalSupporter,
    Member,
    MemberIncome,
    RigidExpense,
)
from cases.selectors import households_visible_to

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


# --- permission and validation helpers ---------------------------------------------------------------


def _require_editor(actor: Staff, household: Household) -> None:
    """The actor must hold a registry-editing role over the household's region.

    The system account (automated jobs: imports, demo seeding) holds no role and may edit everywhere.
    """
    trusted = actor.is_superuser or getattr(actor, "is_system", False)
    if not trusted and not capabilities_for(actor).edit_registry:
        raise PermissionRefused("只有乡镇经办人员可以登记和修改家庭信息")
    if not trusted and not in_scope(actor, household.hukou_region):
        raise PermissionRefused("该家庭不在您的管辖范围内，不能修改")
    if household.status != HouseholdStatus.ACTIVE:
        raise ApplicationError("该家庭已注销，不能修改", code="household_closed", status=409)


def _check_version(obj, expected_version: int | None) -> None:
    if expected_version is not None and int(expected_version) != obj.version:
        raise StaleVersion()


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


_CONSTRAINT_CODES = {"member_one_active_household_per_id": "duplicate_member"}


def _violated_constraint(model, error: IntegrityError):
    """Return the model constraint an IntegrityError reports, or None.

    PostgreSQL and SQLite name a CHECK constraint; PostgreSQL names a unique index, SQLite lists its
    columns (``UNIQUE constraint failed: cases_member.id_number``).
    """
    text = str(error)
    table = model._meta.db_table
    for constraint in model._meta.constraints:
        if constraint.name in text:
            return constraint
        fields = getattr(constraint, "fields", ())
        columns = [f"{table}.{model._meta.get_field(f).column}" for f in fields]
        if columns and all(c in text for c in columns):
            return constraint
    return None


def _save_guarded(instance) -> None:
    """Save; a constraint violation that slipped past validation (e.g. a concurrent write) becomes a
    4xx carrying that constraint's own Chinese message, never a 500."""
    try:
        with transaction.atomic():
            instance.save()
    except IntegrityError as error:
        constraint = _violated_constraint(type(instance), error)
        if constraint is None:
            raise ApplicationError("数据与已有记录冲突，请刷新后重试", code="conflict", status=409) from None
        unique = isinstance(constraint, UniqueConstraint)
        message = constraint.get_violation_error_message()
        raise ApplicationError(
            message,
            code=_CONSTRAINT_CODES.get(constraint.name, "duplicate" if unique else "invalid"),
            fields={"__all__": [message]},
            status=409 if unique else 400,
        ) from None


def _apply(instance, data: dict[str, Any], allowed: tuple[str, ...]) -> None:
    unknown = set(data) - set(allowed)
    if unknown:
        raise ApplicationError(
            "包含不能修改的字段", code="unknown_fields", fields={k: ["不能修改此字段"] for k in unknown}
        )
    for name, value in data.items():
        setattr(instance, name, value)


# --- households --------------------------------------------------------------------------------------


@dataclass
class MemberInput:
    """The facts of one member as entered (form or API)."""

    name: str
    id_number: str
    relation: str
    extra: dict[str, Any] = field(default_factory=dict)


def _county_of(household: Household) -> Region | None:
    return household.hukou_region.county()


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
    audit_record(
        actor=actor,
        action="household.create",
        target=household,
        after=model_snapshot(household),
        region=household.hukou_region,
        household=household,
    )
    for member in created:
        audit_record(
            actor=actor,
            action="member.create",
            target=member,
            after=model_snapshot(member),
            region=household.hukou_region,
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
    audit_record(
        actor=actor,
        action="household.update",
        target=household,
        before=before,
        after=model_snapshot(household),
        region=household.hukou_region,
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
    audit_record(
        actor=actor,
        action="household.grant_view",
        target=household,
        changes={"grantee": grantee.get_username()},
        note=reason,
        region=household.hukou_region,
        household=household,
    )


@transaction.atomic
def household_revoke_access(*, actor: Staff, household: Household, grantee: Staff) -> None:
    from assistance.services import can_administer_region

    if not can_administer_region(actor, household.hukou_region):
        raise PermissionRefused("只有该家庭所在县的管理员可以撤销授权")
    HouseholdUserObjectPermission.objects.filter(content_object=household, user=grantee).delete()
    audit_record(
        actor=actor,
        action="household.revoke_view",
        target=household,
        changes={"grantee": grantee.get_username()},
        region=household.hukou_region,
        household=household,
    )


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
    audit_record(
        actor=actor,
        action="member.create",
        target=member,
        after=model_snapshot(member),
        region=household.hukou_region,
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
    before = model_snapshot(member)
    was_head = member.relation == Relation.HEAD
    _apply(member, fields, MEMBER_FIELDS)
    if was_head and member.relation != Relation.HEAD:
        raise ApplicationError(
            "不能直接修改户主的关系；请使用“变更户主”", code="head_change", fields={"relation": ["请使用“变更户主”"]}
        )
    if not was_head and member.relation == Relation.HEAD:
        raise ApplicationError(
            "本户已有户主；请使用“变更户主”", code="head_exists", fields={"relation": ["本户已有户主"]}
        )
    _validate_member(actor, member, _county_of(household))
    member.version += 1
    _save_guarded(member)
    audit_record(
        actor=actor,
        action="member.update",
        target=member,
        before=before,
        after=model_snapshot(member),
        region=household.hukou_region,
        household=household,
    )
    return member


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
    audit_record(
        actor=actor,
        action="household.change_head",
        target=household,
        before=before,
        after=model_snapshot(household),
        region=household.hukou_region,
        household=household,
    )
    return household


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
    audit_record(
        actor=actor,
        action="member.remove",
        target=member,
        before=before,
        after=model_snapshot(member),
        region=household.hukou_region,
        household=household,
    )
    if not others.exists():
        hh_before = model_snapshot(household)
        household.status = HouseholdStatus.CLOSED
        household.head = None
        household.version += 1
        household.save(update_fields=["status", "head", "version", "updated_at"])
        audit_record(
            actor=actor,
            action="household.close",
            target=household,
            before=hh_before,
            after=model_snapshot(household),
            region=household.hukou_region,
            household=household,
            note="最后一名成员迁出，家庭注销",
        )
    return member


@transaction.atomic
def member_reveal_id_number(*, actor: Staff, member: Member, purpose: str = "") -> str:
    """Return the full ID number, recording that the actor viewed it (personal-data access log)."""
    if not capabilities_for(actor).reveal_id_number and not actor.is_superuser:
        raise PermissionRefused("您的岗位不能查看完整身份证号")
    audit_record(
        actor=actor,
        action="member.reveal_id_number",
        target=member,
        changes={"viewed": "id_number"},
        note=purpose[:200],
        region=member.household.hukou_region,
        household=member.household,
    )
    return member.id_number


# --- incomes, property, expenses, supporters ----------------------------------------------------------


def _household_of(obj) -> Household:
    household_id = obj.household_id if hasattr(obj, "household_id") else obj.member.household_id
    return Household.objects.select_for_update().select_related("hukou_region").get(pk=household_id)


def _create_record(actor: Staff, obj, *, action: str) -> Any:
    household = _household_of(obj)
    _require_editor(actor, household)
    full_clean_or_raise(obj, validate_constraints=False)  # the database checks them; _save_guarded reports
    _save_guarded(obj)
    audit_record(
        actor=actor,
        action=action,
        target=obj,
        after=model_snapshot(obj),
        region=household.hukou_region,
        household=household,
    )
    return obj


def _update_record(
    actor: Staff,
    obj,
    data: dict[str, Any],
    allowed: tuple[str, ...],
    *,
    action: str,
    prepare=None,
) -> Any:
    """Lock, apply ``data``, run ``prepare(obj, household)`` (derived fields, cross checks), validate, save."""
    obj = type(obj).objects.select_for_update().get(pk=obj.pk)
    household = _household_of(obj)
    _require_editor(actor, household)
    before = model_snapshot(obj)
    _apply(obj, data, allowed)
    if prepare is not None:
        prepare(obj, household)
    full_clean_or_raise(obj, validate_constraints=False)  # the database checks them; _save_guarded reports
    _save_guarded(obj)
    audit_record(
        actor=actor,
        action=action,
        target=obj,
        before=before,
        after=model_snapshot(obj),
        region=household.hukou_region,
        household=household,
    )
    return obj


def _delete_record(actor: Staff, obj, *, action: str) -> None:
    obj = type(obj).objects.select_for_update().get(pk=obj.pk)
    household = _household_of(obj)
    _require_editor(actor, household)
    before = model_snapshot(obj)
    label = str(obj)
    audit_record(
        actor=actor,
        action=action,
        target=obj,
        before=before,
        after=None,
        note=f"删除：{label}"[:500],
        region=household.hukou_region,
        household=household,
    )
    obj.delete()


def _first_of_month(value: datetime.date) -> datetime.date:
    return value.replace(day=1)


INCOME_FIELDS = ("amount", "source", "note")


@transaction.atomic
def income_record(
    *,
    actor: Staff,
    member: Member,
    month: datetime.date,
    kind: str,
    amount: Decimal,
    source: str = "declared",
    note: str = "",
) -> MemberIncome:
    """Record one kind of income of a member for a month (the month is normalised to its first day)."""
    if amount is not None and Decimal(amount) < 0:
        raise ApplicationError("金额不能为负数", code="invalid", fields={"amount": ["金额不能为负数"]})
    if month and _first_of_month(month) > _first_of_month(timezone.localdate()):
        raise ApplicationError("不能登记未来月份的收入", code="invalid", fields={"month": ["月份不能晚于本月"]})
    if not member.is_active:
        raise ApplicationError("该成员已迁出", code="member_inactive", fields={"member": ["该成员已迁出"]})
    income = MemberIncome(
        member=member,
        month=_first_of_month(month) if month else month,
        kind=kind,
        amount=amount,
        source=source,
        note=note,
    )
    return _create_record(actor, income, action="income.create")


@transaction.atomic
def income_update(*, actor: Staff, income: MemberIncome, **fields: Any) -> MemberIncome:
    if "amount" in fields and fields["amount"] is not None and Decimal(fields["amount"]) < 0:
        raise ApplicationError("金额不能为负数", code="invalid", fields={"amount": ["金额不能为负数"]})
    return _update_record(actor, income, fields, INCOME_FIELDS, action="income.update")


@transaction.atomic
def income_delete(*, actor: Staff, income: MemberIncome) -> None:
    _delete_record(actor, income, action="income.delete")


ASSET_FIELDS = (
    "owner",
    "kind",
    "description",
    "value",
    "valued_on",
    "vehicle_plate",
    "vehicle_purchase_price",
    "floor_area",
    "is_only_home",
    "is_exempt",
    "exempt_reason",
    "source",
)


def _check_owner(obj, household: Household, field_name: str) -> None:
    owner = getattr(obj, field_name)
    if owner is not None and owner.household_id != household.pk:
        raise ApplicationError("所选成员不属于本户", code="invalid", fields={field_name: ["请选择本户成员"]})


@transaction.atomic
def asset_add(*, actor: Staff, household: Household, **fields: Any) -> Asset:
    asset = Asset(household=household)
    _apply(asset, fields, ASSET_FIELDS)
    _check_owner(asset, household, "owner")
    return _create_record(actor, asset, action="asset.create")


@transaction.atomic
def asset_update(*, actor: Staff, asset: Asset, **fields: Any) -> Asset:
    return _update_record(
        actor,
        asset,
        fields,
        ASSET_FIELDS,
        action="asset.update",
        prepare=lambda obj, household: _check_owner(obj, household, "owner"),
    )


@transaction.atomic
def asset_delete(*, actor: Staff, asset: Asset) -> None:
    _delete_record(actor, asset, action="asset.delete")


EXPENSE_FIELDS = ("member", "kind", "amount", "period_start", "period_end", "description", "source")


@transaction.atomic
def expense_add(*, actor: Staff, household: Household, **fields: Any) -> RigidExpense:
    expense = RigidExpense(household=household)
    _apply(expense, fields, EXPENSE_FIELDS)
    _check_owner(expense, household, "member")
    return _create_record(actor, expense, action="expense.create")


@transaction.atomic
def expense_update(*, actor: Staff, expense: RigidExpense, **fields: Any) -> RigidExpense:
    return _update_record(
        actor,
        expense,
        fields,
        EXPENSE_FIELDS,
        action="expense.update",
        prepare=lambda obj, household: _check_owner(obj, household, "member"),
    )


@transaction.atomic
def expense_delete(*, actor: Staff, expense: RigidExpense) -> None:
    _delete_record(actor, expense, action="expense.delete")


SUPPORTER_FIELDS = (
    "supported_member",
    "name",
    "id_number",
    "relation",
    "address",
    "disability_type",
    "disability_grade",
    "annual_income",
    "is_tekun",
    "is_dibao",
    "in_prison",
    "is_missing",
    "lacks_legal_capacity",
    "notes",
)


def _supporter_facts(supporter: LegalSupporter, household: Household) -> None:
    _check_owner(supporter, household, "supported_member")
    try:
        facts = parse_id_number(supporter.id_number)
    except ValidationError as error:
        raise ApplicationError("身份证号有误", code="invalid_id_number", fields={"id_number": error.messages}) from None
    supporter.id_number = facts.number
    supporter.birth_date = facts.birth_date
    if household.members.filter(is_active=True, id_number=facts.number).exists():
        raise ApplicationError(
            "义务人是本户成员，不需另行登记", code="invalid", fields={"id_number": ["此人是本户共同生活成员"]}
        )


@transaction.atomic
def supporter_add(*, actor: Staff, household: Household, **fields: Any) -> LegalSupporter:
    supporter = LegalSupporter(household=household)
    _apply(supporter, fields, SUPPORTER_FIELDS)
    _supporter_facts(supporter, household)
    return _create_record(actor, supporter, action="supporter.create")


@transaction.atomic
def supporter_update(*, actor: Staff, supporter: LegalSupporter, **fields: Any) -> LegalSupporter:
    return _update_record(
        actor,
        supporter,
        fields,
        SUPPORTER_FIELDS,
        action="supporter.update",
        prepare=_supporter_facts,
    )


@transaction.atomic
def supporter_delete(*, actor: Staff, supporter: LegalSupporter) -> None:
    _delete_record(actor, supporter, action="supporter.delete")
