"""A stand-in for the bank in demo and training environments: the result file (回盘文件) a bank would return for
an exported roll, in the roll's template, with a chosen number of failed lines (the first lines of the roll's
last towns, with the reasons banks give). Never used by the services; refused under the production settings by
the command that calls it (``manage.py demo_bank_result``)."""

from __future__ import annotations

import csv
import io

import openpyxl

from payments.bankfiles import delimiter_of, fen_text
from payments.choices import FileFormat, LineStatus
from payments.models import BankTemplate, PaymentLine, PaymentRoll

FAILURE_REASONS = ("账户已销户", "户名与账号不符", "账户已冻结（久悬户）")


def simulated_result_file(roll: PaymentRoll, template: BankTemplate, *, failures: int = 2) -> tuple[str, bytes]:
    """Return ``(filename, content)`` of a result file for the roll's pending lines: ``failures`` of them failed
    (each with a reason), the others paid."""
    lines = list(
        PaymentLine.objects.filter(roll=roll, status=LineStatus.PENDING)
        .order_by("-town_id", "id")
        .values_list("pk", "account_number", "amount_fen")
    )
    failed = {pk for pk, _account, _fen in lines[: max(failures, 0)]}
    success = (template.success_values or ["成功"])[0]
    columns = list((template.result_columns or {}).items())
    rows = []
    for index, (pk, account, fen) in enumerate(sorted(lines)):
        values = {
            "reference": str(pk),
            "account_number": account,
            "amount_yuan": fen_text(fen),
            "status": "失败" if pk in failed else success,
            "reason": FAILURE_REASONS[index % len(FAILURE_REASONS)] if pk in failed else "",
        }
        rows.append([values.get(field, "") for field, _header in columns])
    headers = [header for _field, header in columns]
    if template.file_format == FileFormat.XLSX:
        book = openpyxl.Workbook()
        sheet = book.active
        sheet.append(headers)
        for row in rows:
            sheet.append(row)
        buffer = io.BytesIO()
        book.save(buffer)
        return f"{roll.code}-回盘.xlsx", buffer.getvalue()
    text = io.StringIO()
    writer = csv.writer(text, delimiter=delimiter_of(template), lineterminator="\r\n")
    writer.writerow(headers)
    writer.writerows(rows)
    return f"{roll.code}-回盘.csv", text.getvalue().encode(template.encoding or "utf-8", errors="replace")
