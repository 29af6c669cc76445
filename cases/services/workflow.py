"""Applications through their workflow: one service per transition.

Each transition, in one transaction: locks the application row and its household's (``SELECT … FOR UPDATE``;
an intake locks the household first, so intakes and transitions of one household are serialised), checks the
form's version (a stale form is refused), checks the actor's role over the case's region and that the
transition is allowed now, writes, appends a timeline event (``ApplicationEvent``), records an audit
event, and recomputes the case's next deadline. A refused transition raises
:class:`assistance.errors.ApplicationError` (a Chinese message, a stable code, a 4xx) and leaves nothing.

The 低保/特困 path (dibao-shenhe-queren-banfa-2021; tekun-renyuan-rending-banfa-2021):

    application_accept ─(一次性告知)→ materials_pending ─application_materials_complete→ accepted
    accepted ─application_investigation_start→ investigating ─application_visit_record (≥ 2 staff)
    investigating ─application_evaluate→ evaluated ─application_deliberation_record (if required)
    evaluated ─application_town_review(approve)→ town_approved ─application_notice_publish→ notice (7 days)
    notice ─application_objection_record→ investigating (民主评议 now required)
    notice ─application_notice_close (period over)→ decision
    decision ─application_decide→ confirmed (Enrolment from next month) | refused (written reasons)
    decision ─application_return→ investigating;  any open ─application_withdraw→ withdrawn

支出型/医疗/教育: no notice — town review sends the case straight to ``decision``.
急难型: ``emergency_aid_grant`` pays first (town limit) or pays first and waits for county post-approval.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import secrets
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from assistance.errors import ApplicationError, PermissionRefused, StaleVersion
from assistance.models import Region, Staff
from assistance.roles import Role, capabilities_for
from assistance.scoping import holds_role_over, in_scope
from audit.services import model_snapshot
from cases.choices import (
    ENROLMENT_PROGRAMS,
    NOTICE_PROGRAMS,
    OPEN_STATUSES,
    SUBJECT_PROGRAMS,
    ApplicationKind,
    ApplicationStatus,
    Channel,
    DeliberationResult,
    DiscoveryStatus,
    EnrolmentChangeCause,
    EnrolmentStatus,
    HouseholdStatus,
    IncomeRiseCause,
    ProgramCode,
)
from cases.deadlines import next_due
from cases.models import (
    Application,
    ApplicationEvent,
    DiscoveryReport,
    Enrolment,
    EnrolmentChange,
    Evaluation,
    HomeVisit,
    Household,
    IntegrityPenalty,
    Member,
    Objection,
    RelativeFiling,
)
from cases.services._common import _save_guarded, audit_household_event
from cases.services.basis import basis_store
from eligibility.rules.parameters import add_months as _add_months

S = ApplicationStatus
# Fields whose before/after the audit event carries for every transition.
AUDITED = [
    "status",
    "accepted_on",
    "investigation_started_on",
    "visit_waived",
    "deliberation_required",
    "deliberated_on",
    "deliberation_result",
    "town_opinion",
    "town_reviewed_on",
    "notice_start",
    "notice_end",
    "submitted_on",
    "county_sampled",
    "extended",
    "extension_reason",
    "decided_on",
    "approved_amount",
    "refusal_notified_on",
    "papers_completed_on",
    "closed_reason",
]
MIN_REASON_LENGTH = 4


# --- helpers ---------------------------------------------------------------------------------------------


def today() -> dt.date:
    """The local date (Asia/Shanghai) the services count from."""
    return timezone.localdate()


def _trusted(actor: Staff) -> bool:
    return bool(getattr(actor, "is_system", False))


def _county_of(region: Region) -> Region:
    county = region.county()
    if county is None:
        raise ApplicationError("该家庭的户籍地不属于任何县（市、区）", code="no_county")
    return county


def _params(county: Region, day: dt.date):
    from eligibility.rules.parameters import MissingParameter
    from eligibility.selectors import parameter_set_for

    try:
        return parameter_set_for(county=county, month=day.replace(day=1))
    except MissingParameter as error:  # pragma: no cover - a profile problem, reported clearly
        raise ApplicationError(f"{county.name}的政策参数不全：{error}", code="no_profile") from None


def _param(params, key: str, default: Any = None) -> Any:
    return params.get(key).value if params.has(key) else default


def _require_caseworker(actor: Staff, region: Region, doing: str) -> None:
    if _trusted(actor):
        return
    if not capabilities_for(actor).process_cases or not holds_role_over(actor, Role.TOWN_CASEWORKER, region):
        raise PermissionRefused(f"只有该家庭所在乡镇的经办人员可以{doing}")


def _require_decider(actor: Staff, app: Application) -> None:
    if app.decided_by_town:
        if not holds_role_over(actor, Role.TOWN_CASEWORKER, app.region):
            raise PermissionRefused("审核确认权已下放乡镇：只有该乡镇的经办人员可以作出决定")
    elif not capabilities_for(actor).decide_cases or not holds_role_over(actor, Role.COUNTY_REVIEWER, app.county):
        raise PermissionRefused("只有县级审核人员可以作出审核确认决定")
    if app.town_reviewed_by_id is not None and app.town_reviewed_by_id == actor.pk:
        # Four eyes: the person who reviewed the case for the town does not also decide it.
        raise PermissionRefused("作出乡镇审核意见的人员不能再对同一申请作出审核确认决定", code="same_reviewer")


def _locked(application: Application, version: int | None) -> Application:
    # Lock the application and its household — not the region rows the query joins: a plain FOR UPDATE over the
    # join would lock the county's row too and serialise every transition of the county (and its intakes, which
    # lock that row to number applications). The household is locked so that an intake of the same household
    # (which locks it first) waits for a confirmation in progress and then sees its enrolment.
    app = (
        Application.objects.select_for_update(of=("self", "household"))
        .select_related("household", "region", "county")
        .get(pk=application.pk)
    )
    if version is not None and int(version) != app.version:
        raise StaleVersion()
    return app


def _locked_household(household: Household) -> Household:
    return Household.objects.select_for_update(of=("self",)).select_related("hukou_region").get(pk=household.pk)


def _require_status(app: Application, allowed: tuple[str, ...] | frozenset[str], doing: str) -> None:
    if app.status not in allowed:
        raise ApplicationError(
            f"申请当前状态为“{app.get_status_display()}”，不能{doing}",
            code="illegal_transition",
            extra={"status": app.status},
            status=409,
        )


def _reason(value: str, field: str, label: str) -> str:
    value = (value or "").strip()
    if len(value) < MIN_REASON_LENGTH:
        raise ApplicationError(
            f"请填写{label}（至少{MIN_REASON_LENGTH}个字）", code="reason_required", fields={field: [f"请填写{label}"]}
        )
    return value


# The largest amount a MONEY column holds (max_digits 14, 2 decimals): a bigger one would be a database error.
MAX_AMOUNT = Decimal("999999999999.99")


def _money(value: Any, field: str) -> Decimal:
    """The amount ``value`` as a Decimal of yuan (≥ 0, at most two decimals), or a field error.

    Refuses what ``Decimal`` accepts but no amount is — "NaN", "Infinity", "1e20", 0.001 — which would otherwise
    fail later as an unhandled comparison or database error (a 500).
    """
    try:
        amount = value if isinstance(value, Decimal) else Decimal(str(value).strip())
    except (ArithmeticError, ValueError, TypeError):
        amount = None
    if amount is None or not amount.is_finite():
        raise ApplicationError("请填写有效金额", code="invalid", fields={field: ["请填写有效金额"]})
    if amount < 0:
        raise ApplicationError("金额不能为负数", code="invalid", fields={field: ["金额不能为负数"]})
    if amount > MAX_AMOUNT or amount != amount.quantize(Decimal("0.01")):
        raise ApplicationError(
            "金额最多保留两位小数，且不超过一万亿元", code="invalid", fields={field: ["金额格式不正确"]}
        )
    return amount


def _day(value: dt.date | None, field: str, label: str) -> dt.date:
    day = value or today()
    if day > today():
        raise ApplicationError(f"{label}不能晚于今天", code="invalid", fields={field: ["不能是将来的日期"]})
    return day


def refresh_due(app: Application, *, on: dt.date | None = None) -> None:
    """Recompute ``due_on``/``due_provisional`` from the application's clocks (no save)."""
    if app.accepted_on is None:
        app.due_on, app.due_provisional, app.overdue_since = None, False, None
        return
    from cases.selectors import application_clocks_for

    app.due_on, app.due_provisional = next_due(application_clocks_for(app, on=on or today()))
    if app.overdue_since is not None and (app.due_on is None or app.due_on >= (on or today())):
        app.overdue_since = None  # the deadline moved on: no longer overdue


def _commit(
    actor: Staff,
    app: Application,
    *,
    step: str,
    label: str,
    before: dict | None,
    day: dt.date | None = None,
    note: str = "",
    data: dict | None = None,
) -> Application:
    """Save the application (version + 1, deadline recomputed), its timeline event and its audit event."""
    refresh_due(app)
    if before is not None:
        app.version += 1
    _save_guarded(app)
    ApplicationEvent.objects.create(
        application=app, step=step, label=label, actor=actor, day=day or today(), note=note, data=data or {}
    )
    audit_household_event(
        actor=actor,
        action=f"application.{step}",
        target=app,
        household=app.household,
        before=before,
        after=model_snapshot(app, AUDITED),
        note=f"{app.code} {label}" + (f"：{note}" if note else ""),
    )
    return app


def _next_code(county: Region, year: int) -> str:
    # The county row is locked so that two intakes in one county never draw the same number.
    Region.objects.select_for_update().filter(pk=county.pk).first()
    prefix = f"SQ{county.code}{year}"
    last = Application.objects.filter(code__startswith=prefix).order_by("-code").values_list("code", flat=True).first()
    seq = int(last[len(prefix) :]) + 1 if last else 1
    return f"{prefix}{seq:06d}"


def _active_members(household: Household) -> list[Member]:
    return list(household.members.filter(is_active=True))


def _refuse_penalised(members: list[Member], on: dt.date) -> None:
    numbers = [m.id_number for m in members]
    penalty = IntegrityPenalty.objects.filter(id_number__in=numbers, starts_on__lte=on, ends_on__gte=on).first()
    if penalty is not None:
        raise ApplicationError(
            f"{penalty.name}处于失信惩戒期（{penalty.starts_on:%Y-%m-%d}至{penalty.ends_on:%Y-%m-%d}，{penalty.reason}），"
            "惩戒期内不得申请社会救助（maiji-2021 §五(三)）",
            code="integrity_penalty",
            status=409,
        )


def _subject(household: Household, program: str, subject: Member | None) -> Member | None:
    if program in SUBJECT_PROGRAMS and subject is None:
        raise ApplicationError(
            "单人户、特困及专项救助须指明救助对象", code="invalid", fields={"subject": ["请选择救助对象"]}
        )
    if subject is not None and (subject.household_id != household.pk or not subject.is_active):
        raise ApplicationError("救助对象须为本户在册成员", code="invalid", fields={"subject": ["请选择本户在册成员"]})
    return subject if program in SUBJECT_PROGRAMS else None


def _live_enrolment(household: Household, program: str, subject: Member | None) -> Enrolment | None:
    live = Enrolment.objects.filter(
        program=program, status__in=[EnrolmentStatus.ACTIVE, EnrolmentStatus.EXITING, EnrolmentStatus.SUSPENDED]
    )
    if subject is not None:
        return live.filter(subject=subject).first()
    return live.filter(household=household, subject__isnull=True).first()


def _close_relative(members: list[Member], note: str) -> tuple[bool, str]:
    filing = RelativeFiling.objects.filter(relative_id_number__in=[m.id_number for m in members]).first()
    if filing is not None:
        text = f"{filing.relative_name}为{filing.cadre_name}（{filing.cadre_position}）的{filing.relation}"
        return True, (f"{text}；{note}" if note else text)[:200]
    note = (note or "").strip()
    return bool(note), note[:200]


# --- intake -------------------------------------------------------------------------------------------------


@transaction.atomic
def application_accept(
    *,
    actor: Staff,
    household: Household,
    program: str,
    subject: Member | None = None,
    kind: str = ApplicationKind.NEW,
    applied_on: dt.date | None = None,
    authorisation_signed_on: dt.date | None = None,
    missing_materials: list[str] | None = None,
    channel: str = Channel.WINDOW,
    proxy_name: str = "",
    reason: str = "",
    cause: str = "",
    requested_amount: Decimal | None = None,
    close_relative_note: str = "",
    discovery: DiscoveryReport | None = None,
    income_rise_cause: str = "",
) -> Application:
    """Receive an application at the town's single window (一门受理).

    The signed authorisation to verify the household's economic data is the application itself
    (申请即授权): without it nothing is received. Materials still missing are listed once (一次性告知) and
    the application waits in ``materials_pending``; otherwise it is accepted today and its clocks start.
    """
    # The household row is locked so that two intakes of one household are serialised: the second sees the
    # first's application (duplicate_application) instead of running into the unique constraint.
    household = _locked_household(household)
    _require_caseworker(actor, household.hukou_region, "受理救助申请")
    if household.status != HouseholdStatus.ACTIVE:
        raise ApplicationError("该家庭已注销，不能申请", code="household_closed", status=409)
    if program not in ProgramCode.values:
        raise ApplicationError("请选择救助项目", code="invalid", fields={"program": ["未知的救助项目"]})
    if program == ProgramCode.TEMP_EMERGENCY:
        raise ApplicationError(
            "急难型临时救助请使用“先行救助”办理", code="use_emergency", fields={"program": ["急难型请走先行救助"]}
        )
    if kind not in ApplicationKind.values:
        raise ApplicationError("申请类型不正确", code="invalid", fields={"kind": ["未知的申请类型"]})
    applied_on = _day(applied_on, "applied_on", "申请日期")
    if authorisation_signed_on is None:
        raise ApplicationError(
            "申请即授权：请申请人签署家庭经济状况核对授权书后再受理",
            code="authorisation_missing",
            fields={"authorisation_signed_on": ["须签署核对授权书（一证一书）"]},
        )
    authorisation_signed_on = _day(authorisation_signed_on, "authorisation_signed_on", "授权书签署日期")
    if channel not in Channel.values:
        raise ApplicationError("申请方式不正确", code="invalid", fields={"channel": ["未知的申请方式"]})
    if channel == Channel.PROXY and not proxy_name.strip():
        raise ApplicationError("委托代办须填写代办人", code="invalid", fields={"proxy_name": ["请填写代办人姓名"]})
    if requested_amount is not None:
        requested_amount = _money(requested_amount, "requested_amount")
    if program == ProgramCode.TEMP_EXPENDITURE and requested_amount is None:
        raise ApplicationError(
            "支出型临时救助须填写必需支出金额", code="invalid", fields={"requested_amount": ["请填写支出金额"]}
        )
    subject = _subject(household, program, subject)
    members = _active_members(household)
    _refuse_penalised(members, applied_on)
    enrolled = _live_enrolment(household, program, subject) if program in ENROLMENT_PROGRAMS else None
    if kind == ApplicationKind.NEW and enrolled is not None:
        raise ApplicationError(
            "该家庭（人员）已在保，不能重复申请；请办理复核或变更", code="already_enrolled", status=409
        )
    if kind != ApplicationKind.NEW and enrolled is None:
        # 复核、变更、退出 concern an enrolment (在保); temporary and specialised aid are decided case by case.
        raise ApplicationError(
            "该家庭（人员）不在保，复核、变更或退出须针对在保对象；请办理新申请",
            code="not_enrolled",
            fields={"kind": ["该项目未在保"]},
            status=409,
        )
    if income_rise_cause and income_rise_cause not in IncomeRiseCause.values:
        raise ApplicationError("收入增加原因不正确", code="invalid", fields={"income_rise_cause": ["请选择"]})
    open_q = Application.objects.filter(program=program, status__in=OPEN_STATUSES)
    open_q = (
        open_q.filter(subject=subject)
        if subject is not None
        else open_q.filter(household=household, subject__isnull=True)
    )
    existing = open_q.first()
    if existing is not None:
        raise ApplicationError(
            f"已有同一救助项目的申请正在办理（{existing.code}，{existing.get_status_display()}）",
            code="duplicate_application",
            status=409,
        )
    if discovery is not None:
        discovery = DiscoveryReport.objects.select_for_update().get(pk=discovery.pk)
        if discovery.status != DiscoveryStatus.OPEN:
            raise ApplicationError("该主动发现线索已办结", code="discovery_closed", status=409)
        if not in_scope(actor, discovery.region) and not _trusted(actor):
            raise PermissionRefused("该线索不在您的管辖范围内")
        if discovery.household_id is not None and discovery.household_id != household.pk:
            raise ApplicationError(
                "该主动发现线索登记的是另一户家庭，不能转为本户的申请",
                code="invalid",
                fields={"discovery": ["线索所涉家庭与申请家庭不一致"]},
            )
        channel = Channel.DISCOVERY
    county = _county_of(household.hukou_region)
    params = _params(county, applied_on)
    from eligibility.calculator import household_jurisdiction

    profile = household_jurisdiction(household).profile
    close_relative, close_note = _close_relative(members, close_relative_note)
    missing = [str(m).strip() for m in (missing_materials or []) if str(m).strip()]
    app = Application(
        code=_next_code(county, applied_on.year),
        kind=kind,
        program=program,
        household=household,
        subject=subject,
        region=household.hukou_region,
        county=county,
        profile=profile,
        status=S.MATERIALS_PENDING if missing else S.ACCEPTED,
        channel=channel,
        proxy_name=proxy_name.strip(),
        applied_on=applied_on,
        authorisation_signed_on=authorisation_signed_on,
        missing_materials=missing,
        accepted_on=None if missing else applied_on,
        accepted_by=None if missing else actor,
        reason=reason.strip(),
        cause=cause,
        requested_amount=requested_amount,
        income_rise_cause=income_rise_cause,
        # jiuhuashan-2021 §二(五)17 delegates the confirmation of 低保 and 特困 (the 2022 notice likewise speaks of
        # 低保); temporary and specialised aid keep the county's approval (个人申请 → 镇审核 → 民政局审批).
        delegated=program in NOTICE_PROGRAMS and _param(params, "procedure.confirmation_level", "county") == "town",
        close_relative=close_relative,
        close_relative_note=close_note,
        deliberation_required=_param(params, "procedure.democratic_evaluation", "contested") == "always",
        discovery=discovery,
        created_by=actor,
    )
    label = "接收申请，一次性告知缺少材料" if missing else "受理申请"
    try:
        _commit(
            actor, app, step="accept", label=label, before=None, day=applied_on, data={"missing_materials": missing}
        )
    except ApplicationError as error:
        if error.code != "duplicate":
            raise
        # The household lock serialises intakes, so the check above sees a concurrent one; should anything else
        # insert an open application meanwhile, the constraint refuses this one: report it with the same code.
        raise ApplicationError(error.message, code="duplicate_application", status=409) from None
    if discovery is not None:
        from audit.services import audit_record

        before = model_snapshot(discovery)
        discovery.status = DiscoveryStatus.CONVERTED
        discovery.household = household
        discovery.save(update_fields=["status", "household", "updated_at"])
        audit_record(
            actor=actor,
            action="discovery.convert",
            target=discovery,
            region=discovery.region,
            household=household,
            before=before,
            after=model_snapshot(discovery),
            note=f"转为申请 {app.code}",
        )
    return app


@transaction.atomic
def application_materials_complete(
    *, actor: Staff, application: Application, version: int | None = None, on: dt.date | None = None
) -> Application:
    """The materials listed in the 一次性告知书 are in: the application is accepted and its clocks start."""
    app = _locked(application, version)
    _require_caseworker(actor, app.region, "受理申请")
    _require_status(app, (S.MATERIALS_PENDING,), "补齐材料")
    accepted_on = _day(on, "on", "受理日期")
    if accepted_on < app.applied_on:
        raise ApplicationError("受理日期不能早于申请日期", code="invalid", fields={"on": ["早于申请日期"]})
    before = model_snapshot(app, AUDITED)
    app.status, app.accepted_on, app.accepted_by = S.ACCEPTED, accepted_on, actor
    return _commit(
        actor, app, step="materials_complete", label="材料补齐，正式受理", before=before, day=app.accepted_on
    )


# --- investigation and evaluation ---------------------------------------------------------------------------


@transaction.atomic
def application_investigation_start(
    *,
    actor: Staff,
    application: Application,
    version: int | None = None,
    on: dt.date | None = None,
    waive_visit: bool = False,
) -> Application:
    """Start the investigation: the economic-verification request goes out (家庭经济状况核对).

    ``waive_visit``: the verification covers what a home visit would check, where the profile allows it
    (changbai-2021 §二(六)22) — never for a close relative of staff (第二十条).
    """
    app = _locked(application, version)
    _require_caseworker(actor, app.region, "启动调查核实")
    _require_status(app, (S.ACCEPTED,), "启动调查")
    if app.program not in NOTICE_PROGRAMS:
        waive_visit = False  # only the 低保/特困 path has a home visit to waive
    if waive_visit:
        params = _params(app.county, app.accepted_on)
        if not _param(params, "procedure.home_visit_skippable", False):
            raise ApplicationError(
                "本地政策要求入户调查，不能免于入户",
                code="visit_required",
                fields={"waive_visit": ["本地不允许免于入户调查"]},
            )
        if app.close_relative:
            raise ApplicationError(
                "近亲属备案的申请必须入户调查", code="visit_required", fields={"waive_visit": ["近亲属备案须入户调查"]}
            )
    before = model_snapshot(app, AUDITED)
    day = _day(on, "on", "启动调查日期")
    if day < app.accepted_on:
        raise ApplicationError("启动调查日期不能早于受理日期", code="invalid", fields={"on": ["早于受理日期"]})
    app.status = S.INVESTIGATING
    app.investigation_started_on = day
    app.verification_requested_on = day
    app.visit_waived = waive_visit
    label = "启动调查核实，发起家庭经济状况核对" + ("（经济状况核对已覆盖，免于入户）" if waive_visit else "")
    return _commit(actor, app, step="investigation_start", label=label, before=before, day=day)


def _staff_list(visitors: list[Staff]) -> list[Staff]:
    unique = {s.pk: s for s in visitors if s is not None}
    return list(unique.values())


@transaction.atomic
def application_visit_record(
    *,
    actor: Staff,
    application: Application,
    visited_on: dt.date,
    visitors: list[Staff],
    findings: str,
    signed_by_applicant: bool,
    version: int | None = None,
) -> HomeVisit:
    """Record a home visit (入户调查) by at least two staff, signed by the applicant (第十六条).

    During the investigation the town records it; while the case waits for its decision, the county
    records its own visit (close relatives of staff, 第二十条; 特困 sampling, tekun 第十六条).
    """
    app = _locked(application, version)
    by_county = app.status == S.DECISION
    if by_county:
        if not holds_role_over(actor, Role.COUNTY_REVIEWER, app.county):
            raise PermissionRefused("只有县级审核人员可以记录县级入户核查")
    else:
        _require_caseworker(actor, app.region, "记录入户调查")
        _require_status(app, (S.INVESTIGATING,), "记录入户调查")
    people = _staff_list(visitors)
    if len(people) < 2:
        raise ApplicationError(
            "入户调查人员不少于2人", code="visitors_required", fields={"visitors": ["请选择至少两名调查人员"]}
        )
    for person in people:
        if not person.is_active or not (in_scope(person, app.region) or in_scope(person, app.county)):
            raise ApplicationError(
                f"{person}不是本地在岗工作人员", code="invalid", fields={"visitors": ["调查人员须为本地工作人员"]}
            )
    if not signed_by_applicant:
        raise ApplicationError(
            "入户调查记录须经申请人签字确认",
            code="signature_required",
            fields={"signed_by_applicant": ["请确认申请人已签字"]},
        )
    findings = _reason(findings, "findings", "调查情况")
    visited_on = _day(visited_on, "visited_on", "调查日期")
    if app.accepted_on and visited_on < app.accepted_on:
        raise ApplicationError("调查日期不能早于受理日期", code="invalid", fields={"visited_on": ["早于受理日期"]})
    visit = HomeVisit.objects.create(
        application=app,
        visited_on=visited_on,
        findings=findings,
        signed_by_applicant=True,
        by_county=by_county,
        recorded_by=actor,
    )
    visit.visitors.set(people)
    names = "、".join(str(p) for p in people)
    _commit(
        actor,
        app,
        step="county_visit" if by_county else "visit",
        label=("县级入户核查" if by_county else "入户调查") + f"（{names}）",
        before=model_snapshot(app, AUDITED),
        day=visited_on,
        note=findings,
        data={"visit": visit.pk, "visitors": [p.pk for p in people]},
    )
    return visit


def evaluation_request_for(
    *,
    household: Household,
    program: str,
    subject: Member | int | None,
    month: dt.date,
    income_rise_cause: str = "",
    requested_amount: Decimal | None = None,
    cause: str = "",
):
    """The rules engine's request for ``program`` of ``household`` (and ``subject``, a member or its id) in
    ``month``: the registry's facts for the month, with the household's active or exiting enrolments as its
    current ones.

    ``income_rise_cause`` (渐退), ``requested_amount`` and ``cause`` (temporary and medical aid) are what an
    application adds; a life event (``cases.services.events``) evaluates without them.
    """
    from eligibility.rules.facts import CurrentEnrolment, Request
    from eligibility.selectors import household_facts

    facts = household_facts(household=household, month=month)
    current = tuple(
        CurrentEnrolment(program=e.program, monthly_amount=e.monthly_amount, since=e.start_month, category=e.category)
        for e in Enrolment.objects.filter(
            household=household, status__in=[EnrolmentStatus.ACTIVE, EnrolmentStatus.EXITING]
        )
    )
    if current:
        facts = dataclasses.replace(facts, current=current)
    if income_rise_cause:
        facts = dataclasses.replace(facts, income_rise_cause=income_rise_cause)
    extra: tuple = ()
    if program in (ProgramCode.TEMP_EXPENDITURE, ProgramCode.TEMP_EMERGENCY, ProgramCode.MEDICAL):
        pairs = []
        if requested_amount is not None:
            pairs.append(("expense", Decimal(requested_amount)))
        if cause:
            pairs.append(("cause", cause))
        extra = tuple(pairs)
    return Request(
        program=program,
        month=month,
        household=facts,
        subject=str(subject.pk if isinstance(subject, Member) else subject) if subject is not None else None,
        extra=extra,
    )


def _evaluation_request(app: Application, month: dt.date):
    return evaluation_request_for(
        household=app.household,
        program=app.program,
        subject=app.subject_id,
        month=month,
        income_rise_cause=app.income_rise_cause,
        requested_amount=app.requested_amount,
        cause=app.cause,
    )


def _run_engine(actor: Staff, app: Application, day: dt.date) -> Evaluation:
    from eligibility.calculator import Jurisdiction, evaluate_request
    from eligibility.rules.serialization import decision_to_dict, request_to_dict

    month = day.replace(day=1)
    request = _evaluation_request(app, month)
    decision = evaluate_request(request, Jurisdiction(profile=app.profile, name=app.profile, county=app.county))
    return Evaluation.objects.create(
        application=app,
        program=app.program,
        profile=app.profile,
        month=month,
        outcome=str(decision.outcome),
        amount=decision.amount,
        category=decision.category,
        recheck_months=decision.recheck_months,
        decision=decision_to_dict(decision),
        request=request_to_dict(request),
        evaluated_by=actor,
    )


@transaction.atomic
def application_evaluate(
    *, actor: Staff, application: Application, version: int | None = None, on: dt.date | None = None
) -> Evaluation:
    """Evaluate the household with the rules engine and store the decision as an immutable snapshot.

    The 低保/特困 path needs the home visit first unless it was waived; evaluating again (the registry
    was corrected) adds a new snapshot and the case uses the newest. ``on`` (default today; never in the
    future nor before the investigation started) is the day evaluated for: its month's standards apply.
    """
    app = _locked(application, version)
    _require_caseworker(actor, app.region, "评估")
    _require_status(app, (S.INVESTIGATING, S.EVALUATED), "评估")
    if app.program in NOTICE_PROGRAMS and not app.visit_waived and not app.visits.filter(by_county=False).exists():
        raise ApplicationError("请先记录入户调查（不少于2人，申请人签字）再评估", code="visit_missing", status=409)
    day = _day(on, "on", "评估日期")
    if app.investigation_started_on and day < app.investigation_started_on:
        raise ApplicationError("评估日期不能早于启动调查日期", code="invalid", fields={"on": ["早于启动调查日期"]})
    before = model_snapshot(app, AUDITED)
    evaluation = _run_engine(actor, app, day)
    app.evaluation = evaluation
    app.status = S.EVALUATED
    outcome = {"eligible": "符合条件", "ineligible": "不符合条件"}.get(evaluation.outcome, "信息不全")
    _commit(
        actor,
        app,
        step="evaluate",
        label=f"评估：{outcome}，月金额 {evaluation.amount} 元",
        before=before,
        day=day,
        data={"evaluation": evaluation.pk, "outcome": evaluation.outcome, "amount": str(evaluation.amount)},
    )
    return evaluation


@transaction.atomic
def application_deliberation_record(
    *,
    actor: Staff,
    application: Application,
    held_on: dt.date,
    participants: int,
    result: str,
    minutes: str,
    version: int | None = None,
) -> Application:
    """Record the democratic evaluation (民主评议) where it is required (an objection, or the profile)."""
    app = _locked(application, version)
    _require_caseworker(actor, app.region, "记录民主评议")
    _require_status(app, (S.EVALUATED,), "记录民主评议")
    if not app.deliberation_required:
        raise ApplicationError("本申请无争议，不需民主评议", code="deliberation_not_required", status=409)
    if result not in DeliberationResult.values:
        raise ApplicationError("请选择评议结果", code="invalid", fields={"result": ["请选择评议结果"]})
    if int(participants) < 5:
        raise ApplicationError("参加民主评议的人员不少于5人", code="invalid", fields={"participants": ["不少于5人"]})
    before = model_snapshot(app, AUDITED)
    app.deliberated_on = _day(held_on, "held_on", "评议日期")
    app.deliberation_result = result
    app.deliberation_minutes = _reason(minutes, "minutes", "评议记录")
    label = f"民主评议（{participants}人参加，{DeliberationResult(result).label}）"
    return _commit(
        actor,
        app,
        step="deliberation",
        label=label,
        before=before,
        day=app.deliberated_on,
        note=app.deliberation_minutes,
    )


# --- town review and public notice ---------------------------------------------------------------------------


@transaction.atomic
def application_town_review(
    *,
    actor: Staff,
    application: Application,
    approve: bool,
    opinion: str,
    version: int | None = None,
    on: dt.date | None = None,
) -> Application:
    """Record the town's opinion (乡镇审核). Approved 低保/特困 cases go to public notice; other programs,
    and refusals, go to the decision (the county's, or the town's where delegated). ``on``: the day of the
    opinion (default today; not in the future, not before the evaluation)."""
    app = _locked(application, version)
    _require_caseworker(actor, app.region, "提出乡镇审核意见")
    _require_status(app, (S.EVALUATED,), "提出乡镇审核意见")
    if app.deliberation_required and not app.deliberated_on:
        raise ApplicationError("本申请须先组织民主评议", code="deliberation_missing", status=409)
    opinion = _reason(opinion, "opinion", "审核意见")
    if approve:
        _require_approvable(app)
    day = _day(on, "on", "审核日期")
    evaluated_on = app.events.filter(step="evaluate").order_by("-day").values_list("day", flat=True).first()
    if evaluated_on and day < evaluated_on:
        raise ApplicationError("审核日期不能早于评估日期", code="invalid", fields={"on": ["早于评估日期"]})
    before = model_snapshot(app, AUDITED)
    app.town_opinion = "approve" if approve else "refuse"
    app.town_opinion_text = opinion
    app.town_reviewed_by = actor
    app.town_reviewed_on = day
    if approve and app.program in NOTICE_PROGRAMS:
        app.status = S.TOWN_APPROVED
    else:
        app.status = S.DECISION
        app.submitted_on = day
    label = "乡镇审核：同意" if approve else "乡镇审核：不同意，报审核确认"
    return _commit(actor, app, step="town_review", label=label, before=before, day=day, note=opinion)


@transaction.atomic
def application_notice_publish(
    *, actor: Staff, application: Application, start_on: dt.date | None = None, version: int | None = None
) -> Application:
    """Post the public notice (公示) in the village for the profile's period (7 days, 第十九条)."""
    app = _locked(application, version)
    _require_caseworker(actor, app.region, "发布公示")
    _require_status(app, (S.TOWN_APPROVED,), "发布公示")
    start = start_on or today()
    # A notice is posted now; only the system account (importing cases from an earlier system, demo data)
    # records one that started longer ago.
    if start < today() - dt.timedelta(days=3) and not _trusted(actor):
        raise ApplicationError("公示开始日期不能早于3天前", code="invalid", fields={"start_on": ["日期过早"]})
    if start > today() + dt.timedelta(days=7):
        raise ApplicationError("公示开始日期不能晚于7天后", code="invalid", fields={"start_on": ["日期过晚"]})
    if app.town_reviewed_on and start < app.town_reviewed_on:
        raise ApplicationError("公示不能早于乡镇审核", code="invalid", fields={"start_on": ["早于乡镇审核日期"]})
    days = _param(_params(app.county, start), "procedure.notice_days", 7)
    before = model_snapshot(app, AUDITED)
    app.status = S.NOTICE
    app.notice_start = start
    app.notice_end = start + dt.timedelta(days=days - 1)
    label = f"在村（社区）公示 {days} 天（{app.notice_start:%m月%d日}至{app.notice_end:%m月%d日}）"
    return _commit(actor, app, step="notice", label=label, before=before, day=start)


@transaction.atomic
def application_objection_record(
    *, actor: Staff, application: Application, received_on: dt.date, content: str, version: int | None = None
) -> Objection:
    """Record an objection during the notice: the case goes back to investigation and needs 民主评议."""
    app = _locked(application, version)
    _require_caseworker(actor, app.region, "记录公示异议")
    _require_status(app, (S.NOTICE,), "记录公示异议")
    received_on = _day(received_on, "received_on", "收到日期")
    if received_on < app.notice_start:
        raise ApplicationError("异议收到日期不能早于公示开始", code="invalid", fields={"received_on": ["早于公示开始"]})
    content = _reason(content, "content", "异议内容")
    objection = Objection.objects.create(application=app, received_on=received_on, content=content, recorded_by=actor)
    before = model_snapshot(app, AUDITED)
    app.status = S.INVESTIGATING
    app.deliberation_required = True
    app.notice_start = app.notice_end = None
    app.town_opinion = ""
    app.town_reviewed_by = None
    app.town_reviewed_on = None
    _commit(
        actor,
        app,
        step="objection",
        label="公示有异议，重新调查核实（须民主评议）",
        before=before,
        day=received_on,
        note=content,
    )
    return objection


def _select_for_sampling(app: Application) -> bool:
    """特困: the county checks at least ``procedure.tekun_sample_share`` (30 %) of the cases the towns
    approve (tekun-renyuan-rending-banfa-2021 第十六条: 随机抽查). Counted per county and year: a case is
    sampled whenever, without it, the share sampled so far would fall below the floor, and otherwise at
    random with that share's probability — so the floor always holds and no town can tell in advance which
    case will be checked. The county row is locked so that concurrent submissions count each other."""
    Region.objects.select_for_update().filter(pk=app.county_id).first()
    share = Decimal(str(_param(_params(app.county, today()), "procedure.tekun_sample_share", "0.3")))
    year_cases = Application.objects.filter(
        county=app.county, program=ProgramCode.TEKUN, town_opinion="approve", submitted_on__year=today().year
    ).exclude(pk=app.pk)
    total = year_cases.count() + 1
    sampled = year_cases.filter(county_sampled=True).count()
    if Decimal(sampled) < share * total:
        return True
    return Decimal(secrets.randbelow(10_000)) < share * 10_000


@transaction.atomic
def application_notice_close(*, actor: Staff, application: Application, version: int | None = None) -> Application:
    """The notice period is over without objection: submit for the decision (报送审核确认)."""
    app = _locked(application, version)
    _require_caseworker(actor, app.region, "报送审核确认")
    _require_status(app, (S.NOTICE,), "报送审核确认")
    if today() <= app.notice_end:
        raise ApplicationError(
            f"公示期至{app.notice_end:%Y年%m月%d日}，公示期满后才能报送",
            code="notice_running",
            extra={"notice_end": app.notice_end.isoformat()},
            status=409,
        )
    before = model_snapshot(app, AUDITED)
    app.status = S.DECISION
    app.submitted_on = today()
    if app.program == ProgramCode.TEKUN and not app.decided_by_town:
        app.county_sampled = _select_for_sampling(app)
    who = "乡镇审核确认" if app.decided_by_town else "县级审核确认"
    label = f"公示期满无异议，报送{who}" + ("（列入县级抽查）" if app.county_sampled else "")
    return _commit(actor, app, step="submit", label=label, before=before)


@transaction.atomic
def application_extend(
    *, actor: Staff, application: Application, reason: str, version: int | None = None
) -> Application:
    """Extend the 低保 time limit to 45 working days in a special case, with the reason (第二十二条)."""
    app = _locked(application, version)
    if not (
        holds_role_over(actor, Role.TOWN_CASEWORKER, app.region)
        or holds_role_over(actor, Role.COUNTY_REVIEWER, app.county)
    ):
        raise PermissionRefused("只有经办或审核人员可以延长办理时限")
    _require_status(app, OPEN_STATUSES - {S.MATERIALS_PENDING, S.POST_APPROVAL}, "延长办理时限")
    if app.program not in (ProgramCode.DIBAO, ProgramCode.DIBAO_SINGLE):
        raise ApplicationError("只有低保申请可以延长办理时限", code="invalid", status=409)
    if app.extended:
        raise ApplicationError("办理时限已延长过", code="already_extended", status=409)
    before = model_snapshot(app, AUDITED)
    app.extended = True
    app.extension_reason = _reason(reason, "reason", "延长理由")[:200]
    return _commit(actor, app, step="extend", label="特殊情况延长办理时限", before=before, note=app.extension_reason)


# --- decision -----------------------------------------------------------------------------------------------


def _create_enrolment(app: Application, decided_on: dt.date) -> Enrolment:
    evaluation = app.evaluation
    start = _add_months(decided_on.replace(day=1), 1)  # paid from the month after confirmation (第二十一条)
    months = evaluation.recheck_months
    enrolment = Enrolment(
        household=app.household,
        subject=app.subject,
        program=app.program,
        category=evaluation.category,
        monthly_amount=evaluation.amount,
        start_month=start,
        next_recheck_on=_add_months(start, months) if months else None,
        application=app,
        evaluation=evaluation,
        region=app.region,
    )
    _save_guarded(enrolment)
    EnrolmentChange.objects.create(
        enrolment=enrolment,
        effective_month=start,
        amount=enrolment.monthly_amount,
        category=enrolment.category,
        status=EnrolmentStatus.ACTIVE,
        cause=EnrolmentChangeCause.NEW,
        application=app,
    )
    basis_store(enrolment, evaluation)  # the facts 提标 recomputes from (cases.services.recompute)
    return enrolment


@transaction.atomic
def application_decide(
    *, actor: Staff, application: Application, confirm: bool, reasons: str = "", version: int | None = None
) -> Application:
    """Confirm or refuse (审核确认). Confirmation of 低保/特困 creates the enrolment from next month with the
    evaluated amount; a refusal needs written reasons, notified within 3 working days (第二十一条).

    Two reviewers deciding at once: the row lock serialises them, and the second one is refused (the case
    is no longer waiting, or its version moved on).
    """
    app = _locked(application, version)
    _require_status(app, (S.DECISION, S.POST_APPROVAL), "作出审核确认决定")
    _require_decider(actor, app)
    was_post_approval = app.status == S.POST_APPROVAL
    before = model_snapshot(app, AUDITED)
    note = (reasons or "").strip()
    if confirm:
        if app.status == S.DECISION and app.town_opinion == "refuse":
            raise ApplicationError(
                "乡镇审核意见为不同意，不能直接确认；如需重新调查请退回", code="town_refused", status=409
            )
        _require_approvable(app)
        if app.close_relative and not app.visits.filter(by_county=True).exists():
            raise ApplicationError("近亲属备案的申请须先由县级入户核查", code="county_visit_missing", status=409)
        if app.county_sampled and not app.visits.filter(by_county=True).exists():
            raise ApplicationError("本申请列入县级抽查，请先记录县级入户核查", code="county_visit_missing", status=409)
        # A 急难 case in post-approval keeps the amount already paid; any other case gets the evaluated amount.
        if app.status != S.POST_APPROVAL or app.approved_amount is None:
            app.approved_amount = app.evaluation.amount
        app.status = S.CONFIRMED
    else:
        note = _reason(reasons, "reasons", "不予确认的理由")
        app.status = S.REFUSED
    app.decided_on = today()
    app.decided_by = actor
    app.decision_reasons = note
    who = "乡镇" if app.decided_by_town else "县级"
    if confirm:
        label = (
            f"{who}审核确认：同意，月金额 {app.approved_amount} 元"
            if app.program in ENROLMENT_PROGRAMS
            else f"{who}审批同意，金额 {app.approved_amount} 元"
        )
    else:
        label = f"{who}审核确认：不予确认"
    _commit(actor, app, step="decide", label=label, before=before, note=note)
    if confirm and app.program in ENROLMENT_PROGRAMS:
        if app.kind == ApplicationKind.NEW:
            enrolment = _create_enrolment(app, app.decided_on)
            step = "enrol"
            text = f"纳入在保，自{enrolment.start_month:%Y年%m月}起按月发放 {enrolment.monthly_amount} 元"
        else:
            enrolment, text = _apply_to_enrolment(app, app.decided_on, note)
            step = "enrolment_change"
        ApplicationEvent.objects.create(
            application=app, step=step, label=text, actor=actor, day=app.decided_on, data={"enrolment": enrolment.pk}
        )
    from payments.hooks import application_decided

    # 支出型: the instalment plan; a refused 急难 case already paid: the receivable (追回).
    application_decided(actor=actor, application=app, confirmed=confirm, was_post_approval=was_post_approval)
    return app


def _require_approvable(app: Application) -> None:
    """A new application is approved only when eligible. A 复核/变更/退出 is approved whatever the outcome — the
    outcome is what the enrolment becomes (adjusted, graduated exit, stopped) — but not on incomplete facts."""
    evaluation = app.evaluation
    if app.kind == ApplicationKind.NEW or app.program not in ENROLMENT_PROGRAMS:
        if evaluation is None or not evaluation.eligible:
            raise ApplicationError("评估结果不符合条件，不能同意", code="not_eligible", status=409)
    elif app.kind != ApplicationKind.EXIT and (evaluation is None or evaluation.outcome == "needs_information"):
        raise ApplicationError("评估信息不全，请补齐后重新评估", code="not_eligible", status=409)


def _schedule(evaluation: Evaluation | None) -> list[tuple[dt.date, Decimal]]:
    """The graduated-exit schedule of a stored decision: (first day of month, amount) pairs."""
    rows = (evaluation.decision.get("exit_schedule") or []) if evaluation is not None else []
    return [(dt.date.fromisoformat(f"{row['month']}-01"), Decimal(row["amount"])) for row in rows]


def _apply_to_enrolment(app: Application, decided_on: dt.date, reasons: str) -> tuple[Enrolment, str]:
    """Carry a confirmed 复核/变更/退出 into the enrolment from the month after the decision (第三十二–三十三条):
    an eligible outcome adjusts the amount (an unchanged amount is recorded too); a graduated exit (渐退)
    records its schedule month by month and the stop after it; an ineligible outcome or an exit stops it."""
    live = [EnrolmentStatus.ACTIVE, EnrolmentStatus.EXITING, EnrolmentStatus.SUSPENDED]
    whose = Q(subject=app.subject) if app.subject_id else Q(household=app.household, subject__isnull=True)
    enrolment = Enrolment.objects.select_for_update().filter(whose, program=app.program, status__in=live).first()
    if enrolment is None:
        raise ApplicationError("该家庭（人员）已不在保", code="not_enrolled", status=409)
    evaluation = app.evaluation
    start = _add_months(decided_on.replace(day=1), 1)
    previous = enrolment.monthly_amount
    schedule = _schedule(evaluation)

    def change(month: dt.date, amount: Decimal, status: str, why: str, note: str = "") -> None:
        EnrolmentChange.objects.create(
            enrolment=enrolment,
            effective_month=month,
            amount=amount,
            previous_amount=previous,
            category=evaluation.category if evaluation else enrolment.category,
            status=status,
            cause=why,
            application=app,
            note=note[:200],
        )

    if app.kind == ApplicationKind.EXIT or evaluation is None or not evaluation.eligible:
        change(start, Decimal("0"), EnrolmentStatus.ENDED, EnrolmentChangeCause.EXIT, reasons)
        enrolment.status = EnrolmentStatus.ENDED
        enrolment.end_month = _add_months(start, -1)  # the month of the decision is the last one paid
        enrolment.status_reason = (reasons or "复核不再符合条件")[:200]
        text = f"停保：{enrolment.end_month:%Y年%m月}后不再发放"
    elif [month for month, _ in schedule if month >= start]:
        # The exit period runs from the month evaluated; months up to the decision's were paid already.
        months = [(month, amount) for month, amount in schedule if month >= start]
        for month, amount in months:
            change(month, amount, EnrolmentStatus.EXITING, EnrolmentChangeCause.GRADUATED_EXIT)
        last = months[-1][0]
        change(
            _add_months(last, 1), Decimal("0"), EnrolmentStatus.ENDED, EnrolmentChangeCause.GRADUATED_EXIT, "渐退期满"
        )
        enrolment.status = EnrolmentStatus.EXITING
        enrolment.end_month = last
        enrolment.monthly_amount = months[0][1]
        enrolment.status_reason = f"渐退期至{last:%Y年%m月}"
        text = f"渐退：自{start:%Y年%m月}起按渐退期发放，至{last:%Y年%m月}止"
    else:
        why = EnrolmentChangeCause.CHANGE if app.kind == ApplicationKind.CHANGE else EnrolmentChangeCause.RECHECK
        change(start, evaluation.amount, EnrolmentStatus.ACTIVE, why)
        enrolment.monthly_amount = evaluation.amount
        enrolment.category = evaluation.category
        enrolment.status = EnrolmentStatus.ACTIVE
        text = (
            f"复核后金额不变（{evaluation.amount} 元）"
            if evaluation.amount == previous
            else f"自{start:%Y年%m月}起月金额由 {previous} 元调整为 {evaluation.amount} 元"
        )
    if enrolment.status != EnrolmentStatus.ENDED and evaluation is not None and evaluation.recheck_months:
        enrolment.next_recheck_on = _add_months(start, evaluation.recheck_months)
    if enrolment.status != EnrolmentStatus.ENDED and evaluation is not None:
        enrolment.evaluation = evaluation  # the decision the enrolment now rests on
    enrolment.version += 1
    _save_guarded(enrolment)
    basis_store(enrolment, enrolment.evaluation if enrolment.status != EnrolmentStatus.ENDED else None)
    return enrolment, text


@transaction.atomic
def application_refusal_notify(
    *, actor: Staff, application: Application, on: dt.date | None = None, version: int | None = None
) -> Application:
    """Record that the written refusal notice (不予确认通知书, with reasons and appeal rights) was delivered."""
    app = _locked(application, version)
    if not (
        holds_role_over(actor, Role.TOWN_CASEWORKER, app.region)
        or holds_role_over(actor, Role.COUNTY_REVIEWER, app.county)
    ):
        raise PermissionRefused("只有经办或审核人员可以登记送达")
    _require_status(app, (S.REFUSED,), "登记书面告知")
    if app.refusal_notified_on:
        raise ApplicationError("已登记书面告知", code="already_notified", status=409)
    notified_on = _day(on, "on", "送达日期")
    if notified_on < app.decided_on:
        raise ApplicationError("送达日期不能早于决定日期", code="invalid", fields={"on": ["早于决定日期"]})
    before = model_snapshot(app, AUDITED)
    app.refusal_notified_on = notified_on
    return _commit(
        actor,
        app,
        step="refusal_notice",
        label="书面告知不予确认理由（已送达）",
        before=before,
        day=app.refusal_notified_on,
    )


@transaction.atomic
def application_return(
    *, actor: Staff, application: Application, reason: str, version: int | None = None
) -> Application:
    """Send a case back for correction (退回): it returns to investigation, its town opinion cleared."""
    app = _locked(application, version)
    _require_status(app, (S.DECISION,), "退回")
    _require_decider(actor, app)
    before = model_snapshot(app, AUDITED)
    reason = _reason(reason, "reason", "退回理由")
    app.status = S.INVESTIGATING
    app.closed_reason = reason[:200]
    app.town_opinion = ""
    app.town_reviewed_by = None
    app.town_reviewed_on = None
    app.notice_start = app.notice_end = app.submitted_on = None
    app.county_sampled = False
    return _commit(actor, app, step="return", label="退回乡镇重新调查核实", before=before, note=reason)


@transaction.atomic
def application_withdraw(
    *, actor: Staff, application: Application, reason: str, version: int | None = None
) -> Application:
    """The applicant withdraws (撤回申请)."""
    app = _locked(application, version)
    _require_caseworker(actor, app.region, "办理撤回")
    _require_status(app, OPEN_STATUSES - {S.POST_APPROVAL}, "撤回")
    before = model_snapshot(app, AUDITED)
    app.status = S.WITHDRAWN
    app.closed_reason = _reason(reason, "reason", "撤回原因")[:200]
    app.decided_on = today()
    return _commit(actor, app, step="withdraw", label="申请人撤回申请", before=before, note=app.closed_reason)


# --- 临时救助 急难型 ------------------------------------------------------------------------------------------


@transaction.atomic
def emergency_aid_grant(
    *,
    actor: Staff,
    household: Household,
    cause: str,
    expense: Decimal,
    subject: Member | None = None,
    note: str = "",
    parent: Application | None = None,
    version: int | None = None,
) -> Application:
    """Pay 急难型 temporary aid first (先行救助): no means test, no evaluation meeting, no notice.

    The engine decides the path from the profile: within the town's limit the town pays and the case is
    done (papers completed afterwards); above it, up to the 先行救助 maximum, the town pays first and the
    county approves afterwards (后置审批). ``parent``: a 低保/特困 application still running gets the bridge
    aid (changbai-2021 §二(四)18) — ``cause`` is then ``pending_application``; ``version`` is the parent's as the
    form showed it (a stale form is refused).
    """
    if parent is not None:
        # The parent first, with its household, in the order every transition locks them (no deadlock with one).
        parent = _locked(parent, version)
    household = _locked_household(household)
    _require_caseworker(actor, household.hukou_region, "发放急难型临时救助")
    if household.status != HouseholdStatus.ACTIVE:
        raise ApplicationError("该家庭已注销", code="household_closed", status=409)
    county = _county_of(household.hukou_region)
    if parent is not None:
        if (
            parent.household_id != household.pk
            or parent.program not in ENROLMENT_PROGRAMS
            or parent.status not in OPEN_STATUSES
        ):
            raise ApplicationError("过渡救助只适用于本户正在办理的低保、特困申请", code="invalid", status=409)
        # changbai-2021 §二(四)18: the bridge exists only where the profile sets months of it. Elsewhere a request
        # naming the pending application is refused rather than paid as an ordinary emergency under a cause
        # ("申请低保期间") that is no emergency.
        if int(_param(_params(county, today()), "temp.bridge_months", 0) or 0) <= 0:
            raise ApplicationError(
                "本地政策未规定申请低保、特困期间的过渡救助（先行急难救助），不能按过渡救助发放；"
                "确因意外、疾病等陷入急难的，请按一般急难型临时救助办理",
                code="no_bridge_aid",
                status=409,
            )
        if parent.linked.filter(program=ProgramCode.TEMP_EMERGENCY).exists():
            raise ApplicationError("该申请已给予过先行急难救助", code="duplicate_application", status=409)
        cause = "pending_application"
        if subject is None:
            subject = parent.subject  # 特困/单人户: the bridge goes to the person applying
    from eligibility.rules.temporary import CAUSE_LABELS

    if cause not in CAUSE_LABELS:
        raise ApplicationError("请选择急难事由", code="invalid", fields={"cause": ["请选择急难事由"]})
    if cause == "pending_application" and parent is None:
        raise ApplicationError(
            "过渡救助须从正在办理的低保、特困申请发起",
            code="invalid",
            fields={"cause": ["请在低保、特困申请的案件页面办理过渡救助"]},
        )
    expense = _money(expense if expense not in (None, "") else Decimal("0"), "expense")
    if expense == 0 and parent is None:
        raise ApplicationError("请填写救助需求金额", code="invalid", fields={"expense": ["请填写金额"]})
    if subject is not None and (subject.household_id != household.pk or not subject.is_active):
        raise ApplicationError("救助对象须为本户在册成员", code="invalid", fields={"subject": ["请选择本户在册成员"]})
    members = _active_members(household)
    _refuse_penalised(members, today())
    from eligibility.calculator import household_jurisdiction

    app = Application(
        code=_next_code(county, today().year),
        program=ProgramCode.TEMP_EMERGENCY,
        household=household,
        subject=subject,
        region=household.hukou_region,
        county=county,
        profile=household_jurisdiction(household).profile,
        status=S.INVESTIGATING,
        applied_on=today(),
        accepted_on=today(),
        accepted_by=actor,
        reason=note.strip(),
        cause=cause,
        requested_amount=expense,
        parent=parent,
        created_by=actor,
    )
    _save_guarded(app)
    evaluation = _run_engine(actor, app, today())
    if not evaluation.eligible:
        details = dict(evaluation.decision.get("details") or {})
        reasons = details.get("reasons") or ["不符合先行救助条件"]
        raise ApplicationError("；".join(str(r) for r in reasons), code="not_eligible", status=409)
    path = evaluation.category
    app.evaluation = evaluation
    app.approved_amount = evaluation.amount
    app.paid_on = today()
    app.town_opinion = "approve"
    app.town_reviewed_by = actor
    app.town_reviewed_on = today()
    if path in ("town_pay_first", "bridge"):
        app.status = S.CONFIRMED
        app.decided_on = today()
        app.decided_by = actor
        label = (
            f"过渡救助：申请{parent.get_program_display()}期间先行给予急难临时救助 {evaluation.amount} 元"
            if path == "bridge"
            else f"先行救助 {evaluation.amount} 元（乡镇审批权限内），事后补齐手续"
        )
    else:
        app.status = S.POST_APPROVAL
        app.submitted_on = today()
        label = f"先行救助 {evaluation.amount} 元，报县级后置审批"
    data = {"path": path, "amount": str(evaluation.amount)}
    remainder = (evaluation.decision.get("details") or {}).get("remainder")
    if path == "above_max" and remainder:
        # maiji-2021 §四(四)15 and linshi-jiuzhu-yijian-2018 二(三): the part above the 先行救助 maximum is decided
        # case by case (一事一议); it is recorded on the case for the county's post-approval.
        label += f"；超出部分 {remainder} 元按“一事一议”办理"
        data["remainder"] = str(remainder)
    app = _commit(actor, app, step="emergency_pay", label=label, before=None, note=note, data=data)
    from payments.hooks import emergency_paid

    emergency_paid(actor=actor, application=app)  # the town's reserve fund (备用金) pays it
    return app


@transaction.atomic
def emergency_papers_complete(
    *, actor: Staff, application: Application, note: str = "", version: int | None = None
) -> Application:
    """The 急难 case's papers (recipient, cause, amount, signatures and seals) are completed afterwards."""
    app = _locked(application, version)
    _require_caseworker(actor, app.region, "补齐手续")
    if app.program != ProgramCode.TEMP_EMERGENCY or app.paid_on is None:
        raise ApplicationError("只有先行救助的案件需要补齐手续", code="illegal_transition", status=409)
    if app.papers_completed_on:
        raise ApplicationError("手续已补齐", code="already_completed", status=409)
    before = model_snapshot(app, AUDITED)
    app.papers_completed_on = today()
    return _commit(actor, app, step="papers", label="补齐经办人签字、盖章手续", before=before, note=note.strip())


# --- active discovery, 失信 records, relative filings ----------------------------------------------------------


@transaction.atomic
def discovery_report_create(
    *,
    actor: Staff,
    region: Region,
    person_name: str,
    description: str,
    address: str = "",
    household: Household | None = None,
    suggested_program: str = "",
) -> DiscoveryReport:
    """A village assistant (or caseworker) reports a household in need (主动发现)."""
    from assistance.roles import RegionLevel

    if not capabilities_for(actor).report_discovery or not in_scope(actor, region):
        raise PermissionRefused("只有本村（社区）协理员或乡镇经办人员可以报告主动发现线索")
    if region.level != RegionLevel.VILLAGE:
        raise ApplicationError("请选择村（社区）", code="invalid", fields={"region": ["请选择村（社区）"]})
    if household is not None and household.hukou_region_id != region.pk:
        raise ApplicationError("所选家庭不在该村（社区）", code="invalid", fields={"household": ["家庭不在该村"]})
    if suggested_program and suggested_program not in ProgramCode.values:
        raise ApplicationError("建议救助项目不正确", code="invalid", fields={"suggested_program": ["未知的救助项目"]})
    name = (person_name or "").strip()
    if not name:
        raise ApplicationError("请填写困难群众姓名", code="invalid", fields={"person_name": ["这是必填项"]})
    report = DiscoveryReport.objects.create(
        region=region,
        household=household,
        person_name=name[:50],
        address=address.strip()[:200],
        description=_reason(description, "description", "困难情况"),
        suggested_program=suggested_program,
        reported_by=actor,
        reported_on=today(),
    )
    from audit.services import audit_record

    audit_record(
        actor=actor,
        action="discovery.create",
        target=report,
        region=region,
        household=household,
        after=model_snapshot(report),
    )
    return report


@transaction.atomic
def discovery_report_close(*, actor: Staff, report: DiscoveryReport, reason: str) -> DiscoveryReport:
    """Close a report that needs no application, with the reason (e.g. 经核实不需救助)."""
    report = DiscoveryReport.objects.select_for_update().get(pk=report.pk)
    _require_caseworker(actor, report.region, "办结主动发现线索")
    if report.status != DiscoveryStatus.OPEN:
        raise ApplicationError("该线索已办结", code="discovery_closed", status=409)
    before = model_snapshot(report)
    report.status = DiscoveryStatus.CLOSED
    report.closed_reason = _reason(reason, "reason", "办结说明")[:200]
    report.save(update_fields=["status", "closed_reason", "updated_at"])
    from audit.services import audit_record

    audit_record(
        actor=actor,
        action="discovery.close",
        target=report,
        region=report.region,
        before=before,
        after=model_snapshot(report),
    )
    return report


def _valid_id_number(value: str, field: str) -> str:
    """The normalised ID number, or a field error: a record under a malformed number would never match a member
    (penalties and filings are matched by number at intake)."""
    from django.core.exceptions import ValidationError

    from cases.id_numbers import parse_id_number

    try:
        return parse_id_number(value).number
    except ValidationError as error:
        raise ApplicationError("身份证号有误", code="invalid", fields={field: list(error.messages)}) from None


@transaction.atomic
def integrity_penalty_record(
    *, actor: Staff, county: Region, id_number: str, name: str, reason: str, starts_on: dt.date, ends_on: dt.date
) -> IntegrityPenalty:
    """Record a 失信 penalty period (county reviewer or administrator of the county)."""
    from assistance.roles import RegionLevel
    from audit.services import audit_record

    if not (holds_role_over(actor, Role.COUNTY_REVIEWER, county) or holds_role_over(actor, Role.COUNTY_ADMIN, county)):
        raise PermissionRefused("只有县级审核或管理人员可以登记失信记录")
    if county.level != RegionLevel.COUNTY:
        raise ApplicationError(
            "失信记录由县级民政部门登记，请选择县（市、区）", code="invalid", fields={"county": ["请选择县（市、区）"]}
        )
    if ends_on < starts_on:
        raise ApplicationError("惩戒结束日期不能早于开始日期", code="invalid", fields={"ends_on": ["早于开始日期"]})
    penalty = IntegrityPenalty.objects.create(
        id_number=_valid_id_number(id_number, "id_number"),
        name=name.strip()[:50],
        reason=_reason(reason, "reason", "失信事由")[:200],
        starts_on=starts_on,
        ends_on=ends_on,
        county=county,
        recorded_by=actor,
    )
    audit_record(
        actor=actor, action="integrity_penalty.record", target=penalty, region=county, after=model_snapshot(penalty)
    )
    return penalty


@transaction.atomic
def relative_filing_record(
    *,
    actor: Staff,
    region: Region,
    relative_id_number: str,
    relative_name: str,
    cadre_name: str,
    cadre_position: str,
    relation: str,
) -> RelativeFiling:
    """Register (备案) a close relative of a staff member or village cadre (第十一条)."""
    from audit.services import audit_record

    if not (
        holds_role_over(actor, Role.TOWN_CASEWORKER, region)
        or holds_role_over(actor, Role.COUNTY_ADMIN, region)
        or holds_role_over(actor, Role.COUNTY_REVIEWER, region)
    ):
        raise PermissionRefused("只有乡镇经办或县级人员可以登记近亲属备案")
    for field, value in (
        ("relative_name", relative_name),
        ("cadre_name", cadre_name),
        ("cadre_position", cadre_position),
        ("relation", relation),
    ):
        if not (value or "").strip():
            raise ApplicationError("请填写完整的备案信息", code="invalid", fields={field: ["这是必填项"]})
    filing = RelativeFiling.objects.create(
        relative_id_number=_valid_id_number(relative_id_number, "relative_id_number"),
        relative_name=relative_name.strip()[:50],
        cadre_name=cadre_name.strip()[:50],
        cadre_position=cadre_position.strip()[:60],
        relation=relation.strip()[:30],
        region=region,
        recorded_by=actor,
    )
    audit_record(
        actor=actor, action="relative_filing.record", target=filing, region=region, after=model_snapshot(filing)
    )
    return filing


def open_applications_q() -> Q:
    return Q(status__in=OPEN_STATUSES)
