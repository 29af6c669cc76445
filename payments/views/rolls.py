"""Pages of the payment rolls: the list with the generation form (``/payments/``), a roll's page with its totals,
its check report, its changes against last month, its lines and the actions this user may take now."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from assistance.errors import ApplicationError, PermissionRefused
from assistance.models import Region
from cases.choices import ProgramCode
from cases.models import Enrolment
from cases.views.recompute import parse_month
from payments.choices import ROLL_PROGRAMS, LineKind, LineStatus, RollKind, RollStatus
from payments.selectors.rolls import line_list_for, payment_counties_for, roll_get_for, roll_list_for
from payments.services._common import add_months, is_payment_admin, is_payment_reviewer, yuan
from payments.services.rolls import (
    previous_roll,
    roll_approve,
    roll_changes,
    roll_check,
    roll_return,
    rolls_generate_start,
)

PROGRAM_LABELS = {p: ProgramCode(p).label for p in ROLL_PROGRAMS}
LINES_PER_PAGE = 50


def _counties(request) -> list[Region]:
    counties = payment_counties_for(request.user)
    if not counties:
        raise PermissionRefused("资金发放由县级管理员、审核人员和审计人员查看；乡镇经办人员请在家庭档案中查看发放记录")
    return counties


@login_required
@require_http_methods(["GET", "POST"])
def roll_list(request):
    """发放花名册: the rolls of a month per county and program, and (for the administrator) the form that
    generates the month's rolls as a watched job."""
    counties = _counties(request)
    this_month = timezone.localdate().replace(day=1)
    params = request.POST if request.method == "POST" else request.GET
    month = parse_month(params["month"]) if params.get("month") else this_month
    county = next((c for c in counties if str(c.pk) == params.get("county")), counties[0])
    status, error_message = 200, ""
    if request.method == "POST":
        programs = [p for p in request.POST.getlist("programs") if p in ROLL_PROGRAMS] or list(ROLL_PROGRAMS)
        try:
            job, _ = rolls_generate_start(actor=request.user, county=county, month=month, programs=programs)
        except PermissionRefused:
            raise
        except ApplicationError as error:
            status, error_message = error.status, error.message
        else:
            return redirect(reverse("job-detail", args=[job.pk]))
    rolls = list(roll_list_for(actor=request.user, county=county, month=month))
    by_program = {r.program: r for r in rolls if r.kind == RollKind.MONTHLY}
    enrolled = {
        row["program"]: row["n"]
        for row in Enrolment.objects.filter(region__path__startswith=county.path, status__in=["active", "exiting"])
        .values("program")
        .annotate(n=Count("id"))
    }
    monthly = [
        {"program": p, "label": PROGRAM_LABELS[p], "roll": by_program.get(p), "enrolled": enrolled.get(p, 0)}
        for p in ROLL_PROGRAMS
    ]
    others = [r for r in rolls if r.kind != RollKind.MONTHLY]
    # Whatever month is shown: the rolls waiting for this user (a reviewer: checked ones to approve; an
    # administrator: drafts to check), e.g. next month's roll prepared this month.
    waiting_statuses = []
    if is_payment_reviewer(request.user, county):
        waiting_statuses.append(RollStatus.CHECKED)
    if is_payment_admin(request.user, county):
        waiting_statuses.append(RollStatus.DRAFT)
    waiting = list(
        roll_list_for(actor=request.user, county=county).filter(status__in=waiting_statuses).exclude(month=month)[:20]
    )
    recent = list(roll_list_for(actor=request.user, county=county).exclude(month=month)[:24])
    context = {
        "counties": counties,
        "county": county,
        "month": month,
        "previous_month": add_months(month, -1),
        "next_month": add_months(month, 1),
        "monthly": monthly,
        "others": others,
        "waiting": waiting,
        "recent": recent,
        "can_generate": is_payment_admin(request.user, county),
        "error_message": error_message,
        "programs": PROGRAM_LABELS,
    }
    return render(request, "payments/rolls/list.html", context, status=status)


def _actions(user, roll) -> list[str]:
    """The roll actions this user may take now (the services decide; this only hides what would be refused)."""
    admin, reviewer = is_payment_admin(user, roll.county), is_payment_reviewer(user, roll.county)
    actions = []
    if roll.status == RollStatus.DRAFT and roll.generated_at and (admin or reviewer):
        actions.append("check")
    if roll.status == RollStatus.CHECKED:
        if reviewer and user.pk not in (roll.generated_by_id, roll.checked_by_id):
            actions.append("approve")
        if admin or reviewer:
            actions.append("return")
    return actions


def _detail_context(request, roll) -> dict:
    lines = line_list_for(actor=request.user, roll=roll).order_by("town__name", "region__name", "id")
    kind = request.GET.get("kind") or ""
    state = request.GET.get("status") or ""
    if kind in LineKind.values:
        lines = lines.filter(kind=kind)
    if state in LineStatus.values:
        lines = lines.filter(status=state)
    page = Paginator(lines, LINES_PER_PAGE).get_page(request.GET.get("page"))
    report = roll.check_report or {}
    changes = roll_changes(roll, limit=50) if roll.kind == RollKind.MONTHLY else []
    enrolments = Enrolment.objects.in_bulk([c["enrolment"] for c in changes])
    household_ids = {e.household_id for e in enrolments.values()}
    from cases.models import Household

    households = Household.objects.in_bulk(household_ids)
    for change in changes:
        enrolment = enrolments.get(change["enrolment"])
        change["household"] = households.get(enrolment.household_id) if enrolment else None
        change["amount"] = yuan(change["fen"]) if change["fen"] is not None else None
        change["previous_amount"] = yuan(change["previous"]) if change["previous"] is not None else None
    towns = [{**t, "amount": yuan(t["fen"])} for t in report.get("towns", [])]
    from payments.views.bank import bank_panel

    return {
        "roll": roll,
        "program_label": PROGRAM_LABELS.get(
            roll.program, "价格临时补贴" if roll.kind == RollKind.PRICE_SUBSIDY else roll.program
        ),
        "total": yuan(roll.total_fen),
        "paid": yuan(roll.paid_fen),
        "failed": yuan(roll.failed_fen),
        "pending": yuan(roll.total_fen - roll.paid_fen - roll.failed_fen),
        "pending_count": roll.line_count - roll.paid_count - roll.failed_count,
        "report": report,
        "towns": towns,
        "changes": changes,
        "change_totals": {
            k: {**v, "delta": yuan(v.get("delta_fen", 0))} for k, v in (report.get("changes") or {}).items()
        },
        "previous": previous_roll(roll),
        "page": page,
        "kind": kind,
        "state": state,
        "line_kinds": LineKind.choices,
        "line_statuses": LineStatus.choices,
        "actions": _actions(request.user, roll),
        "bank": bank_panel(request, roll),
    }


@login_required
def roll_detail(request, pk: int):
    roll = roll_get_for(actor=request.user, pk=pk)
    return render(request, "payments/rolls/detail.html", _detail_context(request, roll))


ACTIONS = {
    "check": lambda user, roll, post: roll_check(actor=user, roll=roll, version=post.get("version")),
    "approve": lambda user, roll, post: roll_approve(actor=user, roll=roll, version=post.get("version")),
    "return": lambda user, roll, post: roll_return(
        actor=user, roll=roll, reason=post.get("reason", ""), version=post.get("version")
    ),
}
DONE = {
    "check": "已核对，请县级审核人员审批",
    "approve": "已审批，明细已冻结，可以导出银行代发文件",
    "return": "已退回为草稿",
}


@login_required
@require_POST
def roll_action(request, pk: int, action: str):
    """核对 / 审批 / 退回 a roll; a refusal re-renders the roll's page with the Chinese message and its 4xx."""
    roll = roll_get_for(actor=request.user, pk=pk)
    if action not in ACTIONS:
        raise ApplicationError("不支持的操作", code="invalid", status=404)
    version = request.POST.get("version")
    if version is not None and not str(version).isdigit():
        raise ApplicationError("表单已过期，请刷新页面", code="invalid")
    try:
        ACTIONS[action](request.user, roll, request.POST)
    except PermissionRefused:
        raise
    except ApplicationError as error:
        roll.refresh_from_db()
        context = _detail_context(request, roll)
        context["error_message"] = error.message
        return render(request, "payments/rolls/detail.html", context, status=error.status)
    messages.success(request, DONE[action])
    return redirect(reverse("payment-roll-detail", args=[roll.pk]))
