"""Pages for a household's incomes, property, rigid expenses and legal supporters: one set of views,
configured per kind (:data:`RECORD_KINDS`)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from assistance.errors import ApplicationError, PermissionRefused
from cases import selectors, services
from cases.forms import AssetForm, ExpenseForm, IncomeForm, SupporterForm
from cases.models import Household
from cases.views._common import _detail_url, _form_page, _household_for_edit, _posted, _service_error_status


@dataclass(frozen=True)
class RecordKind:
    label: str
    anchor: str
    form_class: type[forms.ModelForm]
    get_for: Callable[..., Any]
    add: Callable[..., Any]
    update: Callable[..., Any]
    delete: Callable[..., Any]
    household_id: Callable[[Any], int]


RECORD_KINDS: dict[str, RecordKind] = {
    "income": RecordKind(
        label="收入",
        anchor="incomes",
        form_class=IncomeForm,
        get_for=selectors.income_get_for,
        add=lambda actor, household, data: services.income_record(actor=actor, **data),
        update=lambda actor, obj, data: services.income_update(actor=actor, income=obj, **data),
        delete=lambda actor, obj: services.income_delete(actor=actor, income=obj),
        household_id=lambda obj: obj.member.household_id,
    ),
    "asset": RecordKind(
        label="财产",
        anchor="assets",
        form_class=AssetForm,
        get_for=selectors.asset_get_for,
        add=lambda actor, household, data: services.asset_add(actor=actor, household=household, **data),
        update=lambda actor, obj, data: services.asset_update(actor=actor, asset=obj, **data),
        delete=lambda actor, obj: services.asset_delete(actor=actor, asset=obj),
        household_id=lambda obj: obj.household_id,
    ),
    "expense": RecordKind(
        label="刚性支出",
        anchor="expenses",
        form_class=ExpenseForm,
        get_for=selectors.expense_get_for,
        add=lambda actor, household, data: services.expense_add(actor=actor, household=household, **data),
        update=lambda actor, obj, data: services.expense_update(actor=actor, expense=obj, **data),
        delete=lambda actor, obj: services.expense_delete(actor=actor, expense=obj),
        household_id=lambda obj: obj.household_id,
    ),
    "supporter": RecordKind(
        label="法定义务人",
        anchor="supporters",
        form_class=SupporterForm,
        get_for=selectors.supporter_get_for,
        add=lambda actor, household, data: services.supporter_add(actor=actor, household=household, **data),
        update=lambda actor, obj, data: services.supporter_update(actor=actor, supporter=obj, **data),
        delete=lambda actor, obj: services.supporter_delete(actor=actor, supporter=obj),
        household_id=lambda obj: obj.household_id,
    ),
}


def _record_for_edit(request, pk, kind: RecordKind) -> tuple[Any, Household]:
    obj = kind.get_for(actor=request.user, pk=pk)
    household = _household_for_edit(request, kind.household_id(obj))
    return obj, household


@login_required
@require_http_methods(["GET", "POST"])
def record_add(request, pk, kind: str):
    spec = RECORD_KINDS[kind]
    household = _household_for_edit(request, pk)
    data = _posted(request)
    form = spec.form_class(data, household=household)
    status = 200
    if data is not None:
        if form.is_valid():
            try:
                spec.add(request.user, household, form.service_data())
            except ApplicationError as error:
                status = _service_error_status([form], error)
            else:
                messages.success(request, f"已登记{spec.label}")
                return redirect(_detail_url(household.pk, spec.anchor))
        else:
            status = 400
    return _form_page(request, title=f"登记{spec.label}", forms_=[form], household=household, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def record_edit(request, pk, kind: str):
    spec = RECORD_KINDS[kind]
    obj, household = _record_for_edit(request, pk, spec)
    data = _posted(request)
    form = spec.form_class(data, instance=obj, household=household)
    status = 200
    if data is not None:
        if form.is_valid():
            try:
                spec.update(request.user, obj, form.service_data())
            except ApplicationError as error:
                status = _service_error_status([form], error)
            else:
                messages.success(request, f"{spec.label}已保存")
                return redirect(_detail_url(household.pk, spec.anchor))
        else:
            status = 400
    return _form_page(request, title=f"修改{spec.label}：{obj}", forms_=[form], household=household, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def record_delete(request, pk, kind: str):
    spec = RECORD_KINDS[kind]
    obj, household = _record_for_edit(request, pk, spec)
    if request.method == "POST":
        try:
            spec.delete(request.user, obj)
        except PermissionRefused:
            raise
        except ApplicationError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, f"已删除{spec.label}：{obj}")
        return redirect(_detail_url(household.pk, spec.anchor))
    context = {
        "household": household,
        "object": obj,
        "label": spec.label,
        "cancel_url": _detail_url(household.pk, spec.anchor),
    }
    return render(request, "cases/confirm_delete.html", context)
