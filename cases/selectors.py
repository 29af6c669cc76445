"""Reads of the household registry, always scoped to the actor's jurisdiction.

An object outside the actor's regions (and not granted to them through django-guardian) is "not
found": :class:`django.http.Http404`, which pages and the API both turn into a 404.
"""

from __future__ import annotations

import re

from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.http import Http404

from assistance.models import Region
from assistance.roles import RegionLevel
from assistance.scoping import scope_q
from audit.models import AuditEvent
from cases.choices import OPEN_STATUSES, ApplicationStatus, DiscoveryStatus
from cases.id_numbers import normalise_id_number
from cases.models import (
    Application,
    ApplicationEvent,
    Asset,
    DiscoveryReport,
    Enrolment,
    Household,
    HouseholdUserObjectPermission,
    LegalSupporter,
    LifeEvent,
    Member,
    MemberIncome,
    RigidExpense,
)

_ID_LIKE = re.compile(r"^[0-9]{6,17}[0-9Xx]?$")


def household_scope_q(actor, prefix: str = "") -> Q:
    """Return a Q for households the actor may see: in their regions, or granted to them."""
    if actor.is_superuser:
        return Q()
    granted = HouseholdUserObjectPermission.objects.filter(
        content_object=OuterRef(f"{prefix}pk" if prefix else "pk"),
        user=actor,
        permission__codename="view_household",
    )
    region_q = scope_q(actor, f"{prefix}hukou_region")
    return region_q | Q(Exists(granted))


def households_visible_to(actor) -> QuerySet[Household]:
    return Household.objects.filter(household_scope_q(actor))


def household_list_for(
    *, actor, search: str = "", town: Region | None = None, village: Region | None = None, status: str = ""
) -> QuerySet[Household]:
    """Return the actor's households for the list page and API, with what a row shows in one query.

    ``search`` matches a household code, a member's name (part of it) or an ID number (full, or its
    leading digits). ``town``/``village`` narrow to a subtree.
    """
    qs = households_visible_to(actor)
    search = (search or "").strip()
    if search:
        normalised = normalise_id_number(search)
        # A semi-join from the matching members (an indexed prefix scan for ID numbers) is much cheaper
        # than testing every household in scope with EXISTS (bench/README.md).
        if _ID_LIKE.match(normalised):
            matching = Member.objects.filter(id_number__startswith=normalised).values("household_id")
            qs = qs.filter(Q(pk__in=matching) | Q(code=normalised))
        else:
            matching = Member.objects.filter(name__contains=search).values("household_id")
            qs = qs.filter(pk__in=matching)
    for region in (town, village):
        if region is not None:
            qs = qs.filter(hukou_region__path__startswith=region.path)
    if status:
        qs = qs.filter(status=status)
    # The member count is a correlated subquery rather than a JOIN + GROUP BY, so the paginator's
    # COUNT(*) (which drops unused annotations) does not scan the member table.
    active_members = (
        Member.objects.filter(household=OuterRef("pk"), is_active=True)
        .order_by()
        .values("household")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return (
        qs.select_related("hukou_region", "hukou_region__parent", "head")
        .annotate(member_count=Coalesce(Subquery(active_members), 0))
        .order_by("-id")
    )


def household_get_for(*, actor, pk) -> Household:
    """Return one household the actor may see, or raise Http404."""
    try:
        return (
            households_visible_to(actor)
            .select_related("hukou_region", "hukou_region__parent", "residence_region", "head", "created_by")
            .get(pk=pk)
        )
    except (Household.DoesNotExist, ValueError, TypeError):
        raise Http404("未找到该家庭，或不在您的管辖范围内") from None


def member_list_for(*, actor, household: Household | None = None, include_inactive: bool = False) -> QuerySet[Member]:
    qs = Member.objects.filter(household_scope_q(actor, "household__")).select_related("household", "serious_illness")
    if household is not None:
        qs = qs.filter(household=household)
    if not include_inactive:
        qs = qs.filter(is_active=True)
    return qs.order_by("household_id", "id")


def member_get_for(*, actor, pk) -> Member:
    try:
        return (
            Member.objects.filter(household_scope_q(actor, "household__"))
            .select_related("household", "household__hukou_region", "serious_illness")
            .get(pk=pk)
        )
    except (Member.DoesNotExist, ValueError, TypeError):
        raise Http404("未找到该成员，或不在您的管辖范围内") from None


def _child_get_for(model, *, actor, pk, household_lookup: str):
    try:
        return model.objects.filter(household_scope_q(actor, f"{household_lookup}__")).get(pk=pk)
    except (model.DoesNotExist, ValueError, TypeError):
        raise Http404("未找到该记录，或不在您的管辖范围内") from None


def income_get_for(*, actor, pk) -> MemberIncome:
    return _child_get_for(MemberIncome, actor=actor, pk=pk, household_lookup="member__household")


def asset_get_for(*, actor, pk) -> Asset:
    return _child_get_for(Asset, actor=actor, pk=pk, household_lookup="household")


def expense_get_for(*, actor, pk) -> RigidExpense:
    return _child_get_for(RigidExpense, actor=actor, pk=pk, household_lookup="household")


def supporter_get_for(*, actor, pk) -> LegalSupporter:
    return _child_get_for(LegalSupporter, actor=actor, pk=pk, household_lookup="household")


def incomes_of(household: Household) -> QuerySet[MemberIncome]:
    """Incomes of a household the caller has already fetched through a scoped selector."""
    return (
        MemberIncome.objects.filter(member__household=household)
        .select_related("member")
        .order_by("-month", "member_id", "kind")
    )


def household_history(*, household: Household, limit: int = 200) -> QuerySet[AuditEvent]:
    """Audit events about a household and everything recorded for it (caller fetched it in scope)."""
    return AuditEvent.objects.filter(household_ref=household.pk).select_related("actor").order_by("-id")[:limit]


def towns_for(actor) -> QuerySet[Region]:
    """Towns in the actor's jurisdiction, for filters."""
    qs = Region.objects.filter(level=RegionLevel.TOWN)
    if not actor.is_superuser:
        qs = qs.filter(_region_scope(actor))
    return qs.order_by("path")


def villages_for(actor, town: Region | None = None) -> QuerySet[Region]:
    qs = Region.objects.filter(level=RegionLevel.VILLAGE)
    if not actor.is_superuser:
        qs = qs.filter(_region_scope(actor))
    if town is not None:
        qs = qs.filter(path__startswith=town.path)
    return qs.order_by("path")


def _region_scope(actor) -> Q:
    """Regions inside the actor's jurisdiction (a region's own path is its lookup)."""
    from assistance.scoping import scope_regions

    q = Q(pk__in=[])
    for region in scope_regions(actor):
        q |= Q(path__startswith=region.path)
    return q


def region_get_for(*, actor, pk, level: str | None = None) -> Region:
    qs = Region.objects.all() if actor.is_superuser else Region.objects.filter(_region_scope(actor))
    if level:
        qs = qs.filter(level=level)
    try:
        return qs.get(pk=pk)
    except (Region.DoesNotExist, ValueError, TypeError):
        raise Http404("未找到该区划，或不在您的管辖范围内") from None


def region_list_for(*, actor, level: str = "", parent_id: int | None = None) -> QuerySet[Region]:
    """Regions inside the actor's jurisdiction (all for a superuser), optionally of one level or one parent."""
    qs = Region.objects.all() if actor.is_superuser else Region.objects.filter(_region_scope(actor))
    if level:
        qs = qs.filter(level=level)
    if parent_id is not None:
        qs = qs.filter(parent_id=parent_id)
    return qs.order_by("path")


def residence_regions_for(actor) -> QuerySet[Region]:
    """Regions a household of the actor's may live in: the whole county of each of the actor's regions
    (人户分离 within a county is common; the county level is the third code of a path)."""
    if actor.is_superuser:
        return Region.objects.all()
    from assistance.scoping import scope_regions

    q = Q(pk__in=[])
    for region in scope_regions(actor):
        codes = region.ancestor_codes()
        prefix = f"/{'/'.join(codes[:3])}/" if len(codes) > 3 else region.path
        q |= Q(path__startswith=prefix)
    return Region.objects.filter(q).order_by("path")


# --- applications, their inboxes, enrolments and discovery reports ------------------------------------------


def application_scope_q(actor, prefix: str = "") -> Q:
    """Applications the actor may see: those handled in their regions (the case's own village, fixed at intake),
    or of a household granted to them. Filtering on the application's own region avoids a join to the
    household for every row (county scale: see bench/bench_inbox.py)."""
    if actor.is_superuser:
        return Q()
    granted = HouseholdUserObjectPermission.objects.filter(
        content_object=OuterRef(f"{prefix}household_id"), user=actor, permission__codename="view_household"
    )
    return scope_q(actor, f"{prefix}region") | Q(Exists(granted))


def application_list_for(
    *, actor, status: str = "", program: str = "", search: str = "", open_only: bool = False
) -> QuerySet[Application]:
    """Return the actor's applications, newest first, with what a list row shows (one query)."""
    qs = Application.objects.filter(application_scope_q(actor)).select_related(
        "household", "household__head", "subject", "region", "region__parent", "evaluation"
    )
    if status:
        qs = qs.filter(status=status)
    if program:
        qs = qs.filter(program=program)
    if open_only:
        qs = qs.filter(status__in=OPEN_STATUSES)
    search = (search or "").strip()
    if search:
        qs = qs.filter(
            Q(code__icontains=search)
            | Q(household__code=search)
            | Q(household__members__name__contains=search, household__members__is_active=True)
        ).distinct()
    return qs


def application_get_for(*, actor, pk) -> Application:
    """Return one application the actor may see, or raise Http404."""
    try:
        return (
            Application.objects.filter(application_scope_q(actor))
            .select_related(
                "household",
                "household__hukou_region",
                "subject",
                "region",
                "region__parent",
                "county",
                "evaluation",
                "accepted_by",
                "town_reviewed_by",
                "decided_by",
                "created_by",
                "parent",
            )
            .get(pk=pk)
        )
    except (Application.DoesNotExist, ValueError, TypeError):
        raise Http404("未找到该申请，或不在您的管辖范围内") from None


def _holds(actor, role: str) -> list[Region]:
    from assistance.scoping import active_assignments

    return [a.region for a in active_assignments(actor) if a.role == role]


def _under(regions: list[Region], lookup: str) -> Q:
    q = Q(pk__in=[])
    for region in regions:
        q |= Q(**{f"{lookup}__path__startswith": region.path})
    return q


def inbox_for(*, actor) -> QuerySet[Application]:
    """Return what waits for the actor (待办), most urgent first: the earliest deadline first, cases without a
    deadline last.

    - town caseworker: every open case of their towns that the town moves on (intake to notice), decisions
      delegated to the town, refusals whose written notice is not yet recorded, 急难 cases whose papers are
      not yet completed;
    - county reviewer: cases waiting for the county's decision or post-approval in their county;
    - village assistant: the open cases of their villages (to help applicants; read-only).
    """
    from assistance.roles import Role

    town_statuses = [
        ApplicationStatus.MATERIALS_PENDING,
        ApplicationStatus.ACCEPTED,
        ApplicationStatus.INVESTIGATING,
        ApplicationStatus.EVALUATED,
        ApplicationStatus.TOWN_APPROVED,
        ApplicationStatus.NOTICE,
    ]
    q = Q(pk__in=[])
    towns = _holds(actor, Role.TOWN_CASEWORKER)
    if towns:
        mine = _under(towns, "region")
        # A delegated decision waits for a caseworker other than the one who gave the town's opinion.
        delegated_decision = Q(
            status__in=[ApplicationStatus.DECISION, ApplicationStatus.POST_APPROVAL],
            delegated=True,
            close_relative=False,
        ) & ~Q(town_reviewed_by=actor)
        q |= mine & (
            Q(status__in=town_statuses)
            | delegated_decision
            | Q(status=ApplicationStatus.REFUSED, refusal_notified_on__isnull=True)
            | Q(program="temp_emergency", paid_on__isnull=False, papers_completed_on__isnull=True)
        )
    counties = _holds(actor, Role.COUNTY_REVIEWER)
    if counties:
        q |= (
            _under(counties, "region")
            & Q(status__in=[ApplicationStatus.DECISION, ApplicationStatus.POST_APPROVAL])
            & (Q(delegated=False) | Q(close_relative=True))
        )
    villages = _holds(actor, Role.VILLAGE_ASSISTANT)
    if villages:
        q |= _under(villages, "region") & Q(status__in=OPEN_STATUSES)
    return (
        Application.objects.filter(q)
        .select_related("household", "household__head", "subject", "region", "region__parent")
        .order_by(F("due_on").asc(nulls_last=True), "applied_on", "id")
    )


def application_timeline(application: Application) -> QuerySet[ApplicationEvent]:
    # In the order the steps happened; a step recorded later than it happened (a paper visit form entered the
    # next day) still sits on its own day.
    return application.events.select_related("actor").order_by("day", "at", "id")


def notice_list_for(*, actor, village: Region) -> QuerySet[Application]:
    """The cases under public notice in ``village`` (公示名单): only what the law allows is shown from them."""
    return (
        Application.objects.filter(application_scope_q(actor), region=village, status=ApplicationStatus.NOTICE)
        .select_related("household", "household__head", "subject", "evaluation")
        .order_by("notice_start", "code")
    )


def enrolment_list_for(*, actor, status: str = "") -> QuerySet[Enrolment]:
    qs = Enrolment.objects.filter(household_scope_q(actor, prefix="household__")).select_related(
        "household", "subject", "region", "application"
    )
    return qs.filter(status=status) if status else qs


def life_event_list_for(
    *, actor, household: Household | None = None, kind: str = "", overdue_review: bool = False, on=None
) -> QuerySet[LifeEvent]:
    """Return the life events of the actor's households (newest first), with what a row shows in one query.

    ``household`` narrows to one household (fetched in scope); ``kind`` to one ``LifeEventKind``;
    ``overdue_review`` to events whose review deadline (``review_due_on``) passed before ``on`` (default today)
    while the 复核 is still undecided (or was never opened).
    """
    qs = LifeEvent.objects.filter(household_scope_q(actor, prefix="household__")).select_related(
        "household", "member", "reported_by", "review_application"
    )
    if household is not None:
        qs = qs.filter(household=household)
    if kind:
        qs = qs.filter(kind=kind)
    if overdue_review:
        from django.utils import timezone

        qs = qs.filter(review_due_on__lt=on or timezone.localdate()).filter(
            Q(review_application__isnull=True) | Q(review_application__status__in=OPEN_STATUSES)
        )
    return qs.order_by("-occurred_on", "-id")


def life_event_get_for(*, actor, pk) -> LifeEvent:
    """Return one life event of a household the actor may see, or raise Http404."""
    try:
        return life_event_list_for(actor=actor).select_related("household__hukou_region").get(pk=pk)
    except (LifeEvent.DoesNotExist, ValueError, TypeError):
        raise Http404("未找到该事件，或不在您的管辖范围内") from None


def discovery_list_for(*, actor, open_only: bool = True) -> QuerySet[DiscoveryReport]:
    scope = Q() if actor.is_superuser else scope_q(actor, "region")
    qs = DiscoveryReport.objects.filter(scope).select_related("region", "reported_by", "household")
    return qs.filter(status=DiscoveryStatus.OPEN) if open_only else qs


def discovery_get_for(*, actor, pk) -> DiscoveryReport:
    try:
        return discovery_list_for(actor=actor, open_only=False).get(pk=pk)
    except (DiscoveryReport.DoesNotExist, ValueError, TypeError):
        raise Http404("未找到该线索，或不在您的管辖范围内") from None


def application_clocks_for(application: Application, *, on=None):
    """Return the application's clocks as of ``on`` (default today), for the case page and API."""
    from django.utils import timezone

    from assistance.workdays import WorkingCalendar
    from cases.deadlines import application_clocks
    from eligibility.selectors import parameter_set_for

    if application.accepted_on is None:
        return []
    params = parameter_set_for(county=application.county, month=application.accepted_on.replace(day=1))
    return application_clocks(
        application, params, WorkingCalendar.load(application.accepted_on), on or timezone.localdate()
    )
