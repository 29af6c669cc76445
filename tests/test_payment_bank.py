"""Bank files and reconciliation (``payments.services.reconcile``): the bank file follows its template and is
streamed; the result file makes each line paid, failed with its reason, or an unmatched row a person resolves;
totals reconcile to the fen; failed lines are carried to the next roll once the account is corrected (or a person
released them); a killed import resumes without duplicate or gap."""

from __future__ import annotations

import csv
import datetime as dt
import inspect
import io

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from rest_framework.test import APIClient

from assistance.errors import ApplicationError, PermissionRefused
from assistance.models import Job, JobStatus
from audit.models import AuditEvent
from payments.admin import BankTemplateForm
from payments.bank_templates import DEFAULT_TEMPLATES, bank_templates_ensure
from payments.bankfiles import CSV_FLUSH_ROWS
from payments.choices import CarryState, LineKind, LineStatus, Resolution, ResultOutcome, RollStatus
from payments.models import BankResultImport, BankResultRow, BankTemplate, PaymentLine, PaymentRoll
from payments.services.export import roll_export
from payments.services.reconcile import (
    failed_line_cancel,
    failed_line_release,
    result_import_process,
    result_import_start,
    result_row_resolve,
)
from payments.services.rolls import refresh_totals, roll_approve, roll_check, roll_generate
from payments.tasks import process_result_import
from tests.test_payment_rolls import NOVEMBER, _at, _generate, enrolled, with_account  # noqa: F401
from tests.test_workflow_services import poor_household, profiles  # noqa: F401

D = dt.date
DECEMBER = D(2026, 12, 1)


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")


@pytest.fixture
def templates(db):
    csv_template, xlsx_template, text_template = bank_templates_ensure()
    return {"csv": csv_template, "xlsx": xlsx_template, "text": text_template}


def _approve(world, roll: PaymentRoll) -> PaymentRoll:
    with _at(D(2026, 11, 22)):
        roll = roll_check(actor=world.admin_a, roll=roll)
        return roll_approve(actor=world.reviewer_a, roll=roll)


def _add_lines(roll: PaymentRoll, n: int, *, fen: int = 45_600) -> list[PaymentLine]:
    """Copy the roll's first line ``n`` times with other amounts (as a large county's roll would have)."""
    first = PaymentLine.objects.filter(roll=roll).order_by("id").first()
    lines = [
        PaymentLine(
            roll=roll,
            kind=LineKind.CARRY,  # not unique per enrolment and month, so one household can stand for many
            household_id=first.household_id,
            member_id=first.member_id,
            region_id=first.region_id,
            town_id=first.town_id,
            period_month=first.period_month,
            amount_fen=fen + i,
            payee_name=first.payee_name,
            bank_name=first.bank_name,
            account_number=f"62170000{i:011d}",
        )
        for i in range(n)
    ]
    PaymentLine.objects.bulk_create(lines, batch_size=1000)
    refresh_totals(roll)
    return list(PaymentLine.objects.filter(roll=roll).order_by("id"))


@pytest.fixture
def approved(world, enrolled, templates):  # noqa: F811
    """November's approved 低保 roll: the enrolled household's line and three more."""
    roll = _generate(world)
    _add_lines(roll, 3)
    roll = _approve(world, PaymentRoll.objects.get(pk=roll.pk))
    assert roll.line_count == 4
    return roll


@pytest.fixture
def exported(world, approved, templates):
    roll_export(actor=world.admin_a, roll=approved, template=templates["csv"])
    return PaymentRoll.objects.get(pk=approved.pk)


def _lines(roll) -> list[PaymentLine]:
    return list(PaymentLine.objects.filter(roll=roll).order_by("id"))


def _yuan(fen: int) -> str:
    return f"{fen // 100}.{fen % 100:02d}"


def _csv_result(rows: list[list[str]], template: BankTemplate, name: str = "result.csv") -> SimpleUploadedFile:
    headers = list(template.result_columns.values())
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=template.delimiter if template.delimiter != "\\t" else "\t")
    writer.writerow(headers)
    for row in rows:
        writer.writerow(row)
    return SimpleUploadedFile(name, buffer.getvalue().encode(template.encoding), content_type="text/csv")


def _row(line: PaymentLine, status: str = "成功", reason: str = "", *, fen: int | None = None, ref=None) -> list:
    """A row of the 农村信用社 result file: 流水号, 账号, 金额, 处理结果, 失败原因."""
    return [str(ref or line.pk), line.account_number, _yuan(line.amount_fen if fen is None else fen), status, reason]


def _import(world, roll, upload, template=None, chunk=1000):
    imp = result_import_start(actor=world.admin_a, roll=roll, uploaded_file=upload, template=template)
    result = process_result_import(imp.job_id, chunk=chunk)
    imp.refresh_from_db()
    return imp, result


def _csv_export(world, roll, template) -> tuple[list[list[str]], list[bytes]]:
    export = roll_export(actor=world.admin_a, roll=roll, template=template)
    chunks = list(export.stream())
    text = b"".join(chunks).decode(template.encoding)
    return list(csv.reader(io.StringIO(text), delimiter=template.delimiter)), chunks


# --- export ----------------------------------------------------------------------------------------------------


def test_csv_export_follows_the_template_with_a_totals_row_equal_to_the_lines(world, approved, templates):
    template = templates["csv"]
    rows, _ = _csv_export(world, approved, template)
    lines = _lines(approved)
    assert rows[0] == [c["header"] for c in template.columns]
    assert [r[1] for r in rows[1:-1]] == [str(line.pk) for line in lines]  # 流水号 = the line's id
    assert rows[1][0] == "1" and rows[1][2] == lines[0].payee_name and rows[1][3] == lines[0].account_number
    assert rows[1][4] == _yuan(lines[0].amount_fen)
    assert len(rows[1][5]) == 18  # the member's ID number
    totals = rows[-1]
    assert totals[0] == "合计" and totals[1] == "4笔"
    assert totals[4] == _yuan(sum(line.amount_fen for line in lines)) == _yuan(approved.total_fen)
    roll = PaymentRoll.objects.get(pk=approved.pk)
    assert roll.status == RollStatus.EXPORTED and roll.exported_by == world.admin_a and roll.bank_template == template


def test_csv_export_is_encoded_in_the_templates_encoding(world, approved, templates):
    export = roll_export(actor=world.admin_a, roll=approved, template=templates["csv"])
    data = b"".join(export.stream())
    assert "户名".encode("gb18030") in data and "户名".encode() not in data
    assert data.endswith(b"\r\n")


def test_the_text_template_uses_its_delimiter_fen_amounts_and_no_totals_row(world, approved, templates):
    rows, _ = _csv_export(world, approved, templates["text"])
    assert rows[0] == ["流水号", "收款账号", "收款户名", "金额(分)", "用途"]
    assert len(rows) == 1 + 4
    assert sum(int(r[3]) for r in rows[1:]) == approved.total_fen
    assert rows[1][4] == "2026年11月低保（按户）"


def test_xlsx_export_keeps_accounts_as_text_and_totals_the_lines(world, approved, templates):
    template = templates["xlsx"]
    export = roll_export(actor=world.admin_a, roll=approved, template=template)
    assert export.is_xlsx and export.filename.endswith(".xlsx")
    with export.open() as handle:
        sheet = openpyxl.load_workbook(handle).worksheets[0]
        rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert rows[0] == [c["header"] for c in template.columns]
    lines = _lines(approved)
    assert rows[1][0] == str(lines[0].pk) and rows[1][2] == lines[0].account_number
    assert isinstance(rows[1][2], str) and isinstance(rows[1][3], str)
    assert rows[-1][0] == "合计"
    assert round(rows[-1][4] * 100) == approved.total_fen == sum(line.amount_fen for line in lines)


def test_the_export_is_streamed_in_chunks(world, enrolled, templates):  # noqa: F811
    """3 000 lines come out as a generator of many encoded chunks, not one string built in memory."""
    roll = _generate(world)
    _add_lines(roll, 2999)
    roll = _approve(world, PaymentRoll.objects.get(pk=roll.pk))
    export = roll_export(actor=world.admin_a, roll=roll, template=templates["csv"])
    stream = export.stream()
    assert inspect.isgenerator(stream)
    chunks = list(stream)
    assert len(chunks) >= 3000 // CSV_FLUSH_ROWS
    assert max(len(c) for c in chunks) < 200 * CSV_FLUSH_ROWS
    rows = list(csv.reader(io.StringIO(b"".join(chunks).decode("gb18030"))))
    assert len(rows) == 1 + 3000 + 1
    assert rows[-1][4] == _yuan(roll.total_fen)


def test_every_export_is_audited_and_only_the_first_marks_the_roll_exported(world, approved, templates):
    roll_export(actor=world.admin_a, roll=approved, template=templates["csv"])
    first = PaymentRoll.objects.get(pk=approved.pk)
    roll_export(actor=world.admin_a, roll=first, template=templates["csv"])
    again = PaymentRoll.objects.get(pk=approved.pk)
    assert again.exported_at == first.exported_at and again.status == RollStatus.EXPORTED
    assert AuditEvent.objects.filter(action="payment_roll.export", target_id=str(approved.pk)).count() == 2


def test_export_needs_an_approved_roll_and_county_staff(world, enrolled, templates):  # noqa: F811
    roll = _generate(world)
    with pytest.raises(ApplicationError) as error:
        roll_export(actor=world.admin_a, roll=roll, template=templates["csv"])
    assert error.value.status == 409 and "审批" in error.value.message
    roll = _approve(world, roll)
    for actor in (world.caseworker_a1, world.auditor_a):
        with pytest.raises(PermissionRefused) as refused:
            roll_export(actor=actor, roll=roll, template=templates["csv"])
        assert refused.value.status == 403
    assert PaymentRoll.objects.get(pk=roll.pk).status == RollStatus.APPROVED


# --- result import ---------------------------------------------------------------------------------------------


def test_result_file_marks_lines_paid_failed_or_lists_unmatched_rows(world, exported, templates):
    template = templates["csv"]
    a, b, c, d = _lines(exported)
    upload = _csv_result(
        [
            _row(a),
            _row(b, "失败", "账户已销户"),
            _row(c, fen=c.amount_fen + 1),  # amount differs
            _row(d, ref="99999999"),  # unknown reference
            ["", "", "", "", ""],  # blank rows are not rows
            ["合计", "", _yuan(a.amount_fen + b.amount_fen), "", ""],  # the bank's totals row is not a payment
        ],
        template,
    )
    imp, result = _import(world, exported, upload)
    assert imp.status == "done" and result["rows"] == 4
    assert (imp.paid_count, imp.paid_fen) == (1, a.amount_fen)
    assert (imp.failed_count, imp.failed_fen) == (1, b.amount_fen)
    assert imp.unmatched_count == 2 and imp.row_count == 4
    a, b, c, d = _lines(exported)
    assert a.status == LineStatus.PAID and a.result_at is not None
    assert b.status == LineStatus.FAILED and b.failure_reason == "账户已销户" and b.carry_state == CarryState.WAITING
    assert c.status == d.status == LineStatus.PENDING
    reasons = dict(BankResultRow.objects.filter(outcome=ResultOutcome.UNMATCHED).values_list("row_number", "reason"))
    assert "金额不符" in reasons[4] and "不是本系统的发放明细" in reasons[5]
    roll = PaymentRoll.objects.get(pk=exported.pk)
    assert (roll.paid_count, roll.paid_fen, roll.failed_count, roll.failed_fen) == (1, a.amount_fen, 1, b.amount_fen)
    pending = sum(line.amount_fen for line in (c, d))
    assert roll.paid_fen + roll.failed_fen + pending == roll.total_fen
    assert roll.status == RollStatus.EXPORTED


def test_resolving_every_unmatched_row_reconciles_the_roll(world, exported, templates):
    template = templates["csv"]
    a, b, c, d = _lines(exported)
    upload = _csv_result([_row(a), _row(b, "失败", "户名不符"), _row(c, fen=1), _row(d, ref="88888888")], template)
    _import(world, exported, upload)
    wrong_amount, unknown = BankResultRow.objects.filter(outcome=ResultOutcome.UNMATCHED).order_by("row_number")
    assert wrong_amount.line_id == c.pk  # the roll's line it names is kept for the person resolving
    with pytest.raises(ApplicationError):
        result_row_resolve(actor=world.admin_a, row=wrong_amount, line=c, outcome="paid", note=" ")
    with pytest.raises(PermissionRefused):
        result_row_resolve(actor=world.caseworker_a1, row=wrong_amount, line=c, outcome="paid", note="已核实")
    result_row_resolve(actor=world.admin_a, row=wrong_amount, line=c, outcome="paid", note="银行核实按明细金额入账")
    assert PaymentRoll.objects.get(pk=exported.pk).status == RollStatus.EXPORTED  # d is pending, a row is open
    result_row_resolve(actor=world.admin_a, row=unknown, line=d, outcome="paid", note="银行柜面核实为本笔")
    roll = PaymentRoll.objects.get(pk=exported.pk)
    assert roll.status == RollStatus.RECONCILED and roll.reconciled_at is not None
    assert roll.paid_count == 3 and roll.failed_count == 1
    assert roll.paid_fen + roll.failed_fen == roll.total_fen
    with pytest.raises(ApplicationError) as error:
        result_row_resolve(actor=world.admin_a, row=unknown, note="再次处理")
    assert error.value.status == 409
    assert AuditEvent.objects.filter(action="payment_roll.reconcile", target_id=str(roll.pk)).count() == 1


def test_a_second_file_completes_the_roll_and_a_dismissed_row_needs_a_note(world, exported, templates):
    template = templates["csv"]
    a, b, c, d = _lines(exported)
    _import(world, exported, _csv_result([_row(a), _row(b), _row(c, ref="77777777")], template, "first.csv"))
    row = BankResultRow.objects.get(outcome=ResultOutcome.UNMATCHED)
    result_row_resolve(actor=world.admin_a, row=row, note="银行确认为其他单位的代发记录")
    row.refresh_from_db()
    assert row.resolution == Resolution.DISMISSED and row.resolved_by == world.admin_a
    imp, _ = _import(world, exported, _csv_result([_row(c), _row(d, "失败", "账号不存在")], template, "second.csv"))
    assert (imp.paid_count, imp.failed_count, imp.unmatched_count) == (1, 1, 0)
    roll = PaymentRoll.objects.get(pk=exported.pk)
    assert roll.status == RollStatus.RECONCILED
    assert (roll.paid_count, roll.failed_count) == (3, 1)


def test_a_line_keeps_its_first_result_and_duplicates_are_listed(world, exported, templates):
    template = templates["csv"]
    a, b, *_ = _lines(exported)
    imp, _ = _import(world, exported, _csv_result([_row(a), _row(a, "失败", "重复"), _row(b), _row(b)], template))
    assert (imp.paid_count, imp.unmatched_count) == (2, 2)
    a.refresh_from_db()
    assert a.status == LineStatus.PAID
    # The same result again in another file is accepted; a different one is not.
    imp, _ = _import(world, exported, _csv_result([_row(a), _row(b, "失败", "已退回")], template, "again.csv"))
    assert (imp.paid_count, imp.failed_count, imp.unmatched_count) == (1, 0, 1)
    assert "已有不同的回盘结果" in BankResultRow.objects.get(result_import=imp, outcome="unmatched").reason
    assert PaymentLine.objects.get(pk=b.pk).status == LineStatus.PAID


def test_a_row_of_another_roll_or_with_another_account_is_unmatched(world, exported, templates):
    template = templates["csv"]
    a, b, *_ = _lines(exported)
    other = PaymentLine.objects.create(
        roll=PaymentRoll.objects.create(
            code="OTHER", county=world.county_a, month=DECEMBER, generated_by=world.admin_a, program="tekun"
        ),
        household_id=a.household_id,
        region_id=a.region_id,
        town_id=a.town_id,
        period_month=DECEMBER,
        amount_fen=100,
        kind=LineKind.CARRY,
    )
    wrong_account = [str(b.pk), "6200000000000000000", _yuan(b.amount_fen), "成功", ""]
    imp, _ = _import(world, exported, _csv_result([_row(other), wrong_account], template))
    reasons = list(
        BankResultRow.objects.filter(result_import=imp).order_by("row_number").values_list("reason", flat=True)
    )
    assert "其他花名册" in reasons[0] and "账号不符" in reasons[1]
    assert PaymentLine.objects.get(pk=other.pk).status == LineStatus.PENDING


def test_the_same_file_twice_is_refused_with_409(world, exported, templates):
    a, *_ = _lines(exported)
    _import(world, exported, _csv_result([_row(a)], templates["csv"]))
    with pytest.raises(ApplicationError) as error:
        result_import_start(
            actor=world.admin_a, roll=exported, uploaded_file=_csv_result([_row(a)], templates["csv"], "renamed.csv")
        )
    assert error.value.status == 409 and "已" in error.value.message
    assert BankResultImport.objects.count() == 1


def test_a_bad_file_is_refused_with_400_naming_what_is_wrong(world, exported, templates):
    wrong_columns = SimpleUploadedFile("r.csv", "账号,金额\n1,2\n".encode("gb18030"))
    with pytest.raises(ApplicationError) as error:
        result_import_start(actor=world.admin_a, roll=exported, uploaded_file=wrong_columns)
    assert error.value.status == 400 and "流水号" in error.value.message and "处理结果" in error.value.message
    not_xlsx = SimpleUploadedFile("r.xlsx", b"this is not a workbook")
    with pytest.raises(ApplicationError) as error:
        result_import_start(actor=world.admin_a, roll=exported, uploaded_file=not_xlsx, template=templates["xlsx"])
    assert error.value.status == 400 and "xlsx" in error.value.message
    undecodable = SimpleUploadedFile("r.txt", "流水号|收款账号|状态码|说明\n".encode("gbk") + b"1|\xff\xff|0000|\n")
    with pytest.raises(ApplicationError) as error:
        result_import_start(actor=world.admin_a, roll=exported, uploaded_file=undecodable, template=templates["text"])
    assert error.value.status == 400 and "字符编码" in error.value.message
    assert not BankResultImport.objects.exists()


def test_results_need_an_exported_roll_and_the_county_administrator(world, approved, templates):
    a, *_ = _lines(approved)
    with pytest.raises(ApplicationError) as error:
        result_import_start(actor=world.admin_a, roll=approved, uploaded_file=_csv_result([_row(a)], templates["csv"]))
    assert error.value.status == 409 and "导出" in error.value.message
    roll_export(actor=world.admin_a, roll=approved, template=templates["csv"])
    with pytest.raises(PermissionRefused):
        result_import_start(
            actor=world.caseworker_a1, roll=approved, uploaded_file=_csv_result([_row(a)], templates["csv"])
        )


def test_an_xlsx_result_file_is_read_with_its_template(world, approved, templates):
    template = templates["xlsx"]
    roll_export(actor=world.admin_a, roll=approved, template=template)
    a, b, c, d = _lines(approved)
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["邮储银行代发回盘"])  # a title row above the header
    sheet.append(list(template.result_columns.values()))
    for line, status in ((a, "成功"), (b, "已入账"), (c, "失败"), (d, "成功")):
        sheet.append(
            [str(line.pk), line.account_number, line.amount_fen / 100, status, "" if status != "失败" else "卡已挂失"]
        )
    buffer = io.BytesIO()
    workbook.save(buffer)
    imp, _ = _import(world, PaymentRoll.objects.get(pk=approved.pk), SimpleUploadedFile("r.xlsx", buffer.getvalue()))
    assert (imp.paid_count, imp.failed_count, imp.unmatched_count) == (3, 1, 0)
    assert PaymentLine.objects.get(pk=c.pk).failure_reason == "卡已挂失"
    assert PaymentRoll.objects.get(pk=approved.pk).status == RollStatus.RECONCILED


def test_a_killed_import_resumes_without_duplicate_or_gap(world, enrolled, templates):  # noqa: F811
    """The worker dies after the first chunk: the rerun continues after the last stored row."""
    roll = _generate(world)
    _add_lines(roll, 6)
    roll = _approve(world, PaymentRoll.objects.get(pk=roll.pk))
    roll_export(actor=world.admin_a, roll=roll, template=templates["csv"])
    lines = _lines(roll)
    rows = [_row(line, "失败" if i % 3 == 0 else "成功", "账户冻结") for i, line in enumerate(lines)]
    rows.append(_row(lines[0], ref="12345678"))
    imp = result_import_start(actor=world.admin_a, roll=roll, uploaded_file=_csv_result(rows, templates["csv"]))

    class Killed(Exception):
        pass

    def die(done, total):
        if done >= 2:
            raise Killed

    Job.objects.filter(pk=imp.job_id).update(status=JobStatus.RUNNING)
    with pytest.raises(Killed):
        result_import_process(import_id=imp.pk, chunk=2, progress=die)
    assert BankResultRow.objects.filter(result_import=imp).count() == 2
    Job.objects.filter(pk=imp.job_id).update(status=JobStatus.PENDING)
    result = process_result_import(imp.job_id, chunk=2)
    assert process_result_import(imp.job_id) == "skipped"
    stored = list(BankResultRow.objects.filter(result_import=imp).values_list("row_number", flat=True))
    assert sorted(stored) == list(range(2, 2 + 8))  # rows 2..9 of the file: each once, none missing
    imp.refresh_from_db()
    assert (imp.paid_count, imp.failed_count, imp.unmatched_count) == (4, 3, 1)
    assert result["rows"] == 8
    job = Job.objects.get(pk=imp.job_id)
    assert job.status == JobStatus.SUCCEEDED and job.done == job.total == 8
    roll.refresh_from_db()
    assert (roll.paid_count, roll.failed_count) == (4, 3)
    assert not PaymentLine.objects.filter(roll=roll, status=LineStatus.PENDING).exists()


# --- carrying failed lines -------------------------------------------------------------------------------------


def _failed_november(world, enrolled, templates):  # noqa: F811
    roll = _approve(world, _generate(world))
    roll_export(actor=world.admin_a, roll=roll, template=templates["csv"])
    (line,) = _lines(roll)
    _import(world, roll, _csv_result([_row(line, "失败", "账号不存在")], templates["csv"]))
    line.refresh_from_db()
    assert line.status == LineStatus.FAILED and line.carry_state == CarryState.WAITING
    return roll, line


def _december(world):
    with _at(D(2026, 11, 22)):
        return roll_generate(actor=world.admin_a, county=world.county_a, program="dibao", month=DECEMBER).roll


def test_a_failed_line_is_carried_to_the_next_roll_once_the_account_is_corrected(world, enrolled, templates):  # noqa: F811
    _, failed = _failed_november(world, enrolled, templates)
    december = _december(world)
    assert not PaymentLine.objects.filter(roll=december, kind=LineKind.CARRY).exists()
    with_account(world, enrolled.household, "6217000055556666777")
    december = _december(world)
    carry = PaymentLine.objects.get(roll=december, kind=LineKind.CARRY)
    assert carry.carried_from_id == failed.pk and carry.amount_fen == failed.amount_fen
    assert carry.account_number == "6217000055556666777" and carry.period_month == NOVEMBER
    assert december.total_fen == sum(PaymentLine.objects.filter(roll=december).values_list("amount_fen", flat=True))
    with pytest.raises(ApplicationError) as error:
        failed_line_cancel(actor=world.admin_a, line=failed, note="对象已死亡")
    assert error.value.code == "already_carried"


def test_a_released_line_is_carried_with_the_same_account(world, enrolled, templates):  # noqa: F811
    _, failed = _failed_november(world, enrolled, templates)
    with pytest.raises(PermissionRefused):
        failed_line_release(actor=world.caseworker_a1, line=failed, note="已核实")
    with pytest.raises(ApplicationError):
        failed_line_release(actor=world.admin_a, line=failed, note="")
    failed_line_release(actor=world.admin_a, line=failed, note="户主到银行激活了账户，账号无误")
    failed.refresh_from_db()
    assert failed.carry_state == CarryState.READY
    december = _december(world)
    carry = PaymentLine.objects.get(roll=december, kind=LineKind.CARRY)
    assert carry.carried_from_id == failed.pk and carry.account_number == failed.account_number
    assert AuditEvent.objects.filter(action="payment_line.release", target_id=str(failed.pk)).count() == 1


def test_a_cancelled_line_is_not_carried(world, enrolled, templates):  # noqa: F811
    _, failed = _failed_november(world, enrolled, templates)
    failed_line_cancel(actor=world.admin_a, line=failed, note="对象已于11月去世")
    with_account(world, enrolled.household, "6217000055556666777")
    december = _december(world)
    assert not PaymentLine.objects.filter(roll=december, kind=LineKind.CARRY).exists()
    with pytest.raises(ApplicationError):
        failed_line_release(actor=world.admin_a, line=failed, note="误操作")


# --- pages -----------------------------------------------------------------------------------------------------


def test_pages_download_upload_and_resolve(client, world, approved, templates):
    client.force_login(world.admin_a)
    url = reverse("payment-roll-export", args=[approved.pk])
    response = client.post(url, {"template": templates["csv"].pk})
    assert response.status_code == 200 and response.streaming
    assert "attachment" in response["Content-Disposition"]
    body = b"".join(response.streaming_content).decode("gb18030")
    assert body.startswith("序号,流水号")
    response = client.post(url, {"template": templates["xlsx"].pk})
    assert response.status_code == 200 and response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content))).worksheets[0].max_row == 6

    results = reverse("payment-roll-results", args=[approved.pk])
    page = client.get(results)
    assert page.status_code == 200 and 'data-testid="bank-panel"' in page.content.decode()
    a, b, c, d = _lines(approved)
    # The roll now reads results with the last exported template (xlsx); the CSV one is chosen in the form.
    rows = [_row(a), _row(b, "失败", "账户冻结"), _row(c), _row(d, ref="55555555")]
    response = client.post(results, {"file": _csv_result(rows, templates["csv"]), "template": templates["csv"].pk})
    imp = BankResultImport.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("job-detail", args=[imp.job_id])
    process_result_import(imp.job_id)
    again = client.post(
        results,
        {
            "file": _csv_result(
                [_row(a), _row(b, "失败", "账户冻结"), _row(c), _row(d, ref="55555555")], templates["csv"]
            ),
            "template": templates["csv"].pk,
        },
    )
    assert again.status_code == 409 and "已于" in again.content.decode()
    html = client.get(results).content.decode()
    assert "待更正账户" in html and "账户冻结" in html and 'data-testid="resolve-form"' in html
    row = BankResultRow.objects.get(outcome=ResultOutcome.UNMATCHED)
    resolve = reverse("payment-result-row-resolve", args=[row.pk])
    bad = client.post(resolve, {"action": "match", "line": d.pk, "outcome": "paid", "note": ""})
    assert bad.status_code == 400 and "处理说明" in bad.content.decode()
    ok = client.post(resolve, {"action": "match", "line": d.pk, "outcome": "paid", "note": "核实", "next": results})
    assert ok.status_code == 302 and ok["Location"] == results
    assert PaymentRoll.objects.get(pk=approved.pk).status == RollStatus.RECONCILED
    release = client.post(reverse("payment-line-release", args=[b.pk]), {"note": "账号无误"})
    assert release.status_code == 302
    assert PaymentLine.objects.get(pk=b.pk).carry_state == CarryState.READY
    html = client.get(results).content.decode()
    assert "已核实下期重发" in html and 'data-testid="bank-balanced"' in html
    assert f'value="{templates["xlsx"].pk}"' in html  # every template is offered for export


def test_pages_refuse_other_roles(client, world, approved, templates):
    client.force_login(world.auditor_a)
    response = client.post(reverse("payment-roll-export", args=[approved.pk]), {"template": templates["csv"].pk})
    assert response.status_code == 403
    page = client.get(reverse("payment-roll-results", args=[approved.pk]))
    assert page.status_code == 200 and 'data-testid="bank-upload"' not in page.content.decode()
    client.force_login(world.caseworker_a1)
    assert client.get(reverse("payment-roll-results", args=[approved.pk])).status_code == 404
    assert PaymentRoll.objects.get(pk=approved.pk).status == RollStatus.APPROVED


def test_page_export_with_an_unknown_template_is_a_400(client, world, approved):
    client.force_login(world.admin_a)
    response = client.post(reverse("payment-roll-export", args=[approved.pk]), {"template": 999999})
    assert response.status_code == 400 and "代发模板" in response.content.decode()


# --- API -------------------------------------------------------------------------------------------------------


def test_api_export_and_result_upload(world, approved, templates, settings):
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 1  # uploads arrive as temporary files on disk, as large ones do
    api = APIClient()
    api.force_authenticate(world.admin_a)
    url = reverse("api-payment-roll-export", args=[approved.pk])
    response = api.get(url, {"template": templates["csv"].pk})
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("gb18030"))))
    assert rows[-1][4] == _yuan(approved.total_fen)
    assert api.get(url, {"template": templates["csv"].pk}, HTTP_ACCEPT="text/csv").status_code == 200
    assert api.get(url, {"bogus": 1}).status_code == 400
    a, *_ = _lines(approved)
    results = reverse("api-payment-roll-results", args=[approved.pk])
    response = api.post(results, {"file": _csv_result([_row(a)], templates["csv"])}, format="multipart")
    assert response.status_code == 202, response.content
    body = response.json()
    assert body["url"] == reverse("job-detail", args=[body["job"]])
    process_result_import(body["job"])
    assert PaymentLine.objects.get(pk=a.pk).status == LineStatus.PAID
    again = api.post(results, {"file": _csv_result([_row(a)], templates["csv"])}, format="multipart")
    assert again.status_code == 409 and again.json()["code"] == "duplicate_result_file"
    bad = api.post(results, {"file": SimpleUploadedFile("x.csv", b"a,b\n1,2\n")}, format="multipart")
    assert bad.status_code == 400 and "流水号" in bad.json()["message"]


def test_api_refuses_other_roles(world, approved, templates):
    api = APIClient()
    api.force_authenticate(world.auditor_a)
    url = reverse("api-payment-roll-export", args=[approved.pk])
    assert api.get(url).status_code == 403
    api.force_authenticate(world.caseworker_a1)
    assert api.get(url).status_code == 404
    upload = SimpleUploadedFile("x.csv", b"a\n")
    assert (
        api.post(
            reverse("api-payment-roll-results", args=[approved.pk]), {"file": upload}, format="multipart"
        ).status_code
        == 404
    )


# --- templates -------------------------------------------------------------------------------------------------


def test_default_templates_are_created_once_and_are_valid(db):
    first = bank_templates_ensure()
    again = bank_templates_ensure()
    assert [t.pk for t in first] == [t.pk for t in again]
    assert BankTemplate.objects.count() == len(DEFAULT_TEMPLATES)
    assert {t.file_format for t in first} == {"csv", "xlsx"}


def test_the_admin_form_checks_the_columns_against_the_known_fields(db):
    data = {
        "name": "测试模板",
        "bank_name": "测试银行",
        "file_format": "csv",
        "encoding": "no-such-encoding",
        "delimiter": ",",
        "columns": '[{"header": "账号", "field": "account_no"}]',
        "totals_row": "on",
        "totals_label": "合计",
        "result_columns": '{"reference": "流水号", "amount": "金额"}',
        "success_values": "[]",
        "is_active": "on",
    }
    form = BankTemplateForm(data)
    assert not form.is_valid()
    assert "account_no" in str(form.errors["columns"])
    assert "amount" in str(form.errors["result_columns"]) and "处理结果" in str(form.errors["result_columns"])
    assert "encoding" in form.errors and "success_values" in form.errors
    data.update(
        encoding="gb18030",
        columns='[{"header": "流水号", "field": "reference"}, {"header": "账号", "field": "account_number"}]',
        result_columns='{"reference": "流水号", "status": "处理结果"}',
        success_values='["成功"]',
    )
    assert BankTemplateForm(data).is_valid()


def test_the_county_administrator_keeps_templates_in_the_admin_console(client, world, templates):
    client.force_login(world.admin_a)
    assert client.get("/admin/payments/banktemplate/").status_code == 200
    assert client.get(f"/admin/payments/banktemplate/{templates['csv'].pk}/change/").status_code == 200
    data = {
        "county": world.county_a.pk,
        "name": "长白县农商行代发",
        "bank_name": "长白县农村商业银行",
        "file_format": "csv",
        "encoding": "gb18030",
        "delimiter": ",",
        "columns": '[{"header": "流水号", "field": "reference"}, {"header": "账号", "field": "account_number"}]',
        "totals_row": "on",
        "totals_label": "合计",
        "result_columns": '{"reference": "流水号", "status": "结果"}',
        "success_values": '["成功"]',
        "is_active": "on",
    }
    response = client.post("/admin/payments/banktemplate/add/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    created = BankTemplate.objects.get(name="长白县农商行代发")
    assert AuditEvent.objects.filter(action="bank_template.create", target_id=str(created.pk)).exists()
    response = client.post(
        "/admin/payments/countypaymentsetting/add/",
        {"county": world.county_a.pk, "roll_day": 6, "bank_template": created.pk},
    )
    assert response.status_code == 302
    assert AuditEvent.objects.filter(action="payment_setting.save").exists()


def test_the_roll_page_shows_the_bank_panel(client, world, exported):
    client.force_login(world.admin_a)
    html = client.get(exported.get_absolute_url()).content.decode()
    assert 'data-testid="bank-panel"' in html and 'data-testid="bank-upload"' in html
