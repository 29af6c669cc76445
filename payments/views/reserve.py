"""Pages of the town reserve funds (临时救助备用金, ``/payments/reserve/``): the funds of a county and year with their
balances and the allocation form; a fund's ledger with the top-up request (town), the decisions on pending top-ups
(county reviewer) and the year-end settlement (administrator); the settlement report, printable and as XLSX.

Every write is one service call; a refused one re-renders the page with the Chinese message and its 4xx status
(a refused role is the 403 page)."""

from __future__ import annotations

import io
from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from assistance.errors import ApplicationError, PermissionRefused
from assistance.models import Region
from payments.choices import RequestStatus, ReserveFundStatus
from payments.selectors.reserve import (
    reserve_entry_list_for,
    reserve_fund_get_for,
    reserve_fund_list_for,
    reserve_top_up_get_for,
    reserve_top_up_list_for,
    reserve_towns_for,
)
from payments.selectors.rolls import payment_counties_for
from payments.services._common import is_payment_admin, is_payment_reviewer
from payments.services.reserve import (
    can_settle,
    is_town_caseworker,
    per_resident_standard,
    reserve_allocate,
    reserve_settle,
    reserve_settlement_report,
    reserve_top_up_decide,
    reserve_top_up_request,
)


def _year(value, default: int) -> int:
    if value in (None, ""):
        return default
    try:
        year = int(str(value).strip())
    except ValueError:
        raise ApplicationError("年度格式不正确", code="invalid", fields={"year": ["请输入年份，如 2026"]}) from None
    if not 2000 <= year <= 2100:
        raise ApplicationError("年度超出范围", code="invalid", fields={"year": ["年度超出范围"]})
    return year


def _county_choice(request, params) -> tuple[list[Region], Region | None]:
    counties = payment_counties_for(request.user)
    chosen = next((c for c in counties if str(c.pk) == str(params.get("county", ""))), None)
    return counties, chosen or (counties[0] if counties else None)


def _list_context(request, params) -> dict:
    counties, county = _county_choice(request, params)
    year = _year(params.get("year"), timezone.localdate().year)
    if not counties:
        from assistance.roles import Role
        from assistance.scoping import active_assignments

        if not request.user.is_superuser and not any(
            a.role == Role.TOWN_CASEWORKER for a in active_assignments(request.user)
        ):
            raise PermissionRefused("临时救助备用金由县级管理员、审核人员、审计人员和乡镇经办人员查看")
    funds = list(reserve_fund_list_for(actor=request.user, county=county, year=year))
    pending = list(reserve_top_up_list_for(actor=request.user, status=RequestStatus.PENDING, county=county))
    admin = county is not None and is_payment_admin(request.user, county)
    standard = per_resident_standard(county, year) if county is not None else None
    totals = {
        key: sum((getattr(f, key) for f in funds), Decimal("0"))
        for key in ("allocated", "topped_up", "drawn", "returned", "balance")
    }
    return {
        "counties": counties,
        "county": county,
        "year": year,
        "funds": funds,
        "totals": totals,
        "pending": pending,
        "can_allocate": admin,
        "towns": reserve_towns_for(actor=request.user, county=county) if admin else [],
        "standard": standard,
        "is_reviewer": county is not None and is_payment_reviewer(request.user, county),
    }


@login_required
@require_GET
def reserve_list(request):
    """备用金: the funds of a county and year with balances; the allocation form for the administrator."""
    try:
        context = _list_context(request, request.GET)
    except PermissionRefused:
        raise
    except ApplicationError as error:
        context = _list_context(request, {})
        context["error_message"] = error.message
        return render(request, "payments/reserve/list.html", context, status=error.status)
    return render(request, "payments/reserve/list.html", context)


@login_required
@require_POST
def reserve_allocate_view(request):
    """年初预拨 (POST of the list page's form)."""
    _counties, county = _county_choice(request, request.POST)
    if county is None:
        raise PermissionRefused("只有县级管理员可以预拨备用金")
    town = (
        Region.objects.filter(pk__in=[t.pk for t in reserve_towns_for(actor=request.user, county=county)])
        .filter(pk=request.POST.get("town") if str(request.POST.get("town", "")).isdigit() else None)
        .first()
    )
    try:
        if town is None:
            raise ApplicationError("请选择乡镇（街道）", code="invalid", fields={"town": ["请选择乡镇（街道）"]})
        fund = reserve_allocate(
            actor=request.user,
            town=town,
            year=request.POST.get("year"),
            residents=request.POST.get("residents"),
            amount=request.POST.get("amount") or None,
        )
    except PermissionRefused:
        raise
    except ApplicationError as error:
        year = request.POST.get("year", "")
        context = _list_context(request, {"county": county.pk, "year": year if str(year).isdigit() else ""})
        context.update(error_message=error.message, field_errors=error.fields, posted=request.POST)
        return render(request, "payments/reserve/list.html", context, status=error.status)
    messages.success(request, f"已预拨 {fund.town.name}{fund.year}年备用金 {fund.allocated} 元")
    return redirect(reverse("payment-reserve-detail", args=[fund.pk]))


def _detail_context(request, fund) -> dict:
    user = request.user
    return {
        "fund": fund,
        "entries": list(reserve_entry_list_for(actor=user, fund=fund)),
        "top_ups": list(reserve_top_up_list_for(actor=user, fund=fund)),
        "can_request": fund.status == ReserveFundStatus.OPEN and is_town_caseworker(user, fund.town),
        "can_decide": is_payment_reviewer(user, fund.county),
        "can_settle": can_settle(fund) and is_payment_admin(user, fund.county),
        "settle_later": fund.status == ReserveFundStatus.OPEN and not can_settle(fund),
    }


@login_required
@require_GET
def reserve_detail(request, pk: int):
    """A fund's ledger (收支明细) with its top-up requests and the actions this user may take."""
    fund = reserve_fund_get_for(actor=request.user, pk=pk)
    return render(request, "payments/reserve/detail.html", _detail_context(request, fund))


def _detail_error(request, fund, error: ApplicationError):
    if isinstance(error, PermissionRefused):
        raise error
    fund = reserve_fund_get_for(actor=request.user, pk=fund.pk)
    context = _detail_context(request, fund)
    context.update(error_message=error.message, field_errors=error.fields, posted=request.POST)
    return render(request, "payments/reserve/detail.html", context, status=error.status)


@login_required
@require_POST
def reserve_top_up_request_view(request, pk: int):
    fund = reserve_fund_get_for(actor=request.user, pk=pk)
    try:
        reserve_top_up_request(
            actor=request.user, fund=fund, amount=request.POST.get("amount", ""), reason=request.POST.get("reason", "")
        )
    except ApplicationError as error:
        return _detail_error(request, fund, error)
    messages.success(request, "追加备用金申请已提交，等待县级审批")
    return redirect(reverse("payment-reserve-detail", args=[fund.pk]))


@login_required
@require_POST
def reserve_top_up_decide_view(request, pk: int):
    top_up = reserve_top_up_get_for(actor=request.user, pk=pk)
    decision = request.POST.get("decision")
    try:
        if decision not in ("approve", "refuse"):
            raise ApplicationError("请选择批准或不予批准", code="invalid", fields={"decision": ["请选择"]})
        top_up = reserve_top_up_decide(
            actor=request.user, top_up=top_up, approve=decision == "approve", note=request.POST.get("note", "")
        )
    except ApplicationError as error:
        return _detail_error(request, top_up.fund, error)
    messages.success(request, f"追加申请{top_up.get_status_display()}")
    return redirect(reverse("payment-reserve-detail", args=[top_up.fund_id]))


@login_required
@require_POST
def reserve_settle_view(request, pk: int):
    fund = reserve_fund_get_for(actor=request.user, pk=pk)
    try:
        fund = reserve_settle(actor=request.user, fund=fund)
    except ApplicationError as error:
        return _detail_error(request, fund, error)
    messages.success(request, f"{fund.town.name}{fund.year}年备用金已清算，收回余额 {fund.returned} 元")
    return redirect(reverse("payment-reserve-detail", args=[fund.pk]))


def _report(request):
    counties, county = _county_choice(request, request.GET)
    if county is None:
        raise PermissionRefused("备用金清算报表由县级管理员、审核人员和审计人员查看")
    year = _year(request.GET.get("year"), timezone.localdate().year)
    return counties, reserve_settlement_report(county=county, year=year)


@login_required
@require_GET
def reserve_report(request):
    """年终清算报表 (printable)."""
    try:
        counties, report = _report(request)
    except PermissionRefused:
        raise
    except ApplicationError as error:
        return render(request, "error.html", {"error": error}, status=error.status)
    return render(request, "payments/reserve/report.html", {"counties": counties, "report": report})


REPORT_HEADERS = (
    "乡镇（街道）",
    "辖区人口",
    "年初预拨（元）",
    "追加次数",
    "追加拨付（元）",
    "救助笔数",
    "救助支出（元）",
    "清算收回（元）",
    "余额（元）",
    "状态",
)


@login_required
@require_GET
def reserve_report_xlsx(request):
    """年终清算报表 as an Excel workbook (openpyxl)."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    try:
        _counties, report = _report(request)
    except PermissionRefused:
        raise
    except ApplicationError as error:
        return render(request, "error.html", {"error": error}, status=error.status)
    book = Workbook()
    sheet = book.active
    sheet.title = f"{report['year']}年备用金清算"
    sheet.append([f"{report['county'].name}{report['year']}年临时救助备用金年终清算表"])
    sheet["A1"].font = Font(bold=True, size=14)
    sheet.append(list(REPORT_HEADERS))
    for cell in sheet[2]:
        cell.font = Font(bold=True)
    for row in report["rows"]:
        sheet.append(
            [
                row["town"].name,
                row["residents"],
                row["allocated"],
                row["top_up_count"],
                row["topped_up"],
                row["drawdown_count"],
                row["drawn"],
                row["returned"],
                row["balance"],
                row["status_label"],
            ]
        )
    t = report["totals"]
    sheet.append(
        [
            "合计",
            t["residents"],
            t["allocated"],
            t["top_up_count"],
            t["topped_up"],
            t["drawdown_count"],
            t["drawn"],
            t["returned"],
            t["balance"],
            f"已清算 {t['settled']}/{t['towns']}",
        ]
    )
    for row in sheet.iter_rows(min_row=3):
        for cell in row:
            if isinstance(cell.value, Decimal):
                cell.number_format = "#,##0.00"
    for column, width in zip("ABCDEFGHIJ", (18, 10, 14, 10, 14, 10, 14, 14, 14, 12), strict=True):
        sheet.column_dimensions[column].width = width
    buffer = io.BytesIO()
    book.save(buffer)
    response = HttpResponse(
        buffer.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    filename = f"reserve-{report['county'].code}-{report['year']}.xlsx"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
