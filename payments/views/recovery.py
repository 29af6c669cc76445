"""Pages of back-pay (补发) and recovery (追回): the receivables of the user's jurisdiction with totals and the
“核查多发” button, a receivable with the paid lines it comes from, its repayments and write-offs and the forms
for both, the form registering a receivable by hand, and the page generating a county's adjustment roll.

Thin: objects come from scoped selectors (404 outside the jurisdiction); every write is one service call, whose
refusal is shown in Chinese with its 4xx (a refusal for the role goes to the 403 page).
"""

from __future__ import annotations

import datetime as dt

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from assistance.errors import ApplicationError, PermissionRefused
from assistance.models import Region
from cases.forms import apply_service_error
from cases.models import Household
from cases.selectors import households_visible_to
from eligibility.rules.serialization import parse_month as parse_request_month
from payments.choices import ReceivableCause, ReceivableStatus, RollKind
from payments.models import PaymentRoll
from payments.selectors.recovery import (
    receivable_entries,
    receivable_get_for,
    receivable_items,
    receivable_list_for,
    receivable_totals,
)
from payments.selectors.rolls import payment_counties_for
from payments.services._common import is_payment_admin, is_payment_reviewer, today
from payments.services.backpay import BACKPAY_PROGRAMS, backpay_generate, frozen_months
from payments.services.recovery import (
    can_repay,
    can_write_off,
    overpayments_detect_county,
    receivable_create,
    receivable_repay,
    receivable_write_off,
)

PAGE_SIZE = 50
PROGRAM_CHOICES = [(str(p), p.label) for p in BACKPAY_PROGRAMS]


# --- forms ---------------------------------------------------------------------------------------------------------


class ReceivableFilterForm(forms.Form):
    status = forms.ChoiceField(label="状态", required=False, choices=[("", "全部"), *ReceivableStatus.choices])
    cause = forms.ChoiceField(label="原因", required=False, choices=[("", "全部"), *ReceivableCause.choices])


class RepayForm(forms.Form):
    amount = forms.DecimalField(label="退回金额（元）", max_digits=14, decimal_places=2)
    on = forms.DateField(label="退回日期", widget=forms.DateInput(attrs={"type": "date"}))
    reference = forms.CharField(label="票据号", max_length=60)
    note = forms.CharField(label="说明", max_length=200, required=False)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class WriteOffForm(forms.Form):
    amount = forms.DecimalField(label="核销金额（元）", max_digits=14, decimal_places=2)
    reason = forms.CharField(label="核销理由", max_length=200, widget=forms.Textarea(attrs={"rows": 2}))
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class ReceivableForm(forms.Form):
    household = forms.CharField(label="家庭编号", max_length=20, help_text="家庭档案上的家庭编号")
    cause = forms.ChoiceField(label="追回原因", choices=ReceivableCause.choices)
    amount = forms.DecimalField(label="应追回金额（元）", max_digits=14, decimal_places=2)
    reason = forms.CharField(label="情况说明", max_length=2000, widget=forms.Textarea(attrs={"rows": 4}))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_household(self) -> Household:
        code = self.cleaned_data["household"].strip()
        household = households_visible_to(self.user).filter(code=code).select_related("hukou_region").first()
        if household is None:
            raise forms.ValidationError("没有找到该家庭编号，或不在您的管辖范围内")
        return household


class BackpayForm(forms.Form):
    county = forms.ModelChoiceField(label="县（市、区）", queryset=Region.objects.none(), empty_label=None)
    program = forms.ChoiceField(label="救助项目", choices=PROGRAM_CHOICES)
    through_month = forms.CharField(
        label="补发截至月份",
        max_length=7,
        required=False,
        widget=forms.TextInput(attrs={"type": "month"}),
        help_text="留空则核算所有已审批月份",
    )

    def __init__(self, *args, counties: list[Region], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["county"].queryset = Region.objects.filter(pk__in=[c.pk for c in counties]).order_by("path")

    def clean_through_month(self) -> dt.date | None:
        value = (self.cleaned_data.get("through_month") or "").strip()
        if not value:
            return None
        try:
            return parse_request_month(value, "through_month")
        except ValueError:
            raise forms.ValidationError("月份格式应为“年-月”，例如 2026-11") from None


def _refused(form: forms.Form, error: ApplicationError) -> int:
    if isinstance(error, PermissionRefused):
        raise error
    apply_service_error([form], error)
    return error.status


# --- receivables ------------------------------------------------------------------------------------------------


def _detect_counties(user) -> list[Region]:
    return [c for c in payment_counties_for(user) if is_payment_admin(user, c) or is_payment_reviewer(user, c)]


@login_required
def receivable_list(request):
    """应追回款: the receivables of the user's jurisdiction (filters: status, cause) with their totals."""
    form = ReceivableFilterForm(request.GET or None)
    status = cause = ""
    if form.is_bound and form.is_valid():
        status, cause = form.cleaned_data["status"], form.cleaned_data["cause"]
    receivables = receivable_list_for(actor=request.user, status=status, cause=cause)
    page = Paginator(receivables, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    counties = payment_counties_for(request.user)
    context = {
        "form": form,
        "page": page,
        "totals": receivable_totals(receivables),
        "query": query.urlencode(),
        "detect_counties": _detect_counties(request.user),
        "can_create": any(is_payment_admin(request.user, c) for c in counties),
    }
    return render(request, "payments/recovery/list.html", context)


@login_required
@require_POST
def receivable_detect(request):
    """核查多发: scan a county for enrolments paid beyond their entitlement and open their receivables."""
    counties = _detect_counties(request.user)
    county = next((c for c in counties if str(c.pk) == request.POST.get("county")), None)
    if county is None:
        raise PermissionRefused("只有县级管理员或审核人员可以核查多发")
    opened = overpayments_detect_county(actor=request.user, county=county)
    if opened:
        total = sum(r.amount for r in opened)
        messages.success(request, f"{county.name}：发现多发 {len(opened)} 户，已登记应追回款合计 {total} 元")
    else:
        messages.info(request, f"{county.name}：未发现新的多发")
    return redirect(reverse("receivable-list"))


def _detail_context(request, receivable, *, repay_form=None, write_off_form=None, error_message="") -> dict:
    user = request.user
    initial = {"version": receivable.version}
    return {
        "receivable": receivable,
        "items": list(receivable_items(receivable)),
        "entries": list(receivable_entries(receivable)),
        "balance": receivable.balance,
        "can_repay": receivable.status == ReceivableStatus.OPEN and can_repay(user, receivable),
        "can_write_off": receivable.status == ReceivableStatus.OPEN and can_write_off(user, receivable),
        "repay_form": repay_form or RepayForm(initial={**initial, "on": today()}),
        "write_off_form": write_off_form or WriteOffForm(initial=initial),
        "error_message": error_message,
    }


@login_required
def receivable_detail(request, pk: int):
    receivable = receivable_get_for(actor=request.user, pk=pk)
    return render(request, "payments/recovery/detail.html", _detail_context(request, receivable))


def _entry_post(request, pk: int, form_class, form_key: str, record, done: str):
    """登记退回 / 核销: validate ``form_class``, call ``record(receivable, cleaned_data)`` (the service); a refusal
    re-renders the page with the message and its 4xx."""
    receivable = receivable_get_for(actor=request.user, pk=pk)
    form = form_class(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            record(receivable, data)
        except ApplicationError as error:
            status, message = _refused(form, error), error.message
        else:
            messages.success(request, done.format(amount=data["amount"]))
            return redirect(reverse("receivable-detail", args=[receivable.pk]))
    else:
        status, message = 400, "提交的信息有误，请按提示修改。"
    receivable.refresh_from_db()
    context = _detail_context(request, receivable, **{form_key: form}, error_message=message)
    return render(request, "payments/recovery/detail.html", context, status=status)


@login_required
@require_POST
def receivable_repay_view(request, pk: int):
    """登记退回: ``receivable_repay``."""
    return _entry_post(
        request,
        pk,
        RepayForm,
        "repay_form",
        lambda receivable, data: receivable_repay(
            actor=request.user,
            receivable=receivable,
            amount=data["amount"],
            on=data["on"],
            reference=data["reference"],
            note=data["note"],
            version=data["version"],
        ),
        "已登记退回 {amount} 元",
    )


@login_required
@require_POST
def receivable_write_off_view(request, pk: int):
    """核销: ``receivable_write_off`` (a county reviewer)."""
    return _entry_post(
        request,
        pk,
        WriteOffForm,
        "write_off_form",
        lambda receivable, data: receivable_write_off(
            actor=request.user,
            receivable=receivable,
            amount=data["amount"],
            reason=data["reason"],
            version=data["version"],
        ),
        "已核销 {amount} 元",
    )


@login_required
@require_http_methods(["GET", "POST"])
def receivable_create_view(request):
    """登记应追回款 by hand (county administrator), e.g. 骗取救助."""
    if not any(is_payment_admin(request.user, c) for c in payment_counties_for(request.user)):
        raise PermissionRefused("只有县级管理员可以登记应追回款")
    data = request.POST if request.method == "POST" else None
    form = ReceivableForm(data, user=request.user, initial={"household": request.GET.get("household", "")})
    status, error_message = 200, ""
    if data is not None:
        if form.is_valid():
            try:
                receivable = receivable_create(
                    actor=request.user,
                    household=form.cleaned_data["household"],
                    cause=form.cleaned_data["cause"],
                    amount=form.cleaned_data["amount"],
                    reason=form.cleaned_data["reason"],
                )
            except ApplicationError as error:
                status, error_message = _refused(form, error), error.message
            else:
                messages.success(request, f"已登记应追回款 {receivable.code}")
                return redirect(receivable)
        else:
            status, error_message = 400, "提交的信息有误，请按提示修改。"
    return render(request, "payments/recovery/form.html", {"form": form, "error_message": error_message}, status=status)


# --- back-pay -----------------------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def backpay(request):
    """补发: pick the county and program, generate the adjustment roll, go to the roll's page."""
    counties = [c for c in payment_counties_for(request.user) if is_payment_admin(request.user, c)]
    if not counties:
        raise PermissionRefused("只有县级管理员可以生成补发花名册")
    data = request.POST if request.method == "POST" else None
    form = BackpayForm(data, counties=counties, initial={"county": counties[0].pk, "program": PROGRAM_CHOICES[0][0]})
    status, error_message = 200, ""
    if data is not None:
        if form.is_valid():
            try:
                roll = backpay_generate(
                    actor=request.user,
                    county=form.cleaned_data["county"],
                    program=form.cleaned_data["program"],
                    through_month=form.cleaned_data["through_month"],
                )
            except ApplicationError as error:
                status, error_message = _refused(form, error), error.message
            else:
                messages.success(request, f"已生成补发花名册 {roll.code}：{roll.line_count} 笔，请核对后报审批")
                return redirect(reverse("payment-roll-detail", args=[roll.pk]))
        else:
            status, error_message = 400, "提交的信息有误，请按提示修改。"
    overview = [
        {
            "county": county,
            "programs": [
                {
                    "label": label,
                    "months": frozen_months(county=county, program=program),
                }
                for program, label in PROGRAM_CHOICES
            ],
        }
        for county in counties
    ]
    adjustments = list(
        PaymentRoll.objects.filter(county__in=counties, kind=RollKind.ADJUSTMENT).order_by("-created_at", "-id")[:20]
    )
    context = {
        "form": form,
        "error_message": error_message,
        "overview": overview,
        "adjustments": adjustments,
        "now": timezone.localdate(),
    }
    return render(request, "payments/backpay/generate.html", context, status=status)
