"""Life events (生命事件): a member's death, imprisonment, release, or a 特困 minor turning 18, and what each does
to the enrolments (在保) the member is part of.

:func:`life_event_record` is the one service. In one transaction it checks the actor and the event, updates the
registry the audited way registry edits are made (``member.update``: ``deceased_on``, ``imprisoned_from`` /
``imprisoned_until``, ``in_school``), stores the event and acts on the member's live enrolments — the household's
(subject empty) and any whose subject is the member — from the month after the event:

- death of a 特困 (or 单人户) subject: the enrolment ends (tekun-renyuan-rending-banfa-2021 第二十四条(一)); for 特困
  the rules engine computes the funeral payment where the profile pays one (maiji-2021 §四(二)5: 12 months of
  basic living + care), stored on the event for the payments module;
- death of a member of a household enrolment: no counted member left → it ends; otherwise a 复核 is opened and
  the household must be reviewed within 3 months of the death (doudi-baozhang-tongzhi-2022 一(三));
- imprisonment: a 特困 (单人户) subject's enrolment is suspended; a household enrolment is recomputed without the
  prisoner (dibao-shenhe-queren-banfa-2021 第七条: prisoners are not household members) — eligible → the new
  amount from next month, otherwise a 复核;
- release: a 复核 of the enrolments concerned decides whether the person's share is restored;
- a 特困 minor's 18th birthday (normally recorded by the daily run, ``cases.services.lifecycle``): the engine
  decides whether support continues (in school at a stage the profile covers, tekun 第二十四条; or disabled) or
  ends from the month after the birthday month; when it cannot tell, a 复核.

What was done is written to the event's ``outcome`` (Chinese) and to the audit trail (``life_event.record``, each
enrolment's ``enrolment.event``). A refused event (``ApplicationError``: a Chinese message, a stable code, a 4xx)
leaves nothing behind.
"""

from __future__ import annotations

import calendar
import datetime as dt
import logging
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Q

from assistance.errors import ApplicationError, PermissionRefused
from assistance.models import Staff
from assistance.roles import Role, capabilities_for
from assistance.scoping import holds_role_over
from audit.services import model_snapshot
from cases.choices import (
    OPEN_STATUSES,
    ApplicationKind,
    EducationStage,
    EnrolmentChangeCause,
    EnrolmentStatus,
    HouseholdStatus,
    LifeEventKind,
    LifeEventSource,
    ProgramCode,
)
from cases.models import Application, Enrolment, EnrolmentChange, Household, LifeEvent, Member
from cases.services._common import _save_guarded, audit_household_event
from cases.services.basis import basis_store
from cases.services.members import member_change_facts
from cases.services.workflow import _locked_household, _trusted, application_accept, evaluation_request_for, today
from eligibility.rules.parameters import add_months as _add_months

logger = logging.getLogger(__name__)

K = LifeEventKind
LIVE = (EnrolmentStatus.ACTIVE, EnrolmentStatus.EXITING, EnrolmentStatus.SUSPENDED)
# doudi-baozhang-tongzhi-2022 一(三): 低保家庭成员死亡后，应当自其死亡之日起3个月内对其家庭状况进行核查.
REVIEW_MONTHS_AFTER_DEATH = 3
DEATH_REVIEW_BASIS = "doudi-baozhang-tongzhi-2022 一(三)"
TEKUN_BASIS = "tekun-renyuan-rending-banfa-2021 第二十四条"
MEMBERS_BASIS = "dibao-shenhe-queren-banfa-2021 第七条"
# Audited fields of an enrolment changed by an event.
ENROLMENT_FIELDS = ["status", "monthly_amount", "category", "end_month", "status_reason"]
EVENT_FIELDS = [
    "household",
    "member",
    "kind",
    "occurred_on",
    "source",
    "department",
    "note",
    "outcome",
    "review_application",
    "review_due_on",
    "funeral_amount",
]
MAX_NOTE = 500
MAX_DEPARTMENT = 60


# --- dates ----------------------------------------------------------------------------------------------------


def birthday_at(birth_date: dt.date, years: int) -> dt.date:
    """The day a person born on ``birth_date`` turns ``years`` (someone born on 29 February: 1 March)."""
    try:
        return birth_date.replace(year=birth_date.year + years)
    except ValueError:
        return dt.date(birth_date.year + years, 3, 1)


def add_months_to_day(day: dt.date, months: int) -> dt.date:
    """``day`` ``months`` later, on the same day of the month (the month's last day where it has fewer)."""
    first = _add_months(day, months)
    last = calendar.monthrange(first.year, first.month)[1]
    return first.replace(day=min(day.day, last))


def _month_end(month: dt.date) -> dt.date:
    return _add_months(month, 1) - dt.timedelta(days=1)


# --- who may record ---------------------------------------------------------------------------------------


def can_record_life_events(actor: Staff, household: Household) -> bool:
    """Whether ``actor`` may record a life event of ``household``'s members: the town caseworker of its 户籍
    region, a county reviewer of its county, or the system account; the household must be registered."""
    if household.status != HouseholdStatus.ACTIVE:
        return False
    return _may_record(actor, household)


def _may_record(actor: Staff, household: Household) -> bool:
    if _trusted(actor):
        return True
    region = household.hukou_region
    caps = capabilities_for(actor)
    return (caps.process_cases and holds_role_over(actor, Role.TOWN_CASEWORKER, region)) or (
        caps.decide_cases and holds_role_over(actor, Role.COUNTY_REVIEWER, region)
    )


# --- input checks -----------------------------------------------------------------------------------------


def _invalid(message: str, field: str, hint: str | None = None) -> ApplicationError:
    return ApplicationError(message, code="invalid", fields={field: [hint or message]})


def _check_input(
    *,
    actor: Staff,
    kind: str,
    occurred_on: Any,
    source: str,
    department: str,
    note: str,
    in_school: bool | None,
    education_stage: str,
) -> tuple[str, str]:
    """Check the fields themselves; return ``(department, note)`` stripped."""
    if kind not in K.values:
        raise _invalid("请选择事件类型", "kind", "未知的事件类型")
    if source not in LifeEventSource.values:
        raise _invalid("信息来源不正确", "source", "未知的信息来源")
    if source == LifeEventSource.SYSTEM and not _trusted(actor):
        raise _invalid("来源为“系统”的事件只能由系统自动登记", "source", "请选择“经办人登记”或“部门推送”")
    department = (department or "").strip()
    if source == LifeEventSource.DEPARTMENT and not department:
        raise _invalid("部门推送的事件须填写推送部门", "department", "请填写推送部门（如县公安局、县卫健局）")
    if source != LifeEventSource.DEPARTMENT and department:
        raise _invalid("只有部门推送的事件填写推送部门", "department", "非部门推送的事件不填推送部门")
    if len(department) > MAX_DEPARTMENT:
        raise _invalid(f"推送部门不超过{MAX_DEPARTMENT}个字", "department")
    note = (note or "").strip()
    if len(note) > MAX_NOTE:
        raise _invalid(f"说明不超过{MAX_NOTE}个字", "note")
    if not isinstance(occurred_on, dt.date) or isinstance(occurred_on, dt.datetime):
        raise _invalid("请填写发生日期", "occurred_on")
    if occurred_on > today():
        raise _invalid("发生日期不能晚于今天", "occurred_on", "不能是将来的日期")
    if kind != K.ADULTHOOD and (in_school is not None or education_stage):
        raise _invalid("只有登记特困未成年人年满18周岁时填写在校就读情况", "in_school")
    if education_stage and education_stage not in EducationStage.values:
        raise _invalid("教育阶段不正确", "education_stage", "未知的教育阶段")
    return department, note


def _in_prison(member: Member, day: dt.date) -> bool:
    """Whether the registry has the member in prison on ``day`` (a period not yet ended by then)."""
    return member.imprisoned_from is not None and (member.imprisoned_until is None or member.imprisoned_until >= day)


def _minor_age(household: Household, month: dt.date) -> int:
    from cases.services.workflow import _county_of, _param, _params

    return int(_param(_params(_county_of(household.hukou_region), month), "tekun.minor_age", 18))


def _check_event(*, member: Member, household: Household, kind: str, occurred_on: dt.date) -> None:
    """Check the event against the member's record (state conflicts are 409, bad dates 400)."""
    if household.status != HouseholdStatus.ACTIVE:
        raise ApplicationError("该家庭已注销，不能登记生命事件", code="household_closed", status=409)
    if not member.is_active:
        raise ApplicationError(f"{member.name}已迁出本户，不能登记生命事件", code="member_inactive", status=409)
    label = K(kind).label
    if LifeEvent.objects.filter(member=member, kind=kind, occurred_on=occurred_on).exists():
        raise ApplicationError(
            f"该事件已登记（{member.name}，{occurred_on:%Y-%m-%d}，{label}），不能重复登记",
            code="conflict",
            status=409,
        )
    if occurred_on < member.birth_date:
        raise _invalid("发生日期不能早于出生日期", "occurred_on")
    if member.deceased_on is not None:
        raise ApplicationError(
            f"{member.name}已于{member.deceased_on:%Y-%m-%d}死亡，不能再登记“{label}”",
            code="member_deceased",
            status=409,
        )
    if kind == K.IMPRISONMENT and _in_prison(member, occurred_on):
        until = f"至{member.imprisoned_until:%Y-%m-%d}" if member.imprisoned_until else "起，尚未登记释放"
        raise ApplicationError(
            f"{member.name}已登记服刑（{member.imprisoned_from:%Y-%m-%d}{until}），与该日期重叠",
            code="already_imprisoned",
            status=409,
        )
    if kind == K.RELEASE:
        released = (
            member.imprisoned_from is not None
            and LifeEvent.objects.filter(member=member, kind=K.RELEASE, occurred_on__gt=member.imprisoned_from).exists()
        )
        if not _in_prison(member, occurred_on) or released:
            raise ApplicationError(
                f"{member.name}没有正在服刑的登记，不能登记刑满释放；请先登记服刑", code="not_imprisoned", status=409
            )
        if occurred_on <= member.imprisoned_from:
            raise _invalid(
                f"释放日期须晚于服刑开始日期（{member.imprisoned_from:%Y-%m-%d}）",
                "occurred_on",
                "须晚于服刑开始日期",
            )
    if kind == K.ADULTHOOD:
        if not Enrolment.objects.filter(subject=member, program=ProgramCode.TEKUN, status__in=LIVE).exists():
            raise ApplicationError(
                f"{member.name}不是在保的特困人员，无需登记年满18周岁", code="not_enrolled", status=409
            )
        age = _minor_age(household, occurred_on.replace(day=1))
        birthday = birthday_at(member.birth_date, age)
        if occurred_on != birthday:
            raise _invalid(
                f"年满{age}周岁的日期应为{member.name}的{age}周岁生日（{birthday:%Y-%m-%d}）",
                "occurred_on",
                f"应为 {birthday:%Y-%m-%d}",
            )
        if LifeEvent.objects.filter(member=member, kind=K.ADULTHOOD).exists():
            raise ApplicationError(f"{member.name}年满{age}周岁已登记", code="conflict", status=409)


# --- the rules engine ---------------------------------------------------------------------------------------


def _evaluate(household: Household, program: str, subject: Member | None, month: dt.date):
    """Run the rules engine as an evaluation does; return ``(decision, None)`` or ``(None, why)`` when the
    profile lacks a parameter for the month."""
    from eligibility.calculator import evaluate_request, household_jurisdiction

    try:
        request = evaluation_request_for(household=household, program=program, subject=subject, month=month)
        return evaluate_request(request, household_jurisdiction(household)), None
    except ApplicationError as error:
        return None, error.message


def _step(decision, rule_id: str):
    return next((s for s in decision.steps if s.rule_id == rule_id), None)


def _decision_dict(decision) -> dict:
    from eligibility.rules.serialization import decision_to_dict

    return decision_to_dict(decision)


# --- enrolment changes -------------------------------------------------------------------------------------


def _who(enrolment: Enrolment) -> str:
    return f"{enrolment.get_program_display()}（{enrolment.subject.name if enrolment.subject_id else '全户'}）"


def _record_change(
    enrolment: Enrolment, month: dt.date, amount: Decimal, status: str, previous: Decimal, note: str
) -> None:
    """Record the change from ``month``, and make it hold for later months too: a change already recorded for a
    later month (a graduated-exit schedule, a standards rise) would otherwise be in force again from its month,
    so each such month gets the same change after it (the latest change of a month is the one in force)."""
    # The decision basis no longer describes the enrolment: 提标 leaves it to the 复核 (cases.services.recompute).
    basis_store(enrolment, None)
    later = sorted(set(enrolment.changes.filter(effective_month__gt=month).values_list("effective_month", flat=True)))
    for effective in [month, *later]:
        EnrolmentChange.objects.create(
            enrolment=enrolment,
            effective_month=effective,
            amount=amount,
            previous_amount=previous,
            category=enrolment.category,
            status=status,
            cause=EnrolmentChangeCause.EVENT,
            note=(note if effective == month else f"{note}（取代原定{effective:%Y年%m月}的变动）")[:200],
        )


def _save_enrolment(actor: Staff, enrolment: Enrolment, before: dict, note: str) -> None:
    enrolment.version += 1
    _save_guarded(enrolment)
    audit_household_event(
        actor=actor,
        action="enrolment.event",
        target=enrolment,
        household=enrolment.household,
        before=before,
        after=model_snapshot(enrolment, ENROLMENT_FIELDS),
        note=note[:500],
    )


def _recovery_hint(month: dt.date) -> str:
    if month <= today().replace(day=1):
        return f"；{month:%Y年%m月}起如已发放，须按规定追回"
    return ""


def _end(actor: Staff, enrolment: Enrolment, month: dt.date, reason: str) -> str:
    """Stop ``enrolment`` from ``month`` (the month before it is the last one paid)."""
    month = max(month, enrolment.start_month)
    before = model_snapshot(enrolment, ENROLMENT_FIELDS)
    _record_change(enrolment, month, Decimal("0"), EnrolmentStatus.ENDED, enrolment.monthly_amount, reason)
    enrolment.status = EnrolmentStatus.ENDED
    enrolment.end_month = _add_months(month, -1)
    enrolment.status_reason = reason[:200]
    line = f"{_who(enrolment)}：{reason}，自{month:%Y年%m月}起停发{_recovery_hint(month)}"
    _save_enrolment(actor, enrolment, before, line)
    return line


def _suspend(actor: Staff, enrolment: Enrolment, month: dt.date, reason: str) -> str:
    """Suspend ``enrolment`` from ``month`` (amount 0) until a 复核 restores or stops it."""
    month = max(month, enrolment.start_month)
    before = model_snapshot(enrolment, ENROLMENT_FIELDS)
    _record_change(enrolment, month, Decimal("0"), EnrolmentStatus.SUSPENDED, enrolment.monthly_amount, reason)
    enrolment.status = EnrolmentStatus.SUSPENDED
    enrolment.monthly_amount = Decimal("0")
    enrolment.status_reason = reason[:200]
    line = f"{_who(enrolment)}：{reason}，自{month:%Y年%m月}起暂停发放{_recovery_hint(month)}"
    _save_enrolment(actor, enrolment, before, line)
    return line


def _change_amount(actor: Staff, enrolment: Enrolment, month: dt.date, decision, reason: str) -> str:
    """Record the engine's new amount (and category) from ``month``."""
    previous = enrolment.monthly_amount
    before = model_snapshot(enrolment, ENROLMENT_FIELDS)
    enrolment.category = decision.category or enrolment.category
    _record_change(enrolment, month, decision.amount, EnrolmentStatus.ACTIVE, previous, reason)
    enrolment.monthly_amount = decision.amount
    line = f"{_who(enrolment)}：{reason}，自{month:%Y年%m月}起月金额由 {previous} 元调整为 {decision.amount} 元"
    _save_enrolment(actor, enrolment, before, line)
    return line


def _open_review(enrolment: Enrolment, reason: str) -> tuple[Application | None, str]:
    """Open a 复核 of ``enrolment`` as the system account, the way the daily run opens a due re-check; an open
    application of the program is used instead. Return it (None when the intake refused) and a line saying so."""
    from assistance.services import system_actor

    whose = (
        Q(subject_id=enrolment.subject_id)
        if enrolment.subject_id
        else Q(household_id=enrolment.household_id, subject__isnull=True)
    )
    existing = Application.objects.filter(whose, program=enrolment.program, status__in=OPEN_STATUSES).first()
    if existing is not None:
        kind = existing.get_kind_display()
        return existing, f"{_who(enrolment)}：{reason}；已有正在办理的{kind}申请 {existing.code}，请在其中一并核查"
    try:
        # application_accept runs in a savepoint of its own: a refused intake leaves the event's work intact.
        app = application_accept(
            actor=system_actor(),
            household=enrolment.household,
            program=enrolment.program,
            subject=enrolment.subject,
            kind=ApplicationKind.RECHECK,
            applied_on=today(),
            authorisation_signed_on=enrolment.application.authorisation_signed_on or today(),
            reason=f"生命事件：{reason}",
        )
    except ApplicationError as error:
        logger.warning("在保对象 #%s 的复核未能发起：%s", enrolment.pk, error.message)
        return None, f"{_who(enrolment)}：{reason}；未能自动发起复核（{error.message}），请经办人员办理"
    return app, f"{_who(enrolment)}：{reason}；已发起复核 {app.code}，在乡镇经办人员的待办中办理"


# --- what each event does -----------------------------------------------------------------------------------


class _Result:
    """What the handlers collect for the event."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.review: Application | None = None
        self.review_due_on: dt.date | None = None
        self.funeral: Decimal | None = None
        self.decision: dict = {}

    def reviewed(self, app: Application | None, line: str) -> None:
        self.lines.append(line)
        if app is not None and self.review is None:
            self.review = app


def _counted_members(household: Household, month: dt.date) -> list[Member]:
    """The household's members who count in ``month`` (not deceased, in prison or missing by its last day —
    the same reading as ``eligibility.selectors.household_facts``)."""
    end = _month_end(month)
    return [
        m
        for m in household.members.filter(is_active=True)
        if not (m.deceased_on and m.deceased_on <= end)
        and not (
            m.imprisoned_from and m.imprisoned_from <= end and (not m.imprisoned_until or m.imprisoned_until >= end)
        )
        and not (m.missing_since and m.missing_since <= end)
    ]


def _funeral(result: _Result, household: Household, member: Member, occurred_on: dt.date) -> str:
    """The 特困 funeral payment of the deceased subject, from the engine (maiji-2021 §四(二)5)."""
    decision, problem = _evaluate(household, ProgramCode.TEKUN, member, occurred_on.replace(day=1))
    if decision is None:
        return f"丧葬费未能测算（{problem}），请补齐政策参数后由经办人员核定"
    result.decision = _decision_dict(decision)
    details = dict(decision.details)
    step = _step(decision, "tekun.funeral")
    if "funeral_payment" in details:
        result.funeral = Decimal(str(details["funeral_payment"]))
        param = step.params[0] if step is not None and step.params else None
        months = f"{param.value}个月" if param is not None else ""
        clause = f"，{param.clause}" if param is not None and param.clause else ""
        return f"丧葬费 {result.funeral} 元（{months}基本生活标准和照料护理标准{clause}），由资金发放模块一次性发放"
    if str(decision.outcome) == "needs_information":
        missing = "；".join(decision.missing_facts) or "所需信息"
        return f"丧葬费暂不能计算：缺少{missing}，请补齐后由经办人员核定"
    result.funeral = Decimal("0")
    why = step.reason if step is not None and step.reason else "本地政策未规定特困人员丧葬费"
    return f"不发放丧葬费（{why}）"


def _on_death(actor: Staff, event: LifeEvent, enrolments: list[Enrolment], result: _Result) -> None:
    member, household, day = event.member, event.household, event.occurred_on
    month = _add_months(day.replace(day=1), 1)
    for enrolment in enrolments:
        if enrolment.subject_id == member.pk:
            funeral = ""
            if enrolment.program == ProgramCode.TEKUN:
                # Before the enrolment ends: the funeral payment is for an enrolled person (the engine's ``current``).
                funeral = _funeral(result, household, member, day)
            basis = f"（{TEKUN_BASIS}(一)）" if enrolment.program == ProgramCode.TEKUN else ""
            line = _end(actor, enrolment, month, f"{member.name}于{day:%Y-%m-%d}死亡，终止救助{basis}")
            result.lines.append(f"{line}；{funeral}" if funeral else line)
        elif not _counted_members(household, month):
            why = f"{member.name}于{day:%Y-%m-%d}死亡，家庭已无计入的共同生活成员（其余成员已死亡、服刑或失踪）"
            result.lines.append(_end(actor, enrolment, month, why))
        else:
            due = add_months_to_day(day, REVIEW_MONTHS_AFTER_DEATH)
            result.review_due_on = due
            app, line = _open_review(
                enrolment,
                f"{member.name}于{day:%Y-%m-%d}死亡，须于{due:%Y-%m-%d}前核查家庭状况并办理增发、减发或停发"
                f"（{DEATH_REVIEW_BASIS}）",
            )
            result.reviewed(app, line)


def _on_imprisonment(actor: Staff, event: LifeEvent, enrolments: list[Enrolment], result: _Result) -> None:
    member, household, day = event.member, event.household, event.occurred_on
    month = _add_months(day.replace(day=1), 1)
    for enrolment in enrolments:
        if enrolment.subject_id == member.pk:
            # tekun 第二十四条 lists imprisonment among the grounds to stop support; it is suspended so that the 复核
            # after release (or the caseworker, by an exit) decides, the person's facts being kept.
            result.lines.append(_suspend(actor, enrolment, month, f"{member.name}自{day:%Y-%m-%d}起服刑"))
            continue
        reason = f"{member.name}自{day:%Y-%m-%d}起服刑，不再计入家庭成员（{MEMBERS_BASIS}）"
        if enrolment.status != EnrolmentStatus.ACTIVE:
            app, line = _open_review(enrolment, f"{reason}；在保状态为“{enrolment.get_status_display()}”，须重新核定")
            result.reviewed(app, line)
            continue
        if enrolment.changes.filter(effective_month__gt=month).exists():
            app, line = _open_review(enrolment, f"{reason}；已有{month:%Y年%m月}以后的在保变动，须重新核定")
            result.reviewed(app, line)
            continue
        decision, problem = _evaluate(household, enrolment.program, None, month)
        if decision is None:
            app, line = _open_review(enrolment, f"{reason}；未能重新核算（{problem}）")
            result.reviewed(app, line)
            continue
        result.decision = _decision_dict(decision)
        if str(decision.outcome) == "eligible" and not decision.exit_schedule:
            if decision.amount == enrolment.monthly_amount:
                result.lines.append(f"{_who(enrolment)}：{reason}，重新核算后月金额不变（{decision.amount} 元）")
            else:
                result.lines.append(_change_amount(actor, enrolment, month, decision, reason))
            continue
        if str(decision.outcome) == "needs_information":
            why = "信息不全：" + "；".join(decision.missing_facts)
        elif decision.exit_schedule:
            why = "重新核算后家庭人均收入不低于低保标准（渐退）"
        else:
            reasons = dict(decision.details).get("reasons") or ()
            why = "重新核算后不符合条件" + (f"：{'；'.join(str(r) for r in reasons)}" if reasons else "")
        app, line = _open_review(enrolment, f"{reason}；{why}，请通过复核核定")
        result.reviewed(app, line)


def _on_release(actor: Staff, event: LifeEvent, enrolments: list[Enrolment], result: _Result) -> None:
    member, day = event.member, event.occurred_on
    for enrolment in enrolments:
        app, line = _open_review(
            enrolment, f"{member.name}于{day:%Y-%m-%d}刑满释放，请核查其生活状况，决定是否恢复其救助"
        )
        result.reviewed(app, line)


def _on_adulthood(actor: Staff, event: LifeEvent, enrolments: list[Enrolment], result: _Result) -> None:
    from eligibility.rules.tekun import STAGE_LABELS

    member, household, day = event.member, event.household, event.occurred_on
    month = _add_months(day.replace(day=1), 1)
    for enrolment in [e for e in enrolments if e.subject_id == member.pk and e.program == ProgramCode.TEKUN]:
        what = f"{member.name}于{day:%Y-%m-%d}年满18周岁"
        decision, problem = _evaluate(household, ProgramCode.TEKUN, member, month)
        if decision is None:
            app, line = _open_review(enrolment, f"{what}；未能测算（{problem}），请通过复核核定")
            result.reviewed(app, line)
            continue
        result.decision = _decision_dict(decision)
        labour = _step(decision, "tekun.labour")
        if labour is not None and labour.output is True:
            school_step = _step(decision, "tekun.in_school")
            if school_step is not None and school_step.output is True:
                stage = STAGE_LABELS.get(member.education_stage, member.education_stage)
                why = f"仍在校就读（{stage}），继续供养（{TEKUN_BASIS}）"
            else:
                why = f"仍属无劳动能力（{labour.reason}），继续供养"
            recheck = f"，{enrolment.next_recheck_on:%Y-%m-%d}定期核查时复核" if enrolment.next_recheck_on else ""
            result.lines.append(f"{_who(enrolment)}：{what}，{why}{recheck}")
        elif labour is not None and labour.output is False:
            school = (
                "不在校就读"
                if not member.in_school
                else f"在读学段（{STAGE_LABELS.get(member.education_stage, member.education_stage)}）不在继续供养范围"
            )
            result.lines.append(_end(actor, enrolment, month, f"{what}，{school}，终止供养（{TEKUN_BASIS}）"))
        else:
            missing = "；".join(decision.missing_facts) or (labour.reason if labour is not None else "")
            app, line = _open_review(enrolment, f"{what}；能否继续供养须核查（{missing or '信息不全'}）")
            result.reviewed(app, line)


HANDLERS = {
    K.DEATH: _on_death,
    K.IMPRISONMENT: _on_imprisonment,
    K.RELEASE: _on_release,
    K.ADULTHOOD: _on_adulthood,
}


def _registry_changes(kind: str, occurred_on: dt.date, in_school: bool | None, education_stage: str) -> dict:
    if kind == K.DEATH:
        return {"deceased_on": occurred_on}
    if kind == K.IMPRISONMENT:
        return {"imprisoned_from": occurred_on, "imprisoned_until": None}
    if kind == K.RELEASE:
        return {"imprisoned_until": occurred_on}
    changes: dict[str, Any] = {}
    if in_school is not None:
        changes["in_school"] = bool(in_school)
    if education_stage:
        changes["education_stage"] = education_stage
    return changes


# --- the service ----------------------------------------------------------------------------------------


@transaction.atomic
def life_event_record(
    *,
    actor: Staff,
    member: Member,
    kind: str,
    occurred_on: dt.date,
    source: str = LifeEventSource.CASEWORKER,
    department: str = "",
    note: str = "",
    in_school: bool | None = None,
    education_stage: str = "",
) -> LifeEvent:
    """Record a life event of ``member`` and act on the enrolments it concerns; return the event.

    ``kind``: ``death`` / ``imprisonment`` / ``release`` / ``adulthood`` (``LifeEventKind``). ``occurred_on`` may
    lie in the past, never in the future nor before the member's birth; a 特困 minor's adulthood is their 18th
    birthday. ``source``: ``caseworker`` (default), ``department`` (another department's push — ``department``
    names it), ``system`` (the daily run only). ``in_school`` / ``education_stage`` (adulthood only) update the
    member's school facts before the engine decides.

    Only the town caseworker of the household's 户籍 region, a county reviewer of its county or the system
    account may record (403 otherwise). Refused (nothing saved): a bad field (400 ``invalid``), the same event
    twice — e.g. a department pushing it again (409 ``conflict``), an event of a dead member (409
    ``member_deceased``), an imprisonment overlapping a recorded one (409 ``already_imprisoned``), a release
    without a current imprisonment (409 ``not_imprisoned``), adulthood of someone not an enrolled 特困 person
    (409 ``not_enrolled``), a departed member or closed household (409).
    """
    household = _locked_household(member.household)
    if not _may_record(actor, household):
        raise PermissionRefused("只有该家庭所在乡镇的经办人员或县级审核人员可以登记生命事件")
    department, note = _check_input(
        actor=actor,
        kind=kind,
        occurred_on=occurred_on,
        source=source,
        department=department,
        note=note,
        in_school=in_school,
        education_stage=education_stage,
    )
    member = Member.objects.select_for_update().select_related("household", "household__hukou_region").get(pk=member.pk)
    if member.household_id != household.pk:  # pragma: no cover - moved between reading and locking
        raise ApplicationError("该成员已不在此家庭", code="conflict", status=409)
    _check_event(member=member, household=household, kind=kind, occurred_on=occurred_on)

    label = K(kind).label
    changes = _registry_changes(kind, occurred_on, in_school, education_stage)
    if changes:
        member = member_change_facts(
            actor=actor, member=member, fields=changes, note=f"生命事件：{label}（{occurred_on:%Y-%m-%d}）"
        )
    event = LifeEvent(
        household=household,
        member=member,
        kind=kind,
        occurred_on=occurred_on,
        source=source,
        department=department,
        note=note,
        reported_by=actor,
    )
    # The unique (member, kind, day) constraint refuses a concurrent duplicate: 409 conflict, all rolled back.
    _save_guarded(event)

    enrolments = list(
        Enrolment.objects.select_for_update(of=("self",))
        .filter(Q(household=household, subject__isnull=True) | Q(subject=member), status__in=LIVE)
        .select_related("household", "household__hukou_region", "subject", "application")
        .order_by("pk")
    )
    result = _Result()
    HANDLERS[K(kind)](actor, event, enrolments, result)
    if not enrolments:
        result.lines.append(f"{member.name}及其家庭没有在保的低保、特困项目，已更新家庭档案")
    elif not result.lines:
        result.lines.append("在保项目不受此事件影响")

    event.outcome = "\n".join(result.lines)
    event.review_application = result.review
    event.review_due_on = result.review_due_on
    event.funeral_amount = result.funeral
    event.decision = result.decision
    event.save(update_fields=["outcome", "review_application", "review_due_on", "funeral_amount", "decision"])
    event.enrolments.set(enrolments)
    from payments.hooks import life_event_recorded

    life_event_recorded(actor=actor, event=event, enrolments=enrolments)  # e.g. a death found late: 追回
    audit_household_event(
        actor=actor,
        action="life_event.record",
        target=event,
        household=household,
        after=model_snapshot(event, EVENT_FIELDS),
        note=f"{member.name} {label}（{occurred_on:%Y-%m-%d}）：{result.lines[0]}"[:500],
    )
    return event
