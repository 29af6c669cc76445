"""Pages of applications: the inbox (待办), the list, the case page, one page per transition, and intake from
the household page (受理救助申请, 急难型先行救助).

Every write calls exactly one service of ``cases.services.workflow``; the case page offers exactly
``cases.actions.available_actions`` (the services check the same conditions again, and decide). Objects are
fetched through scoped selectors: another county's case is "not found" (404).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from assistance.errors import ApplicationError, PermissionRefused
from assistance.roles import Role, capabilities_for
from assistance.scoping import holds_role_over
from cases import forms_workflow as wf
from cases import selectors, services
from cases.actions import Action, available_actions, next_step
from cases.choices import ENROLMENT_PROGRAMS, ApplicationStatus, DiscoveryStatus, HouseholdStatus
from cases.models import Application, ApplicationEvent, Enrolment, EnrolmentChange, Household
from cases.views.workflow import (
    PROVISIONAL_HINT,
    applicant_name,
    category_label,
    evaluation_presentation,
    notice_links,
    refused,
    with_due_badges,
)

PAGE_SIZE = 50
S = ApplicationStatus


def _detail_url(app: Application | int) -> str:
    return reverse("application-detail", args=[app if isinstance(app, int) else app.pk])


def _last_event_label(app: Application) -> str:
    event = ApplicationEvent.objects.filter(application=app).order_by("-at", "-id").first()
    return event.label if event else ""


# --- inbox and list ---------------------------------------------------------------------------------------


@login_required
def inbox(request):
    """待办: what waits for the user, the nearest deadline first; open discovery reports for those who act on
    them. A constant number of queries whatever the number of rows."""
    user = request.user
    caps = capabilities_for(user)
    today = timezone.localdate()
    # The selector orders by urgency; the head's name is shown for household applications.
    cases = selectors.inbox_for(actor=user).select_related("household__head")
    page = Paginator(cases, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = with_due_badges(list(page.object_list), today)
    for app in rows:
        app.applicant = applicant_name(app)
        app.next_step = next_step(app, today)
    discoveries: list = []
    if caps.report_discovery:
        discoveries = list(
            selectors.discovery_list_for(actor=user, open_only=True).select_related("region__parent")[:PAGE_SIZE]
        )
    context = {
        "page": page,
        "rows": rows,
        "today": today,
        "discoveries": discoveries,
        "show_discoveries": caps.report_discovery,
        "can_report": caps.report_discovery,
        "provisional_hint": PROVISIONAL_HINT,
        "page_numbers": page.paginator.get_elided_page_range(page.number, on_each_side=3, on_ends=1),
    }
    return render(request, "cases/inbox.html", context)


@login_required
def application_list(request):
    """The applications of the user's jurisdiction: filters by status and program, search by code or name."""
    form = wf.ApplicationFilterForm(request.GET or None)
    filters: dict[str, Any] = {}
    if form.is_bound:
        form.is_valid()
        filters = form.cleaned_data
    apps = selectors.application_list_for(
        actor=request.user,
        status=filters.get("status") or "",
        program=filters.get("program") or "",
        search=filters.get("q") or "",
        open_only=bool(filters.get("open_only")),
    ).select_related("household__head")
    page = Paginator(apps, PAGE_SIZE).get_page(request.GET.get("page"))
    today = timezone.localdate()
    rows = with_due_badges(list(page.object_list), today)
    for app in rows:
        app.applicant = applicant_name(app)
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "form": form,
        "page": page,
        "rows": rows,
        "query": query.urlencode(),
        "provisional_hint": PROVISIONAL_HINT,
        "page_numbers": page.paginator.get_elided_page_range(page.number, on_each_side=3, on_ends=1),
    }
    return render(request, "cases/applications/list.html", context)


# --- the case page ------------------------------------------------------------------------------------------


def _flags(app: Application) -> list[tuple[str, str, str]]:
    """(label, title, Bootstrap badge class) of the case's special circumstances."""
    flags = []
    if app.close_relative:
        flags.append(("近亲属备案", app.close_relative_note or "县级审核确认并入户核查", "text-bg-danger"))
    if app.delegated:
        title = "近亲属备案：仍由县级审核确认" if app.close_relative else "由乡镇审核确认"
        flags.append(("审核确认权下放乡镇", title, "text-bg-info"))
    if app.deliberation_required:
        done = f"已于{app.deliberated_on:%Y-%m-%d}评议" if app.deliberated_on else "尚未评议"
        flags.append(("须民主评议", done, "text-bg-warning"))
    if app.county_sampled:
        flags.append(("列入县级抽查", "县级须入户核查", "text-bg-warning"))
    if app.visit_waived:
        flags.append(("免于入户调查", "经济状况核对已覆盖", "text-bg-secondary"))
    if app.extended:
        flags.append((f"已延长：{app.extension_reason}", "特殊情况延长办理时限", "text-bg-secondary"))
    return flags


def _case_context(request, app: Application) -> dict[str, Any]:
    user = request.user
    today = timezone.localdate()
    household = app.household
    members = list(household.members.select_related("serious_illness").order_by("-is_active", "id"))
    for m in members:
        m.age = m.age_on(today) if m.birth_date else None
    names = {str(m.pk): m.name for m in members}
    evaluation = app.evaluation
    try:
        enrolment = app.enrolment
    except Enrolment.DoesNotExist:
        # A 复核/变更/退出 changed an enrolment that an earlier application created.
        change = EnrolmentChange.objects.filter(application=app).select_related("enrolment").first()
        enrolment = change.enrolment if change else None
    changes = (
        list(enrolment.changes.select_related("application").order_by("effective_month", "id")) if enrolment else []
    )
    return {
        "enrolment_changes": changes,
        "app": app,
        "household": household,
        "applicant": applicant_name(app),
        "flags": _flags(app),
        "clocks": selectors.application_clocks_for(app),
        "timeline": list(selectors.application_timeline(app)),
        "members": [m for m in members if m.is_active],
        "evaluation": evaluation,
        "result": evaluation_presentation(evaluation, app, names) if evaluation else None,
        "evaluation_count": app.evaluations.count() if evaluation else 0,
        "visits": list(app.visits.select_related("recorded_by").prefetch_related("visitors")),
        "objections": list(app.objections.select_related("recorded_by")),
        "enrolment": enrolment,
        "linked": list(app.linked.order_by("id")),
        "discovery": app.discovery,
        "actions": available_actions(user, app),
        "notice_links": notice_links(app, request.user),
        "provisional_hint": PROVISIONAL_HINT,
        "enrolment_programs": ENROLMENT_PROGRAMS,
        "cause_label": _cause_label(app.cause),
        "enrolment_category": category_label(enrolment.category) if enrolment else "",
        # The explanation opens by itself where someone is about to act on it.
        "steps_open": app.status in (S.EVALUATED, S.DECISION, S.POST_APPROVAL),
    }


def _cause_label(cause: str) -> str:
    from eligibility.rules.temporary import CAUSE_LABELS

    return CAUSE_LABELS.get(cause, cause) if cause else ""


@login_required
def application_detail(request, pk):
    """The case page: the case, its clocks and timeline, the household, the evaluation, and what the user may
    do now."""
    app = selectors.application_get_for(actor=request.user, pk=pk)
    return render(request, "cases/applications/detail.html", _case_context(request, app))


# --- transitions ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Transition:
    """The form of one action code, the one service it calls, and what the page says about it."""

    title: str
    form: type[wf.ActionForm]
    run: Callable[[Any, Application, dict], Any]
    intro: str = ""
    danger: bool = False


def _v(d: dict) -> int:
    return d["version"]


def _record_visit(actor, app: Application, d: dict):
    """The town's visit and the county's own visit are one service; it tells them apart by the case's status."""
    return services.application_visit_record(
        actor=actor,
        application=app,
        version=_v(d),
        visited_on=d["visited_on"],
        visitors=list(d["visitors"]),
        findings=d["findings"],
        signed_by_applicant=bool(d.get("signed_by_applicant")),
    )


TRANSITIONS: dict[str, Transition] = {
    "materials-complete": Transition(
        "材料已补齐，正式受理",
        wf.MaterialsCompleteForm,
        lambda actor, app, d: services.application_materials_complete(
            actor=actor, application=app, version=_v(d), on=d["on"]
        ),
        "一次性告知的材料已全部补齐：正式受理，办理时限自受理之日起计算。",
    ),
    "investigation-start": Transition(
        "启动调查核实",
        wf.InvestigationStartForm,
        lambda actor, app, d: services.application_investigation_start(
            actor=actor, application=app, version=_v(d), on=d["on"], waive_visit=bool(d.get("waive_visit"))
        ),
        "受理之日起3个工作日内启动调查核实，并发起家庭经济状况核对（第十五条）。",
    ),
    "visit": Transition(
        "记录入户调查",
        wf.VisitForm,
        _record_visit,
        "入户调查人员不少于2人，调查记录由申请人签字确认（第十六条）。",
    ),
    "county-visit": Transition(
        "记录县级入户核查",
        wf.CountyVisitForm,
        _record_visit,
        "近亲属备案或列入抽查的申请，县级在作出决定前入户核查（第二十条）。",
    ),
    "evaluate": Transition(
        "评估（规则引擎测算）",
        wf.EvaluateForm,
        lambda actor, app, d: services.application_evaluate(actor=actor, application=app, version=_v(d)),
        "按家庭档案中现在登记的成员、收入、财产、支出和本县政策参数测算，结果保存为本申请的评估结果，之后不再改变。"
        "档案有更正的，可重新评估。",
    ),
    "deliberation": Transition(
        "记录民主评议",
        wf.DeliberationForm,
        lambda actor, app, d: services.application_deliberation_record(
            actor=actor,
            application=app,
            version=_v(d),
            held_on=d["held_on"],
            participants=d["participants"],
            result=d["result"],
            minutes=d["minutes"],
        ),
        "有争议的申请组织民主评议，参加人员不少于5人，记录评议情况。",
    ),
    "town-review": Transition(
        "提出乡镇审核意见",
        wf.TownReviewForm,
        lambda actor, app, d: services.application_town_review(
            actor=actor, application=app, version=_v(d), approve=d["approve"] == "approve", opinion=d["opinion"]
        ),
        "根据调查核实和评估结果提出乡镇审核意见。",
    ),
    "notice": Transition(
        "发布公示",
        wf.NoticeForm,
        lambda actor, app, d: services.application_notice_publish(
            actor=actor, application=app, version=_v(d), start_on=d["start_on"]
        ),
        "在申请人所在村（社区）公示，公示内容仅限法律允许公开的信息（第十九条、第二十四条）。",
    ),
    "objection": Transition(
        "记录公示异议",
        wf.ObjectionForm,
        lambda actor, app, d: services.application_objection_record(
            actor=actor, application=app, version=_v(d), received_on=d["received_on"], content=d["content"]
        ),
        "公示有异议的，申请退回调查核实，并须组织民主评议。",
        danger=True,
    ),
    "notice-close": Transition(
        "公示期满，报送审核确认",
        wf.NoticeCloseForm,
        lambda actor, app, d: services.application_notice_close(actor=actor, application=app, version=_v(d)),
        "公示期满无异议：报送审核确认。",
    ),
    "extend": Transition(
        "延长办理时限",
        wf.ExtendForm,
        lambda actor, app, d: services.application_extend(
            actor=actor, application=app, version=_v(d), reason=d["reason"]
        ),
        "特殊情况下办理时限可延长至45个工作日（第二十二条），须写明理由。",
    ),
    "decide": Transition(
        "审核确认",
        wf.DecideForm,
        lambda actor, app, d: services.application_decide(
            actor=actor, application=app, version=_v(d), confirm=d["confirm"] == "confirm", reasons=d["reasons"]
        ),
        "确认的，自次月起纳入救助；不予确认的，3个工作日内书面告知申请人并说明理由（第二十一条）。",
    ),
    "return": Transition(
        "退回重新调查",
        wf.ReturnForm,
        lambda actor, app, d: services.application_return(
            actor=actor, application=app, version=_v(d), reason=d["reason"]
        ),
        "退回乡镇重新调查核实：乡镇审核意见和公示作废，须重新审核。",
        danger=True,
    ),
    "withdraw": Transition(
        "申请人撤回",
        wf.WithdrawForm,
        lambda actor, app, d: services.application_withdraw(
            actor=actor, application=app, version=_v(d), reason=d["reason"]
        ),
        "申请人撤回申请后，本申请办结，不能恢复；如需救助应重新申请。",
        danger=True,
    ),
    "refusal-notice": Transition(
        "登记书面告知送达",
        wf.RefusalNoticeForm,
        lambda actor, app, d: services.application_refusal_notify(
            actor=actor, application=app, version=_v(d), on=d["on"]
        ),
        "登记不予确认通知书（含理由和申请复议、诉讼的权利）已送达申请人。",
    ),
    "papers-complete": Transition(
        "补齐签字盖章手续",
        wf.PapersCompleteForm,
        lambda actor, app, d: services.emergency_papers_complete(
            actor=actor, application=app, version=_v(d), note=d.get("note") or ""
        ),
        "先行救助后补齐救助对象、事由、金额和经办人签字、单位盖章等手续。",
    ),
    "bridge-aid": Transition(
        "先行急难救助（过渡）",
        wf.BridgeAidForm,
        lambda actor, app, d: services.emergency_aid_grant(
            actor=actor, household=app.household, cause="pending_application", expense=0, parent=app, version=_v(d)
        ),
        "申请低保、特困期间基本生活困难的，按本地政策先行给予急难型临时救助（过渡），单独立案记录。",
    ),
}


def _offered(user, app: Application, code: str) -> Action | None:
    return next((a for a in available_actions(user, app) if a.code == code), None)


@login_required
@require_http_methods(["GET", "POST"])
def application_act(request, pk, code):
    """One transition of the case: its form (GET) and the one service it calls (POST).

    GET offers only what the case page offers. A POST always goes to the service, which decides: a form loaded
    before the case moved on is refused there (409) and shown on the form with nothing changed.
    """
    transition = TRANSITIONS.get(code)
    if transition is None:
        raise Http404("没有这项操作")
    user = request.user
    app = selectors.application_get_for(actor=user, pk=pk)
    action = _offered(user, app, code)
    if action is None and request.method == "GET":
        raise ApplicationError(
            f"申请 {app.code} 当前（{app.get_status_display()}）您不能办理这项操作",
            code="action_unavailable",
            status=409,
        )
    data = request.POST if request.method == "POST" else None
    form = transition.form(data, application=app, actor=user)
    status = 200
    error_message = ""
    if data is not None:
        if form.is_valid():
            try:
                result = transition.run(user, app, form.cleaned_data)
            except ApplicationError as error:
                status = refused([form], error)
                error_message = error.message
            else:
                if code == "bridge-aid":
                    messages.success(request, f"已办理：{_last_event_label(result)}（申请编号 {result.code}）")
                else:
                    messages.success(request, f"已办理：{_last_event_label(app)}")
                return redirect(_detail_url(app))
        else:
            status = 400
            error_message = "提交的信息有误，请按提示修改。"
    label = action.label if action else transition.title
    context = {
        "app": app,
        "applicant": applicant_name(app),
        "action": action,
        "title": label,
        "transition": transition,
        "code": code,
        "form": form,
        "error_message": error_message,
        "clocks": [c for c in selectors.application_clocks_for(app) if c.open],
        "evaluation": app.evaluation,
        "provisional_hint": PROVISIONAL_HINT,
    }
    return render(request, "cases/applications/act.html", context, status=status)


# --- intake from the household page ---------------------------------------------------------------------


def can_take_applications(user, household: Household) -> bool:
    """Whether the intake buttons are offered: a caseworker of the household's town (the services decide)."""
    return (
        household.status == HouseholdStatus.ACTIVE
        and capabilities_for(user).process_cases
        and holds_role_over(user, Role.TOWN_CASEWORKER, household.hukou_region)
    )


def _household_for_intake(request, pk, doing: str) -> Household:
    household = selectors.household_get_for(actor=request.user, pk=pk)
    if household.status != HouseholdStatus.ACTIVE:
        raise ApplicationError("该家庭已注销，不能申请", code="household_closed", status=409)
    if not can_take_applications(request.user, household):
        raise PermissionRefused(f"只有该家庭所在乡镇的经办人员可以{doing}")
    return household


def _discovery_from(request, raw) -> Any:
    """The discovery report an intake comes from (``?discovery=`` or the form's hidden field), in scope."""
    if raw in (None, ""):
        return None
    report = selectors.discovery_get_for(actor=request.user, pk=raw)
    if report.status != DiscoveryStatus.OPEN:
        raise ApplicationError("该主动发现线索已办结", code="discovery_closed", status=409)
    return report


@login_required
@require_http_methods(["GET", "POST"])
def application_create(request, pk):
    """受理救助申请 for a registered household (一门受理): calls ``application_accept``."""
    user = request.user
    household = _household_for_intake(request, pk, "受理救助申请")
    data = request.POST if request.method == "POST" else None
    discovery = _discovery_from(request, (data or request.GET).get("discovery"))
    initial: dict[str, Any] = {}
    if discovery is not None:
        initial["discovery"] = discovery.pk
        if discovery.suggested_program in dict(wf.INTAKE_PROGRAMS):
            initial["program"] = discovery.suggested_program
    village_reports = None
    if discovery is None:
        village_reports = selectors.discovery_list_for(actor=user, open_only=True).filter(region=household.hukou_region)
    form = wf.ApplicationIntakeForm(data, household=household, discoveries=village_reports, initial=initial)
    status = 200
    error_message = ""
    if data is not None:
        if form.is_valid():
            chosen = discovery or form.cleaned_data.get("discovery_choice")
            try:
                app = services.application_accept(
                    actor=user, household=household, discovery=chosen, **form.service_data()
                )
            except ApplicationError as error:
                status = refused([form], error)
                error_message = error.message
            else:
                if app.missing_materials:
                    messages.success(
                        request,
                        f"已接收申请 {app.code}，并一次性告知缺少的材料：{'、'.join(app.missing_materials)}。"
                        "材料补齐后在本页办理“正式受理”。",
                    )
                else:
                    messages.success(request, f"已受理申请 {app.code}，请在3个工作日内启动调查核实。")
                return redirect(_detail_url(app))
        else:
            status = 400
            error_message = "提交的信息有误，请按提示修改。"
    context = {
        "title": "受理救助申请",
        "household": household,
        "form": form,
        "discovery": discovery,
        "error_message": error_message,
        "submit_label": "受理申请",
    }
    return render(request, "cases/applications/intake.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def emergency_aid(request, pk):
    """急难型临时救助（先行救助）: calls ``emergency_aid_grant``; the new case page says which path it took."""
    user = request.user
    household = _household_for_intake(request, pk, "发放急难型临时救助")
    data = request.POST if request.method == "POST" else None
    form = wf.EmergencyAidForm(data, household=household)
    status = 200
    error_message = ""
    if data is not None:
        if form.is_valid():
            d = form.cleaned_data
            try:
                app = services.emergency_aid_grant(
                    actor=user,
                    household=household,
                    cause=d["cause"],
                    expense=d["expense"],
                    subject=d.get("subject"),
                    note=d.get("note") or "",
                )
            except ApplicationError as error:
                status = refused([form], error)
                error_message = error.message
            else:
                messages.success(request, f"已办理：{_last_event_label(app)}（申请编号 {app.code}）")
                return redirect(_detail_url(app))
        else:
            status = 400
            error_message = "提交的信息有误，请按提示修改。"
    context = {
        "title": "急难型临时救助（先行救助）",
        "household": household,
        "form": form,
        "error_message": error_message,
        "submit_label": "先行救助",
        "intro": "急难型临时救助不审核家庭经济状况、不评议、不公示，先行发放、事后补齐手续："
        "乡镇审批权限内的由乡镇直接发放；超出的先行发放后报县级后置审批。",
    }
    return render(request, "cases/applications/intake.html", context, status=status)


def household_cases(user, household: Household) -> dict[str, Any]:
    """The household page's section 救助申请与在保 (three queries)."""
    applications = list(
        Application.objects.filter(household=household).select_related("subject").order_by("-applied_on", "-id")
    )
    enrolments = list(
        Enrolment.objects.filter(household=household).select_related("subject").order_by("-start_month", "-id")
    )
    return {
        "applications": applications,
        "enrolments": enrolments,
        "can_apply": can_take_applications(user, household),
        "enrolment_programs": ENROLMENT_PROGRAMS,
    }
