"""Bank files (银行代发文件): export an approved roll in a bank's template.

A template is data (``BankTemplate``); the roll's own template, else the county's default, is used unless one is
asked for. The file is produced by ``payments.bankfiles`` (CSV streamed, XLSX in a temporary file) after the
service's transaction: the first export moves the roll from approved to exported; every export is audited as a read
of personal data (names, accounts, ID numbers). The county's administrator or reviewer exports.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from assistance.errors import ApplicationError
from assistance.models import Staff
from audit.services import audit_record, model_snapshot
from payments import bankfiles
from payments.choices import FileFormat, RollStatus
from payments.models import BankTemplate, CountyPaymentSetting, PaymentRoll
from payments.services._common import require_county_staff, yuan

EXPORTABLE = (RollStatus.APPROVED, RollStatus.EXPORTED, RollStatus.RECONCILED)
ROLL_AUDITED = ["status", "bank_template", "exported_by", "reconciled_at", "version"]


def _locked_roll(roll: PaymentRoll) -> PaymentRoll:
    return PaymentRoll.objects.select_for_update(of=("self",)).select_related("county").get(pk=roll.pk)


def _require_status(roll: PaymentRoll, allowed: tuple[str, ...], doing: str, hint: str = "") -> None:
    if roll.status not in allowed:
        raise ApplicationError(
            f"花名册当前状态为“{roll.get_status_display()}”，不能{doing}{hint}", code="illegal_transition", status=409
        )


def templates_for(roll: PaymentRoll):
    """The active templates usable for the roll: the county's own and those of every county."""
    return BankTemplate.objects.filter(Q(county__isnull=True) | Q(county_id=roll.county_id), is_active=True)


def template_for(roll: PaymentRoll, template: BankTemplate | int | None = None) -> BankTemplate:
    """The template asked for (it must be usable for the roll), else the roll's, else the county's default;
    ``ApplicationError`` (400) when there is none."""
    if template is None:
        template = roll.bank_template_id
        if template is None:
            setting = CountyPaymentSetting.objects.filter(county_id=roll.county_id).first()
            template = setting.bank_template_id if setting else None
    if template is None:
        raise ApplicationError(
            "请选择代发模板（本县尚未设置默认代发模板）", code="invalid", fields={"template": ["请选择代发模板"]}
        )
    pk = template.pk if isinstance(template, BankTemplate) else template
    found = templates_for(roll).filter(pk=pk).first()
    if found is None:
        raise ApplicationError(
            "所选代发模板不存在、已停用或不适用于本县", code="invalid", fields={"template": ["模板不可用"]}
        )
    return found


@dataclass(frozen=True)
class BankExport:
    """A roll's bank file ready to be sent: its name, content type, and how to produce it (streamed)."""

    roll: PaymentRoll
    template: BankTemplate
    filename: str
    content_type: str

    @property
    def is_xlsx(self) -> bool:
        return self.template.file_format == FileFormat.XLSX

    def stream(self) -> Iterator[bytes]:
        """CSV: the encoded bytes, a few hundred lines per chunk."""
        return bankfiles.csv_stream(self.roll, self.template)

    def open(self) -> IO[bytes]:
        """XLSX: an anonymous temporary file holding the workbook, open at its start (closing deletes it)."""
        return bankfiles.xlsx_file(self.roll, self.template)


@transaction.atomic
def roll_export(*, actor: Staff, roll: PaymentRoll, template: BankTemplate | int | None = None) -> BankExport:
    """Prepare the bank file of an approved (or already exported) roll in ``template`` (default: the roll's, then
    the county's). The first export moves the roll to exported; every export is audited as a read of personal
    data. The caller streams the file (``BankExport.stream``/``open``) after this transaction."""
    roll = _locked_roll(roll)
    require_county_staff(actor, roll.county, "导出银行代发文件")
    _require_status(roll, EXPORTABLE, "导出银行代发文件", "（须经审批）")
    template = template_for(roll, template)
    before = model_snapshot(roll, ROLL_AUDITED)
    first = roll.status == RollStatus.APPROVED
    if first:
        roll.status = RollStatus.EXPORTED
        roll.exported_by = actor
        roll.exported_at = timezone.now()
    if first or roll.bank_template_id != template.pk:
        # The result file is read with the template of the last file sent to the bank.
        roll.bank_template = template
        roll.version += 1
        roll.save()
    audit_record(
        actor=actor,
        action="payment_roll.export",
        target=roll,
        region=roll.county,
        before=before,
        after=model_snapshot(roll, ROLL_AUDITED),
        note=(
            f"导出银行代发文件（{template.name}，{template.get_file_format_display()}）：{roll.line_count} 笔，"
            f"合计 {yuan(roll.total_fen)} 元；含户名、银行账号、身份证号等个人信息"
        ),
    )
    return BankExport(
        roll=roll,
        template=template,
        filename=bankfiles.export_filename(roll, template),
        content_type=bankfiles.content_type_of(template),
    )
