"""Pages of active discovery (主动发现): reporting a household in need, the reports, and closing one.

A village assistant (or a caseworker) reports; a caseworker of the town turns the report into an application
(from the household page, with ``?discovery=``) or closes it with a reason.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from assistance.errors import ApplicationError, PermissionRefused
from assistance.roles import Role, capabilities_for
from assistance.scoping import holds_role_over
from cases import selectors, services
from cases.choices import DiscoveryStatus
from cases.forms_workflow import DiscoveryCloseForm, DiscoveryForm
from cases.models import Application, DiscoveryReport
from cases.views.workflow import refused

PAGE_SIZE = 50


def _can_process(user, report: DiscoveryReport) -> bool:
    return capabilities_for(user).process_cases and holds_role_over(user, Role.TOWN_CASEWORKER, report.region)


@login_required
def discovery_list(request):
    """The reports of the user's jurisdiction, open ones by default."""
    show_all = request.GET.get("all") == "1"
    reports = selectors.discovery_list_for(actor=request.user, open_only=not show_all).select_related("region__parent")
    page = Paginator(reports, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "show_all": show_all,
        "can_report": capabilities_for(request.user).report_discovery,
    }
    return render(request, "cases/discovery_list.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def discovery_create(request):
    """报告主动发现线索: calls ``discovery_report_create``."""
    user = request.user
    if not capabilities_for(user).report_discovery:
        raise PermissionRefused("只有村（社区）协理员或乡镇经办人员可以报告主动发现线索")
    data = request.POST if request.method == "POST" else None
    form = DiscoveryForm(data, villages=selectors.villages_for(user).select_related("parent"))
    status = 200
    error_message = ""
    if data is not None:
        if form.is_valid():
            d = form.cleaned_data
            try:
                report = services.discovery_report_create(
                    actor=user,
                    region=d["region"],
                    person_name=d["person_name"],
                    description=d["description"],
                    address=d.get("address") or "",
                    suggested_program=d.get("suggested_program") or "",
                )
            except ApplicationError as error:
                status = refused([form], error)
                error_message = error.message
            else:
                messages.success(request, f"已报告主动发现线索：{report.person_name}。乡镇经办人员将核实处理。")
                return redirect(reverse("discovery-detail", args=[report.pk]))
        else:
            status = 400
            error_message = "提交的信息有误，请按提示修改。"
    context = {"form": form, "error_message": error_message}
    return render(request, "cases/discovery_form.html", context, status=status)


def _detail(request, report: DiscoveryReport, *, close_form=None, error_message: str = "", status: int = 200):
    can_process = _can_process(request.user, report) and report.status == DiscoveryStatus.OPEN
    context = {
        "report": report,
        "can_process": can_process,
        "close_form": close_form or (DiscoveryCloseForm() if can_process else None),
        "error_message": error_message,
        # The application it became (the link points back through ``Application.discovery``).
        "applications": list(Application.objects.filter(discovery=report).select_related("household").order_by("id")),
        "apply_url": (
            reverse("application-create", args=[report.household_id]) + f"?discovery={report.pk}"
            if report.household_id
            else ""
        ),
    }
    return render(request, "cases/discovery_detail.html", context, status=status)


@login_required
def discovery_detail(request, pk):
    report = selectors.discovery_get_for(actor=request.user, pk=pk)
    return _detail(request, report)


@login_required
@require_POST
def discovery_close(request, pk):
    """办结 a report that needs no application: calls ``discovery_report_close``."""
    report = selectors.discovery_get_for(actor=request.user, pk=pk)
    form = DiscoveryCloseForm(request.POST)
    if not form.is_valid():
        return _detail(request, report, close_form=form, error_message="提交的信息有误，请按提示修改。", status=400)
    try:
        services.discovery_report_close(actor=request.user, report=report, reason=form.cleaned_data["reason"])
    except ApplicationError as error:
        status = refused([form], error)
        return _detail(request, report, close_form=form, error_message=error.message, status=status)
    messages.success(request, "线索已办结")
    return redirect(reverse("discovery-detail", args=[report.pk]))
