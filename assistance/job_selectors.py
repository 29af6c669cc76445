"""Reads of long-running jobs (``Job``) an actor may see.

A superuser sees every job. County reviewers, county administrators and auditors see the jobs of the
counties in their jurisdiction; everybody sees the jobs they started themselves. Anything else is not
found (404), as everywhere else (``assistance.scoping``).
"""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.http import Http404

from assistance.models import Job
from assistance.roles import Role, capabilities_for
from assistance.scoping import scope_q

# Roles that watch the jobs of their whole county (they decide, administer or audit its work).
_COUNTY_WATCHERS = frozenset({Role.COUNTY_REVIEWER, Role.COUNTY_ADMIN, Role.AUDITOR})


def _visible_q(actor) -> Q:
    if actor.is_superuser:
        return Q()
    q = Q(started_by_id=actor.pk)
    if capabilities_for(actor).roles & _COUNTY_WATCHERS:
        q |= scope_q(actor, "county")
    return q


def job_list_for(*, actor) -> QuerySet[Job]:
    """Return the jobs the actor may see, newest first, with their county and starter loaded."""
    if not actor.is_authenticated:
        return Job.objects.none()
    return Job.objects.filter(_visible_q(actor)).select_related("county", "started_by").order_by("-created_at", "-id")


def job_get_for(*, actor, pk) -> Job:
    """Return one job the actor may see, or raise Http404."""
    try:
        return job_list_for(actor=actor).get(pk=pk)
    except (Job.DoesNotExist, ValueError, TypeError):
        raise Http404("未找到该后台任务，或不在您的管辖范围内") from None
