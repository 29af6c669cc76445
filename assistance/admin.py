"""The admin console (管理后台) for regions, staff and their role assignments, the program catalogue and
each county's recognised-illness list.

Who sees what is decided by our roles, not by Django's model permissions: a superuser administers
everything; a county administrator (``county_admin``, who gets ``is_staff`` with the role) administers
the regions of their county and the staff all of whose active assignments lie in it. Anything outside
is simply not found. Nothing is deleted here (regions are PROTECTed; staff are deactivated and role
assignments revoked), and every save goes through ``assistance.services`` so it is validated and audited.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.contrib.admin.forms import AdminPasswordChangeForm
from django.contrib.admin.widgets import RelatedFieldWidgetWrapper
from django.contrib.auth import password_validation
from django.contrib.auth.views import PasswordChangeView
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Exists, IntegerField, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils.html import format_html_join

from assistance.errors import ApplicationError
from assistance.models import (
    CalendarOverride,
    CalendarYear,
    Job,
    Program,
    RecognisedIllness,
    Region,
    RoleAssignment,
    Staff,
)
from assistance.roles import RegionLevel, Role, capabilities_for
from assistance.scoping import active_assignments
from assistance.services import (
    calendar_override_delete,
    calendar_override_set,
    calendar_year_declare,
    calendar_year_undeclare,
    can_administer_region,
    can_manage_staff,
    illness_save,
    program_save,
    region_create,
    region_update,
    role_assign,
    role_revoke,
    staff_change_own_password,
    staff_create,
    staff_update,
)

# --- who may administer what -------------------------------------------------------------------------


def admin_regions(user) -> list[Region]:
    """Return the regions (counties) the user administers as a county administrator."""
    return [a.region for a in active_assignments(user) if a.role == Role.COUNTY_ADMIN]


def is_console_admin(user) -> bool:
    """A superuser, or a county administrator (the only roles with business in the admin console)."""
    return bool(user.is_active and (user.is_superuser or capabilities_for(user).manage_staff))


def administered_q(user, path_lookup: str = "path") -> Q:
    """Return a Q matching objects whose ``path_lookup`` lies in a county the user administers."""
    if user.is_superuser:
        return Q()
    q = Q(pk__in=[])
    for region in admin_regions(user):
        q |= Q(**{f"{path_lookup}__startswith": region.path})
    return q


def administered_regions(user) -> QuerySet[Region]:
    return Region.objects.filter(administered_q(user))


# --- saving through the services ---------------------------------------------------------------------


def adopt(target, saved) -> None:
    """Copy the state of ``saved`` (returned by a service) onto the admin's form instance ``target``."""
    for key, value in saved.__dict__.items():
        if key != "_state":
            target.__dict__[key] = value
    target._state.adding = False
    target._state.db = saved._state.db


def add_service_error(form: forms.BaseForm, error: ApplicationError) -> None:
    """Put a service's refusal on the form: field messages next to their fields, the message on top."""
    messages = [error.message]
    for name, field_messages in error.fields.items():
        for message in field_messages:
            if name in form.fields and name not in getattr(form, "_disabled_names", ()):
                form.add_error(name, message)
            elif message not in messages:
                messages.append(message)
    for message in messages:
        form.add_error(None, message)


class ServiceModelAdmin(admin.ModelAdmin):
    """A ModelAdmin whose saves call services, with our capabilities instead of Django's permissions.

    When a service refuses a save (``ApplicationError``) the admin's transaction is rolled back and the
    form is shown again, with the same input and the Chinese messages as form errors (status 200) —
    never a 500 and never half-saved.
    """

    show_full_result_count = False

    # -- permissions --
    def has_module_permission(self, request) -> bool:
        return is_console_admin(request.user)

    def has_view_permission(self, request, obj=None) -> bool:
        return is_console_admin(request.user)

    def has_add_permission(self, request) -> bool:
        return is_console_admin(request.user)

    def has_change_permission(self, request, obj=None) -> bool:
        return is_console_admin(request.user)

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def delete_model(self, request, obj) -> None:
        raise PermissionDenied

    def delete_queryset(self, request, queryset) -> None:
        raise PermissionDenied

    # -- service errors become form errors --
    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except ApplicationError as error:
            if request.method != "POST" or getattr(request, "_service_error", None) is not None:
                raise
            # The admin's transaction has been rolled back; validate the same POST again, this time
            # with the refusal attached to the form so it is re-rendered with the messages.
            request._service_error = error
            return super().changeform_view(request, object_id, form_url, extra_context)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form_class = super().get_form(request, obj, change, **kwargs)
        error = getattr(request, "_service_error", None)
        if error is None:
            return form_class

        class RefusedForm(form_class):
            def clean(self):
                cleaned_data = super().clean()
                add_service_error(self, error)
                return cleaned_data

        RefusedForm.__name__ = form_class.__name__
        return RefusedForm


# --- regions -----------------------------------------------------------------------------------------


class ReadOnlyScopedAdmin(ServiceModelAdmin):
    """A view-only admin of records kept elsewhere (audit events, standards), limited to the county
    administrator's counties. ``scope_path_lookup`` names the lookup of the record's region path."""

    scope_path_lookup = "path"

    def get_queryset(self, request):
        return super().get_queryset(request).filter(administered_q(request.user, self.scope_path_lookup))

    def has_view_permission(self, request, obj=None) -> bool:
        return is_console_admin(request.user)

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


class RegionAdmin(ServiceModelAdmin):
    list_display = ("code", "name", "level", "parent", "is_urban", "path")
    list_filter = ("level", "is_urban")
    search_fields = ("code", "name")
    list_select_related = ("parent",)
    ordering = ("path",)
    autocomplete_fields = ("parent",)
    list_per_page = 50

    def get_queryset(self, request):
        return super().get_queryset(request).filter(administered_q(request.user))

    def get_fields(self, request, obj=None):
        if obj is None:
            return ("code", "name", "level", "parent", "is_urban")
        return ("code", "name", "level", "parent", "path", "is_urban", "created_at", "updated_at")

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return ()
        return ("code", "level", "parent", "path", "created_at", "updated_at")

    def has_view_permission(self, request, obj=None) -> bool:
        if obj is not None:
            return is_console_admin(request.user) and can_administer_region(request.user, obj)
        return is_console_admin(request.user)

    def has_change_permission(self, request, obj=None) -> bool:
        return self.has_view_permission(request, obj)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "parent":
            kwargs["queryset"] = administered_regions(request.user).exclude(level=RegionLevel.VILLAGE)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_search_results(self, request, queryset, search_term):
        queryset, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        # The autocomplete for a parent region offers regions that can have children.
        if request.path.endswith("/autocomplete/") and request.GET.get("field_name") == "parent":
            queryset = queryset.exclude(level=RegionLevel.VILLAGE)
        return queryset, may_have_duplicates

    def save_model(self, request, obj, form, change):
        if change and not form.has_changed():
            return  # nothing to record
        data = form.cleaned_data
        if change:
            saved = region_update(actor=request.user, region=obj, name=data["name"], is_urban=data["is_urban"])
        else:
            saved = region_create(
                actor=request.user,
                code=data["code"],
                name=data["name"],
                level=data["level"],
                parent=data.get("parent"),
                is_urban=data.get("is_urban", False),
            )
        adopt(obj, saved)


# --- programs ----------------------------------------------------------------------------------------


class ProgramAdmin(ServiceModelAdmin):
    """The national catalogue: county administrators may look, only superusers change it."""

    list_display = ("code", "name", "short_name", "kind", "by_household", "is_active", "sort_order")
    list_filter = ("kind", "is_active")
    search_fields = ("code", "name", "short_name")
    ordering = ("sort_order", "code")

    def has_add_permission(self, request) -> bool:
        return request.user.is_active and request.user.is_superuser

    def has_change_permission(self, request, obj=None) -> bool:
        return request.user.is_active and request.user.is_superuser

    def save_model(self, request, obj, form, change):
        if change and not form.has_changed():
            return
        adopt(obj, program_save(actor=request.user, program=obj))


# --- the working-day calendar ------------------------------------------------------------------------


class CalendarOverrideAdmin(ServiceModelAdmin):
    """Dates recorded over the library's holiday calendar. National: county administrators may look, only
    superusers record, change or remove (through the services, audited)."""

    list_display = ("day", "weekday", "is_working_day", "note", "recorded_by", "recorded_at")
    list_filter = ("is_working_day",)
    search_fields = ("note",)
    date_hierarchy = "day"
    list_select_related = ("recorded_by",)
    ordering = ("-day",)
    actions = None

    @admin.display(description="星期")
    def weekday(self, obj) -> str:
        return "星期" + "一二三四五六日"[obj.day.weekday()]

    def get_fields(self, request, obj=None):
        if obj is None:
            return ("day", "is_working_day", "note")
        return ("day", "is_working_day", "note", "recorded_by", "recorded_at")

    def get_readonly_fields(self, request, obj=None):
        return () if obj is None else ("day", "recorded_by", "recorded_at")

    def has_add_permission(self, request) -> bool:
        return request.user.is_active and request.user.is_superuser

    def has_change_permission(self, request, obj=None) -> bool:
        return request.user.is_active and request.user.is_superuser

    def has_delete_permission(self, request, obj=None) -> bool:
        return request.user.is_active and request.user.is_superuser

    def delete_model(self, request, obj) -> None:
        calendar_override_delete(actor=request.user, override=obj)

    def delete_queryset(self, request, queryset) -> None:
        for override in queryset:
            calendar_override_delete(actor=request.user, override=override)

    def save_model(self, request, obj, form, change):
        if change and not form.has_changed():
            return
        data = form.cleaned_data
        saved = calendar_override_set(
            actor=request.user,
            day=data["day"] if not change else obj.day,
            is_working_day=data["is_working_day"],
            note=data["note"],
        )
        adopt(obj, saved)


class CalendarYearAdmin(ServiceModelAdmin):
    """Years whose whole holiday arrangement has been entered as overrides (deadlines in them are no longer
    provisional). County administrators may look; only superusers declare or withdraw (through the
    services, audited). A declaration is not edited: withdraw it and declare again."""

    list_display = ("year", "source", "override_days", "declared_by", "declared_at")
    search_fields = ("source",)
    list_select_related = ("declared_by",)
    ordering = ("-year",)
    actions = None

    def get_queryset(self, request):
        recorded = (
            CalendarOverride.objects.filter(day__year=OuterRef("year"))
            .order_by()
            .values("day__year")
            .annotate(days=Count("pk"))
            .values("days")
        )
        return (
            super()
            .get_queryset(request)
            .annotate(override_days=Coalesce(Subquery(recorded, output_field=IntegerField()), 0))
        )

    @admin.display(description="已补录天数", ordering="override_days")
    def override_days(self, obj) -> int:
        return getattr(obj, "override_days", 0)

    def get_fields(self, request, obj=None):
        if obj is None:
            return ("year", "source")
        return ("year", "source", "declared_by", "declared_at")

    def get_readonly_fields(self, request, obj=None):
        return () if obj is None else ("year", "source", "declared_by", "declared_at")

    def has_add_permission(self, request) -> bool:
        return request.user.is_active and request.user.is_superuser

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return request.user.is_active and request.user.is_superuser

    def delete_model(self, request, obj) -> None:
        calendar_year_undeclare(actor=request.user, calendar_year=obj)

    def delete_queryset(self, request, queryset) -> None:
        for calendar_year in queryset:
            calendar_year_undeclare(actor=request.user, calendar_year=calendar_year)

    def save_model(self, request, obj, form, change):
        if change:
            return  # read-only once declared
        data = form.cleaned_data
        adopt(obj, calendar_year_declare(actor=request.user, year=data["year"], source=data["source"]))


# --- recognised illnesses ----------------------------------------------------------------------------


class AdministeredCountyFilter(admin.SimpleListFilter):
    title = "县（市、区）"
    parameter_name = "county"

    def lookups(self, request, model_admin):
        counties = administered_regions(request.user).filter(level=RegionLevel.COUNTY).order_by("path")
        return [(str(c.pk), c.name) for c in counties]

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(county_id=self.value())
        return queryset


class RecognisedIllnessAdmin(ServiceModelAdmin):
    list_display = ("name", "county", "is_active", "created_at")
    list_filter = (AdministeredCountyFilter, "is_active")
    search_fields = ("name",)
    list_select_related = ("county",)
    ordering = ("county__path", "name")

    def get_queryset(self, request):
        return super().get_queryset(request).filter(administered_q(request.user, "county__path"))

    def get_fields(self, request, obj=None):
        return ("county", "name", "is_active")

    def get_readonly_fields(self, request, obj=None):
        return () if obj is None else ("county",)

    def has_view_permission(self, request, obj=None) -> bool:
        if obj is not None:
            return is_console_admin(request.user) and can_administer_region(request.user, obj.county)
        return is_console_admin(request.user)

    def has_change_permission(self, request, obj=None) -> bool:
        return self.has_view_permission(request, obj)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "county":
            kwargs["queryset"] = administered_regions(request.user).filter(level=RegionLevel.COUNTY)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        if change and not form.has_changed():
            return
        adopt(obj, illness_save(actor=request.user, illness=obj))


# --- staff and their role assignments ----------------------------------------------------------------


def _region_choices(user) -> QuerySet[Region]:
    """Regions a role may be given over: the administered subtree (the service checks the level each role
    needs; city and province auditors are appointed by a superuser)."""
    return administered_regions(user).order_by("path")


def _password_message(problem: forms.ValidationError) -> str:
    """Return a password validator's message in Chinese (Django 5.2 ships no zh-hans text for "too short")."""
    if problem.code == "password_too_short":
        return f"密码太短，至少需要{(problem.params or {}).get('min_length', 8)}个字符"
    return " ".join(problem.messages)


class PasswordPairMixin:
    """Two password inputs that must match and pass the configured validators."""

    password_fields = ("password1", "password2")
    password_required = True

    def clean_password2(self):
        first, second = (self.cleaned_data.get(n) for n in self.password_fields)
        if (first or second or self.password_required) and first != second:
            raise forms.ValidationError("两次输入的密码不一致")
        return second

    def validate_password(self, user) -> None:
        password = self.cleaned_data.get(self.password_fields[1])
        if password:
            try:
                password_validation.validate_password(password, user)
            except forms.ValidationError as error:
                for problem in error.error_list:
                    self.add_error(self.password_fields[1], _password_message(problem))


class StaffAddForm(PasswordPairMixin, forms.ModelForm):
    password1 = forms.CharField(label="密码", strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "off"}))
    password2 = forms.CharField(
        label="确认密码",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "off"}),
        help_text="再次输入密码",
    )
    role = forms.ChoiceField(label="岗位", choices=[("", "---------"), *Role.choices])
    region = forms.ModelChoiceField(label="管辖区划", queryset=Region.objects.none())

    class Meta:
        model = Staff
        fields = ("username", "display_name", "phone")

    def __init__(self, *args, request=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["display_name"].required = True
        if request is not None:
            self.fields["region"].queryset = _region_choices(request.user)
            if request.user.is_superuser:
                # A superuser may create an account without a role (e.g. another system administrator).
                self.fields["role"].required = False
                self.fields["region"].required = False

    def clean(self):
        cleaned_data = super().clean()
        if bool(cleaned_data.get("role")) != bool(cleaned_data.get("region")):
            self.add_error("region" if cleaned_data.get("role") else "role", "岗位和管辖区划须同时填写")
        self.validate_password(Staff(username=cleaned_data.get("username") or ""))
        return cleaned_data


class StaffChangeForm(PasswordPairMixin, forms.ModelForm):
    password_required = False
    password1 = forms.CharField(
        label="新密码",
        required=False,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text="留空则不修改密码",
    )
    password2 = forms.CharField(
        label="确认新密码", required=False, strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "off"})
    )

    class Meta:
        model = Staff
        fields = ("display_name", "phone", "is_active")

    def __init__(self, *args, request=None, **kwargs):
        super().__init__(*args, **kwargs)
        if "is_active" in self.fields:
            self.fields["is_active"].help_text = "取消勾选即停用该账号（人员不删除，历史记录保留）"

    def clean(self):
        cleaned_data = super().clean()
        self.validate_password(self.instance)
        return cleaned_data


class RoleAssignmentForm(forms.ModelForm):
    """A row of the staff member's roles: new rows grant a role; existing active rows can be revoked."""

    revoke = forms.BooleanField(label="撤销", required=False)

    class Meta:
        model = RoleAssignment
        fields = ("role", "region")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self._disabled_names = ("role", "region")
            for name in self._disabled_names:
                self.fields[name].disabled = True
                self.fields[name].required = False
            if not self.instance.is_active:
                self.fields["revoke"].disabled = True

    def validate_unique(self):
        # Duplicates and incompatible roles are the service's to refuse (with the Chinese message).
        pass

    def _post_clean(self):
        # The assignment is created by ``role_assign``; skip the model validation of a half-built row.
        pass


class RoleAssignmentInline(admin.TabularInline):
    model = RoleAssignment
    fk_name = "staff"
    form = RoleAssignmentForm
    extra = 1
    can_delete = False
    fields = ("role", "region", "is_active", "granted_by", "created_at", "ended_at", "revoke")
    readonly_fields = ("is_active", "granted_by", "created_at", "ended_at")
    autocomplete_fields = ("region",)
    verbose_name = "岗位授权"
    verbose_name_plural = "岗位授权（新增一行即授予岗位；勾选“撤销”即撤销该岗位）"

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("region", "granted_by").order_by("-is_active", "id")

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "region":
            kwargs["queryset"] = _region_choices(request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        formfield = super().formfield_for_dbfield(db_field, request, **kwargs)
        if formfield is not None and isinstance(formfield.widget, RelatedFieldWidgetWrapper):
            # A role row picks a region; editing regions from here would only confuse.
            wrapper = formfield.widget
            wrapper.can_add_related = wrapper.can_change_related = wrapper.can_view_related = False
            wrapper.can_delete_related = False
        return formfield

    def has_view_permission(self, request, obj=None) -> bool:
        return is_console_admin(request.user)

    def has_add_permission(self, request, obj=None) -> bool:
        return is_console_admin(request.user)

    def has_change_permission(self, request, obj=None) -> bool:
        return is_console_admin(request.user)

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class StaffAdmin(ServiceModelAdmin):
    form = StaffChangeForm
    add_form = StaffAddForm
    list_display = ("username", "display_name", "role_summary", "phone", "is_active", "is_staff", "last_login")
    list_filter = ("is_active",)
    search_fields = ("username", "display_name", "phone")
    ordering = ("username",)
    inlines = (RoleAssignmentInline,)
    add_fieldsets = (
        (None, {"fields": ("username", "display_name", "phone")}),
        ("密码", {"fields": ("password1", "password2")}),
        ("首个岗位", {"fields": ("role", "region"), "description": "县级管理员须为新人员指定岗位和管辖区划"}),
    )
    change_fieldsets = (
        (None, {"fields": ("username", "display_name", "phone", "is_active")}),
        ("重置密码", {"fields": ("password1", "password2")}),
        ("账号信息", {"fields": ("is_staff", "is_superuser", "last_login", "date_joined")}),
    )

    @admin.display(description="岗位")
    def role_summary(self, obj) -> str:
        return format_html_join(
            "、", "{}（{}）", ((a.get_role_display(), a.region.name) for a in getattr(obj, "active_roles", []))
        )

    def get_queryset(self, request):
        qs = (
            super()
            .get_queryset(request)
            .filter(is_system=False)
            .prefetch_related(
                Prefetch(
                    "assignments",
                    queryset=RoleAssignment.objects.filter(is_active=True).select_related("region"),
                    to_attr="active_roles",
                )
            )
        )
        user = request.user
        if user.is_superuser:
            return qs
        region_q = administered_q(user, "region__path")
        active = RoleAssignment.objects.filter(staff=OuterRef("pk"), is_active=True)
        return (
            qs.filter(is_superuser=False)
            .filter(Exists(active.filter(region_q)))
            .exclude(Exists(active.exclude(region_q)))
        )

    def get_fieldsets(self, request, obj=None):
        return self.add_fieldsets if obj is None else self.change_fieldsets

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return ()
        return ("username", "is_staff", "is_superuser", "last_login", "date_joined")

    def get_inlines(self, request, obj):
        return () if obj is None else self.inlines

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is None:
            kwargs["form"] = self.add_form
        form_class = super().get_form(request, obj, change, **kwargs)

        class RequestForm(form_class):
            def __init__(self, *args, **kw):
                super().__init__(*args, request=request, **kw)

        RequestForm.__name__ = form_class.__name__
        return RequestForm

    def has_view_permission(self, request, obj=None) -> bool:
        if obj is not None:
            return is_console_admin(request.user) and can_manage_staff(request.user, obj)
        return is_console_admin(request.user)

    def has_change_permission(self, request, obj=None) -> bool:
        return self.has_view_permission(request, obj)

    def save_model(self, request, obj, form, change):
        if change and not form.has_changed():
            return  # only the role rows may have changed
        data = form.cleaned_data
        if change:
            saved = staff_update(
                actor=request.user,
                staff=obj,
                display_name=data["display_name"],
                phone=data["phone"],
                is_active=data["is_active"],
                password=data.get("password2") or None,
            )
        else:
            saved = staff_create(
                actor=request.user,
                username=data["username"],
                display_name=data["display_name"],
                phone=data.get("phone", ""),
                password=data["password2"],
                role=data.get("role") or None,
                region=data.get("region"),
            )
        adopt(obj, saved)

    def save_related(self, request, form, formsets, change):
        # No many-to-many fields are edited here (groups and Django permissions are not used).
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)

    def save_formset(self, request, form, formset, change):
        """Grant new roles and revoke ticked ones through the services (each audited)."""
        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
        if formset.model is not RoleAssignment:
            return
        staff = form.instance
        for row in formset.forms:
            if not row.has_changed() or not hasattr(row, "cleaned_data"):
                continue
            data = row.cleaned_data
            if row.instance.pk:
                if data.get("revoke") and row.instance.is_active:
                    revoked = role_revoke(actor=request.user, assignment=row.instance)
                    formset.changed_objects.append((revoked, ["is_active"]))
            elif data.get("role") or data.get("region"):
                if not data.get("role") or not data.get("region"):
                    raise ApplicationError("岗位和管辖区划须同时填写", code="invalid")
                formset.new_objects.append(
                    role_assign(actor=request.user, staff=staff, role=data["role"], region=data["region"])
                )


# --- the signed-in administrator's own password -------------------------------------------------------


class AuditedPasswordChangeForm(AdminPasswordChangeForm):
    """The admin's "修改密码" page: Django's checks (old password, rules), saved through the audited service."""

    def add_error(self, field, error):
        if isinstance(error, forms.ValidationError) and not hasattr(error, "error_dict"):
            error = forms.ValidationError([_password_message(problem) for problem in error.error_list])
        super().add_error(field, error)

    def save(self, commit=True):
        saved = staff_change_own_password(actor=self.user, password=self.cleaned_data["new_password1"])
        self.user.password = saved.password  # keeps this session signed in (update_session_auth_hash)
        return self.user


def password_change(request, extra_context=None):
    url = reverse("admin:password_change_done", current_app=admin.site.name)
    defaults = {
        "form_class": AuditedPasswordChangeForm,
        "success_url": url,
        "extra_context": {**admin.site.each_context(request), **(extra_context or {})},
    }
    request.current_app = admin.site.name
    return PasswordChangeView.as_view(**defaults)(request)


admin.site.password_change = password_change
# --- long-running jobs ----------------------------------------------------------------------------------


class JobAdmin(ReadOnlyScopedAdmin):
    """Long-running jobs (后台任务), view-only: they are written only by ``assistance.jobs``. A county
    administrator sees the jobs of their counties; jobs of no county only a superuser sees."""

    scope_path_lookup = "county__path"

    list_display = (
        "id",
        "label",
        "kind",
        "county",
        "status",
        "done",
        "total",
        "failed",
        "trigger",
        "started_by",
        "started_at",
        "finished_at",
    )
    list_filter = ("status", "kind", "trigger")
    search_fields = ("label", "=key", "=kind")
    list_select_related = ("county", "started_by")
    ordering = ("-created_at", "-id")
    list_per_page = 50
    fields = (
        "label",
        "kind",
        "key",
        "county",
        "started_by",
        "trigger",
        "status",
        "total",
        "done",
        "failed",
        "attempts",
        "params",
        "result",
        "error",
        "created_at",
        "started_at",
        "heartbeat_at",
        "finished_at",
    )
    readonly_fields = fields


admin.site.register(Region, RegionAdmin)
admin.site.register(Program, ProgramAdmin)
admin.site.register(RecognisedIllness, RecognisedIllnessAdmin)
admin.site.register(Staff, StaffAdmin)
admin.site.register(CalendarOverride, CalendarOverrideAdmin)
admin.site.register(CalendarYear, CalendarYearAdmin)
admin.site.register(Job, JobAdmin)
