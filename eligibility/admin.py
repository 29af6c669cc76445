"""Read-only view of the 低保 standards in the admin console (recorded through ``eligibility.services``)."""

from __future__ import annotations

from django.contrib import admin

from assistance.admin import AdministeredCountyFilter, ReadOnlyScopedAdmin
from eligibility.models import Standard


@admin.register(Standard)
class StandardAdmin(ReadOnlyScopedAdmin):
    scope_path_lookup = "county__path"

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
