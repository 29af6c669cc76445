"""Helpers shared by the registry services: who may edit a household, the optimistic-locking check,
applying only the allowed fields, and saving so that a violated database constraint becomes an
:class:`assistance.errors.ApplicationError` carrying that constraint's message.
"""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import UniqueConstraint

from assistance.errors import ApplicationError, PermissionRefused, StaleVersion
from assistance.models import Region, Staff
from assistance.roles import capabilities_for
from assistance.scoping import in_scope
from audit.services import audit_record
from cases.choices import HouseholdStatus
from cases.models import Household


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


_CONSTRAINT_CODES = {
    "member_one_active_household_per_id": "duplicate_member",
    "lifeevent_one_per_member_kind_day": "conflict",
}


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


def _county_of(household: Household) -> Region | None:
    return household.hukou_region.county()


def audit_household_event(*, actor: Staff, action: str, target, household: Household, **event: Any) -> None:
    """Record an audit event about ``household`` or one of its records: filed under the household's
    history and its 户籍 region (``before``/``after``/``changes``/``note`` as for ``audit_record``)."""
    audit_record(actor=actor, action=action, target=target, region=household.hukou_region, household=household, **event)
