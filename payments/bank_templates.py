"""Bank templates (银行代发模板): the ones every county starts with, and the service that saves one.

A template is data an administrator edits in the admin console (管理后台): the columns of the payment file (fields
from ``EXPORT_FIELDS``), its format, encoding, delimiter and totals row, and how the bank's result file looks
(``result_columns``: field → header, fields from ``RESULT_FIELDS``; ``success_values``: the results that mean paid).
``bank_templates_ensure`` creates the defaults idempotently (the demo seed calls it); it never overwrites a template
an administrator has changed.
"""

from __future__ import annotations

from django.db import transaction

from assistance.errors import ApplicationError, PermissionRefused
from assistance.models import Staff
from assistance.services import system_actor
from audit.services import audit_record, model_snapshot
from payments.bankfiles import validate_template
from payments.choices import FileFormat
from payments.models import BankTemplate, CountyPaymentSetting
from payments.services._common import is_payment_admin

TEMPLATE_AUDITED = [
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

DEFAULT_TEMPLATES: list[dict] = [
    {
        "name": "农村信用社代发（CSV）",
        "bank_name": "农村信用社",
        "file_format": FileFormat.CSV,
        "encoding": "gb18030",
        "delimiter": ",",
        "columns": [
            {"header": "序号", "field": "seq"},
            {"header": "流水号", "field": "reference"},
            {"header": "户名", "field": "payee_name"},
            {"header": "账号", "field": "account_number"},
            {"header": "金额", "field": "amount_yuan"},
            {"header": "身份证号", "field": "id_number"},
            {"header": "乡镇", "field": "town"},
            {"header": "摘要", "field": "note"},
        ],
        "totals_row": True,
        "totals_label": "合计",
        "result_columns": {
            "reference": "流水号",
            "account_number": "账号",
            "amount_yuan": "金额",
            "status": "处理结果",
            "reason": "失败原因",
        },
        "success_values": ["成功", "交易成功"],
    },
    {
        "name": "中国邮政储蓄银行代发（Excel）",
        "bank_name": "中国邮政储蓄银行",
        "file_format": FileFormat.XLSX,
        "encoding": "utf-8",
        "delimiter": ",",
        "columns": [
            {"header": "业务流水号", "field": "reference"},
            {"header": "收款人姓名", "field": "payee_name"},
            {"header": "收款账号", "field": "account_number"},
            {"header": "证件号码", "field": "id_number"},
            {"header": "金额（元）", "field": "amount_yuan"},
            {"header": "所属月份", "field": "period"},
            {"header": "所属乡镇", "field": "town"},
            {"header": "所属村（社区）", "field": "village"},
            {"header": "用途", "field": "note"},
        ],
        "totals_row": True,
        "totals_label": "合计",
        "result_columns": {
            "reference": "业务流水号",
            "account_number": "收款账号",
            "amount_yuan": "金额（元）",
            "status": "处理状态",
            "reason": "失败原因",
        },
        "success_values": ["成功", "已入账"],
    },
    {
        "name": "中国农业银行批量代发（文本）",
        "bank_name": "中国农业银行",
        "file_format": FileFormat.CSV,
        "encoding": "gbk",
        "delimiter": "|",
        "columns": [
            {"header": "流水号", "field": "reference"},
            {"header": "收款账号", "field": "account_number"},
            {"header": "收款户名", "field": "payee_name"},
            {"header": "金额(分)", "field": "amount_fen"},
            {"header": "用途", "field": "note"},
        ],
        "totals_row": False,
        "totals_label": "合计",
        "result_columns": {"reference": "流水号", "account_number": "收款账号", "status": "状态码", "reason": "说明"},
        "success_values": ["0000"],
    },
]


def template_errors(template: BankTemplate) -> dict[str, list[str]]:
    return validate_template(
        columns=template.columns,
        result_columns=template.result_columns,
        success_values=template.success_values,
        encoding=template.encoding,
        delimiter=template.delimiter,
        file_format=template.file_format,
    )


def can_edit_template(actor: Staff, county) -> bool:
    """A template of one county: its administrator (or a superuser); a template of every county: a superuser."""
    if actor.is_superuser or getattr(actor, "is_system", False):
        return True
    return county is not None and is_payment_admin(actor, county)


@transaction.atomic
def bank_template_save(*, actor: Staff, template: BankTemplate) -> BankTemplate:
    """Create or change a bank template after checking its columns; audited. A template already used by a roll
    may be changed (the files already sent are the bank's; the result files are read with the template as it is)."""
    before = None
    if template.pk:
        current = BankTemplate.objects.select_for_update().get(pk=template.pk)
        if not can_edit_template(actor, current.county):
            raise PermissionRefused("只有该县（市、区）的管理员可以修改本县的代发模板，通用模板由系统管理员维护")
        before = model_snapshot(current, TEMPLATE_AUDITED)
    if not can_edit_template(actor, template.county):
        raise PermissionRefused("只有该县（市、区）的管理员可以维护本县的代发模板，通用模板由系统管理员维护")
    errors = template_errors(template)
    if errors:
        raise ApplicationError("代发模板的设置有误，请按提示修改", code="invalid", fields=errors)
    duplicate = BankTemplate.objects.filter(county=template.county, name=template.name).exclude(pk=template.pk)
    if duplicate.exists():
        raise ApplicationError("已有同名的代发模板", code="invalid", fields={"name": ["已有同名的代发模板"]})
    template.save()
    audit_record(
        actor=actor,
        action="bank_template.save" if before else "bank_template.create",
        target=template,
        region=template.county,
        before=before,
        after=model_snapshot(template, TEMPLATE_AUDITED),
    )
    return template


@transaction.atomic
def payment_setting_save(*, actor: Staff, setting: CountyPaymentSetting) -> CountyPaymentSetting:
    """Save a county's payment settings (roll day, default template); the county's administrator; audited."""
    if not is_payment_admin(actor, setting.county):
        raise PermissionRefused("只有本县（市、区）的管理员可以修改发放设置")
    if setting.bank_template_id:
        template = BankTemplate.objects.get(pk=setting.bank_template_id)
        if template.county_id not in (None, setting.county_id):
            raise ApplicationError(
                "默认代发模板必须是本县或通用的模板", code="invalid", fields={"bank_template": ["模板不适用于本县"]}
            )
    if not 1 <= int(setting.roll_day or 0) <= 28:
        raise ApplicationError("生成日期应为每月1–28日", code="invalid", fields={"roll_day": ["应为 1–28"]})
    fields = ["county", "roll_day", "bank_template"]
    before = None
    if setting.pk:
        before = model_snapshot(CountyPaymentSetting.objects.select_for_update().get(pk=setting.pk), fields)
    setting.save()
    audit_record(
        actor=actor,
        action="payment_setting.save",
        target=setting,
        region=setting.county,
        before=before,
        after=model_snapshot(setting, fields),
    )
    return setting


@transaction.atomic
def bank_templates_ensure() -> list[BankTemplate]:
    """Create the default templates (for every county) that are missing, by name; leave existing ones as they
    are. Return the default templates. Idempotent."""
    actor = system_actor()
    out = []
    for spec in DEFAULT_TEMPLATES:
        template = BankTemplate.objects.filter(county__isnull=True, name=spec["name"]).first()
        if template is None:
            template = bank_template_save(actor=actor, template=BankTemplate(county=None, **spec))
        out.append(template)
    return out
