"""What a staff member may do with an application now: the case page shows these actions and nothing else,
and the API lists them. The services check the same conditions again (a page can be stale); this module
only decides what to offer, from the actor's roles and the case's state, without queries beyond the
actor's own role assignments (cached per request) and the case's visits where a county visit matters.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils import timezone

from assistance.roles import Role
from assistance.scoping import holds_role_over
from cases.choices import NOTICE_PROGRAMS, OPEN_STATUSES, ApplicationStatus, ProgramCode
from cases.models import Application

S = ApplicationStatus


@dataclass(frozen=True)
class Action:
    code: str  # the transition: the page's form name (the API maps it to its endpoint, apis_workflow.ACTION_ENDPOINTS)
    label: str  # button text
    style: str = "primary"  # Bootstrap button style
    hint: str = ""  # why it is offered, or what it will do


def _bridge_months(app: Application, today) -> int:
    """changbai-2021 §二(四)18: months of the urban standard paid at once while a 低保/特困 case runs."""
    from eligibility.selectors import parameter_set_for

    params = parameter_set_for(county=app.county, month=today.replace(day=1))
    return int(params.get("temp.bridge_months").value) if params.has("temp.bridge_months") else 0


def available_actions(actor, app: Application) -> list[Action]:
    """Return the transitions ``actor`` may start on ``app`` now, in the order a caseworker would take them."""
    town = holds_role_over(actor, Role.TOWN_CASEWORKER, app.region)
    county = holds_role_over(actor, Role.COUNTY_REVIEWER, app.county)
    today = timezone.localdate()
    actions: list[Action] = []
    status = app.status
    if town:
        if status == S.MATERIALS_PENDING:
            actions.append(Action("materials-complete", "材料已补齐，正式受理"))
        elif status == S.ACCEPTED:
            actions.append(Action("investigation-start", "启动调查核实", hint="发起家庭经济状况核对"))
        elif status == S.INVESTIGATING:
            actions.append(
                Action("visit", "记录入户调查", style="outline-primary", hint="调查人员不少于2人，申请人签字")
            )
            actions.append(Action("evaluate", "评估（规则引擎测算）"))
        elif status == S.EVALUATED:
            actions.append(Action("evaluate", "重新评估", style="outline-secondary"))
            if app.deliberation_required and not app.deliberated_on:
                actions.append(Action("deliberation", "记录民主评议", hint="本申请有争议，须民主评议"))
            else:
                actions.append(Action("town-review", "提出乡镇审核意见"))
        elif status == S.TOWN_APPROVED:
            actions.append(Action("notice", "发布公示"))
        elif status == S.NOTICE:
            actions.append(Action("objection", "记录公示异议", style="outline-danger"))
            if app.notice_end and today > app.notice_end:
                actions.append(Action("notice-close", "公示期满，报送审核确认"))
        elif status == S.REFUSED and not app.refusal_notified_on:
            actions.append(Action("refusal-notice", "登记书面告知送达"))
        if (
            app.program == ProgramCode.TEMP_EMERGENCY
            and app.paid_on
            and not app.papers_completed_on
            and status in (S.CONFIRMED, S.POST_APPROVAL)
        ):
            actions.append(Action("papers-complete", "补齐签字盖章手续"))
        if (
            status in OPEN_STATUSES
            and app.program in NOTICE_PROGRAMS
            and not any(a.program == ProgramCode.TEMP_EMERGENCY for a in app.linked.all())
            and _bridge_months(app, today) > 0
        ):
            actions.append(Action("bridge-aid", "先行急难救助（过渡）", style="outline-secondary"))
    decider = town if app.decided_by_town else county
    if decider and status in (S.DECISION, S.POST_APPROVAL) and app.town_reviewed_by_id != actor.pk:
        if county and status == S.DECISION and (app.close_relative or app.county_sampled):
            actions.append(Action("county-visit", "记录县级入户核查", style="outline-primary"))
        actions.append(Action("decide", "审核确认" if status == S.DECISION else "后置审批"))
        if status == S.DECISION:
            actions.append(Action("return", "退回重新调查", style="outline-warning"))
    if county and status == S.REFUSED and not app.refusal_notified_on and not town:
        actions.append(Action("refusal-notice", "登记书面告知送达"))
    extendable = app.program in (ProgramCode.DIBAO, ProgramCode.DIBAO_SINGLE) and not app.extended
    if (town or county) and extendable and status in OPEN_STATUSES - {S.MATERIALS_PENDING, S.POST_APPROVAL}:
        actions.append(Action("extend", "延长办理时限", style="outline-secondary", hint="特殊情况延长至45个工作日"))
    if town and status in OPEN_STATUSES - {S.POST_APPROVAL}:
        actions.append(Action("withdraw", "申请人撤回", style="outline-danger"))
    return actions


def next_step(app: Application, today) -> str:
    """Return what the case waits for, in a few words, for the inbox (no queries; ``available_actions`` is the
    authority on who may do it)."""
    if app.program == ProgramCode.TEMP_EMERGENCY and app.paid_on and not app.papers_completed_on:
        if app.status == S.POST_APPROVAL:
            return "县级后置审批；补齐手续"
        return "补齐签字盖章手续"
    if app.status == S.NOTICE and app.notice_end:
        return "报送审核确认" if today > app.notice_end else f"公示至 {app.notice_end:%m月%d日}"
    if app.status == S.EVALUATED:
        return "民主评议" if app.deliberation_required and not app.deliberated_on else "乡镇审核"
    if app.status == S.DECISION:
        who = "乡镇审核确认" if app.decided_by_town else "县级审核确认"
        return who + ("（须县级入户核查）" if app.close_relative or app.county_sampled else "")
    if app.status == S.REFUSED and not app.refusal_notified_on:
        return "书面告知送达"
    return {
        S.MATERIALS_PENDING: "补齐材料后受理",
        S.ACCEPTED: "启动调查核实",
        S.INVESTIGATING: "入户调查、评估",
        S.TOWN_APPROVED: "发布公示",
        S.POST_APPROVAL: "县级后置审批",
    }.get(app.status, "")
