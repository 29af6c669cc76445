"""Reconciliation (对账): import the bank's result file of an exported roll (``payments.services.export``), resolve
what did not match, and decide what happens to failed lines.

Lifecycle: approved → exported (first export) → reconciled (every line has the bank's result and no unmatched row
of any result file is left open). A later result file with an open unmatched row sends a reconciled roll back to
exported.

Result import, step by step:

- ``result_import_start`` stores the file as received (``BankResultImport.file``), refuses the same file twice
  for the roll (409, by SHA-256), checks its header against the template (400), and queues the job;
- ``result_import_process`` (the Celery task ``payments.process_result_import``) reads the whole file once to
  check it, then processes it in chunks of rows, each chunk in its own transaction: its rows are inserted (unique
  per import and row number) and its lines get their results. A worker killed mid-way leaves whole chunks done;
  the rerun starts after the last row stored — no duplicate row, no row left out;
- a line gets a result only while it is pending, or the same result again (from another file); anything else is
  an *unmatched* row with its reason (unknown reference, another roll's line, amount or account differing from
  the line, the same reference twice in one file, a different result than the line already has). Unmatched rows
  are listed until a person matches them to a line or dismisses them with a note (``result_row_resolve``);
- a failed line waits for its account to be corrected (``carry_state`` waiting): the next roll's generation
  carries it once the household's account number differs (``payments.services.rolls.CARRY_SQL``), or once a
  person has confirmed the account is right (``failed_line_release``); ``failed_line_cancel`` ends it (the
  recipient died, the money is no longer owed).

Permissions: the county's administrator or reviewer imports, resolves, releases and cancels.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import Count, Max, Q, Sum
from django.utils import timezone

from assistance.errors import ApplicationError
from assistance.models import Staff
from audit.services import audit_record, model_snapshot
from payments import bankfiles
from payments.choices import CarryState, ImportStatus, LineStatus, Resolution, ResultOutcome, RollStatus
from payments.models import (
    BankResultImport,
    BankResultRow,
    BankTemplate,
    PaymentLine,
    PaymentRoll,
)
from payments.services._common import require_county_staff, yuan
from payments.services.export import ROLL_AUDITED, _locked_roll, _require_status, template_for

IMPORT_CHUNK = 1000  # result rows per transaction
MAX_RESULT_FILE = 200 * 1024 * 1024  # a province's result file is well under this
IMPORTABLE = (RollStatus.EXPORTED, RollStatus.RECONCILED)
LINE_AUDITED = ["status", "failure_reason", "carry_state"]


# --- helpers ---------------------------------------------------------------------------------------------------


def _note(note: str, label: str = "说明") -> str:
    note = (note or "").strip()
    if not note:
        raise ApplicationError(f"请填写{label}", code="invalid", fields={"note": [f"请填写{label}"]})
    return note[:200]


def _masked(account: str) -> str:
    account = (account or "").strip()
    return f"****{account[-4:]}" if len(account) > 4 else account


def _reference_id(text: str) -> int | None:
    """A line id from a reference cell (digits only; leading zeros a bank may pad with are fine)."""
    text = (text or "").strip()
    if not text.isdigit() or len(text.lstrip("0")) > 18:
        return None
    return int(text)


def _normal_account(account: str) -> str:
    return "".join((account or "").split())


# --- result import ---------------------------------------------------------------------------------------------


def _digest(uploaded_file) -> str:
    sha = hashlib.sha256()
    size = 0
    for piece in uploaded_file.chunks():
        size += len(piece)
        if size > MAX_RESULT_FILE:
            raise ApplicationError(
                f"回盘文件过大（超过 {MAX_RESULT_FILE // 1024 // 1024} MB）",
                code="bad_result_file",
                fields={"file": ["文件过大"]},
            )
        sha.update(piece)
    uploaded_file.seek(0)
    return sha.hexdigest()


def result_import_start(
    *, actor: Staff, roll: PaymentRoll, uploaded_file, template: BankTemplate | int | None = None
) -> BankResultImport:
    """Store the bank's result file of an exported roll and queue its processing; return the import (its ``job``
    is the page to follow). Refuse the same file twice for the roll (409) and a file whose columns do not fit
    the template (400), before anything is stored."""
    from assistance.jobs import job_start

    if uploaded_file is None or not getattr(uploaded_file, "size", 0):
        raise ApplicationError("请选择银行返回的回盘文件", code="invalid", fields={"file": ["请选择文件"]})
    with transaction.atomic():
        roll = _locked_roll(roll)
        require_county_staff(actor, roll.county, "导入银行回盘文件")
        _require_status(roll, IMPORTABLE, "导入回盘文件", "（请先导出银行代发文件）")
        template = template_for(roll, template)
        digest = _digest(uploaded_file)
        earlier = BankResultImport.objects.filter(roll=roll, sha256=digest).first()
        if earlier is not None:
            raise ApplicationError(
                f"该回盘文件已于 {timezone.localtime(earlier.uploaded_at):%Y-%m-%d %H:%M} "
                f"导入过（{earlier.filename}），不能重复导入",
                code="duplicate_result_file",
                status=409,
            )
        rows = bankfiles.check_result_file(uploaded_file, template, full=False)
        if rows == 0:
            raise bankfiles.bad_file("回盘文件只有表头，没有明细行")
        uploaded_file.seek(0)
        name = (getattr(uploaded_file, "name", "") or "result").rsplit("/", 1)[-1][:200]
        imp = BankResultImport(roll=roll, filename=name, sha256=digest, uploaded_by=actor)
        imp.file.save(name[-80:], uploaded_file, save=False)
        try:
            with transaction.atomic():
                imp.save()
        except IntegrityError:
            raise ApplicationError(
                "该回盘文件已导入过，不能重复导入", code="duplicate_result_file", status=409
            ) from None
        job, _ = job_start(
            actor=actor,
            kind="payment_result_import",
            key=f"payment_result_import:{imp.pk}",
            label=f"{roll.code} 银行回盘文件导入（{name[:60]}）",
            county=roll.county,
            params={"import": imp.pk, "roll": roll.pk, "template": template.pk},
        )
        imp.job = job
        imp.save(update_fields=["job"])
        audit_record(
            actor=actor,
            action="payment_result.upload",
            target=imp,
            region=roll.county,
            changes={"roll": roll.code, "file": name, "sha256": digest, "template": template.name},
        )
        from payments.tasks_reconcile import process_result_import

        transaction.on_commit(lambda: process_result_import.delay(job.pk))
    return imp


def _import_template(imp: BankResultImport) -> BankTemplate:
    pk = (imp.job.params or {}).get("template") if imp.job_id else None
    template = BankTemplate.objects.filter(pk=pk).first() if pk else None
    return template or template_for(imp.roll)


@dataclass
class _Chunk:
    paid: int = 0
    failed: int = 0
    unmatched: int = 0


def _match(
    row: bankfiles.ResultRow,
    line: PaymentLine | None,
    *,
    roll_id: int,
    template: BankTemplate,
    seen: set[int],
) -> tuple[str, str]:
    """Return ``(outcome, reason)`` of a row against its line (None: no line has that reference)."""
    reference = row.get("reference")
    if not reference:
        return ResultOutcome.UNMATCHED, "回盘行没有流水号"
    if line is None:
        return ResultOutcome.UNMATCHED, f"流水号 {reference[:40]} 不是本系统的发放明细"
    if line.roll_id != roll_id:
        return ResultOutcome.UNMATCHED, f"流水号 {reference} 属于其他花名册，不是本花名册的明细"
    amount_text = row.get("amount_yuan")
    if amount_text:
        fen = bankfiles.parse_amount(amount_text)
        if fen is None:
            return ResultOutcome.UNMATCHED, f"金额“{amount_text[:20]}”格式不正确"
        if fen != line.amount_fen:
            return (
                ResultOutcome.UNMATCHED,
                f"金额不符：回盘 {bankfiles.fen_text(fen)} 元，明细 {bankfiles.fen_text(line.amount_fen)} 元",
            )
    account = _normal_account(row.get("account_number"))
    if account and account != _normal_account(line.account_number):
        return ResultOutcome.UNMATCHED, f"账号不符：回盘 {_masked(account)}，明细 {_masked(line.account_number)}"
    status = row.get("status")
    if not status:
        return ResultOutcome.UNMATCHED, "处理结果为空"
    success = {str(v).strip().lower() for v in (template.success_values or [])}
    outcome = ResultOutcome.PAID if status.strip().lower() in success else ResultOutcome.FAILED
    if line.pk in seen:
        return (
            ResultOutcome.UNMATCHED,
            f"流水号 {reference} 在本回盘文件中重复出现，以第一次出现的结果为准，本行请人工核实",
        )
    if line.status != LineStatus.PENDING and line.status != outcome:
        return (
            ResultOutcome.UNMATCHED,
            f"该明细已有不同的回盘结果（{line.get_status_display()}），本行为“{status[:20]}”",
        )
    return outcome, ""


def _failure_reason(row: bankfiles.ResultRow) -> str:
    return (row.get("reason") or f"银行处理结果：{row.get('status')}")[:200]


def _process_chunk(imp: BankResultImport, template: BankTemplate, rows: list[bankfiles.ResultRow]) -> _Chunk:
    """Insert one chunk of rows and give their lines their results, in one transaction (idempotent: rows already
    stored are skipped)."""
    counts = _Chunk()
    with transaction.atomic():
        BankResultImport.objects.select_for_update().filter(pk=imp.pk).first()
        stored = set(
            BankResultRow.objects.filter(result_import=imp, row_number__in=[r.number for r in rows]).values_list(
                "row_number", flat=True
            )
        )
        rows = [r for r in rows if r.number not in stored]
        if not rows:
            return counts
        references = {
            int(r.get("reference")) for r in rows if r.get("reference").isdigit() and len(r.get("reference")) < 19
        }
        lines = {
            line.pk: line
            for line in PaymentLine.objects.select_for_update()
            .filter(pk__in=references)
            .only("id", "roll_id", "amount_fen", "account_number", "status", "failure_reason", "carry_state")
        }
        seen = set(
            BankResultRow.objects.filter(
                result_import=imp, line_id__in=list(lines), outcome__in=[ResultOutcome.PAID, ResultOutcome.FAILED]
            ).values_list("line_id", flat=True)
        )
        now = timezone.now()
        changed: dict[int, PaymentLine] = {}
        new_rows = []
        for row in rows:
            reference = row.get("reference")
            line = lines.get(_reference_id(reference))
            outcome, reason = _match(row, line, roll_id=imp.roll_id, template=template, seen=seen)
            if outcome == ResultOutcome.UNMATCHED:
                counts.unmatched += 1
            else:
                seen.add(line.pk)
                if outcome == ResultOutcome.PAID:
                    counts.paid += 1
                else:
                    counts.failed += 1
                    reason = _failure_reason(row)
                if line.status == LineStatus.PENDING:
                    line.status = outcome
                    line.result_at = now
                    if outcome == ResultOutcome.FAILED:
                        line.failure_reason = reason
                        line.carry_state = CarryState.WAITING
                    changed[line.pk] = line
            amount = bankfiles.parse_amount(row.get("amount_yuan"))
            new_rows.append(
                BankResultRow(
                    result_import=imp,
                    row_number=row.number,
                    reference=reference[:40],
                    account_number=row.get("account_number")[:40],
                    amount_fen=amount,
                    bank_status=row.get("status")[:40],
                    reason=reason[:200],
                    outcome=outcome,
                    # An unmatched row keeps the roll's line it names (if any), so the person resolving sees it.
                    line=line if line is not None and line.roll_id == imp.roll_id else None,
                )
            )
        if changed:
            PaymentLine.objects.bulk_update(
                list(changed.values()), ["status", "result_at", "failure_reason", "carry_state"], batch_size=500
            )
        BankResultRow.objects.bulk_create(new_rows, batch_size=500)
        audit_record(
            actor=imp.uploaded_by,
            action="payment_result.process",
            target=imp,
            region=imp.roll.county,
            changes={
                "rows": [rows[0].number, rows[-1].number],
                "paid": counts.paid,
                "failed": counts.failed,
                "unmatched": counts.unmatched,
            },
        )
    return counts


def result_import_process(
    *, import_id: int, chunk: int = IMPORT_CHUNK, progress: Callable[[int, int], None] | None = None
) -> BankResultImport:
    """Process a stored result file: check it whole, then its rows chunk by chunk (each chunk one transaction),
    then the import's counts, the roll's totals and, when nothing is left open, the roll's reconciliation.
    Idempotent: a rerun continues after the last row stored; a finished import is returned as it is.
    ``progress(done_rows, total_rows)`` is called after each chunk. Raise ``ApplicationError`` (400) when the
    file does not fit its template (nothing processed)."""
    imp = BankResultImport.objects.select_related("roll", "roll__county", "job", "uploaded_by").get(pk=import_id)
    if imp.status == ImportStatus.DONE:
        return imp
    template = _import_template(imp)
    done_upto = imp.rows.aggregate(m=Max("row_number"))["m"] or 0
    with imp.file.open("rb") as handle:
        total = bankfiles.check_result_file(handle, template) or 0
        done = imp.rows.count()
        if progress:
            progress(done, total)
        batch: list[bankfiles.ResultRow] = []
        for row in bankfiles.result_rows(handle, template):
            if row.number <= done_upto:
                continue
            batch.append(row)
            if len(batch) >= chunk:
                _process_chunk(imp, template, batch)
                done += len(batch)
                batch = []
                if progress:
                    progress(min(done, total), total)
        if batch:
            _process_chunk(imp, template, batch)
            done += len(batch)
            if progress:
                progress(min(done, total), total)
    return _import_finish(imp)


@transaction.atomic
def _import_finish(imp: BankResultImport) -> BankResultImport:
    imp = BankResultImport.objects.select_for_update().select_related("uploaded_by").get(pk=imp.pk)
    rows = BankResultRow.objects.filter(result_import=imp)
    agg = rows.aggregate(
        n=Count("id"),
        paid=Count("id", filter=Q(outcome=ResultOutcome.PAID)),
        paid_fen=Sum("line__amount_fen", filter=Q(outcome=ResultOutcome.PAID)),
        failed=Count("id", filter=Q(outcome=ResultOutcome.FAILED)),
        failed_fen=Sum("line__amount_fen", filter=Q(outcome=ResultOutcome.FAILED)),
        unmatched=Count("id", filter=Q(outcome=ResultOutcome.UNMATCHED)),
    )
    imp.row_count = agg["n"]
    imp.paid_count, imp.paid_fen = agg["paid"], agg["paid_fen"] or 0
    imp.failed_count, imp.failed_fen = agg["failed"], agg["failed_fen"] or 0
    imp.unmatched_count = agg["unmatched"]
    imp.status = ImportStatus.DONE
    imp.error = ""
    imp.save()
    roll = _locked_roll(imp.roll)
    from payments.services.rolls import refresh_totals

    refresh_totals(roll)
    audit_record(
        actor=imp.uploaded_by,
        action="payment_result.import",
        target=imp,
        region=roll.county,
        changes={
            "rows": imp.row_count,
            "paid": imp.paid_count,
            "paid_total": str(yuan(imp.paid_fen)),
            "failed": imp.failed_count,
            "failed_total": str(yuan(imp.failed_fen)),
            "unmatched": imp.unmatched_count,
        },
    )
    _reconcile_if_complete(roll, actor=imp.uploaded_by)
    return imp


@transaction.atomic
def result_import_fail(*, import_id: int, error: str) -> None:
    """Record why an import could not be processed (shown with the import; the file can be corrected and sent
    again). Rows already processed keep their results."""
    BankResultImport.objects.filter(pk=import_id).exclude(status=ImportStatus.DONE).update(
        status=ImportStatus.FAILED, error=error[:4000]
    )


def roll_open_items(roll: PaymentRoll) -> tuple[int, int]:
    """``(pending lines, open unmatched rows)`` of the roll: what stands between it and reconciliation."""
    pending = PaymentLine.objects.filter(roll=roll, status=LineStatus.PENDING).count()
    open_rows = BankResultRow.objects.filter(
        result_import__roll=roll, outcome=ResultOutcome.UNMATCHED, resolution=Resolution.OPEN
    ).count()
    return pending, open_rows


def _reconcile_if_complete(roll: PaymentRoll, *, actor: Staff) -> PaymentRoll:
    """Mark the (locked) roll reconciled when every line has a result and no unmatched row is open; send a
    reconciled roll back to exported when a new open row appeared."""
    pending, open_rows = roll_open_items(roll)
    before = model_snapshot(roll, ROLL_AUDITED)
    if roll.status == RollStatus.EXPORTED and not pending and not open_rows:
        roll.status = RollStatus.RECONCILED
        roll.reconciled_at = timezone.now()
        action, note = (
            "payment_roll.reconcile",
            (
                f"对账完成：到账 {roll.paid_count} 笔 {yuan(roll.paid_fen)} 元，失败 {roll.failed_count} 笔 "
                f"{yuan(roll.failed_fen)} 元，合计 {yuan(roll.total_fen)} 元"
            ),
        )
    elif roll.status == RollStatus.RECONCILED and (pending or open_rows):
        roll.status = RollStatus.EXPORTED
        roll.reconciled_at = None
        action, note = "payment_roll.reopen", f"新的回盘文件有 {open_rows} 行未匹配，花名册回到“已导出”待处理"
    else:
        return roll
    roll.version += 1
    roll.save()
    audit_record(
        actor=actor,
        action=action,
        target=roll,
        region=roll.county,
        before=before,
        after=model_snapshot(roll, ROLL_AUDITED),
        note=note,
    )
    return roll


# --- resolving unmatched rows ----------------------------------------------------------------------------------


@transaction.atomic
def result_row_resolve(
    *, actor: Staff, row: BankResultRow, line: PaymentLine | None = None, outcome: str = "", note: str
) -> BankResultRow:
    """Resolve an unmatched row of a result file: match it to a line of the roll with the outcome a person
    established (paid or failed; the note says how), or — without a line — dismiss it with the note. The roll
    is reconciled when nothing else is open."""
    row = BankResultRow.objects.select_for_update().select_related("result_import").get(pk=row.pk)
    imp = row.result_import
    roll = _locked_roll(imp.roll)
    require_county_staff(actor, roll.county, "处理未匹配的回盘行")
    note = _note(note, "处理说明")
    if row.outcome != ResultOutcome.UNMATCHED or row.resolution != Resolution.OPEN:
        raise ApplicationError("该回盘行已经处理过", code="already_resolved", status=409)
    if imp.status != ImportStatus.DONE:
        raise ApplicationError("该回盘文件尚未处理完成，请稍后再处理未匹配行", code="import_running", status=409)
    before = model_snapshot(row, ["resolution", "line", "resolution_note"])
    if line is None:
        row.resolution = Resolution.DISMISSED
    else:
        if outcome not in (ResultOutcome.PAID, ResultOutcome.FAILED):
            raise ApplicationError(
                "请选择该行的发放结果（成功或失败）", code="invalid", fields={"outcome": ["请选择成功或失败"]}
            )
        line = PaymentLine.objects.select_for_update().get(pk=line.pk)
        if line.roll_id != roll.pk:
            raise ApplicationError(
                f"明细 {line.pk} 不属于花名册 {roll.code}", code="invalid", fields={"line": ["不是本花名册的明细"]}
            )
        if line.status == LineStatus.PENDING:
            line_before = model_snapshot(line, LINE_AUDITED)
            line.status = outcome
            line.result_at = timezone.now()
            if outcome == ResultOutcome.FAILED:
                line.failure_reason = note
                line.carry_state = CarryState.WAITING
            line.save(update_fields=["status", "result_at", "failure_reason", "carry_state"])
            audit_record(
                actor=actor,
                action="payment_line.result",
                target=line,
                region=roll.county,
                household=line.household,
                before=line_before,
                after=model_snapshot(line, LINE_AUDITED),
                note=f"人工匹配回盘行 {imp.filename} 第 {row.row_number} 行：{note}",
            )
        elif line.status != outcome:
            raise ApplicationError(
                f"明细 {line.pk} 已有回盘结果（{line.get_status_display()}），"
                f"不能再匹配为“{ResultOutcome(outcome).label}”",
                code="line_has_result",
                status=409,
            )
        row.line = line
        row.resolution = Resolution.MATCHED
    row.resolved_by = actor
    row.resolved_at = timezone.now()
    row.resolution_note = note
    row.save(update_fields=["line", "resolution", "resolved_by", "resolved_at", "resolution_note"])
    audit_record(
        actor=actor,
        action="payment_result.resolve",
        target=row,
        region=roll.county,
        before=before,
        after=model_snapshot(row, ["resolution", "line", "resolution_note"]),
        note=note,
    )
    from payments.services.rolls import refresh_totals

    refresh_totals(roll)
    _reconcile_if_complete(roll, actor=actor)
    return row


# --- failed lines ----------------------------------------------------------------------------------------------


def _failed_line(line: PaymentLine, actor: Staff, doing: str) -> PaymentLine:
    line = PaymentLine.objects.select_for_update().select_related("roll", "roll__county", "household").get(pk=line.pk)
    require_county_staff(actor, line.roll.county, doing)
    if line.status != LineStatus.FAILED:
        raise ApplicationError(f"只有发放失败的明细可以{doing}", code="illegal_transition", status=409)
    carried = PaymentLine.objects.filter(carried_from=line).select_related("roll").first()
    if carried is not None:
        raise ApplicationError(
            f"该明细已转入 {carried.roll.code}（{carried.roll.month:%Y年%m月}）重发，不能再{doing}",
            code="already_carried",
            status=409,
        )
    return line


def _line_transition(*, actor: Staff, line: PaymentLine, note: str, state: str, action: str, label: str):
    before = model_snapshot(line, LINE_AUDITED)
    line.carry_state = state
    line.save(update_fields=["carry_state"])
    audit_record(
        actor=actor,
        action=action,
        target=line,
        region=line.roll.county,
        household=line.household,
        before=before,
        after=model_snapshot(line, LINE_AUDITED),
        note=f"{label}：{note}",
    )
    return line


@transaction.atomic
def failed_line_release(*, actor: Staff, line: PaymentLine, note: str) -> PaymentLine:
    """Confirm a failed line's account is right (账户已核实，下期重发): the next roll carries it even though the
    household's account number has not changed."""
    line = _failed_line(line, actor, "核实后重发")
    note = _note(note, "核实说明")
    if line.carry_state != CarryState.WAITING:
        raise ApplicationError(
            f"该明细当前为“{line.get_carry_state_display()}”，不能再核实重发", code="illegal_transition", status=409
        )
    return _line_transition(
        actor=actor,
        line=line,
        note=note,
        state=CarryState.READY,
        action="payment_line.release",
        label="账户已核实，下期重发",
    )


@transaction.atomic
def failed_line_cancel(*, actor: Staff, line: PaymentLine, note: str) -> PaymentLine:
    """Stop a failed line from being paid again (不再发放, e.g. the recipient died); the note says why."""
    line = _failed_line(line, actor, "停止重发")
    note = _note(note, "停止重发的原因")
    if line.carry_state not in (CarryState.WAITING, CarryState.READY):
        raise ApplicationError(
            f"该明细当前为“{line.get_carry_state_display()}”，不能停止重发", code="illegal_transition", status=409
        )
    return _line_transition(
        actor=actor, line=line, note=note, state=CarryState.CANCELLED, action="payment_line.cancel", label="不再发放"
    )
