"""Pages of the what-if calculator (试算): a household described on the page, or a registered household.

Nothing is stored. Bad input is shown next to the fields (400); a refused evaluation (unknown jurisdiction, a
month without standards …) is shown above the result area with its status (400), never a 500.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from assistance.errors import ApplicationError, PermissionRefused
from cases import selectors as registry
from eligibility.calculator import (
    calculator_jurisdiction_choices,
    evaluate_household,
    evaluate_what_if,
    present,
    require_calculator,
    resolve_jurisdiction,
)
from eligibility.forms import MAX_MEMBERS, CalculatorForm, HouseholdEvaluateForm, MemberFormSet, MemberRowForm
from eligibility.forms import calculator_request as build_request

MEMBERS_PREFIX = "members"


def _this_month():
    return timezone.localdate().replace(day=1)


def _refused(error: ApplicationError) -> tuple[str, int]:
    if isinstance(error, PermissionRefused):
        raise error
    return error.message, error.status


@login_required
@require_http_methods(["GET", "POST"])
def calculator(request):
    """试算: describe a household, choose a county, program and month, and see the decision explained."""
    user = request.user
    require_calculator(user)
    jurisdictions = calculator_jurisdiction_choices(user)
    data = request.POST if request.method == "POST" else None
    form = CalculatorForm(data, jurisdictions=jurisdictions, initial={"month": _this_month()})
    members = MemberFormSet(data, prefix=MEMBERS_PREFIX, initial=None if data else [{"ref": "户主"}])
    result = None
    error = ""
    status = 200
    if data is not None:
        forms_valid = [form.is_valid(), members.is_valid()]
        if all(forms_valid):
            try:
                jurisdiction = resolve_jurisdiction(actor=user, value=form.cleaned_data["jurisdiction"])
                decision = evaluate_what_if(jurisdiction=jurisdiction, data=build_request(form, members))
                result = present(decision, jurisdiction)
            except ApplicationError as refused:
                error, status = _refused(refused)
        else:
            status = 400
    context = {
        "form": form,
        "members": members,
        "member_forms": [m.styled() for m in members.forms],
        "max_members": MAX_MEMBERS,
        "result": result,
        "error": error,
        "has_errors": bool(form.errors or members.total_error_count()),
        "no_jurisdiction": not jurisdictions,
    }
    return render(request, "eligibility/calculator.html", context, status=status)


@login_required
@require_GET
def calculator_member_row(request):
    """One more member row (htmx): the row for the next index, and the formset's new total (out of band)."""
    require_calculator(request.user)
    try:
        index = int(request.GET.get(f"{MEMBERS_PREFIX}-TOTAL_FORMS", "1"))
    except ValueError:
        index = 1
    index = max(index, 0)
    if index >= MAX_MEMBERS:
        return render(request, "eligibility/_member_limit.html", {"max_members": MAX_MEMBERS})
    form = MemberRowForm(prefix=f"{MEMBERS_PREFIX}-{index}", initial={"ref": f"成员{index + 1}"})
    context = {"member": form.styled(), "index": index, "total": index + 1, "prefix": MEMBERS_PREFIX}
    return render(request, "eligibility/_member_row_added.html", context)


@login_required
@require_GET
def household_evaluate(request, pk):
    """试算 for a registered household (outside the user's jurisdiction: 404) with its county's parameters."""
    user = request.user
    household = registry.household_get_for(actor=user, pk=pk)
    require_calculator(user)
    members = list(registry.member_list_for(actor=user, household=household))
    bound = "program" in request.GET
    form = HouseholdEvaluateForm(
        request.GET if bound else None, members=members, initial={"program": "dibao", "month": _this_month()}
    )
    result = None
    error = ""
    status = 200
    if bound:
        if form.is_valid():
            subject = next((m for m in members if m.pk == form.cleaned_data.get("subject")), None)
            try:
                jurisdiction, decision = evaluate_household(
                    household=household,
                    program=form.cleaned_data["program"],
                    month=form.cleaned_data["month"],
                    subject=subject,
                )
                result = present(decision, jurisdiction, {str(m.pk): m.name for m in members})
            except ApplicationError as refused:
                error, status = _refused(refused)
        else:
            status = 400
    context = {
        "household": household,
        "title": "试算",
        "form": form,
        "members": members,
        "result": result,
        "error": error,
    }
    return render(request, "eligibility/household_evaluate.html", context, status=status)
