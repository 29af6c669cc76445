"""Reads of the audit trail for the audit pages, scoped to the regions of the viewer's auditing roles.

Who may read the trail beyond one household's history: auditors and county administrators
(``caps.view_audit_trail``) over the regions of those roles, and superusers over everything. An event
outside the viewer's regions is "not found". Events without a region (the program catalogue, accounts
created without a role) are visible to superusers only.
"""

from __future__ import annotations

import datetime

from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone

from assistance.roles import Role, capabilities_for
from assistance.scoping import active_assignments
from audit.models import AuditEvent
from cases.models import Household

AUDITING_ROLES = frozenset({Role.AUDITOR, Role.COUNTY_ADMIN})

# Chinese names of the actions services record (unknown actions are shown by their code).
ACTION_LABELS: dict[str, str] = {
    "region.create": "新建行政区划",
    "region.update": "修改行政区划",
    "program.create": "新增救助项目",
    "program.update": "修改救助项目",
    "illness.create": "新增重病病种",
    "illness.update": "修改重病病种",
    "staff.create": "新建人员账号",
    "staff.update": "修改人员账号",
    "staff.login": "登录系统",
    "staff.make_superuser": "设为系统管理员",
    "staff.password_change": "本人修改密码",
    "role.assign": "授予岗位",
    "role.revoke": "撤销岗位",
    "household.create": "登记家庭",
    "household.update": "修改家庭信息",
    "household.change_head": "变更户主",
    "household.close": "注销家庭",
    "household.grant_view": "授权查看家庭",
    "household.revoke_view": "撤销查看授权",
    "member.create": "新增家庭成员",
    "member.update": "修改成员信息",
    "member.remove": "成员迁出",
    "member.reveal_id_number": "查看完整身份证号",
    "income.create": "登记收入",
    "income.update": "修改收入",
    "income.delete": "删除收入",
    "asset.create": "登记财产",
    "asset.update": "修改财产",
    "asset.delete": "删除财产",
    "expense.create": "登记刚性支出",
    "expense.update": "修改刚性支出",
    "expense.delete": "删除刚性支出",
    "supporter.create": "登记法定义务人",
    "supporter.update": "修改法定义务人",
    "supporter.delete": "删除法定义务人",
    "standard.create": "录入低保标准",
    "calendar_override.update": "补录节假日安排",
    "calendar_override.delete": "删除节假日补录",
    "calendar_year.declare": "确认年度节假日安排",
    "calendar_year.undeclare": "撤销年度节假日确认",
    "parameter.propose": "提出政策参数",
    "parameter.approve": "批准政策参数",
    "parameter.reject": "退回政策参数",
    "parameter.supersede": "政策参数被替代",
    "parameter.load": "载入政策参数",
    "profile.create": "新建政策档案",
    "profile.update": "修改政策档案",
    "profile.link_county": "政策档案关联县区",
    "application.accept": "受理救助申请",
    "application.materials_complete": "补齐材料，正式受理",
    "application.investigation_start": "启动调查核实",
    "application.visit": "入户调查",
    "application.county_visit": "县级入户核查",
    "application.evaluate": "评估",
    "application.deliberation": "民主评议",
    "application.town_review": "乡镇审核",
    "application.notice": "发布公示",
    "application.objection": "公示异议",
    "application.submit": "报送审核确认",
    "application.extend": "延长办理时限",
    "application.decide": "审核确认决定",
    "application.refusal_notice": "书面告知送达",
    "application.return": "退回重新调查",
    "application.withdraw": "撤回申请",
    "application.emergency_pay": "急难型先行救助",
    "application.papers": "补齐先行救助手续",
    "discovery.create": "报告主动发现线索",
    "discovery.close": "办结主动发现线索",
    "discovery.convert": "主动发现线索转为申请",
    "integrity_penalty.record": "登记失信记录",
    "relative_filing.record": "登记近亲属备案",
    "notice.print": "打印文书",
    "life_event.record": "登记生命事件",
    "enrolment.event": "生命事件调整在保",
    "demo.notice_shift": "演示环境调整公示期",
    "job.start": "发起后台任务",
    "job.finish": "后台任务完成",
    "job.fail": "后台任务失败",
}


def action_label(action: str) -> str:
    return ACTION_LABELS.get(action, action)


def can_view_audit_trail(actor) -> bool:
    if not (actor.is_authenticated and actor.is_active):
        return False
    return actor.is_superuser or capabilities_for(actor).view_audit_trail


def audit_regions(actor) -> list:
    """Return the top regions of the actor's auditing roles (nested ones folded into their ancestor)."""
    regions = sorted(
        {a.region.path: a.region for a in active_assignments(actor) if a.role in AUDITING_ROLES}.values(),
        key=lambda r: r.path,
    )
    tops: list = []
    for region in regions:
        if not any(region.path.startswith(t.path) for t in tops):
            tops.append(region)
    return tops


def audit_scope_q(actor) -> Q:
    """Return a Q limiting events to the actor's auditing regions (all for a superuser, none without a role)."""
    if actor.is_superuser:
        return Q()
    if not can_view_audit_trail(actor):
        return Q(pk__in=[])
    q = Q(pk__in=[])
    for region in audit_regions(actor):
        q |= Q(region_path__startswith=region.path)
    return q


def _day_start(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def audit_event_list_for(
    *,
    actor,
    action: str = "",
    actor_username: str = "",
    date_from: datetime.date | None = None,
    date_to: datetime.date | None = None,
    household_code: str = "",
) -> QuerySet[AuditEvent]:
    """Return the events the actor may read, newest first, narrowed by the filters.

    ``date_from``/``date_to`` are local calendar days, both inclusive. ``household_code`` is a
    household's 家庭编号. Rows carry their region (one query per page, whatever its length).
    """
    qs = AuditEvent.objects.filter(audit_scope_q(actor))
    if action:
        qs = qs.filter(action=action)
    if actor_username:
        qs = qs.filter(actor_username=actor_username)
    if date_from:
        qs = qs.filter(occurred_at__gte=_day_start(date_from))
    if date_to:
        qs = qs.filter(occurred_at__lt=_day_start(date_to + datetime.timedelta(days=1)))
    if household_code:
        qs = qs.filter(household_ref__in=Household.objects.filter(code=household_code).values("pk"))
    return qs.select_related("region").order_by("-id")


def audit_event_get_for(*, actor, pk) -> AuditEvent:
    """Return one event the actor may read, or raise Http404."""
    try:
        return AuditEvent.objects.filter(audit_scope_q(actor)).select_related("region", "actor").get(pk=pk)
    except (AuditEvent.DoesNotExist, ValueError, TypeError):
        raise Http404("未找到该审计记录，或不在您的管辖范围内") from None


def household_codes(events) -> dict[int, str]:
    """Return ``{household pk: code}`` for the households the given events refer to (one query)."""
    refs = {e.household_ref for e in events if e.household_ref is not None}
    if not refs:
        return {}
    return dict(Household.objects.filter(pk__in=refs).values_list("pk", "code"))
