"""Concurrent writers on PostgreSQL: one active household per person under a race, an audit chain that
never forks, and optimistic locking of household edits. Each thread has its own connection."""

from __future__ import annotations

import datetime
import threading
from collections.abc import Callable
from decimal import Decimal
from unittest import mock

import pytest
from django.db import connection

from assistance.errors import ApplicationError, StaleVersion
from audit.models import AuditEvent
from audit.services import audit_chain_verify
from cases.models import Member, MemberIncome
from cases.services import household_update, income_record, member_add
from cases.services import members as member_services
from tests.factories import make_household, new_id_number

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

TIMEOUT = 30


def run_together(calls: list[Callable[[], object]]) -> list[tuple[str, object]]:
    """Start every call at the same moment, each in its own thread with its own database connection.

    Return ``("ok", result)`` or ``("error", exception)`` per call, in order.
    """
    start = threading.Barrier(len(calls))
    results: list[tuple[str, object] | None] = [None] * len(calls)

    def worker(index: int, call: Callable[[], object]) -> None:
        try:
            start.wait(timeout=TIMEOUT)
            results[index] = ("ok", call())
        except Exception as error:
            results[index] = ("error", error)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i, call), daemon=True) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=TIMEOUT)
    assert not any(t.is_alive() for t in threads), "a writer is stuck (deadlock?)"
    assert all(r is not None for r in results)
    return results  # type: ignore[return-value]


def test_same_person_added_to_two_households_at_once(world):
    # given: two caseworkers of two towns, each with a household
    household_1 = make_household(world.caseworker_a1, world.village_a1)
    household_2 = make_household(world.caseworker_a2, world.village_a2)
    number = new_id_number()
    # Both writers pass the "already registered?" check before either inserts, so the database's
    # one-active-membership constraint is what decides.
    checked = threading.Barrier(2)
    original_check = member_services._refuse_duplicate_member

    def check_then_wait(actor, member):
        original_check(actor, member)
        checked.wait(timeout=TIMEOUT)

    # when
    with mock.patch.object(member_services, "_refuse_duplicate_member", side_effect=check_then_wait):
        results = run_together(
            [
                lambda: member_add(
                    actor=world.caseworker_a1, household=household_1, name="张三", id_number=number, relation="child"
                ),
                lambda: member_add(
                    actor=world.caseworker_a2, household=household_2, name="张三", id_number=number, relation="child"
                ),
            ]
        )

    # then
    outcomes = sorted(kind for kind, _ in results)
    assert outcomes == ["error", "ok"], results
    error = next(value for kind, value in results if kind == "error")
    assert isinstance(error, ApplicationError)
    assert error.status == 409
    assert error.code == "duplicate_member"
    assert error.message == "该身份证号已在其他家庭登记为在册成员"  # refused by the constraint, not the pre-check
    assert Member.objects.filter(id_number=number, is_active=True).count() == 1
    winner = next(value for kind, value in results if kind == "ok")
    assert AuditEvent.objects.filter(action="member.create", target_id=str(winner.pk)).count() == 1
    assert audit_chain_verify().ok


def test_same_person_added_at_once_without_forcing_the_race(world):
    household_1 = make_household(world.caseworker_a1, world.village_a1)
    household_2 = make_household(world.caseworker_a2, world.village_a2)
    number = new_id_number()

    results = run_together(
        [
            lambda: member_add(
                actor=world.caseworker_a1, household=household_1, name="李四", id_number=number, relation="child"
            ),
            lambda: member_add(
                actor=world.caseworker_a2, household=household_2, name="李四", id_number=number, relation="child"
            ),
        ]
    )

    assert sorted(kind for kind, _ in results) == ["error", "ok"]
    error = next(value for kind, value in results if kind == "error")
    assert (error.status, error.code) == (409, "duplicate_member")
    assert Member.objects.filter(id_number=number, is_active=True).count() == 1


def test_many_concurrent_writers_leave_an_unbroken_chain(world):
    # given: eight households, one writer each
    households = [make_household(world.caseworker_a1, world.village_a1, members=1) for _ in range(8)]
    before = AuditEvent.objects.count()
    months = [f"2025-{m:02d}-01" for m in range(1, 6)]

    def writer(household):
        def write():
            for month in months:
                income_record(
                    actor=world.caseworker_a1,
                    member=household.head,
                    month=datetime.date.fromisoformat(month),
                    kind="wages",
                    amount=Decimal("1000.00"),
                )
            return True

        return write

    # when
    results = run_together([writer(h) for h in households])

    # then
    assert all(kind == "ok" for kind, _ in results), results
    assert MemberIncome.objects.count() == len(households) * len(months)
    assert AuditEvent.objects.count() == before + len(households) * len(months)
    events = list(AuditEvent.objects.order_by("id").values_list("prev_hash", "hash"))
    prev_hashes = [p for p, _ in events]
    assert len(set(prev_hashes)) == len(prev_hashes), "two events claim the same predecessor: the chain forked"
    report = audit_chain_verify()
    assert report.ok, report
    assert report.checked == len(events)


def test_two_edits_with_the_same_version_one_is_stale(world):
    household = make_household(world.caseworker_a1, world.village_a1)
    version = household.version

    results = run_together(
        [
            lambda: household_update(
                actor=world.caseworker_a1, household=household, expected_version=version, phone="13800000001"
            ),
            lambda: household_update(
                actor=world.caseworker_a1, household=household, expected_version=version, phone="13800000002"
            ),
        ]
    )

    assert sorted(kind for kind, _ in results) == ["error", "ok"]
    error = next(value for kind, value in results if kind == "error")
    assert isinstance(error, StaleVersion)
    assert (error.status, error.code) == (409, "stale_version")
    household.refresh_from_db()
    winner = next(value for kind, value in results if kind == "ok")
    assert household.version == version + 1
    assert household.phone == winner.phone
    assert AuditEvent.objects.filter(action="household.update", household_ref=household.pk).count() == 1
