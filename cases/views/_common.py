"""What every registry edit page shares: who may edit, fetching the household to edit, and rendering
a form page with a refused write's messages next to the fields.
"""

from __future__ import annotations

from django import forms
from django.shortcuts import render
from django.urls import reverse

from assistance.errors import ApplicationError, PermissionRefused
from assistance.roles import capabilities_for
from assistance.scoping import in_scope
from cases import selectors
from cases.choices import HouseholdStatus
from cases.forms import apply_service_error
from cases.models import Household

# --- permissions -------------------------------------------------------------------------------------


def can_edit(user, household: Household) -> bool:
    """Whether the registry-editing actions are offered: the services check the same, and decide."""
    if household.status != HouseholdStatus.ACTIVE:
        return False
    if user.is_superuser:
        return True
    return capabilities_for(user).edit_registry and in_scope(user, household.hukou_region)


def _require_edit(user, household: Household) -> None:
    if not user.is_superuser and not capabilities_for(user).edit_registry:
        raise PermissionRefused("您的岗位只能查看家庭信息，登记和修改由乡镇经办人员办理")
    if not user.is_superuser and not in_scope(user, household.hukou_region):
        raise PermissionRefused("该家庭不在您的管辖范围内，不能修改")
    if household.status != HouseholdStatus.ACTIVE:
        raise ApplicationError("该家庭已注销，不能修改", code="household_closed", status=409)


# --- form pages --------------------------------------------------------------------------------------


def _service_error_status(forms_: list[forms.BaseForm], error: ApplicationError) -> int:
    """Show a refused write on the form; return the status to render it with."""
    if isinstance(error, PermissionRefused):
        raise error
    apply_service_error(forms_, error)
    return 400 if error.fields else error.status


def _form_page(request, *, title: str, forms_: list, household: Household | None, status: int, **extra):
    context = {
        "title": title,
        "forms": forms_,
        "household": household,
        "submit_label": extra.pop("submit_label", "保存"),
        "cancel_url": extra.pop("cancel_url", household.get_absolute_url() if household else reverse("household-list")),
        "has_errors": any(f.is_bound and f.errors for f in forms_),
        **extra,
    }
    return render(request, "cases/form_page.html", context, status=status)


def _detail_url(household_id: int, anchor: str = "") -> str:
    return reverse("household-detail", args=[household_id]) + (f"#{anchor}" if anchor else "")


def _posted(request):
    return request.POST if request.method == "POST" else None


def _household_for_edit(request, pk) -> Household:
    household = selectors.household_get_for(actor=request.user, pk=pk)
    _require_edit(request.user, household)
    return household
