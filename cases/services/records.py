"""A household's incomes, property, rigid expenses and legal supporters: add, change, delete."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from assistance.errors import ApplicationError
from assistance.models import Staff
from assistance.services import full_clean_or_raise
from audit.services import model_snapshot
from cases.id_numbers import parse_id_number
from cases.models import Asset, Household, LegalSupporter, Member, MemberIncome, RigidExpense
from cases.services._common import _apply, _require_editor, _save_guarded, audit_household_event


def _household_of(obj) -> Household:
    household_id = obj.household_id if hasattr(obj, "household_id") else obj.member.household_id
    return Household.objects.select_for_update().select_related("hukou_region").get(pk=household_id)


def _create_record(actor: Staff, obj, *, action: str) -> Any:
    household = _household_of(obj)
    _require_editor(actor, household)
    full_clean_or_raise(obj, validate_constraints=False)  # the database checks them; _save_guarded reports
    _save_guarded(obj)
    audit_household_event(
        actor=actor,
        action=action,
        target=obj,
        after=model_snapshot(obj),
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
    audit_household_event(
        actor=actor,
        action=action,
        target=obj,
        before=before,
        after=model_snapshot(obj),
        household=household,
    )
    return obj


def _delete_record(actor: Staff, obj, *, action: str) -> None:
    obj = type(obj).objects.select_for_update().get(pk=obj.pk)
    household = _household_of(obj)
    _require_editor(actor, household)
    before = model_snapshot(obj)
    label = str(obj)
    audit_household_event(
        actor=actor,
        action=action,
        target=obj,
        before=before,
        after=None,
        note=f"删除：{label}"[:500],
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
