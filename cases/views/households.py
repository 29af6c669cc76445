"""Household pages: the list, the detail page, registering a household, editing it, changing its head."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from assistance.errors import ApplicationError, PermissionRefused
from assistance.roles import capabilities_for
from audit.services import mask_account, mask_id_number
from cases import selectors, services
from cases.choices import IncomeTreatment, Relation
from cases.forms import ChangeHeadForm, HouseholdFilterForm, HouseholdForm, MemberForm
from cases.models import MemberIncome
from cases.views._common import (
    _detail_url,
    _form_page,
    _household_for_edit,
    _posted,
    _service_error_status,
    can_edit,
)
from cases.views.history import _history_rows
from payments.selectors.recovery import receivable_list_for
from payments.selectors.rolls import household_lines_for

PAGE_SIZE = 25
LIFE_EVENTS_SHOWN = 50  # the household page's 生命事件 section: the newest ones (all of them in practice)


# --- list and detail ---------------------------------------------------------------------------------


@login_required
def household_list(request):
    """Households of the user's jurisdiction: search, filters, 25 a page; a constant number of queries."""
    form = HouseholdFilterForm(request.GET or None, user=request.user)
    filters: dict[str, Any] = {}
    if form.is_bound:
        form.is_valid()
        filters = form.cleaned_data
    households = selectors.household_list_for(
        actor=request.user,
        search=filters.get("q") or "",
        town=filters.get("town"),
        village=filters.get("village"),
        status=filters.get("status") or "",
    )
    page = Paginator(households, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "form": form,
        "page": page,
        "page_numbers": page.paginator.get_elided_page_range(page.number, on_each_side=3, on_ends=1),
        "can_create": capabilities_for(request.user).edit_registry or request.user.is_superuser,
    }
    return render(request, "cases/household_list.html", context)


@dataclass
class IncomeMonth:
    month: Any
    rows: list[MemberIncome]

    def _total(self, treatment: str) -> Decimal:
        return sum((i.amount for i in self.rows if i.treatment == treatment), Decimal("0"))

    @property
    def counted(self) -> Decimal:
        return self._total(IncomeTreatment.COUNTED)

    @property
    def exempt(self) -> Decimal:
        return self._total(IncomeTreatment.EXEMPT)

    @property
    def deductible(self) -> Decimal:
        return self._total(IncomeTreatment.DEDUCTIBLE)

    @property
    def net(self) -> Decimal:
        return self.counted - self.deductible


@login_required
def household_detail(request, pk):
    """Everything recorded about one household, its history, and the actions the user may take now."""
    user = request.user
    household = selectors.household_get_for(actor=user, pk=pk)
    members = list(selectors.member_list_for(actor=user, household=household, include_inactive=True))
    incomes = list(selectors.incomes_of(household))
    months = [IncomeMonth(month, list(rows)) for month, rows in itertools.groupby(incomes, key=lambda i: i.month)]
    caps = capabilities_for(user)
    supporters = list(household.supporters.select_related("supported_member").order_by("id"))
    for supporter in supporters:
        supporter.id_number_masked = mask_id_number(supporter.id_number)
    context = {
        "household": household,
        "bank_account_masked": mask_account(household.bank_account_number),
        "active_members": [m for m in members if m.is_active],
        "former_members": [m for m in members if not m.is_active],
        "income_months": months,
        "assets": list(household.assets.select_related("owner").order_by("kind", "id")),
        "expenses": list(household.expenses.select_related("member").order_by("-period_start", "id")),
        "supporters": supporters,
        "history": _history_rows(household, members),
        "can_edit": can_edit(user, household),
        "can_reveal": caps.reveal_id_number or user.is_superuser,
        "life_events": list(selectors.life_event_list_for(actor=user, household=household)[:LIFE_EVENTS_SHOWN]),
        "can_record_events": services.can_record_life_events(user, household),
        # 资金发放: what was paid (or failed, waiting for a corrected account) and what is to be recovered.
        "payment_lines": household_lines_for(actor=user, household=household),
        "receivables": list(receivable_list_for(actor=user, household=household)[:10]),
    }
    return render(request, "cases/household_detail.html", context)


# --- households --------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def household_create(request):
    """Register a household with its head; other members are added from the detail page afterwards."""
    user = request.user
    if not (capabilities_for(user).edit_registry or user.is_superuser):
        raise PermissionRefused("只有乡镇经办人员可以登记家庭")
    data = _posted(request)
    household_form = HouseholdForm(data, user=user)
    head_form = MemberForm(data, user=user, head=True, prefix="head")
    status = 200
    if data is not None:
        valid = [household_form.is_valid(), head_form.is_valid()]
        if all(valid):
            head = head_form.service_data()
            entry = services.MemberInput(
                name=head.pop("name"), id_number=head.pop("id_number"), relation=Relation.HEAD, extra=head
            )
            try:
                household = services.household_create(actor=user, members=[entry], **household_form.service_data())
            except ApplicationError as error:
                status = _service_error_status([household_form, head_form], error)
            else:
                messages.success(request, f"已登记家庭 {household.code}。可继续添加其他家庭成员。")
                return redirect(household)
        else:
            status = 400
    household_form.form_title = "家庭信息"
    head_form.form_title = "户主信息"
    return _form_page(
        request,
        title="登记新家庭",
        forms_=[household_form, head_form],
        household=None,
        status=status,
        submit_label="登记",
    )


@login_required
@require_http_methods(["GET", "POST"])
def household_edit(request, pk):
    household = _household_for_edit(request, pk)
    data = _posted(request)
    form = HouseholdForm(data, instance=household, user=request.user, editing=True)
    status = 200
    if data is not None:
        if form.is_valid():
            try:
                services.household_update(
                    actor=request.user,
                    household=household,
                    expected_version=form.cleaned_data["version"],
                    **form.service_data(),
                )
            except ApplicationError as error:
                status = _service_error_status([form], error)
            else:
                messages.success(request, "家庭信息已保存")
                return redirect(household)
        else:
            status = 400
    return _form_page(request, title="修改家庭信息", forms_=[form], household=household, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def household_change_head(request, pk):
    household = _household_for_edit(request, pk)
    data = _posted(request)
    form = ChangeHeadForm(data, household=household)
    status = 200
    if data is not None:
        if form.is_valid():
            try:
                services.household_change_head(
                    actor=request.user,
                    household=household,
                    new_head=form.cleaned_data["new_head"],
                    former_head_relation=form.cleaned_data["former_head_relation"],
                )
            except ApplicationError as error:
                status = _service_error_status([form], error)
            else:
                messages.success(request, "户主已变更")
                return redirect(_detail_url(household.pk, "members"))
        else:
            status = 400
    head = household.head.name if household.head else "无"
    return _form_page(
        request, title="变更户主", forms_=[form], household=household, status=status, intro=f"现户主：{head}"
    )
