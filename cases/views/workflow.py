"""What the case-workflow pages share: deadline badges, the evaluation snapshot made readable, links to the
printable notices (which may not exist yet), and rendering a refused transition on its form.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django import forms
from django.urls import NoReverseMatch, reverse

from assistance.errors import ApplicationError, PermissionRefused
from assistance.workdays import WorkingCalendar
from cases.choices import ApplicationStatus
from cases.deadlines import DUE_SOON_DAYS
from cases.forms import apply_service_error
from cases.models import Application, Evaluation

logger = logging.getLogger(__name__)
S = ApplicationStatus

PROVISIONAL_HINT = "该年度节假日安排尚未公布，暂按周一至周五计算"


# --- deadlines ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DueBadge:
    """How an inbox or list row shows its nearest deadline."""

    due_on: dt.date
    state: str  # "overdue" / "soon" / "running"
    label: str
    provisional: bool

    @property
    def css(self) -> str:
        return {"overdue": "text-bg-danger", "soon": "text-bg-warning", "running": "text-bg-light border"}[self.state]


def due_badge(calendar: WorkingCalendar, today: dt.date, due_on: dt.date | None, provisional: bool) -> DueBadge | None:
    """Red 已超期 once the due date has passed, amber with ≤ 2 working days left (cases.deadlines.DUE_SOON_DAYS)."""
    if due_on is None:
        return None
    if due_on < today:
        overdue = calendar.working_days_between(due_on, today)
        label = f"已超期 {overdue} 个工作日" if overdue else "已超期"
        return DueBadge(due_on, "overdue", label, provisional)
    left = calendar.working_days_between(today, due_on)
    label = "今日到期" if left == 0 else f"剩 {left} 个工作日"
    return DueBadge(due_on, "soon" if left <= DUE_SOON_DAYS else "running", label, provisional)


def with_due_badges(apps: list[Application], today: dt.date) -> list[Application]:
    """Set ``app.due`` on each row; the working calendar is loaded once for the whole page."""
    if any(a.due_on for a in apps):
        calendar = WorkingCalendar.load(today)
        for app in apps:
            app.due = due_badge(calendar, today, app.due_on, app.due_provisional)
    else:
        for app in apps:
            app.due = None
    return apps


def applicant_name(app: Application) -> str:
    if app.subject_id:
        return app.subject.name
    head = app.household.head
    return head.name if head else "—"


# --- the evaluation snapshot ----------------------------------------------------------------------------


def _month(value: str) -> dt.date:
    year, month = str(value).split("-")[:2]
    return dt.date(int(year), int(month), 1)


def _param_value(key: str, value: Any) -> Any:
    """Money and ratios are stored as strings: give them back as Decimals so units and rounding show."""
    from eligibility.rules.schema import PARAMETERS

    definition = PARAMETERS.get(key)
    if definition is not None and definition.type in ("money", "ratio") and isinstance(value, str):
        try:
            return Decimal(value)
        except InvalidOperation:
            return value
    return value


def decision_from_dict(data: dict):
    """Rebuild a :class:`~eligibility.rules.decision.Decision` from ``decision_to_dict``'s form (the stored
    snapshot), so that ``eligibility.calculator.present`` can put it in Chinese exactly as the calculator does."""
    from eligibility.rules.decision import Decision, Outcome, ParamUse, Step

    def param(p: dict) -> ParamUse:
        return ParamUse(
            key=p["key"],
            value=_param_value(p["key"], p.get("value")),
            effective_from=_month(p["effective_from"]),
            version_id=str(p.get("version_id", "")),
            clause=p.get("clause") or "",
            profile=p.get("profile") or "",
            local_default=bool(p.get("local_default")),
            demo=bool(p.get("demo")),
        )

    def step(s: dict) -> Step:
        inputs = s.get("inputs") or {}
        return Step(
            rule_id=s.get("rule_id", ""),
            label=s.get("label", ""),
            inputs=tuple(inputs.items()) if isinstance(inputs, dict) else tuple(map(tuple, inputs)),
            params=tuple(param(p) for p in s.get("params") or ()),
            output=s.get("output"),
            applied=bool(s.get("applied", True)),
            reason=s.get("reason") or "",
        )

    return Decision(
        program=data["program"],
        jurisdiction=data.get("jurisdiction") or "",
        month=_month(data["month"]),
        outcome=Outcome(data["outcome"]),
        amount=Decimal(str(data.get("amount") or "0")),
        category=data.get("category") or "",
        recheck_months=data.get("recheck_months"),
        exit_schedule=tuple((_month(e["month"]), Decimal(str(e["amount"]))) for e in data.get("exit_schedule") or ()),
        missing_facts=tuple(data.get("missing_facts") or ()),
        steps=tuple(step(s) for s in data.get("steps") or ()),
        details=tuple((data.get("details") or {}).items()),
    )


def evaluation_presentation(evaluation: Evaluation, application: Application, names: dict[str, str]):
    """Return the snapshot as :class:`eligibility.calculator.Presentation`, or None when it cannot be read
    (the page then shows the stored outcome and amount only)."""
    from eligibility.calculator import Jurisdiction, present

    try:
        decision = decision_from_dict(evaluation.decision)
    except (KeyError, TypeError, ValueError, InvalidOperation):
        logger.warning("evaluation %s: stored decision not readable", evaluation.pk, exc_info=True)
        return None
    jurisdiction = Jurisdiction(profile=evaluation.profile, name=evaluation.profile, county=application.county)
    result = present(decision, jurisdiction, names)
    result.category = category_label(decision.category)
    return result


def category_label(code: str) -> str:
    """The Chinese name of an evaluation's or enrolment's category: 低保 classes, 特困 care modes, 低收入 groups,
    and the 急难 paths (which ``eligibility.calculator.present`` leaves as codes)."""
    if not code:
        return ""
    from eligibility.calculator import STATUS_LABELS
    from eligibility.rules.dibao import CATEGORY_LABELS
    from eligibility.rules.tekun import MODE_LABELS
    from eligibility.rules.temporary import PATH_LABELS

    return {**CATEGORY_LABELS, **MODE_LABELS, **STATUS_LABELS, **PATH_LABELS}.get(code, code)


# --- printable notices (another module provides them; a missing one is simply not offered) ------------------


@dataclass(frozen=True)
class NoticeLink:
    label: str
    url: str


def _url(name: str, *args) -> str | None:
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return None


def notice_links(app: Application, actor=None) -> list[NoticeLink]:
    """The printable documents that apply to the case at its stage, where their pages exist and ``actor`` may
    print them (village assistants print only the public list and the visit form)."""
    from cases.services.notices import notice_print_allowed

    wanted: list[tuple[str, str, str, tuple]] = []
    if app.missing_materials:
        wanted.append(("materials", "notice-materials", "一次性告知书", (app.pk,)))
    if app.accepted_on:
        wanted.append(("acceptance", "notice-acceptance", "受理通知书", (app.pk,)))
    if app.status not in (S.MATERIALS_PENDING, S.WITHDRAWN) and app.program != "temp_emergency":
        wanted.append(("visit_form", "notice-visit-form", "入户调查表", (app.pk,)))
    if app.status == S.NOTICE:
        wanted.append(("public_list", "notice-public-list", "本村（社区）公示名单", (app.region_id,)))
    if app.status in (S.CONFIRMED, S.REFUSED):
        label = "不予确认通知书" if app.status == S.REFUSED else "审核确认决定书"
        wanted.append(("decision", "notice-decision", label, (app.pk,)))
    links = []
    for kind, name, label, args in wanted:
        if actor is not None and not notice_print_allowed(actor=actor, region=app.region, kind=kind):
            continue
        url = _url(name, *args)
        if url:
            links.append(NoticeLink(label, url))
    return links


# --- refused writes ---------------------------------------------------------------------------------------


def refused(forms_: list[forms.BaseForm], error: ApplicationError) -> int:
    """Show a refused write on its form (field messages next to the fields; the caller shows ``error.message``
    on top) and return the error's status. A refusal for the actor's role (403) goes to the error page."""
    if isinstance(error, PermissionRefused):
        raise error
    apply_service_error(forms_, error)
    return error.status
