"""Template tags of the case workflow: the navigation's 待办 count and the household page's applications.

They read through the scoped selectors (the household tag only for a household the page's view has already
fetched in scope).
"""

from __future__ import annotations

from django import template

from assistance.roles import capabilities_for

register = template.Library()


def _works_cases(user) -> bool:
    if not user or not user.is_authenticated:
        return False
    caps = capabilities_for(user)
    return caps.process_cases or caps.decide_cases or caps.report_discovery


@register.simple_tag(takes_context=True)
def inbox_count(context) -> int | None:
    """The number of applications waiting for the signed-in user (one COUNT query), or None for roles
    without an inbox."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if not _works_cases(user):
        return None
    from cases.selectors import inbox_for

    return inbox_for(actor=user).order_by().count()


@register.simple_tag(takes_context=True)
def household_cases(context, household) -> dict:
    """The household's applications and enrolments, and whether the user may take a new application."""
    from cases.views.applications import household_cases as cases_of

    return cases_of(context["request"].user, household)
