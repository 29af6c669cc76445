"""Read-only view of the audit trail in the admin console (the audit pages under ``/audit/`` are the
auditors' tool; this is for superusers and county administrators, scoped to their counties)."""

from __future__ import annotations

from django.contrib import admin

from assistance.admin import ServiceModelAdmin, administered_q, is_console_admin
from audit.models import AuditEvent


@admin.register(AuditEvent)
class AuditEventAdmin(ServiceModelAdmin):
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

    def get_queryset(self, request):
        return super().get_queryset(request).filter(administered_q(request.user, "region_path"))

    def has_view_permission(self, request, obj=None) -> bool:
        return is_console_admin(request.user)

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
