"""The case workflow in the admin console (管理后台): what county administrators may look at and the two
registers they keep.

- Applications, their timeline events, evaluations, home visits, objections, enrolments, active-discovery
  reports and life events are **read-only** here (``ReadOnlyScopedAdmin``): they are written only by the workflow
  services from the case pages and the API. A county administrator sees those of their county; anything else is
  not found.
- 失信记录 (``IntegrityPenalty``) and 近亲属备案 (``RelativeFiling``) are **added** here by the county's
  administrator, through ``integrity_penalty_record`` / ``relative_filing_record`` (validated and audited). A
  record is never edited or deleted in the console: a wrong one is a matter for the audit trail.

The household registry itself is not edited in the admin console: households, members and what is recorded
for them are written only through ``cases.services`` from the pages and the API (``assistance.admin`` manages
regions, staff, programs and illness lists).
"""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.utils import timezone

from assistance.admin import (
    ReadOnlyScopedAdmin,
    ServiceModelAdmin,
    admin_regions,
    administered_q,
    administered_regions,
    adopt,
    is_console_admin,
)
from assistance.roles import RegionLevel
from audit.services import mask_id_number
from cases.id_numbers import parse_id_number
from cases.models import (
    Application,
    ApplicationEvent,
    DiscoveryReport,
    Enrolment,
    EnrolmentChange,
    Evaluation,
    HomeVisit,
    IntegrityPenalty,
    LifeEvent,
    Objection,
    RelativeFiling,
)
from cases.services import integrity_penalty_record, relative_filing_record


def _is_county_admin(user) -> bool:
    """Holds the county administrator role somewhere (the registers' services accept no one else here)."""
    return bool(user.is_active and admin_regions(user))


def _clean_id_number(value: str) -> str:
    try:
        return parse_id_number(value).number
    except ValidationError as error:
        raise forms.ValidationError(error.messages) from None


# --- read-only records of the workflow ------------------------------------------------------------------


class WorkflowRecordAdmin(ReadOnlyScopedAdmin):
    """Every field of the record shown read-only; no add, change, delete or bulk action."""

    actions = None
    list_per_page = 50

    def _field_names(self) -> list[str]:
        opts = self.model._meta
        return [f.name for f in opts.fields if f.name != "id"] + [f.name for f in opts.many_to_many]

    def get_fields(self, request, obj=None):
        return self._field_names()

    def get_readonly_fields(self, request, obj=None):
        return self._field_names()

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class ApplicationEventInline(admin.TabularInline):
    model = ApplicationEvent
    fields = ("day", "step", "label", "actor", "note", "at")
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = False
    verbose_name_plural = "办理记录（时间线）"

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("actor")

    def has_view_permission(self, request, obj=None) -> bool:
        return is_console_admin(request.user)

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Application)
class ApplicationAdmin(WorkflowRecordAdmin):
    scope_path_lookup = "region__path"
    list_display = ("code", "program", "household", "status", "region", "applied_on", "due_on", "decided_on")
    list_filter = ("status", "program", "channel", "kind")
    search_fields = ("=code", "=household__code")
    list_select_related = ("household", "region")
    ordering = ("-applied_on", "-id")
    inlines = (ApplicationEventInline,)


@admin.register(ApplicationEvent)
class ApplicationEventAdmin(WorkflowRecordAdmin):
    scope_path_lookup = "application__region__path"
    list_display = ("application", "day", "step", "label", "actor", "at")
    list_filter = ("step",)
    search_fields = ("=application__code",)
    list_select_related = ("application", "actor")
    ordering = ("-at", "-id")


@admin.register(Evaluation)
class EvaluationAdmin(WorkflowRecordAdmin):
    scope_path_lookup = "application__region__path"
    list_display = ("application", "program", "month", "outcome", "amount", "category", "evaluated_by", "evaluated_at")
    list_filter = ("program", "outcome")
    search_fields = ("=application__code",)
    list_select_related = ("application", "evaluated_by")
    ordering = ("-evaluated_at", "-id")


@admin.register(HomeVisit)
class HomeVisitAdmin(WorkflowRecordAdmin):
    scope_path_lookup = "application__region__path"
    list_display = ("application", "visited_on", "by_county", "signed_by_applicant", "recorded_by", "recorded_at")
    list_filter = ("by_county",)
    search_fields = ("=application__code",)
    list_select_related = ("application", "recorded_by")
    ordering = ("-visited_on", "-id")


@admin.register(Objection)
class ObjectionAdmin(WorkflowRecordAdmin):
    scope_path_lookup = "application__region__path"
    list_display = ("application", "received_on", "recorded_by", "recorded_at")
    search_fields = ("=application__code",)
    list_select_related = ("application", "recorded_by")
    ordering = ("-received_on", "-id")


@admin.register(Enrolment)
class EnrolmentAdmin(WorkflowRecordAdmin):
    scope_path_lookup = "region__path"
    list_display = ("household", "subject", "program", "category", "monthly_amount", "start_month", "status", "region")
    list_filter = ("status", "program")
    search_fields = ("=household__code", "=application__code")
    list_select_related = ("household", "subject", "region")
    ordering = ("-start_month", "-id")


@admin.register(EnrolmentChange)
class EnrolmentChangeAdmin(WorkflowRecordAdmin):
    scope_path_lookup = "enrolment__region__path"
    list_display = ("enrolment", "effective_month", "amount", "previous_amount", "status", "cause", "application")
    list_filter = ("cause", "status")
    search_fields = ("=enrolment__household__code", "=application__code")
    list_select_related = ("enrolment", "application")
    ordering = ("-effective_month", "-id")


@admin.register(DiscoveryReport)
class DiscoveryReportAdmin(WorkflowRecordAdmin):
    scope_path_lookup = "region__path"
    list_display = ("person_name", "region", "suggested_program", "status", "reported_by", "reported_on")
    list_filter = ("status", "suggested_program")
    search_fields = ("person_name",)
    list_select_related = ("region", "reported_by")
    ordering = ("-reported_on", "-id")


@admin.register(LifeEvent)
class LifeEventAdmin(WorkflowRecordAdmin):
    """生命事件: recorded by ``life_event_record`` from the pages, the API or the daily run; read-only here."""

    scope_path_lookup = "household__hukou_region__path"
    list_display = ("occurred_on", "member", "kind", "household", "source", "review_application", "review_due_on")
    list_filter = ("kind", "source")
    search_fields = ("=household__code", "member__name")
    list_select_related = ("member", "household", "review_application")
    ordering = ("-occurred_on", "-id")


# --- the registers county administrators keep --------------------------------------------------------------


class AddOnlyServiceAdmin(ServiceModelAdmin):
    """A register a county administrator adds to through a service and never edits: the add form shows
    ``form.Meta.fields``, an existing row shows ``shown_fields`` read-only. Subclasses implement ``record``
    (call the service with the cleaned data and return the saved row)."""

    actions = None
    shown_fields: tuple[str, ...] = ()

    def record(self, request, data):  # pragma: no cover - every subclass implements it
        raise NotImplementedError

    def get_fields(self, request, obj=None):
        return self.form.Meta.fields if obj is None else self.shown_fields

    def get_readonly_fields(self, request, obj=None):
        return () if obj is None else self.shown_fields

    def has_add_permission(self, request) -> bool:
        return _is_county_admin(request.user)

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def save_model(self, request, obj, form, change):
        adopt(obj, self.record(request, form.cleaned_data))

    def save_related(self, request, form, formsets, change):
        pass


class IntegrityPenaltyForm(forms.ModelForm):
    class Meta:
        model = IntegrityPenalty
        fields = ("county", "id_number", "name", "reason", "starts_on", "ends_on")
        help_texts = {
            "reason": "如：隐瞒家庭收入骗取低保金，已责令退还",
            "ends_on": "惩戒期内不得申请任何社会救助（maiji-2021 §五(三)）",
        }

    def clean_id_number(self) -> str:
        return _clean_id_number(self.cleaned_data.get("id_number", ""))


@admin.register(IntegrityPenalty)
class IntegrityPenaltyAdmin(AddOnlyServiceAdmin):
    """失信记录: added by a county administrator for their county (``integrity_penalty_record``), never edited."""

    form = IntegrityPenaltyForm
    list_display = ("name", "id_number_masked", "reason", "starts_on", "ends_on", "county", "recorded_by")
    search_fields = ("=id_number", "name")
    list_select_related = ("county", "recorded_by")
    ordering = ("-starts_on", "-id")
    shown_fields = (
        "county",
        "id_number_masked",
        "name",
        "reason",
        "starts_on",
        "ends_on",
        "recorded_by",
        "recorded_at",
    )

    @admin.display(description="身份证号")
    def id_number_masked(self, obj) -> str:
        return mask_id_number(obj.id_number)

    def get_queryset(self, request):
        return super().get_queryset(request).filter(administered_q(request.user, "county__path"))

    def get_changeform_initial_data(self, request):
        initial = super().get_changeform_initial_data(request)
        initial.setdefault("starts_on", timezone.localdate())
        counties = [r for r in admin_regions(request.user) if r.level == RegionLevel.COUNTY]
        if len(counties) == 1:
            initial.setdefault("county", counties[0].pk)
        return initial

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "county":
            kwargs["queryset"] = administered_regions(request.user).filter(level=RegionLevel.COUNTY)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def record(self, request, data):
        return integrity_penalty_record(
            actor=request.user,
            county=data["county"],
            id_number=data["id_number"],
            name=data["name"],
            reason=data["reason"],
            starts_on=data["starts_on"],
            ends_on=data["ends_on"],
        )


class RelativeFilingForm(forms.ModelForm):
    class Meta:
        model = RelativeFiling
        fields = ("region", "relative_id_number", "relative_name", "cadre_name", "cadre_position", "relation")
        help_texts = {
            "region": "工作人员或村（社区）干部任职的地区",
            "cadre_position": "如：乡镇民政助理员、村党支部书记、村委会委员",
            "relation": "如：配偶、父亲、子女、兄弟姐妹",
        }

    def clean_relative_id_number(self) -> str:
        return _clean_id_number(self.cleaned_data.get("relative_id_number", ""))


@admin.register(RelativeFiling)
class RelativeFilingAdmin(AddOnlyServiceAdmin):
    """近亲属备案 (dibao-shenhe-queren-banfa-2021 第十一条): added through ``relative_filing_record``; an
    application of a household with a filed member always goes to county review with a county home visit."""

    form = RelativeFilingForm
    list_display = (
        "relative_name",
        "id_number_masked",
        "relation",
        "cadre_name",
        "cadre_position",
        "region",
        "recorded_by",
        "recorded_at",
    )
    search_fields = ("=relative_id_number", "relative_name", "cadre_name")
    list_select_related = ("region", "recorded_by")
    ordering = ("-recorded_at", "-id")
    autocomplete_fields = ("region",)
    shown_fields = (
        "region",
        "id_number_masked",
        "relative_name",
        "relation",
        "cadre_name",
        "cadre_position",
        "recorded_by",
        "recorded_at",
    )

    @admin.display(description="近亲属身份证号")
    def id_number_masked(self, obj) -> str:
        return mask_id_number(obj.relative_id_number)

    def get_queryset(self, request):
        return super().get_queryset(request).filter(administered_q(request.user, "region__path"))

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "region":
            kwargs["queryset"] = administered_regions(request.user).order_by("path")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def record(self, request, data):
        return relative_filing_record(
            actor=request.user,
            region=data["region"],
            relative_id_number=data["relative_id_number"],
            relative_name=data["relative_name"],
            cadre_name=data["cadre_name"],
            cadre_position=data["cadre_position"],
            relation=data["relation"],
        )
