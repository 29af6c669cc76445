"""Pages of the household registry: list, detail, and the forms that call ``cases.services``.

Every object is fetched through a scoped selector (outside the user's jurisdiction: 404); every edit
page first checks the user may edit that household (otherwise :class:`PermissionRefused`, a 403 page).
A refused write re-renders the form with the service's messages next to the fields (status 400, or
the error's own status when it concerns no field, e.g. 409 for a stale version).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from assistance.errors import ApplicationError, PermissionRefused
from assistance.models import RecognisedIllness, Region
from assistance.roles import RegionLevel, capabilities_for
from assistance.scoping import in_scope
from audit.selectors import action_label
from audit.services import mask_account, mask_id_number
from cases import selectors, services
from cases.choices import HouseholdStatus, IncomeTreatment, Relation
from cases.forms import (
    AssetForm,
    ChangeHeadForm,
    ExpenseForm,
    HouseholdFilterForm,
    HouseholdForm,
    IncomeForm,
    MemberForm,
    MemberRemoveForm,
    SupporterForm,
    apply_service_error,
)
from cases.id_numbers import parse_id_number
from cases.models import Asset, Household, LegalSupporter, Member, MemberIncome, RigidExpense

PAGE_SIZE = 25

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


@login_required
def region_village_options(request):
    """The village ``<option>``s of a town (htmx: the list's village filter follows its town filter)."""
    town = None
    if request.GET.get("town"):
        try:
            town = selectors.region_get_for(actor=request.user, pk=request.GET["town"], level=RegionLevel.TOWN)
        except Http404:
            return render(request, "cases/_village_options.html", {"villages": []})
    villages = selectors.villages_for(request.user, town).select_related("parent")
    return render(request, "cases/_village_options.html", {"villages": villages})


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
    }
    return render(request, "cases/household_detail.html", context)


# --- the household's history -------------------------------------------------------------------------

_HISTORY_MODELS = {
    "cases.household": Household,
    "cases.member": Member,
    "cases.memberincome": MemberIncome,
    "cases.asset": Asset,
    "cases.rigidexpense": RigidExpense,
    "cases.legalsupporter": LegalSupporter,
}
_HISTORY_HIDDEN = {"version", "created_by_id", "household_id", "code"}


@dataclass
class Change:
    label: str
    before: str
    after: str


def _history_rows(household: Household, members: list[Member]) -> list[tuple[Any, str, list[Change], bool]]:
    """Return ``(event, action label, changes, compact)`` for the household's audit events, values in words.

    ``compact``: a record created or deleted, whose values read best on one line.

    Region and illness names are fetched in one query each; member names come from ``members``.
    """
    events = list(selectors.household_history(household=household))
    region_ids, illness_ids = set(), set()
    for event in events:
        for key, value in _change_items(event):
            if key.endswith("region_id"):
                region_ids.update(v for v in (value.get("before"), value.get("after")) if v)
            elif key == "serious_illness_id":
                illness_ids.update(v for v in (value.get("before"), value.get("after")) if v)
    names: dict[tuple[str, Any], str] = {}
    names.update(
        {("region", pk): name for pk, name in Region.objects.filter(pk__in=region_ids).values_list("pk", "name")}
    )
    illnesses = RecognisedIllness.objects.filter(pk__in=illness_ids).values_list("pk", "name")
    names.update({("illness", pk): name for pk, name in illnesses})
    names.update({("member", m.pk): m.name for m in members})
    rows = []
    for event in events:
        model = _HISTORY_MODELS.get(event.target_type)
        changes = []
        compact = event.action.endswith((".create", ".delete"))
        if event.action != "member.reveal_id_number":
            for key, value in _change_items(event):
                if key in _HISTORY_HIDDEN:
                    continue
                before, after = value.get("before"), value.get("after")
                if compact and before in (None, "", False) and after in (None, "", False):
                    continue
                changes.append(
                    Change(
                        _field_label(model, key),
                        _display(model, key, before, names),
                        _display(model, key, after, names),
                    )
                )
        rows.append((event, action_label(event.action), changes, compact))
    return rows


def _change_items(event) -> list[tuple[str, dict]]:
    if not isinstance(event.changes, dict):
        return []
    return [
        (key, value if isinstance(value, dict) and ("before" in value or "after" in value) else {"after": value})
        for key, value in event.changes.items()
    ]


def _model_field(model, key: str):
    if model is None:
        return None
    for f in model._meta.concrete_fields:
        if f.attname == key or f.name == key:
            return f
    return None


def _field_label(model, key: str) -> str:
    field = _model_field(model, key)
    return str(field.verbose_name) if field is not None else key


def _display(model, key: str, value, names: dict) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return "是" if value else "否"
    field = _model_field(model, key)
    if field is not None and field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if field is not None and field.is_relation:
        related = field.related_model
        kind = {Region: "region", Member: "member", RecognisedIllness: "illness"}.get(related)
        if kind:
            return names.get((kind, value), f"#{value}")
        return f"#{value}"
    return str(value)


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


# --- members -----------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def member_add(request, pk):
    household = _household_for_edit(request, pk)
    data = _posted(request)
    form = MemberForm(data, user=request.user, household=household)
    status = 200
    if data is not None:
        if form.is_valid():
            fields = form.service_data()
            try:
                member = services.member_add(
                    actor=request.user,
                    household=household,
                    name=fields.pop("name"),
                    id_number=fields.pop("id_number"),
                    relation=fields.pop("relation"),
                    **fields,
                )
            except ApplicationError as error:
                status = _service_error_status([form], error)
            else:
                messages.success(request, f"已添加成员 {member.name}")
                return redirect(_detail_url(household.pk, "members"))
        else:
            status = 400
    return _form_page(request, title="添加家庭成员", forms_=[form], household=household, status=status)


def _member_for_edit(request, pk) -> tuple[Member, Household]:
    member = selectors.member_get_for(actor=request.user, pk=pk)
    household = _household_for_edit(request, member.household_id)
    if not member.is_active:
        raise ApplicationError("该成员已迁出，不能修改", code="member_inactive", status=409)
    return member, household


@login_required
@require_http_methods(["GET", "POST"])
def member_edit(request, pk):
    member, household = _member_for_edit(request, pk)
    data = _posted(request)
    form = MemberForm(data, instance=member, user=request.user, household=household)
    status = 200
    if data is not None:
        if form.is_valid():
            try:
                services.member_update(
                    actor=request.user,
                    member=member,
                    expected_version=form.cleaned_data["version"],
                    **form.service_data(),
                )
            except ApplicationError as error:
                status = _service_error_status([form], error)
            else:
                messages.success(request, f"成员 {member.name} 的信息已保存")
                return redirect(_detail_url(household.pk, "members"))
        else:
            status = 400
    return _form_page(request, title=f"修改成员信息：{member.name}", forms_=[form], household=household, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def member_remove(request, pk):
    member, household = _member_for_edit(request, pk)
    data = _posted(request)
    form = MemberRemoveForm(data)
    status = 200
    if data is not None:
        if form.is_valid():
            try:
                services.member_remove(
                    actor=request.user,
                    member=member,
                    left_on=form.cleaned_data["left_on"],
                    reason=form.cleaned_data["reason"],
                )
            except ApplicationError as error:
                status = _service_error_status([form], error)
            else:
                messages.success(request, f"成员 {member.name} 已迁出")
                return redirect(_detail_url(household.pk, "members"))
        else:
            status = 400
    intro = "成员迁出后记录仍保留在家庭档案中。户主须在其他成员都迁出后才能迁出，否则请先变更户主。"
    return _form_page(
        request,
        title=f"成员迁出：{member.name}",
        forms_=[form],
        household=household,
        status=status,
        intro=intro,
        submit_label="确认迁出",
        danger=True,
    )


@login_required
@require_POST
def member_reveal_id(request, pk):
    """Return the full ID number as a fragment (htmx); the service records the viewing in the audit trail."""
    member = selectors.member_get_for(actor=request.user, pk=pk)
    number = services.member_reveal_id_number(actor=request.user, member=member, purpose="家庭档案页面查看")
    return render(request, "cases/_revealed_id.html", {"number": number})


@login_required
@require_POST
def id_number_check(request):
    """Inline check of an ID-number input (htmx): the Chinese error, or the birth date and sex it encodes."""
    value = next((v for k, v in request.POST.items() if k.endswith("id_number")), "")
    value = value.strip()[:100]
    if not value:
        return HttpResponse("")
    try:
        facts = parse_id_number(value)
    except ValidationError as error:
        return render(request, "cases/_id_check.html", {"error": error.messages[0]})
    return render(request, "cases/_id_check.html", {"facts": facts})


# --- incomes, property, expenses, supporters (one set of views, configured per kind) -----------------


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
