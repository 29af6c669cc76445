"""Read-only view of the 低保 standards in the admin console (recorded through ``eligibility.services``)."""

from __future__ import annotations

from django.contrib import admin

from assistance.admin import AdministeredCountyFilter, ServiceModelAdmin, administered_q, is_console_admin
from eligibility.models import Standard


@admin.register(Standard)
class StandardAdmin(ServiceModelAdmin):
    list_display = ("county", "area_type", "effective_from", "monthly_amount", "is_demo", "basis", "recorded_at")
    list_filter = (AdministeredCountyFilter, "area_type", "is_demo")
    list_select_related = ("county",)
    ordering = ("county__path", "area_type", "-effective_from")
    fields = (
        "county",
        "area_type",
        "effective_from",
        "monthly_amount",
        "basis",
        "is_demo",
        "recorded_by",
        "recorded_at",
    )
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).filter(administered_q(request.user, "county__path"))

    def has_view_permission(self, request, obj=None) -> bool:
        return is_console_admin(request.user)

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
