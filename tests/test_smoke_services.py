"""The registry services on the basic path: register, add a member, record income, audit chain intact."""

import datetime

import pytest

from assistance.errors import ApplicationError
from audit.models import AuditEvent
from audit.services import audit_chain_verify
from cases.services import income_record, member_add
from tests.factories import make_household, new_id_number


def test_household_registered_with_members_and_audited(world):
    # given
    actor = world.caseworker_a1
    # when
    household = make_household(actor, world.village_a1, members=3)
    # then
    assert household.members.filter(is_active=True).count() == 3
    assert household.head.relation == "head"
    assert household.code.startswith("220623")
    events = AuditEvent.objects.filter(household_ref=household.pk)
    assert set(events.values_list("action", flat=True)) == {"household.create", "member.create"}
    assert audit_chain_verify().ok


def test_negative_income_refused_and_nothing_saved(world):
    household = make_household(world.caseworker_a1, world.village_a1)
    before = AuditEvent.objects.count()
    with pytest.raises(ApplicationError) as error:
        income_record(
            actor=world.caseworker_a1,
            member=household.head,
            month=datetime.date(2026, 1, 1),
            kind="wages",
            amount=-5,
        )
    assert "amount" in error.value.fields
    assert AuditEvent.objects.count() == before


def test_caseworker_cannot_add_member_in_other_town(world):
    household = make_household(world.caseworker_a1, world.village_a1)
    with pytest.raises(ApplicationError) as error:
        member_add(
            actor=world.caseworker_a2, household=household, name="外人", id_number=new_id_number(), relation="child"
        )
    assert error.value.status == 403
