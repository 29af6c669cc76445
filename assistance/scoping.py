"""Jurisdiction scoping: what part of the region tree a staff member may see.

Every selector filters through :func:`scope_q`; an object outside the actor's regions is simply not
found (404), never a 403 that would confirm it exists.
"""

from __future__ import annotations

from django.db.models import Q

from assistance.models import Region, RoleAssignment


def active_assignments(user) -> list[RoleAssignment]:
    """Return the user's active role assignments with their regions (cached on the instance)."""
    cached = getattr(user, "_active_assignments", None)
    if cached is None:
        if not user or not user.is_authenticated or not user.is_active:
            cached = []
        else:
            cached = list(RoleAssignment.objects.filter(staff_id=user.pk, is_active=True).select_related("region"))
        user._active_assignments = cached
    return cached


def scope_regions(user) -> list[Region]:
    """Return the top regions of the user's jurisdiction (nested ones are folded into their ancestor)."""
    regions = sorted({a.region.path: a.region for a in active_assignments(user)}.values(), key=lambda r: r.path)
    tops: list[Region] = []
    for region in regions:
        if not any(region.path.startswith(t.path) for t in tops):
            tops.append(region)
    return tops


def scope_q(user, region_lookup: str = "region") -> Q:
    """Return a Q limiting a queryset to objects whose ``region_lookup`` lies in the user's jurisdiction.

    With no assignment the Q matches nothing.
    """
    q = Q(pk__in=[])
    for region in scope_regions(user):
        q |= Q(**{f"{region_lookup}__path__startswith": region.path})
    return q


def in_scope(user, region: Region) -> bool:
    return any(region.path.startswith(r.path) for r in scope_regions(user))


def holds_role_over(user, role: str, region: Region) -> bool:
    """Return whether ``user`` holds ``role`` through an assignment whose region contains ``region``."""
    return any(a.role == role and region.path.startswith(a.region.path) for a in active_assignments(user))
