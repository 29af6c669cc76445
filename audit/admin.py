"""Read-only view of the audit trail in the admin console (the audit pages under ``/audit/`` are the
auditors' tool; this is for superusers and county administrators, scoped to their counties)."""

from __future__ import annotations

from django.contrib import admin

from assistance.admin import ReadOnlyScopedAdmin
from audit.models import AuditEvent


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyScopedAdmin):
    scope_path_lookup = "region_path"

    list_display = ("id", "occurred_at", "actor_username", "action", "target_label", "region", "household_ref")
    search_fields = ("=actor_username", "=action", "=target_id")
    list_select_related = ("region",)
    ordering = ("-id",)
    list_per_page = 50
    fields = (
        "occurred_at",
        "actor",
        "actor_username",
        "action",
        "target_type",
        "target_id",
        "target_label",
        "region",
        "region_path",
        "household_ref",
        "changes",
        "note",
        "request_id",
        "ip",
        "prev_hash",
        "hash",
    )
    readonly_fields = fields
