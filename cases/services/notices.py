"""Printing a case's notices (通知书): who may print which notice, when a notice exists, and the audit
event every print leaves (a print carries personal data: it is an audited read, like revealing an ID
number).

The pages are ``cases.views.notices``; these services write nothing but the audit event.
"""

from __future__ import annotations

from django.db import models, transaction

from assistance.errors import ApplicationError, PermissionRefused
from assistance.models import Region, Staff
from assistance.roles import RegionLevel, Role
from assistance.scoping import active_assignments
from audit.services import audit_record
from cases.choices import ApplicationStatus
from cases.models import Application
from cases.services._common import audit_household_event


class NoticeKind(models.TextChoices):
    ACCEPTANCE = "acceptance", "受理通知书"  # dibao-shenhe-queren-banfa-2021 第十条
    MATERIALS = "materials", "一次性告知书"  # 第十条: missing materials listed once
    VISIT_FORM = "visit_form", "入户调查表"  # 第十六条(一): filled in and signed at the visit
    PUBLIC_LIST = "public_list", "公示名单"  # 第十九条, 第二十四条: name, household size, amount only
    DECISION = "decision", "审核确认决定书 / 不予确认通知书"  # 第二十一条, 第三十八条


# What a village assistant may print: the list posted in their village and the form they help fill in at
# the visit. The other notices are the town's and the county's documents to the applicant.
VILLAGE_ASSISTANT_KINDS = frozenset({NoticeKind.VISIT_FORM, NoticeKind.PUBLIC_LIST})
DECIDED = frozenset({ApplicationStatus.CONFIRMED, ApplicationStatus.REFUSED})


def _sees_as_village_assistant_only(actor: Staff, region: Region) -> bool:
    """Whether the actor reaches ``region`` only through village-assistant assignments.

    A case seen through a grant (no assignment over its region) is judged by the actor's roles overall.
    """
    assignments = active_assignments(actor)
    over = [a for a in assignments if region.path.startswith(a.region.path)]
    roles = {a.role for a in (over or assignments)}
    return roles == {Role.VILLAGE_ASSISTANT}


def notice_print_allowed(*, actor: Staff, region: Region, kind: str) -> bool:
    """Return whether ``actor`` may print a notice of ``kind`` about a case (or list) in ``region``.

    Any staff member who can see the case may print, except that village assistants print only the public
    list and the home-visit form. The caller has fetched the case or village through a scoped selector.
    """
    if actor.is_superuser or getattr(actor, "is_system", False) or kind in VILLAGE_ASSISTANT_KINDS:
        return True
    return not _sees_as_village_assistant_only(actor, region)


def notice_unavailable_reason(application: Application, kind: str) -> str:
    """Return why the case has no notice of ``kind`` yet (empty when it has one)."""
    if kind in (NoticeKind.ACCEPTANCE, NoticeKind.VISIT_FORM):
        if application.accepted_on is None:
            return "该申请尚未受理（材料未补齐），还没有受理通知书和入户调查表"
    elif kind == NoticeKind.MATERIALS:
        if not application.missing_materials:
            return "该申请受理时材料齐备，没有一次性告知书"
    elif kind == NoticeKind.DECISION:
        if application.status not in DECIDED:
            return f"该申请当前状态为“{application.get_status_display()}”，尚未作出审核确认决定"
    else:
        return "未知的通知书类型"
    return ""


def _require_allowed(actor: Staff, region: Region, kind: str) -> None:
    if not notice_print_allowed(actor=actor, region=region, kind=kind):
        raise PermissionRefused("村协理员只能打印公示名单和入户调查表", code="notice_not_allowed")


@transaction.atomic
def notice_print_record(*, actor: Staff, application: Application, kind: str) -> Application:
    """Record that ``actor`` printed the ``kind`` notice of ``application`` (audit ``notice.print``, filed
    under the household); return the application.

    The caller fetched the application through a scoped selector. Raises :class:`PermissionRefused` (403)
    for a village assistant asking for the applicant's notices, and :class:`ApplicationError`
    ``notice_unavailable`` (409) when the case has no such notice yet (e.g. no decision). Nothing is
    recorded when refused.
    """
    if kind not in NoticeKind.values or kind == NoticeKind.PUBLIC_LIST:
        raise ApplicationError("未知的通知书类型", code="invalid")
    _require_allowed(actor, application.region, kind)
    reason = notice_unavailable_reason(application, kind)
    if reason:
        raise ApplicationError(reason, code="notice_unavailable", extra={"kind": kind}, status=409)
    audit_household_event(
        actor=actor,
        action="notice.print",
        target=application,
        household=application.household,
        changes={"printed": str(kind)},
        note=f"{application.code} 打印{NoticeKind(kind).label}",
    )
    return application


@transaction.atomic
def notice_public_list_print_record(*, actor: Staff, village: Region, applications: list[Application]) -> Region:
    """Record that ``actor`` printed the public notice list (公示名单) of ``village``: one audit event
    ``notice.print`` about the village, naming the cases on the list; return the village.

    The caller fetched the village through a scoped selector and the cases with ``notice_list_for``.
    """
    if village.level != RegionLevel.VILLAGE:
        raise ApplicationError("公示名单按村（社区）打印", code="invalid")
    _require_allowed(actor, village, NoticeKind.PUBLIC_LIST)
    audit_record(
        actor=actor,
        action="notice.print",
        target=village,
        region=village,
        changes={"printed": str(NoticeKind.PUBLIC_LIST), "applications": [a.code for a in applications]},
        note=f"{village.name} 打印公示名单（{len(applications)}户）",
    )
    return village
