"""Where the case workflow tells the payments module what happened, inside the workflow's own transaction.

Each hook is called by ``cases.services`` right after the state change it reports, so a payment consequence
(a reserve drawdown, an instalment plan, a receivable) commits or rolls back with the decision that caused it.
"""

from __future__ import annotations

from cases.models import Application, Enrolment, LifeEvent


def emergency_paid(*, actor, application: Application) -> None:
    """急难型 aid was just paid first by the town (``cases.services.workflow.emergency_aid_grant``)."""


def application_decided(*, actor, application: Application, confirmed: bool, was_post_approval: bool) -> None:
    """A case was confirmed or refused (``cases.services.workflow.application_decide``)."""


def life_event_recorded(*, actor, event: LifeEvent, enrolments: list[Enrolment]) -> None:
    """A life event was recorded and acted on (``cases.services.events.life_event_record``)."""
