"""Canonical form and hash of an audit event (shared by recording and verification)."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder


def to_json_value(value: Any) -> Any:
    """Return ``value`` as plain JSON data (Decimal and dates become strings), as it reads back from the DB."""
    return json.loads(json.dumps(value, cls=DjangoJSONEncoder, ensure_ascii=False))


def event_digest(
    *,
    prev_hash: str,
    occurred_at: datetime,
    actor_id: int,
    actor_username: str,
    action: str,
    target_type: str,
    target_id: str,
    target_label: str,
    region_id: int | None,
    household_ref: int | None,
    changes: dict,
    note: str,
    request_id: str,
    ip: str | None,
) -> str:
    """Return the SHA-256 over the event's canonical JSON, chained to ``prev_hash``."""
    payload = {
        "prev": prev_hash,
        "at": occurred_at.astimezone(UTC).isoformat(timespec="microseconds"),
        "actor": [actor_id, actor_username],
        "action": action,
        "target": [target_type, str(target_id), target_label],
        "region": region_id,
        "household": household_ref,
        "changes": changes,
        "note": note,
        "request": [request_id, ip],
    }
    canonical = json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def digest_of(event) -> str:
    """Recompute the hash of a stored :class:`audit.models.AuditEvent`."""
    return event_digest(
        prev_hash=event.prev_hash,
        occurred_at=event.occurred_at,
        actor_id=event.actor_id,
        actor_username=event.actor_username,
        action=event.action,
        target_type=event.target_type,
        target_id=event.target_id,
        target_label=event.target_label,
        region_id=event.region_id,
        household_ref=event.household_ref,
        changes=event.changes,
        note=event.note,
        request_id=event.request_id,
        ip=event.ip,
    )
