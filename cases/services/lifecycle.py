"""The enrolments' life over time, run by the daily job (``cases.tasks.daily_run``) as the system actor.

- :func:`recheck_open_due` opens the 复核 of every live enrolment whose ``next_recheck_on`` has come (the
  interval is the profile's ``dibao.recheck_months`` / ``tekun.recheck_months`` by category, set when the
  enrolment was decided); it lands in the town caseworker's inbox with the 3-working-day investigation clock.
- :func:`enrolments_advance` brings each enrolment's status and monthly amount in line with its
  ``EnrolmentChange`` rows for the month: a graduated exit (渐退) follows its schedule and ends by itself.
- :func:`deadlines_flag_overdue` marks the open applications whose deadline (``due_on``) has passed.
- :func:`tekun_minors_come_of_age` records the 18th birthday (``LifeEvent`` of kind ``adulthood``) of every
  enrolled 特困 minor who reached it: support ends from the month after, unless the person is still in school at a
  stage the profile covers (tekun-renyuan-rending-banfa-2021 第二十四条) or otherwise without labour ability.

Every service is idempotent: a second run on the same day finds nothing left to do (an open application
blocks a second re-check, the enrolment updates and the flags are conditional), and a run interrupted between
batches resumes where it stopped because each batch commits on its own.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from decimal import Decimal

from django.db import transaction
from django.db.models import Exists, F, OuterRef, Q, Subquery
from django.db.models.functions import ExtractMonth, ExtractYear
from django.utils import timezone

from assistance.errors import ApplicationError
from assistance.models import Region, Staff
from assistance.services import system_actor
from audit.services import audit_record
from cases.choices import OPEN_STATUSES, ApplicationKind, EnrolmentStatus, LifeEventKind, LifeEventSource, ProgramCode
from cases.models import Application, Enrolment, EnrolmentChange, LifeEvent
from cases.services.events import birthday_at, life_event_record
from cases.services.workflow import application_accept
from eligibility.rules.parameters import add_months as _add_months

logger = logging.getLogger(__name__)

LIVE_FOR_RECHECK = (EnrolmentStatus.ACTIVE, EnrolmentStatus.EXITING)
LIVE = (EnrolmentStatus.ACTIVE, EnrolmentStatus.EXITING, EnrolmentStatus.SUSPENDED)


def recheck_due_q(*, on: dt.date, county: Region | None = None):
    """Return the live enrolments whose re-check is due on ``on`` and not yet opened, oldest first."""
    open_apps = Application.objects.filter(program=OuterRef("program"), status__in=OPEN_STATUSES)
    household_open = open_apps.filter(household=OuterRef("household"), subject__isnull=True)
    subject_open = open_apps.filter(subject=OuterRef("subject"))
    # A re-check already opened for this due date that was withdrawn or refused is not reopened every day: the
    # caseworker decides what follows (the next date moves when a re-check is confirmed).
    opened_for_due = Application.objects.filter(
        program=OuterRef("program"),
        kind=ApplicationKind.RECHECK,
        household=OuterRef("household"),
        applied_on__gte=OuterRef("next_recheck_on"),
    )
    due = (
        Enrolment.objects.annotate(
            household_open=Exists(household_open), subject_open=Exists(subject_open), opened=Exists(opened_for_due)
        )
        .filter(status__in=LIVE_FOR_RECHECK, next_recheck_on__lte=on, opened=False)
        .filter(Q(subject__isnull=True, household_open=False) | Q(subject__isnull=False, subject_open=False))
    )
    if county is not None:
        due = due.filter(application__county=county)
    return due.order_by("pk")


def recheck_open_due(
    *,
    actor: Staff,
    on: dt.date,
    county: Region | None = None,
    batch: int = 500,
    on_batch: Callable[[int], None] | None = None,
) -> int:
    """Open the 复核 of every live enrolment due by ``on`` (optionally in one county); return how many opened.

    Each re-check is received as the system actor on ``on`` with the authorisation the household signed for
    its original application (申请即授权; ``on`` where none is recorded) and waits in the town caseworker's
    inbox. Batches of ``batch`` enrolments, each application in its own transaction, so that an interrupted
    run keeps what it did and a rerun opens only the rest; ``on_batch(opened_in_batch)`` is called after each
    batch (progress and heartbeat). An enrolment the intake refuses (e.g. the household is under a 失信
    penalty) is logged and left for the caseworker.
    """
    opened, last_pk = 0, 0
    while True:
        rows = list(
            recheck_due_q(on=on, county=county)
            .filter(pk__gt=last_pk)
            .select_related("household", "subject", "application")[:batch]
        )
        if not rows:
            return opened
        in_batch = 0
        for enrolment in rows:
            last_pk = enrolment.pk
            try:
                application_accept(
                    actor=actor,
                    household=enrolment.household,
                    program=enrolment.program,
                    subject=enrolment.subject,
                    kind=ApplicationKind.RECHECK,
                    applied_on=on,
                    authorisation_signed_on=enrolment.application.authorisation_signed_on or on,
                    reason=f"定期核查到期（应于{enrolment.next_recheck_on:%Y年%m月%d日}核查）",
                )
            except ApplicationError as error:
                # duplicate_application: opened meanwhile by a caseworker or a concurrent run — nothing to do.
                if error.code != "duplicate_application":
                    logger.warning("在保对象 #%s 的定期核查未能发起：%s", enrolment.pk, error.message)
                continue
            in_batch += 1
        opened += in_batch
        if on_batch is not None:
            on_batch(in_batch)


def _latest_change(field: str, month: dt.date) -> Subquery:
    """The ``field`` of the enrolment's change in force for ``month`` (the latest effective by then)."""
    return Subquery(
        EnrolmentChange.objects.filter(enrolment=OuterRef("pk"), effective_month__lte=month)
        .order_by("-effective_month", "-id")
        .values(field)[:1],
        output_field=EnrolmentChange._meta.get_field(field),
    )


def enrolments_advance(*, on: dt.date) -> dict[str, int]:
    """Bring every live enrolment in line with its changes for the month of ``on``; return
    ``{"ended": n, "amounts_changed": m}``.

    The change in force for month M is the latest with ``effective_month`` ≤ M (``EnrolmentChange``): when it
    stops the enrolment (status ``ended``) the enrolment ends, the month before it being the last paid; when it
    is a graduated-exit month the enrolment takes that month's amount. Each update is conditional on the
    enrolment's current status and amount and audited, so a second run changes nothing.
    """
    month = on.replace(day=1)
    actor = system_actor()
    rows = (
        Enrolment.objects.filter(status__in=LIVE)
        .annotate(
            change_status=_latest_change("status", month),
            change_amount=_latest_change("amount", month),
            change_month=_latest_change("effective_month", month),
        )
        .filter(
            Q(change_status=EnrolmentStatus.ENDED)
            | (
                Q(status=EnrolmentStatus.EXITING, change_status=EnrolmentStatus.EXITING)
                & ~Q(monthly_amount=F("change_amount"))
            )
        )
        .select_related("household")
        .order_by("pk")
    )
    ended = changed = 0
    for enrolment in rows:
        with transaction.atomic():
            if enrolment.change_status == EnrolmentStatus.ENDED:
                end_month = _add_months(enrolment.change_month, -1)
                changes = {"status": EnrolmentStatus.ENDED, "end_month": end_month}
                if not enrolment.status_reason or enrolment.status == EnrolmentStatus.EXITING:
                    changes["status_reason"] = f"渐退期满，{end_month:%Y年%m月}后不再发放"[:200]
            else:
                changes = {"monthly_amount": enrolment.change_amount}
            before = {key: _plain(getattr(enrolment, key)) for key in changes}
            updated = Enrolment.objects.filter(
                pk=enrolment.pk, status=enrolment.status, monthly_amount=enrolment.monthly_amount
            ).update(**changes, version=enrolment.version + 1, updated_at=timezone.now())
            if not updated:
                continue  # changed meanwhile: the next run sees it as it is now
            audit_record(
                actor=actor,
                action="enrolment.advance",
                target=enrolment,
                region=enrolment.household.hukou_region,
                household=enrolment.household,
                before=before,
                after={key: _plain(value) for key, value in changes.items()},
                note=f"按{month:%Y年%m月}的在保变动更新",
            )
        if "status" in changes:
            ended += 1
        else:
            changed += 1
    return {"ended": ended, "amounts_changed": changed}


def _plain(value):
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def deadlines_flag_overdue(*, on: dt.date) -> int:
    """Flag the open applications whose deadline passed before ``on`` (``overdue_since = on``); return how
    many were newly flagged. An application already flagged keeps its first day; ``refresh_due`` clears the
    flag when a transition moves the deadline to today or later."""
    actor = system_actor()
    late = Application.objects.filter(status__in=OPEN_STATUSES, due_on__lt=on, overdue_since__isnull=True)
    flagged = 0
    for app in late.select_related("household").order_by("pk"):
        with transaction.atomic():
            if not Application.objects.filter(pk=app.pk, overdue_since__isnull=True).update(overdue_since=on):
                continue
            audit_record(
                actor=actor,
                action="application.overdue",
                target=app,
                region=app.household.hukou_region,
                household=app.household,
                after={"overdue_since": on.isoformat(), "due_on": app.due_on.isoformat()},
                note=f"{app.code} 已超过办理时限（{app.due_on:%Y-%m-%d}）",
            )
        flagged += 1
    return flagged


# --- 特困 minors turning 18 ------------------------------------------------------------------------------------


def _born_by(on: dt.date, years: int) -> dt.date:
    """The latest birth date of someone who is ``years`` old on ``on`` (``birthday_at`` ≤ ``on``)."""
    try:
        return on.replace(year=on.year - years)
    except ValueError:  # 29 February of a leap year, ``years`` before: 28 February
        return dt.date(on.year - years, 2, 28)


def coming_of_age_q(*, on: dt.date, county: Region, minor_age: int):
    """Return the live 特困 enrolments of ``county`` whose subject, a minor when the enrolment was evaluated, is
    ``minor_age`` or older on ``on`` and has no adulthood event yet; oldest enrolment first."""
    recorded = LifeEvent.objects.filter(member=OuterRef("subject"), kind=LifeEventKind.ADULTHOOD)
    return (
        Enrolment.objects.filter(
            program=ProgramCode.TEKUN,
            status__in=LIVE_FOR_RECHECK,
            application__county=county,
            subject__is_active=True,
            subject__deceased_on__isnull=True,
            subject__birth_date__lte=_born_by(on, minor_age),
        )
        .annotate(
            adulthood_recorded=Exists(recorded),
            # Months since year 0 of the birth and of the month evaluated: a minor then ⟺ the birthday at
            # ``minor_age`` is in the month evaluated or later (an adult at entry was decided as one).
            born_index=ExtractYear("subject__birth_date") * 12 + ExtractMonth("subject__birth_date"),
            evaluated_index=ExtractYear("evaluation__month") * 12 + ExtractMonth("evaluation__month"),
        )
        .filter(adulthood_recorded=False, born_index__gte=F("evaluated_index") - minor_age * 12)
        .order_by("pk")
    )


def tekun_minors_come_of_age(
    *,
    actor: Staff,
    on: dt.date,
    batch: int = 200,
    on_batch: Callable[[int], None] | None = None,
) -> dict[str, int]:
    """Record the coming of age of every enrolled 特困 minor who turned 18 (the profile's ``tekun.minor_age``) on
    or before ``on``; return ``{"recorded", "ended", "continued", "reviews", "failed"}`` counts.

    Each is a ``LifeEvent`` (kind ``adulthood``, source ``system``, dated the birthday) recorded by
    :func:`cases.services.events.life_event_record` as ``actor`` (the system account) in its own transaction:
    the engine decides for the month after the birthday month — still in school at a covered stage (or without
    labour ability) → support continues and the next periodic check re-checks it; otherwise the enrolment ends
    from that month; when the engine cannot tell, a 复核 is opened. County by county (each has its minor age),
    ``batch`` enrolments at a time; ``on_batch(recorded_in_batch)`` after each batch. A second run finds nothing
    (an enrolment with an adulthood event is not selected again); one the service refuses is logged and counted
    in ``failed``, and tried again the next day.
    """
    from eligibility.rules.parameters import MissingParameter
    from eligibility.selectors import parameter_set_for

    totals = {"recorded": 0, "ended": 0, "continued": 0, "reviews": 0, "failed": 0}
    live_tekun = Enrolment.objects.filter(program=ProgramCode.TEKUN, status__in=LIVE_FOR_RECHECK)
    counties = Region.objects.filter(pk__in=live_tekun.values("application__county_id")).order_by("path")
    for county in counties:
        try:
            minor_age = int(parameter_set_for(county=county, month=on.replace(day=1)).get("tekun.minor_age").value)
        except (ApplicationError, MissingParameter) as error:
            logger.warning("%s没有特困未成年人年龄参数，跳过年满18周岁的检查：%s", county.name, error)
            continue
        last_pk = 0
        while True:
            rows = list(
                coming_of_age_q(on=on, county=county, minor_age=minor_age)
                .filter(pk__gt=last_pk)
                .select_related("subject", "household")[:batch]
            )
            if not rows:
                break
            in_batch = 0
            for enrolment in rows:
                last_pk = enrolment.pk
                try:
                    event = life_event_record(
                        actor=actor,
                        member=enrolment.subject,
                        kind=LifeEventKind.ADULTHOOD,
                        occurred_on=birthday_at(enrolment.subject.birth_date, minor_age),
                        source=LifeEventSource.SYSTEM,
                    )
                except ApplicationError as error:
                    # conflict: recorded meanwhile (by hand, or a concurrent run) — nothing left to do.
                    if error.code != "conflict":
                        logger.warning("在保对象 #%s 年满18周岁未能登记：%s", enrolment.pk, error.message)
                        totals["failed"] += 1
                    continue
                in_batch += 1
                if Enrolment.objects.filter(pk=enrolment.pk, status=EnrolmentStatus.ENDED).exists():
                    totals["ended"] += 1
                elif event.review_application_id is not None:
                    totals["reviews"] += 1
                else:
                    totals["continued"] += 1
            totals["recorded"] += in_batch
            if on_batch is not None:
                on_batch(in_batch)
    return totals
