"""Writing the audit trail. Call :func:`audit_record` inside the service's transaction."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import connection, models, transaction
from django.utils import timezone

from assistance.request_context import current_request_context
from audit.hashing import digest_of, event_digest, to_json_value
from audit.models import GENESIS_HASH, AuditChainHead, AuditEvent

MASKED_FIELDS = frozenset({"id_number", "bank_account_number"})


def mask_id_number(value: str | None) -> str:
    """Return ``2206**********1234`` for an 18-character ID number (first 4 and last 4 shown)."""
    if not value:
        return ""
    if len(value) <= 8:
        return "*" * len(value)
    return value[:4] + "*" * (len(value) - 8) + value[-4:]


def mask_account(value: str | None) -> str:
    """Return a bank account with only its last four digits visible."""
    if not value:
        return ""
    return "*" * max(len(value) - 4, 0) + value[-4:]


def model_snapshot(instance: models.Model, fields: list[str] | None = None) -> dict[str, Any]:
    """Return the instance's concrete field values as JSON data, for an audit before/after.

    Foreign keys are recorded by id; ID numbers and bank accounts are masked so the trail itself does
    not spread personal data.
    """
    data: dict[str, Any] = {}
    for field in instance._meta.concrete_fields:
        if field.primary_key or field.name in {"created_at", "updated_at"}:
            continue
        if fields is not None and field.name not in fields:
            continue
        value = getattr(instance, field.attname)
        if field.name == "id_number":
            value = mask_id_number(value)
        elif field.name == "bank_account_number":
            value = mask_account(value)
        data[field.attname] = value
    return to_json_value(data)


def diff_snapshots(before: dict | None, after: dict | None) -> dict[str, dict[str, Any]]:
    """Return ``{field: {"before": x, "after": y}}`` for the fields that differ."""
    before = before or {}
    after = after or {}
    changes = {}
    for key in sorted(set(before) | set(after)):
        old, new = before.get(key), after.get(key)
        if old != new:
            changes[key] = {"before": old, "after": new}
    return changes


@dataclass(frozen=True)
class Target:
    """What an event is about, when it is not a model instance (e.g. a login)."""

    type: str
    id: str
    label: str = ""


def _target_fields(target) -> tuple[str, str, str]:
    if isinstance(target, Target):
        return target.type, target.id, target.label
    meta = target._meta
    return f"{meta.app_label}.{meta.model_name}", str(target.pk), str(target)[:200]


def audit_record(
    *,
    actor,
    action: str,
    target,
    before: dict | None = None,
    after: dict | None = None,
    changes: dict | None = None,
    region=None,
    household=None,
    note: str = "",
) -> AuditEvent:
    """Append one event to the chain. Must run inside the caller's transaction.

    ``before``/``after`` are snapshots (see :func:`model_snapshot`); only the differing fields are
    kept. ``household`` files the event under that household's history. Pass ``changes`` directly
    for events that are not field changes (e.g. viewing an ID number).
    The chain head row is locked until the caller's transaction ends, so appends are serialised.
    """
    if not connection.in_atomic_block:
        raise RuntimeError("audit_record must run inside the service's transaction")
    if actor is None or not getattr(actor, "pk", None):
        raise RuntimeError("every audited action needs an actor (use the system actor for jobs)")
    target_type, target_id, target_label = _target_fields(target)
    recorded_changes = to_json_value(changes if changes is not None else diff_snapshots(before, after))
    ctx = current_request_context()
    head, _ = AuditChainHead.objects.select_for_update().get_or_create(pk=1)
    occurred_at = timezone.now()
    fields = {
        "occurred_at": occurred_at,
        "actor_id": actor.pk,
        "actor_username": actor.get_username(),
        "action": action,
        "target_type": target_type,
        "target_id": target_id,
        "target_label": target_label,
        "region_id": region.pk if region is not None else None,
        "household_ref": household.pk if household is not None else None,
        "changes": recorded_changes,
        "note": note[:500],
        "request_id": ctx.request_id if ctx else "",
        "ip": ctx.ip if ctx else None,
    }
    digest = event_digest(prev_hash=head.last_hash, **fields)
    event = AuditEvent.objects.create(
        **fields,
        region_path=region.path if region is not None else "",
        prev_hash=head.last_hash,
        hash=digest,
    )
    AuditChainHead.objects.filter(pk=1).update(last_event_id=event.pk, last_hash=digest)
    return event


@dataclass(frozen=True)
class ChainReport:
    checked: int
    broken_at: int | None  # id of the first event that does not verify
    reason: str

    @property
    def ok(self) -> bool:
        return self.broken_at is None


def audit_chain_verify(*, chunk_size: int = 5000) -> ChainReport:
    """Walk the chain in order and return where it first breaks (altered, inserted or removed events).

    Reads in chunks, so memory stays bounded on a long trail.
    """
    prev_hash = GENESIS_HASH
    checked = 0
    last_id = None
    with transaction.atomic():
        for event in AuditEvent.objects.order_by("id").iterator(chunk_size=chunk_size):
            if event.prev_hash != prev_hash:
                return ChainReport(checked, event.pk, "前一条哈希不符：此前的记录被删除、插入或篡改")
            if digest_of(event) != event.hash:
                return ChainReport(checked, event.pk, "内容哈希不符：本条记录被篡改")
            prev_hash = event.hash
            last_id = event.pk
            checked += 1
        head = AuditChainHead.objects.filter(pk=1).first()
        if head is not None and (head.last_hash != prev_hash or head.last_event_id != last_id):
            return ChainReport(checked, head.last_event_id or 0, "链头与最后一条记录不符：末尾的记录被删除或篡改")
    return ChainReport(checked, None, "")
