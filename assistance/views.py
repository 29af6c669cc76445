"""Site pages: sign-in (audited) and the dashboard each role lands on."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import LoginView
from django.db.models import Count, Q
from django.shortcuts import render

from assistance.models import Region
from assistance.roles import LEVEL_DEPTH, RegionLevel, Role, capabilities_for
from assistance.scoping import scope_q, scope_regions
from assistance.services import staff_login_record
from audit.models import AuditEvent
from audit.selectors import action_label
from cases.choices import HouseholdStatus
from cases.models import Household

RECENT_CHANGES = 12

# The level the dashboard breaks counts down by, for a jurisdiction topped at each level.
_BREAKDOWN_LEVEL = {
    RegionLevel.PROVINCE: RegionLevel.CITY,
    RegionLevel.CITY: RegionLevel.COUNTY,
    RegionLevel.COUNTY: RegionLevel.TOWN,
    RegionLevel.TOWN: RegionLevel.VILLAGE,
    RegionLevel.VILLAGE: RegionLevel.VILLAGE,
}


class StaffLoginView(LoginView):
    """Django's sign-in page; each successful sign-in is an audit event (time, address, request id)."""

    template_name = "registration/login.html"
    redirect_authenticated_user = True

    def form_valid(self, form):
        response = super().form_valid(form)
        staff_login_record(actor=form.get_user())
        return response


@dataclass
class BreakdownRow:
    region: Region
    households: int = 0
    members: int = 0
    closed: int = 0


@dataclass
class Breakdown:
    level_label: str
    rows: list[BreakdownRow] = field(default_factory=list)

    @property
    def households(self) -> int:
        return sum(r.households for r in self.rows)

    @property
    def members(self) -> int:
        return sum(r.members for r in self.rows)

    @property
    def closed(self) -> int:
        return sum(r.closed for r in self.rows)


def _breakdown(user) -> Breakdown:
    """Count households and members of the jurisdiction per town (county roles) or village (town roles).

    Two queries whatever the size: one aggregate grouped by village path, one for the rows' regions.
    """
    tops = scope_regions(user)
    if user.is_superuser:
        level, region_q, household_q = RegionLevel.COUNTY, Q(), Q()
    elif tops:
        level = _BREAKDOWN_LEVEL[RegionLevel(min(tops, key=lambda r: r.depth).level)]
        region_q = Q(pk__in=[])
        for top in tops:
            region_q |= Q(path__startswith=top.path)
        household_q = scope_q(user, "hukou_region")
    else:
        return Breakdown(level_label="")
    depth = LEVEL_DEPTH[level]
    regions = list(Region.objects.filter(region_q, level=level).select_related("parent").order_by("path"))
    rows = {r.path: BreakdownRow(region=r) for r in regions}
    counts = (
        Household.objects.filter(household_q)
        .values("hukou_region__path")
        .annotate(
            active=Count("id", filter=Q(status=HouseholdStatus.ACTIVE), distinct=True),
            closed=Count("id", filter=Q(status=HouseholdStatus.CLOSED), distinct=True),
            members=Count("members", filter=Q(members__is_active=True)),
        )
    )
    for entry in counts:
        codes = [c for c in entry["hukou_region__path"].split("/") if c]
        row = rows.get("/" + "/".join(codes[:depth]) + "/")
        if row is None:
            continue
        row.households += entry["active"]
        row.closed += entry["closed"]
        row.members += entry["members"]
    return Breakdown(level_label=RegionLevel(level).label, rows=list(rows.values()))


def _recent_changes(user) -> list[AuditEvent]:
    """The latest registry events in the jurisdiction (one query)."""
    events = AuditEvent.objects.filter(household_ref__isnull=False)
    if not user.is_superuser:
        q = Q(pk__in=[])
        for top in scope_regions(user):
            q |= Q(region_path__startswith=top.path)
        events = events.filter(q)
    events = list(events.select_related("actor").order_by("-id")[:RECENT_CHANGES])
    for event in events:
        event.action_label = action_label(event.action)
    return events


def _inbox_summary(user, caps) -> dict | None:
    """What waits for a caseworker, reviewer or village assistant: two aggregate queries."""
    if not (caps.process_cases or caps.decide_cases or caps.report_discovery):
        return None
    from django.utils import timezone

    from cases.selectors import discovery_list_for, inbox_for

    counts = (
        inbox_for(actor=user)
        .order_by()
        .aggregate(total=Count("id"), overdue=Count("id", filter=Q(due_on__lt=timezone.localdate())))
    )
    if caps.report_discovery:
        counts["discoveries"] = discovery_list_for(actor=user, open_only=True).order_by().count()
    return counts


@login_required
def dashboard(request):
    """Landing page: the user's jurisdiction in numbers, recent registry changes, what they may do."""
    user = request.user
    caps = capabilities_for(user)
    context = {
        "breakdown": _breakdown(user),
        "recent": _recent_changes(user),
        "scope_regions": scope_regions(user),
        "is_village_assistant": Role.VILLAGE_ASSISTANT in caps.roles,
        "is_caseworker": Role.TOWN_CASEWORKER in caps.roles,
        "is_reviewer": Role.COUNTY_REVIEWER in caps.roles,
        "is_county_admin": Role.COUNTY_ADMIN in caps.roles,
        "is_auditor": Role.AUDITOR in caps.roles,
        "can_create": caps.edit_registry or user.is_superuser,
        "inbox": _inbox_summary(user, caps),
    }
    return render(request, "dashboard.html", context)
