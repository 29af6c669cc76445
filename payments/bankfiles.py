"""Bank files: write a roll's payment file in a bank's template, and read the bank's result file (回盘文件).

A template is data (``BankTemplate``): its columns, encoding, delimiter and totals row. Writing is streamed so a
roll of a million lines costs the memory of one chunk: the CSV writer is a generator yielding encoded bytes, the
lines are read with ``values_list(...).iterator(chunk_size=…)``; the XLSX writer uses openpyxl's write-only
workbook into an anonymous temporary file that the caller streams (``FileResponse``) and that vanishes on close.

Reading is as lenient as banks need (title rows above the header, surrounding spaces, amounts with thousands
separators) and strict where it matters: a file whose columns do not fit the template, that cannot be decoded in
the template's encoding or that is not an xlsx workbook is refused with an ``ApplicationError`` (400) that names
what is wrong — before any row is processed.
"""

from __future__ import annotations

import codecs
import csv
import io
import tempfile
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import IO, Any

from assistance.errors import ApplicationError
from cases.choices import ProgramCode
from payments.choices import FileFormat, LineKind
from payments.models import BankTemplate, PaymentLine, PaymentRoll
from payments.models.rolls import EXPORT_FIELDS, RESULT_FIELDS

LINE_CHUNK = 2000  # lines read per database round trip while writing
CSV_FLUSH_ROWS = 500  # rows per yielded CSV chunk
HEADER_SEARCH_ROWS = 20  # a result file may carry title rows above its header
REQUIRED_RESULT_FIELDS = ("reference", "status")
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
AMOUNT_FIELDS = ("amount_yuan", "amount_fen")

# --- writing ---------------------------------------------------------------------------------------------------


def delimiter_of(template: BankTemplate) -> str:
    """The template's delimiter as one character (``\\t`` or ``tab`` stored as text mean a tab)."""
    value = template.delimiter or ","
    if value in ("\\t", "tab", "TAB"):
        return "\t"
    return value[0]


def fen_text(fen: int) -> str:
    """Integer fen → ``"1234.56"`` (exact, no float)."""
    sign = "-" if fen < 0 else ""
    fen = abs(int(fen))
    return f"{sign}{fen // 100}.{fen % 100:02d}"


def export_filename(roll: PaymentRoll, template: BankTemplate) -> str:
    extension = "xlsx" if template.file_format == FileFormat.XLSX else "csv"
    return f"{roll.code}-{template.pk}.{extension}"


def content_type_of(template: BankTemplate) -> str:
    if template.file_format == FileFormat.XLSX:
        return XLSX_CONTENT_TYPE
    return f"text/csv; charset={template.encoding or 'utf-8'}"


def _line_values(roll: PaymentRoll):
    """The lines of the roll as tuples, in reference order, read in chunks (a server-side cursor on PostgreSQL).
    A line without a member (funeral, instalment paid to the household) shows the household head's ID number."""
    from django.db.models import OuterRef, Subquery
    from django.db.models.functions import Coalesce

    from cases.models import Member

    head = Member.objects.filter(household_id=OuterRef("household_id"), relation="head", is_active=True).values(
        "id_number"
    )[:1]
    return (
        PaymentLine.objects.filter(roll=roll)
        .annotate(holder_id_number=Coalesce("member__id_number", Subquery(head)))
        .order_by("id")
        .values_list(
            "id",
            "payee_name",
            "account_number",
            "bank_name",
            "holder_id_number",
            "amount_fen",
            "period_month",
            "town__name",
            "region__name",
            "kind",
        )
        .iterator(chunk_size=LINE_CHUNK)
    )


def _program_label(roll: PaymentRoll) -> str:
    if roll.program in ProgramCode.values:
        return ProgramCode(roll.program).label
    return roll.get_kind_display()


def iter_export_rows(roll: PaymentRoll, template: BankTemplate, totals: dict) -> Iterator[list[Any]]:
    """Yield one list of cell values per line in the template's column order. ``totals`` receives the count and
    the sum (fen) of what was yielded, for the totals row written after the last line."""
    fields = [column["field"] for column in template.columns]
    program = _program_label(roll)
    kinds = dict(LineKind.choices)
    count = total = 0
    for ref, name, account, bank, id_number, fen, period, town, village, kind in _line_values(roll):
        count += 1
        total += fen
        values = {
            "reference": str(ref),
            "seq": count,
            "payee_name": name,
            "account_number": account,
            "bank_name": bank,
            "id_number": id_number or "",
            "amount_yuan": fen_text(fen),
            "amount_fen": fen,
            "period": f"{period:%Y-%m}",
            "town": town or "",
            "village": village or "",
            "kind": kinds.get(kind, kind),
            "program": program,
            "note": f"{period:%Y年%m月}{program}{'' if kind == LineKind.REGULAR else kinds.get(kind, '')}",
        }
        yield [values.get(field, "") for field in fields]
    totals["count"], totals["fen"] = count, total


def totals_cells(template: BankTemplate, count: int, fen: int) -> list[Any]:
    """The totals row: the label in the first column, the count of lines in the first non-amount column after it,
    the sums in the amount columns."""
    fields = [column["field"] for column in template.columns]
    cells: list[Any] = [""] * len(fields)
    count_placed = False
    for index, field in enumerate(fields):
        if field == "amount_yuan":
            cells[index] = fen_text(fen)
        elif field == "amount_fen":
            cells[index] = fen
        elif index > 0 and not count_placed:
            cells[index] = f"{count}笔"
            count_placed = True
    if cells:
        cells[0] = template.totals_label or "合计"
    return cells


def csv_stream(roll: PaymentRoll, template: BankTemplate) -> Iterator[bytes]:
    """Yield the roll's CSV file in the template's encoding, a few hundred rows per chunk.

    Characters the encoding cannot hold are replaced (``?``), never dropped silently from a row; gb18030, the
    default, holds every character of a Chinese name."""
    encoder = codecs.getincrementalencoder(template.encoding or "utf-8")(errors="replace")
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter_of(template), lineterminator="\r\n")
    writer.writerow([column["header"] for column in template.columns])
    totals: dict = {}
    for rows, row in enumerate(iter_export_rows(roll, template, totals), 1):
        writer.writerow(row)
        if rows % CSV_FLUSH_ROWS == 0:
            yield encoder.encode(buffer.getvalue())
            buffer.seek(0)
            buffer.truncate()
    if template.totals_row:
        writer.writerow(totals_cells(template, totals.get("count", 0), totals.get("fen", 0)))
    yield encoder.encode(buffer.getvalue(), final=True)


def xlsx_file(roll: PaymentRoll, template: BankTemplate) -> IO[bytes]:
    """Write the roll's workbook (write-only: rows go to disk as they are appended) into an anonymous temporary
    file and return it open at the start; closing it deletes it."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=roll.code[:31])
    sheet.append([column["header"] for column in template.columns])
    fields = [column["field"] for column in template.columns]
    text_fields = {"reference", "account_number", "id_number"}

    def cells(values: list[Any]) -> list[Any]:
        out: list[Any] = []
        for field, value in zip(fields, values, strict=True):
            if field == "amount_yuan" and value != "":
                cell = WriteOnlyCell(sheet, value=Decimal(value))
                cell.number_format = "0.00"
                out.append(cell)
            elif field in text_fields:
                cell = WriteOnlyCell(sheet, value=str(value))
                cell.number_format = "@"  # long digit strings stay text: Excel would round them as numbers
                out.append(cell)
            else:
                out.append(value)
        return out

    totals: dict = {}
    for row in iter_export_rows(roll, template, totals):
        sheet.append(cells(row))
    if template.totals_row:
        sheet.append(cells(totals_cells(template, totals.get("count", 0), totals.get("fen", 0))))
    handle = tempfile.TemporaryFile(suffix=".xlsx")  # noqa: SIM115 (returned open; the response closes it)
    workbook.save(handle)
    handle.seek(0)
    return handle


# --- reading ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ResultRow:
    """One data row of a result file: its row number in the file (as a person counts, header included) and the
    template's result fields as stripped text."""

    number: int
    values: dict[str, str]

    def get(self, field: str) -> str:
        return self.values.get(field, "")


def bad_file(message: str) -> ApplicationError:
    return ApplicationError(message, code="bad_result_file", fields={"file": [message]}, status=400)


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        # openpyxl gives numbers as float/int; an amount typed in Excel is a float with at most cents.
        return format(Decimal(repr(value)), "f")
    return str(value).strip()


def _find_header(rows: Iterator[tuple[int, list[str]]], template: BankTemplate) -> dict[str, int]:
    wanted = {field: str(header).strip() for field, header in (template.result_columns or {}).items()}
    required = [f for f in REQUIRED_RESULT_FIELDS if f in wanted] or list(REQUIRED_RESULT_FIELDS)
    seen_first: list[str] | None = None
    for _number, cells in rows:
        if seen_first is None and any(cells):
            seen_first = cells
        positions = {text: index for index, text in reversed(list(enumerate(cells)))}
        if all(wanted.get(field) in positions for field in required):
            return {field: positions[header] for field, header in wanted.items() if header in positions}
        if _number >= HEADER_SEARCH_ROWS:
            break
    missing = "、".join(f"“{wanted.get(f, RESULT_FIELDS.get(f, f))}”" for f in required)
    found = "、".join(c for c in (seen_first or []) if c)[:120] or "（空文件）"
    raise bad_file(f"回盘文件的列与模板“{template.name}”不符：找不到{missing}列。文件首行为：{found}")


def _csv_rows(handle: IO[bytes], template: BankTemplate) -> Iterator[tuple[int, list[str]]]:
    encoding = template.encoding or "utf-8"
    if encoding.replace("-", "").lower() == "utf8":
        encoding = "utf-8-sig"  # tolerate a BOM the bank's Excel adds
    text = io.TextIOWrapper(handle, encoding=encoding, errors="strict", newline="")
    reader = csv.reader(text, delimiter=delimiter_of(template))
    number = 0
    try:
        for cells in reader:
            number += 1
            yield number, [c.strip().lstrip("\ufeff") for c in cells]
    except UnicodeDecodeError:
        raise bad_file(
            f"回盘文件无法按模板“{template.name}”的字符编码 {template.encoding} 读取（第 {number + 1} 行附近），"
            "请确认是该银行的回盘文件且未经改存"
        ) from None
    except csv.Error as error:
        raise bad_file(f"回盘文件第 {number + 1} 行格式错误：{error}") from None
    finally:
        text.detach()


def _xlsx_rows(handle: IO[bytes], template: BankTemplate) -> Iterator[tuple[int, list[str]]]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(handle, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as error:
        raise bad_file(f"回盘文件不是有效的 Excel（xlsx）文件：{type(error).__name__}") from None
    try:
        sheet = workbook.worksheets[0]
        for number, row in enumerate(sheet.iter_rows(values_only=True), 1):
            yield number, [_cell_text(v) for v in row]
    finally:
        workbook.close()


def _unwrap(handle: Any) -> Any:
    """The real file under Django's ``File`` wrappers (an upload, a ``FieldFile``), which ``io`` and ``zipfile``
    read most reliably."""
    from django.core.files.base import File

    while isinstance(handle, File) and getattr(handle, "file", None) is not None:
        handle = handle.file
    return handle


def raw_rows(handle: IO[bytes], template: BankTemplate) -> Iterator[tuple[int, list[str]]]:
    handle = _unwrap(handle)
    handle.seek(0)
    if template.file_format == FileFormat.XLSX:
        return _xlsx_rows(handle, template)
    return _csv_rows(handle, template)


def result_rows(handle: IO[bytes], template: BankTemplate) -> Iterator[ResultRow]:
    """Yield the data rows of a result file after its header, skipping blank rows and the totals row (its first
    cell is the template's totals label, or it has no reference but an amount — use :func:`file_totals`).
    Raise ``ApplicationError`` (400) when the header is not found or the file cannot be read."""
    rows = raw_rows(handle, template)
    positions = _find_header(rows, template)
    for number, cells in rows:
        if not any(cells):
            continue
        values = {field: (cells[index] if index < len(cells) else "") for field, index in positions.items()}
        if _is_totals(cells, values, template):
            continue
        yield ResultRow(number=number, values=values)


def _is_totals(cells: list[str], values: dict[str, str], template: BankTemplate) -> bool:
    labels = {template.totals_label or "合计", "合计", "总计"}
    first = next((c for c in cells if c), "")
    return first in labels and not values.get("reference", "").isdigit()


def check_result_file(handle: IO[bytes], template: BankTemplate, *, full: bool = True) -> int | None:
    """Check a result file against the template and return its number of data rows; raise ``ApplicationError``
    (400) naming the problem. ``full=False`` reads the header and the first rows only (quick, for an upload) and
    returns None when there are more."""
    count = 0
    for _row in result_rows(handle, template):
        count += 1
        if not full and count >= HEADER_SEARCH_ROWS:
            return None
    handle.seek(0)
    return count


def parse_amount(text: str) -> int | None:
    """``"1,234.5"`` → 123450 fen; None when the text is not an amount with at most two decimals."""
    cleaned = (text or "").replace(",", "").replace("，", "").replace("¥", "").replace("￥", "").strip()
    if not cleaned:
        return None
    try:
        amount = Decimal(cleaned)
    except InvalidOperation:
        return None
    if not amount.is_finite() or amount != amount.quantize(Decimal("0.01")):
        return None
    return int(amount * 100)


def validate_template(
    *, columns: Any, result_columns: Any, success_values: Any, encoding: str, delimiter: str, file_format: str
) -> dict[str, list[str]]:
    """Return ``{field: [Chinese messages]}`` for what is wrong in a template (empty when it is usable)."""
    errors: dict[str, list[str]] = {}
    if not isinstance(columns, list) or not columns:
        errors["columns"] = ['导出列应为非空列表，如 [{"header": "账号", "field": "account_number"}]']
    else:
        for index, column in enumerate(columns, 1):
            if not isinstance(column, dict) or not str(column.get("header", "")).strip():
                errors.setdefault("columns", []).append(f"第 {index} 列应有非空的 header")
            elif column.get("field") not in EXPORT_FIELDS:
                errors.setdefault("columns", []).append(
                    f"第 {index} 列的 field “{column.get('field')}”不可用，可用：{'、'.join(EXPORT_FIELDS)}"
                )
        if "columns" not in errors and not any(c["field"] == "reference" for c in columns):
            errors["columns"] = ["导出列必须包含 reference（流水号），银行回盘时据此匹配明细"]
    if not isinstance(result_columns, dict):
        errors["result_columns"] = ['回盘文件列应为对象，如 {"reference": "流水号", "status": "处理结果"}']
    else:
        unknown = [f for f in result_columns if f not in RESULT_FIELDS]
        if unknown:
            errors["result_columns"] = [f"不可用的回盘字段：{'、'.join(unknown)}；可用：{'、'.join(RESULT_FIELDS)}"]
        missing = [RESULT_FIELDS[f] for f in REQUIRED_RESULT_FIELDS if not str(result_columns.get(f, "")).strip()]
        if missing:
            errors.setdefault("result_columns", []).append(f"回盘文件列必须包含：{'、'.join(missing)}")
    if not isinstance(success_values, list) or not all(isinstance(v, str) and v.strip() for v in success_values):
        errors["success_values"] = ['表示成功的结果应为非空文本的列表，如 ["成功", "0000"]']
    elif not success_values:
        errors["success_values"] = ["至少填写一个表示成功的结果"]
    if file_format == FileFormat.CSV:
        try:
            codecs.lookup(encoding or "")
        except LookupError:
            errors["encoding"] = [f"不认识的字符编码“{encoding}”，常用：gb18030、gbk、utf-8-sig"]
        if delimiter not in ("\\t", "tab", "TAB") and len(delimiter or "") != 1:
            errors["delimiter"] = ["分隔符应为一个字符（制表符填 \\t）"]
    return errors
