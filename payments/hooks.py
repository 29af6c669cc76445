"""Where the case workflow tells the payments module what happened, inside the workflow's own transaction.

Each hook is called by ``cases.services`` right after the state change it reports, so a payment consequence
(a reserve drawdown, an instalment plan, a receivable) commits or rolls back with the decision that caused it.
"""

from __future__ import annotations

from cases.models import Application, Enrolment, LifeEvent


def emergency_paid(*, actor, application: Application) -> None:
    """急难型 aid was just paid first by the town (``cases.services.workflow.emergency_aid_grant``)."""
    from payments.services.reserve import reserve_draw

    # The town's reserve fund (备用金) pays it; short of money the whole payment is refused (409).
    reserve_draw(actor=actor, application=application)


def application_decided(*, actor, application: Application, confirmed: bool, was_post_approval: bool) -> None:
    """A case was confirmed or refused (``cases.services.workflow.application_decide``)."""
    from payments.services.instalments import on_application_decided_instalments
    from payments.services.recovery import on_application_decided

    # A refused 急难 case already paid: its receivable (追回).
    on_application_decided(
        actor=actor, application=application, confirmed=confirmed, was_post_approval=was_post_approval
    )
    # A confirmed 支出型 case: its instalment plan (一次审批、分次发放).
    on_application_decided_instalments(actor=actor, application=application, confirmed=confirmed)


def life_event_recorded(*, actor, event: LifeEvent, enrolments: list[Enrolment]) -> None:
    """A life event was recorded and acted on (``cases.services.events.life_event_record``)."""
    from payments.services.recovery import on_life_event_recorded

    on_life_event_recorded(actor=actor, event=event, enrolments=enrolments)
