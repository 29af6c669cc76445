"""Bank templates and county payment settings in the admin console (管理后台).

Both are saved through services (``payments.bank_templates``): validated against ``EXPORT_FIELDS`` /
``RESULT_FIELDS`` and audited. A county administrator keeps their county's templates and settings and may look at
the templates of every county; those are kept by a superuser. Nothing is deleted here: a template no longer used is
made inactive.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.db.models import Q

from assistance.admin import ServiceModelAdmin, administered_q, administered_regions, adopt
from assistance.roles import RegionLevel
from payments.bank_templates import bank_template_save, can_edit_template, payment_setting_save
from payments.bankfiles import validate_template
from payments.models import BankTemplate, CountyPaymentSetting
from payments.models.rolls import EXPORT_FIELDS, RESULT_FIELDS


def _fields_help(fields: dict[str, str]) -> str:
    return "；".join(f"{key}：{label}" for key, label in fields.items())


class BankTemplateForm(forms.ModelForm):
    class Meta:
        model = BankTemplate
        fields = [
            "county",
            "name",
            "bank_name",
            "file_format",
            "encoding",
            "delimiter",
            "columns",
            "totals_row",
            "totals_label",
            "result_columns",
            "success_values",
            "is_active",
        ]
        help_texts = {
            "columns": '按顺序列出导出列，如 [{"header": "账号", "field": "account_number"}]。可用字段：'
            + _fields_help(EXPORT_FIELDS),
            "result_columns": '回盘文件的列：字段 → 表头，如 {"reference": "流水号", "status": "处理结果"}。可用字段：'
            + _fields_help(RESULT_FIELDS),
            "success_values": '处理结果列中表示成功的文字，如 ["成功", "0000"]；其他结果均视为失败',
        }

    def clean(self):
        cleaned = super().clean()
        errors = validate_template(
            columns=cleaned.get("columns"),
            result_columns=cleaned.get("result_columns"),
            success_values=cleaned.get("success_values"),
            encoding=cleaned.get("encoding") or "",
            delimiter=cleaned.get("delimiter") or "",
            file_format=cleaned.get("file_format") or "",
        )
        for field, messages in errors.items():
            for message in messages:
                self.add_error(field if field in self.fields else None, message)
        return cleaned


@admin.register(BankTemplate)
class BankTemplateAdmin(ServiceModelAdmin):
    form = BankTemplateForm
    list_display = ("name", "bank_name", "county", "file_format", "encoding", "column_count", "totals_row", "is_active")
    list_filter = ("file_format", "is_active")
    search_fields = ("name", "bank_name")
    list_select_related = ("county",)
    ordering = ("name",)
    actions = None

    @admin.display(description="导出列数")
    def column_count(self, obj) -> int:
        return len(obj.columns or [])

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset
        return queryset.filter(administered_q(request.user, "county__path") | Q(county__isnull=True))

    def has_change_permission(self, request, obj=None) -> bool:
        if not super().has_change_permission(request, obj):
            return False
        return obj is None or can_edit_template(request.user, obj.county)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "county" and not request.user.is_superuser:
            kwargs["queryset"] = administered_regions(request.user).filter(level=RegionLevel.COUNTY)
            kwargs["required"] = True
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        if change and not form.has_changed():
            return
        adopt(obj, bank_template_save(actor=request.user, template=obj))


@admin.register(CountyPaymentSetting)
class CountyPaymentSettingAdmin(ServiceModelAdmin):
    list_display = ("county", "roll_day", "bank_template", "updated_at")
    list_select_related = ("county", "bank_template")
    ordering = ("county__path",)
    actions = None

    def get_queryset(self, request):
        return super().get_queryset(request).filter(administered_q(request.user, "county__path"))

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "county" and not request.user.is_superuser:
            kwargs["queryset"] = administered_regions(request.user).filter(level=RegionLevel.COUNTY)
        if db_field.name == "bank_template":
            kwargs["queryset"] = BankTemplate.objects.filter(
                Q(county__isnull=True) | administered_q(request.user, "county__path"), is_active=True
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        if change and not form.has_changed():
            return
        adopt(obj, payment_setting_save(actor=request.user, setting=obj))
