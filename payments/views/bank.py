"""Pages of bank files and reconciliation: download a roll's bank file, upload the bank's result file (a watched
job), resolve unmatched rows, and release or cancel failed lines. ``bank_panel`` gives the context of
``payments/rolls/_bank.html``, which the roll's page includes; the results page (``/payments/rolls/<id>/results/``)
shows the same panel on its own.

Every action is a POST form with the CSRF token; a refused action shows the results page again with the Chinese
message and the refusal's status (400/409); a role that may not act gets the 403 page."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q, Sum
from django.http import FileResponse, HttpResponseRedirect, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods, require_POST

from assistance.errors import ApplicationError, PermissionRefused
from payments.choices import CarryState, LineStatus, ResultOutcome
from payments.models import PaymentLine, PaymentRoll
from payments.selectors.bank import (
    failed_line_list_for,
    line_get_for,
    result_import_list_for,
    result_row_get_for,
    result_row_list_for,
)
from payments.selectors.rolls import roll_get_for
from payments.services._common import is_payment_admin, is_payment_reviewer, yuan
from payments.services.export import EXPORTABLE, roll_export, templates_for
from payments.services.reconcile import (
    IMPORTABLE,
    failed_line_cancel,
    failed_line_release,
    result_import_start,
    result_row_resolve,
)

PANEL_ROWS = 200  # unmatched rows and failed lines shown in the panel (the counts say how many there are)


# --- forms -----------------------------------------------------------------------------------------------------


class ResultUploadForm(forms.Form):
    file = forms.FileField(label="回盘文件", help_text="银行返回的回盘文件（CSV 或 xlsx），按代发模板读取")
    template = forms.IntegerField(label="代发模板", required=False)


class ResolveForm(forms.Form):
    action = forms.ChoiceField(label="处理方式", choices=[("match", "匹配到明细"), ("dismiss", "核实排除")])
    line = forms.IntegerField(label="明细流水号", required=False, min_value=1)
    outcome = forms.ChoiceField(
        label="发放结果",
        required=False,
        choices=[("", "—"), (ResultOutcome.PAID, "成功"), (ResultOutcome.FAILED, "失败")],
    )
    note = forms.CharField(label="处理说明", max_length=200)


class NoteForm(forms.Form):
    note = forms.CharField(label="说明", max_length=200)


def _form_error(form: forms.Form) -> ApplicationError:
    fields = {name: [str(m) for m in errors] for name, errors in form.errors.items()}
    first = next((m for errors in fields.values() for m in errors), "提交的信息有误")
    label = next((form.fields[n].label for n in fields if n in form.fields), "")
    return ApplicationError(f"{label}：{first}" if label else first, code="invalid", fields=fields)


# --- the panel -------------------------------------------------------------------------------------------------


def _roll_url(roll: PaymentRoll) -> str:
    try:
        return roll.get_absolute_url()
    except NoReverseMatch:
        return reverse("payment-roll-results", args=[roll.pk])


def _carry_label(line) -> str:
    if getattr(line, "is_carried", False):
        return f"已转{line.carry_month:%Y年%m月}重发"
    return {
        CarryState.WAITING: "待更正账户",
        CarryState.READY: "已核实下期重发",
        CarryState.CANCELLED: "不再发放",
    }.get(line.carry_state, "—")


def bank_panel(request, roll: PaymentRoll) -> dict:
    """The context of ``payments/rolls/_bank.html`` for ``roll`` as ``request.user`` sees it (pass it as ``bank``).

    Keys: ``roll``; ``can_manage`` (county administrator); ``can_export`` / ``can_import`` (and the roll's status
    allows it); ``templates`` (usable templates) and ``default_template`` (id); ``imports`` (latest first);
    ``unmatched_rows`` (at most 200, open first) and ``open_unmatched`` (count); ``failed_lines`` (at most 200,
    each with ``carry_label``, ``can_release``, ``can_cancel``) and ``failed_count``; ``totals`` (``paid``,
    ``failed``, ``pending``: ``{"n", "fen", "yuan"}``; ``total_yuan``; ``balanced``: paid + failed + pending equal
    the roll's total to the fen); ``next`` (where the forms come back to)."""
    actor = request.user
    can_manage = is_payment_admin(actor, roll.county) or is_payment_reviewer(actor, roll.county)
    templates = list(templates_for(roll).order_by("name")) if can_manage else []
    imports = list(result_import_list_for(actor=actor, roll=roll)[:50])
    # Open rows first ('' sorts before "dismissed" and "matched").
    rows = list(
        result_row_list_for(actor=actor, roll=roll).order_by("resolution", "result_import_id", "row_number")[
            :PANEL_ROWS
        ]
    )
    open_unmatched = result_row_list_for(actor=actor, roll=roll, open_only=True).count()
    failed_qs = failed_line_list_for(actor=actor, roll=roll)
    failed = list(failed_qs[:PANEL_ROWS])
    for line in failed:
        line.carry_label = _carry_label(line)
        line.can_release = can_manage and not line.is_carried and line.carry_state == CarryState.WAITING
        line.can_cancel = (
            can_manage and not line.is_carried and line.carry_state in (CarryState.WAITING, CarryState.READY)
        )
    sums = {}
    for status in LineStatus:
        sums[f"{status}_n"] = Count("id", filter=Q(status=status))
        sums[f"{status}_fen"] = Sum("amount_fen", filter=Q(status=status))
    agg = PaymentLine.objects.filter(roll=roll).aggregate(**sums)
    totals: dict = {}
    for status in LineStatus:
        fen = agg[f"{status}_fen"] or 0
        totals[str(status)] = {"n": agg[f"{status}_n"], "fen": fen, "yuan": yuan(fen)}
    totals["total_yuan"] = yuan(roll.total_fen)
    fen_sum = sum(totals[str(s)]["fen"] for s in LineStatus)
    n_sum = sum(totals[str(s)]["n"] for s in LineStatus)
    totals["balanced"] = (fen_sum, n_sum) == (roll.total_fen, roll.line_count)
    return {
        "roll": roll,
        "can_manage": can_manage,
        "can_export": can_manage and roll.status in EXPORTABLE,
        "can_import": can_manage and roll.status in IMPORTABLE,
        "templates": templates,
        "default_template": roll.bank_template_id,
        "imports": imports,
        "unmatched_rows": rows,
        "open_unmatched": open_unmatched,
        "failed_lines": failed,
        "failed_count": failed_qs.count() if len(failed) >= PANEL_ROWS else len(failed),
        "totals": totals,
        "next": request.get_full_path(),
    }


def _results_page(request, roll: PaymentRoll, *, error: ApplicationError | None = None, form=None):
    context = {
        "roll": roll,
        "roll_url": _roll_url(roll),
        "bank": bank_panel(request, roll),
        "error_message": error.message if error else "",
        "error_fields": error.fields if error else {},
        "form": form or ResultUploadForm(),
    }
    return render(request, "payments/bank/results.html", context, status=error.status if error else 200)


def _back(request, roll: PaymentRoll) -> HttpResponseRedirect:
    target = request.POST.get("next") or ""
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=False):
        target = reverse("payment-roll-results", args=[roll.pk])
    return redirect(target)


# --- pages -----------------------------------------------------------------------------------------------------


@login_required
@require_POST
def roll_export_download(request, roll_id: int):
    """Download the roll's bank file in the chosen template (the first download marks the roll exported)."""
    roll = roll_get_for(actor=request.user, pk=roll_id)
    template = request.POST.get("template") or None
    try:
        if template is not None and not str(template).isdigit():
            raise ApplicationError("请选择代发模板", code="invalid", fields={"template": ["请选择代发模板"]})
        export = roll_export(actor=request.user, roll=roll, template=int(template) if template else None)
    except PermissionRefused:
        raise
    except ApplicationError as error:
        return _results_page(request, roll, error=error)
    if export.is_xlsx:
        return FileResponse(
            export.open(), as_attachment=True, filename=export.filename, content_type=export.content_type
        )
    response = StreamingHttpResponse(export.stream(), content_type=export.content_type)
    response["Content-Disposition"] = f'attachment; filename="{export.filename}"'
    return response


@login_required
@require_http_methods(["GET", "POST"])
def roll_results(request, roll_id: int):
    """The roll's bank panel on its own page; POST uploads a result file and goes to its job's page."""
    roll = roll_get_for(actor=request.user, pk=roll_id)
    if request.method == "GET":
        return _results_page(request, roll)
    form = ResultUploadForm(request.POST, request.FILES)
    try:
        if not form.is_valid():
            raise _form_error(form)
        imp = result_import_start(
            actor=request.user,
            roll=roll,
            uploaded_file=form.cleaned_data["file"],
            template=form.cleaned_data.get("template"),
        )
    except PermissionRefused:
        raise
    except ApplicationError as error:
        return _results_page(request, roll, error=error, form=form)
    messages.success(request, f"回盘文件“{imp.filename}”已上传，正在后台处理")
    return redirect(reverse("job-detail", args=[imp.job_id]))


@login_required
@require_POST
def result_row_resolve_view(request, row_id: int):
    """Match an unmatched result row to a line of the roll (with its outcome), or dismiss it; a note is needed."""
    row = result_row_get_for(actor=request.user, pk=row_id)
    roll = roll_get_for(actor=request.user, pk=row.result_import.roll_id)
    form = ResolveForm(request.POST)
    try:
        if not form.is_valid():
            raise _form_error(form)
        data = form.cleaned_data
        line = None
        if data["action"] == "match":
            number = data.get("line") or row.line_id
            line = PaymentLine.objects.filter(roll=roll, pk=number).first() if number else None
            if line is None:
                raise ApplicationError(
                    "请填写本花名册中的明细流水号", code="invalid", fields={"line": ["不是本花名册的明细流水号"]}
                )
        result_row_resolve(actor=request.user, row=row, line=line, outcome=data.get("outcome") or "", note=data["note"])
    except PermissionRefused:
        raise
    except ApplicationError as error:
        return _results_page(request, roll, error=error)
    messages.success(request, f"回盘文件第 {row.row_number} 行已处理")
    return _back(request, roll)


def _line_action(request, line_id: int, service, done: str):
    line = line_get_for(actor=request.user, pk=line_id)
    roll = roll_get_for(actor=request.user, pk=line.roll_id)
    form = NoteForm(request.POST)
    try:
        if not form.is_valid():
            raise _form_error(form)
        service(actor=request.user, line=line, note=form.cleaned_data["note"])
    except PermissionRefused:
        raise
    except ApplicationError as error:
        return _results_page(request, roll, error=error)
    messages.success(request, f"明细 {line.pk}：{done}")
    return _back(request, roll)


@login_required
@require_POST
def failed_line_release_view(request, line_id: int):
    """账户已核实，下期重发: the next roll pays the failed line again to the same account."""
    return _line_action(request, line_id, failed_line_release, "账户已核实，下期重发")


@login_required
@require_POST
def failed_line_cancel_view(request, line_id: int):
    """不再发放: the failed line is not paid again (the note says why)."""
    return _line_action(request, line_id, failed_line_cancel, "不再发放")
