"""Pages of the special payments: price-linked subsidy batches (价格临时补贴: the list, the form that opens a batch,
generating its roll → the roll's page) and the instalment plan of a 支出型 case (一次审批、分次发放) with the
cancellation of an instalment not yet on a roll."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from assistance.errors import ApplicationError, PermissionRefused
from cases.choices import ProgramCode
from payments.choices import InstalmentStatus
from payments.selectors.rolls import payment_counties_for
from payments.selectors.special import (
    instalment_get_for,
    instalment_plan_get_for,
    subsidy_batch_get_for,
    subsidy_batch_list_for,
)
from payments.services._common import is_payment_admin
from payments.services.instalments import instalment_cancel
from payments.services.subsidy import SUBSIDY_PROGRAMS, subsidy_batch_create, subsidy_batch_generate

PROGRAM_CHOICES = [(p, ProgramCode(p).label) for p in SUBSIDY_PROGRAMS]


def _subsidy_context(request, params) -> dict:
    counties = payment_counties_for(request.user)
    if not counties:
        raise PermissionRefused("价格临时补贴由县级管理员、审核人员和审计人员办理和查看")
    county = next((c for c in counties if str(c.pk) == str(params.get("county", ""))), counties[0])
    batches = list(subsidy_batch_list_for(actor=request.user, county=county))
    for batch in batches:
        batch.roll_or_none = getattr(batch, "roll", None)  # a reverse one-to-one: absent until generated
    return {
        "counties": counties,
        "county": county,
        "batches": batches,
        "can_create": is_payment_admin(request.user, county),
        "program_choices": PROGRAM_CHOICES,
        "default_month": timezone.localdate().replace(day=1),
    }


@login_required
@require_http_methods(["GET", "POST"])
def subsidy_list(request):
    """价格临时补贴: the county's batches and (administrator) the form that opens one."""
    if request.method == "GET":
        return render(request, "payments/subsidy/list.html", _subsidy_context(request, request.GET))
    context = _subsidy_context(request, request.POST)
    try:
        batch = subsidy_batch_create(
            actor=request.user,
            county=context["county"],
            month=request.POST.get("month", ""),
            amount_per_person=request.POST.get("amount_per_person", ""),
            programs=request.POST.getlist("programs"),
            basis=request.POST.get("basis", ""),
        )
    except PermissionRefused:
        raise
    except ApplicationError as error:
        context.update(
            error_message=error.message,
            field_errors=error.fields,
            posted=request.POST,
            posted_programs=request.POST.getlist("programs"),
        )
        return render(request, "payments/subsidy/list.html", context, status=error.status)
    messages.success(request, f"已建立补贴批次 {batch.code}，请生成发放名单")
    return redirect(f"{reverse('payment-subsidy-list')}?county={batch.county_id}")


@login_required
@require_POST
def subsidy_generate(request, pk: int):
    """Generate the batch's roll, then show it on the roll's page."""
    batch = subsidy_batch_get_for(actor=request.user, pk=pk)
    try:
        roll = subsidy_batch_generate(actor=request.user, batch=batch)
    except PermissionRefused:
        raise
    except ApplicationError as error:
        context = _subsidy_context(request, {"county": batch.county_id})
        context["error_message"] = error.message
        return render(request, "payments/subsidy/list.html", context, status=error.status)
    messages.success(request, f"已生成 {roll.code}：{roll.line_count} 人")
    return redirect(reverse("payment-roll-detail", args=[roll.pk]))


def _plan_page(request, application_id: int, *, status: int = 200, error_message: str = ""):
    plan = instalment_plan_get_for(actor=request.user, application_id=application_id)
    rows = []
    for instalment in plan.instalments.all():
        lines = list(instalment.lines.all())
        rows.append(
            {
                "instalment": instalment,
                "lines": lines,
                "can_cancel": instalment.status == InstalmentStatus.SCHEDULED and not lines,
            }
        )
    context = {
        "plan": plan,
        "rows": rows,
        "can_cancel": is_payment_admin(request.user, plan.county),
        "error_message": error_message,
    }
    return render(request, "payments/subsidy/instalments.html", context, status=status)


@login_required
@require_GET
def instalment_plan(request, application_id: int):
    """The instalment plan of a 支出型 case: each instalment, its month and amount, and the roll that paid it."""
    return _plan_page(request, application_id)


@login_required
@require_POST
def instalment_cancel_view(request, pk: int):
    instalment = instalment_get_for(actor=request.user, pk=pk)
    application_id = instalment.plan.application_id
    try:
        instalment_cancel(actor=request.user, instalment=instalment, reason=request.POST.get("reason", ""))
    except PermissionRefused:
        raise
    except ApplicationError as error:
        return _plan_page(request, application_id, status=error.status, error_message=error.message)
    messages.success(request, f"第 {instalment.seq} 期已取消")
    return redirect(reverse("payment-instalment-plan", args=[application_id]))
