"""The standards console (政策参数) in the admin: policy profiles and their parameter versions.

County administrators see the profiles of their counties. They propose a new value (a draft, through
``parameter_propose``); a different administrator approves or rejects it with the changelist actions
"批准" / "驳回" (``parameter_approve`` / ``parameter_reject``, four eyes). Before approving, the approver opens
the draft's "影响预览" (``preview.impact_preview``: the registered households of the counties it governs evaluated
with and without it), which also offers the approval. A version is never edited in place.
The profiles themselves come from ``eligibility/profiles/*.json`` (``manage.py load_profiles``) and are read-only.
"""

from __future__ import annotations

import json

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME, ActionForm
from django.db.models import Count, Q
from django.http import Http404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join

from assistance.admin import ReadOnlyScopedAdmin, ServiceModelAdmin, administered_q, adopt, is_console_admin
from assistance.errors import ApplicationError
from eligibility.models import ParameterStatus, ParameterVersion, PolicyProfile
from eligibility.preview import LIST_LIMIT, impact_preview
from eligibility.rules.schema import PARAMETERS
from eligibility.selectors import stored_timelines
from eligibility.services import parameter_approve, parameter_propose, parameter_reject

VALUE_HELP = (
    "金额填元（如 620）；比例或倍数填小数（如 0.5、1.3）；整数如 18；是/否；"
    '列表用顿号分隔（如 pension、subsidy）；对照表填 JSON 对象（如 {"A": 12, "C": 6}）'
)


def visible_profiles(user):
    """Profiles the user may see: all for a superuser, those governing a county they administer otherwise."""
    if user.is_superuser:
        return PolicyProfile.objects.all()
    return PolicyProfile.objects.filter(
        pk__in=PolicyProfile.objects.filter(administered_q(user, "jurisdictions__path")).values("pk")
    )


def parse_value_text(key: str, text: str):
    """Turn what an administrator typed into the JSON form of the parameter (the service validates it)."""
    definition = PARAMETERS.get(key)
    text = (text or "").strip()
    if definition is None:
        return text
    if definition.type == "int":
        try:
            return int(text)
        except ValueError:
            raise forms.ValidationError("请填写整数") from None
    if definition.type == "bool":
        answers = {"是": True, "true": True, "1": True, "否": False, "false": False, "0": False}
        if text.lower() not in answers:
            raise forms.ValidationError("请填写 是 或 否")
        return answers[text.lower()]
    if definition.type == "list":
        if text.startswith("["):
            try:
                return json.loads(text)
            except json.JSONDecodeError:
                raise forms.ValidationError("列表格式有误") from None
        return [item.strip() for item in text.replace("，", ",").replace("、", ",").split(",") if item.strip()]
    if definition.type == "map":
        try:
            return json.loads(text)
        except json.JSONDecodeError:
            raise forms.ValidationError('请填写 JSON 对象，如 {"A": 12}') from None
    return text


class ParameterProposeForm(forms.ModelForm):
    key = forms.ChoiceField(label="参数", choices=())
    value = forms.CharField(label="取值", help_text=VALUE_HELP)

    class Meta:
        model = ParameterVersion
        fields = ("profile", "key", "effective_from", "value", "clause", "local_default", "note")
        help_texts = {"effective_from": "当月1日（参数按月生效），如 2027-07-01"}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "key" in self.fields:  # the add page (a saved version is shown read-only)
            self.fields["key"].choices = [("", "---------")] + [
                (d.key, f"{d.label}（{d.key}）") for d in PARAMETERS.values()
            ]

    def clean(self):
        cleaned_data = super().clean()
        key, text = cleaned_data.get("key"), cleaned_data.get("value")
        if key and text is not None:
            try:
                cleaned_data["value"] = parse_value_text(key, text)
            except forms.ValidationError as error:
                self.add_error("value", error)
        return cleaned_data

    def _post_clean(self):
        # The version is built and validated by ``parameter_propose`` (with its Chinese messages).
        pass


class RejectActionForm(ActionForm):
    reason = forms.CharField(label="驳回理由", required=False, max_length=500)


@admin.register(PolicyProfile)
class PolicyProfileAdmin(ReadOnlyScopedAdmin):
    list_display = ("code", "name", "parent", "document", "counties", "version_count")
    search_fields = ("code", "name", "document")
    ordering = ("code",)
    fields = ("code", "name", "parent", "document", "counties", "in_force")
    readonly_fields = fields

    def get_queryset(self, request):
        qs = PolicyProfile.objects.select_related("parent").prefetch_related("jurisdictions")
        qs = qs.annotate(approved=Count("versions", filter=Q(versions__status=ParameterStatus.APPROVED)))
        return qs.filter(pk__in=visible_profiles(request.user).values("pk"))

    @admin.display(description="适用县（市、区）")
    def counties(self, obj) -> str:
        return "、".join(f"{c.name}（{c.code}）" for c in obj.jurisdictions.all()) or "—"

    @admin.display(description="已批准版本数")
    def version_count(self, obj) -> int:
        return obj.approved

    @admin.display(description="本月生效的参数（含上级档案）")
    def in_force(self, obj):
        chain = []
        profile = obj
        while profile is not None and len(chain) < 20:
            chain.append((profile.pk, profile.code))
            profile = profile.parent
        timelines = stored_timelines(chain[::-1])
        month = timezone.localdate().replace(day=1)
        rows = []
        for key, definition in PARAMETERS.items():
            versions = timelines.get(key, ())
            try:
                current = next(v for v in reversed(versions) if v.effective_from <= month)
            except StopIteration:
                rows.append((definition.label, "（缺失）", "", ""))
                continue
            value = current.value
            if isinstance(value, tuple):
                value = "、".join(value)
            elif isinstance(value, bool):
                value = "是" if value else "否"
            elif hasattr(value, "items"):
                value = "，".join(f"{k}：{v}" for k, v in value.items())
            source = current.clause or "本地默认值/演示数据"
            rows.append((definition.label, f"{value} {definition.unit}".strip(), source, current.profile))
        return format_html_join("", "<div>{}：{}（{}；{}）</div>", rows)

    def has_view_permission(self, request, obj=None) -> bool:
        if obj is not None and not request.user.is_superuser:
            return is_console_admin(request.user) and visible_profiles(request.user).filter(pk=obj.pk).exists()
        return is_console_admin(request.user)


@admin.register(ParameterVersion)
class ParameterVersionAdmin(ServiceModelAdmin):
    form = ParameterProposeForm
    action_form = RejectActionForm
    actions = ("approve_selected", "reject_selected")
    list_display = (
        "profile",
        "key_label",
        "effective_from",
        "value_shown",
        "status",
        "clause",
        "local_default",
        "is_demo",
        "recorded_by",
        "approved_by",
        "preview_link",
    )
    list_filter = ("status", ("profile", admin.RelatedOnlyFieldListFilter), "is_demo", "local_default")
    search_fields = ("key", "clause", "note")
    list_select_related = ("profile", "recorded_by", "approved_by")
    ordering = ("profile__code", "key", "-effective_from", "-id")
    readonly_fields = (
        "profile",
        "key",
        "key_label",
        "effective_from",
        "value_shown",
        "clause",
        "local_default",
        "is_demo",
        "note",
        "status",
        "recorded_by",
        "recorded_at",
        "approved_by",
        "approved_at",
        "rejected_by",
        "rejected_at",
        "rejection_reason",
        "superseded_by",
        "preview_link",
    )

    def get_queryset(self, request):
        return super().get_queryset(request).filter(profile__in=visible_profiles(request.user).values("pk"))

    def get_fields(self, request, obj=None):
        if obj is None:
            return ("profile", "key", "effective_from", "value", "clause", "local_default", "note")
        return self.readonly_fields

    def get_readonly_fields(self, request, obj=None):
        return () if obj is None else self.readonly_fields

    def has_change_permission(self, request, obj=None) -> bool:
        return False  # never edited in place: propose a new version instead

    def has_approve_permission(self, request) -> bool:
        return is_console_admin(request.user)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "profile":
            kwargs["queryset"] = visible_profiles(request.user).order_by("code")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    @admin.display(description="参数", ordering="key")
    def key_label(self, obj) -> str:
        definition = PARAMETERS.get(obj.key)
        return definition.label if definition else obj.key

    @admin.display(description="取值")
    def value_shown(self, obj) -> str:
        return obj.value_display

    @admin.display(description="影响预览")
    def preview_link(self, obj) -> str:
        if obj is None or obj.pk is None or obj.status != ParameterStatus.DRAFT:
            return "—"
        url = reverse("admin:eligibility_parameterversion_preview", args=[obj.pk])
        return format_html('<a href="{}">查看影响预览（批准前请先查看）</a>', url)

    def get_urls(self):
        preview = self.admin_site.admin_view(self.preview_view)
        return [
            path("<int:object_id>/preview/", preview, name="eligibility_parameterversion_preview"),
            *super().get_urls(),
        ]

    def preview_view(self, request, object_id: int):
        """影响预览: the draft's effect on the registered households of its counties, with the approval button."""
        if not self.has_view_permission(request):
            raise Http404
        version = self.get_queryset(request).select_related("profile", "recorded_by").filter(pk=object_id).first()
        if version is None:
            raise Http404  # another county's version: not visible
        result, error = None, ""
        try:
            result = impact_preview(version=version)
        except ApplicationError as refused:
            error = refused.message
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": f"影响预览：{version}",
            "version": version,
            "key_label": self.key_label(version),
            "result": result,
            "error": error,
            "limit": LIST_LIMIT,
            "listed": result.listed() if result is not None else (),
            "can_approve": version.status == ParameterStatus.DRAFT
            and version.recorded_by_id != request.user.pk
            and self.has_approve_permission(request),
            "action_checkbox_name": ACTION_CHECKBOX_NAME,
            "changelist_url": reverse("admin:eligibility_parameterversion_changelist"),
        }
        return TemplateResponse(request, "admin/eligibility/parameterversion/impact_preview.html", context)

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        saved = parameter_propose(
            actor=request.user,
            profile=data["profile"],
            key=data["key"],
            effective_from=data["effective_from"],
            value=data["value"],
            clause=data.get("clause", ""),
            local_default=data.get("local_default", False),
            note=data.get("note", ""),
        )
        adopt(obj, saved)

    def save_related(self, request, form, formsets, change):
        pass

    def _decide(self, request, queryset, decide, done: str) -> None:
        succeeded, refused = 0, []
        for version in queryset.select_related("profile"):
            try:
                decide(version)
            except ApplicationError as error:
                refused.append(f"{version}：{error.message}")
            else:
                succeeded += 1
        if succeeded:
            self.message_user(request, f"已{done} {succeeded} 个参数版本", messages.SUCCESS)
        for message in refused:
            self.message_user(request, f"未{done} {message}", messages.ERROR)

    @admin.action(description="批准所选的待审批版本", permissions=["approve"])
    def approve_selected(self, request, queryset):
        self._decide(request, queryset, lambda v: parameter_approve(actor=request.user, version=v), "批准")

    @admin.action(description="驳回所选的待审批版本（在“驳回理由”中填写理由）", permissions=["approve"])
    def reject_selected(self, request, queryset):
        reason = request.POST.get("reason", "")
        self._decide(
            request, queryset, lambda v: parameter_reject(actor=request.user, version=v, reason=reason), "驳回"
        )
