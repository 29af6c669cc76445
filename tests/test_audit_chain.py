"""The audit trail is append-only and tamper-evident: the ORM and (on PostgreSQL) the database refuse
changes, and ``manage.py audit_verify`` names the first altered, removed or truncated event."""

import itertools
import json

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction
from django.http import HttpResponse
from django.test import RequestFactory

from assistance.request_context import RequestContextMiddleware
from assistance.services import system_actor
from audit.models import AppendOnlyError, AuditChainHead, AuditEvent
from audit.services import Target, audit_chain_verify, audit_record, mask_id_number
from cases.services import household_update
from tests.factories import make_household

# --- helpers ----------------------------------------------------------------------------------------


def _sql(statement: str, params=()) -> None:
    with connection.cursor() as cursor:
        cursor.execute(statement, params)


def _allow_tampering() -> None:
    """Do what an intruder with the table owner's rights would do first (rolled back with the test)."""
    if connection.vendor == "postgresql":
        # Run the deferred foreign-key checks of this test's transaction first: PostgreSQL does not alter
        # a table with pending trigger events.
        _sql("SET CONSTRAINTS ALL IMMEDIATE")
        _sql("ALTER TABLE audit_auditevent DISABLE TRIGGER audit_event_append_only")
        _sql("SET CONSTRAINTS ALL DEFERRED")


def _set_changes_raw(event_id: int, changes: dict) -> None:
    cast = "::jsonb" if connection.vendor == "postgresql" else ""
    _sql(f"UPDATE audit_auditevent SET changes = %s{cast} WHERE id = %s", [json.dumps(changes), event_id])


def _verify_fails() -> str:
    with pytest.raises(CommandError) as error:
        call_command("audit_verify")
    return str(error.value)


@pytest.fixture
def trail(world):
    """A household registered and edited: a chain of a few dozen events."""
    household = make_household(world.caseworker_a1, world.village_a1, members=3)
    household_update(actor=world.caseworker_a1, household=household, expected_version=1, phone="13800000000")
    return list(AuditEvent.objects.order_by("id"))


# --- the ORM refuses ----------------------------------------------------------------------------------


def test_orm_refuses_to_update_or_delete_events(trail):
    event = trail[-1]
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.filter(pk=event.pk).update(note="改")
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.filter(pk=event.pk).delete()
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.bulk_update([event], ["note"])
    event.note = "改"
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        event.delete()
    assert AuditEvent.objects.get(pk=event.pk).note == ""
    assert audit_chain_verify().ok


@pytest.mark.django_db(transaction=True)
def test_audit_record_needs_the_callers_transaction():
    actor = system_actor()
    with pytest.raises(RuntimeError):
        audit_record(actor=actor, action="test.outside", target=Target("test", "1"))
    assert not AuditEvent.objects.exists()


def test_audit_record_needs_an_actor(db):
    with transaction.atomic(), pytest.raises(RuntimeError):
        audit_record(actor=None, action="test.nobody", target=Target("test", "1"))
    assert not AuditEvent.objects.exists()


# --- the database refuses (PostgreSQL trigger) --------------------------------------------------------


@pytest.mark.postgres
def test_trigger_refuses_raw_update(trail):
    with pytest.raises(DatabaseError) as error, transaction.atomic():
        _sql("UPDATE audit_auditevent SET note = 'x' WHERE id = %s", [trail[0].pk])
    assert "审计记录只能追加" in str(error.value)


@pytest.mark.postgres
def test_trigger_refuses_raw_delete(trail):
    with pytest.raises(DatabaseError) as error, transaction.atomic():
        _sql("DELETE FROM audit_auditevent WHERE id = %s", [trail[0].pk])
    assert "审计记录只能追加" in str(error.value)
    assert AuditEvent.objects.filter(pk=trail[0].pk).exists()


# --- tampering is detected ----------------------------------------------------------------------------


def test_intact_chain_passes(trail, capsys):
    call_command("audit_verify")
    out = capsys.readouterr().out
    assert f"审计链完整：共校验 {len(trail)} 条记录" in out
    report = audit_chain_verify()
    assert report.ok and report.checked == len(trail) and report.reason == ""


def test_altered_changes_are_reported_at_that_event(trail):
    # given
    victim = trail[len(trail) // 2]
    _allow_tampering()
    # when
    _set_changes_raw(victim.pk, {"amount": {"before": None, "after": "1.00"}})
    # then
    message = _verify_fails()
    assert f"#{victim.pk}" in message
    assert "内容哈希不符" in message
    report = audit_chain_verify()
    assert report.broken_at == victim.pk
    assert report.checked == trail.index(victim)


def test_altered_request_data_is_detected(trail):
    victim = trail[1]
    _allow_tampering()
    _sql("UPDATE audit_auditevent SET ip = %s WHERE id = %s", ["10.9.9.9", victim.pk])
    assert audit_chain_verify().broken_at == victim.pk


def test_deleting_a_middle_event_is_detected(trail):
    victim = trail[2]
    _allow_tampering()
    _sql("DELETE FROM audit_auditevent WHERE id = %s", [victim.pk])

    message = _verify_fails()

    following = trail[3]
    assert f"#{following.pk}" in message
    assert "前一条哈希不符" in message


def test_deleting_the_last_event_is_detected(trail):
    victim = trail[-1]
    _allow_tampering()
    _sql("DELETE FROM audit_auditevent WHERE id = %s", [victim.pk])

    message = _verify_fails()

    assert f"#{victim.pk}" in message
    assert "末尾的记录被删除" in message
    assert audit_chain_verify().checked == len(trail) - 1


def test_rehashing_one_event_still_breaks_the_next(trail):
    """Recomputing a tampered event's own hash does not help: the next event carries the old one."""
    from audit.hashing import digest_of

    victim = trail[1]
    _allow_tampering()
    _set_changes_raw(victim.pk, {})
    forged = AuditEvent.objects.get(pk=victim.pk)
    _sql("UPDATE audit_auditevent SET hash = %s WHERE id = %s", [digest_of(forged), victim.pk])

    assert audit_chain_verify().broken_at == trail[2].pk


def test_empty_trail_verifies(db):
    assert not AuditChainHead.objects.exists()
    report = audit_chain_verify()
    assert report.ok and report.checked == 0


# --- what each event records --------------------------------------------------------------------------


def test_request_id_and_ip_recorded_from_the_request(world):
    def view(request):
        make_household(world.caseworker_a1, world.village_a1)
        return HttpResponse("ok")

    request = RequestFactory().post("/households/new/", HTTP_X_REQUEST_ID="req-2026-0001", REMOTE_ADDR="10.20.30.40")
    response = RequestContextMiddleware(view)(request)

    assert response["X-Request-ID"] == "req-2026-0001"
    events = AuditEvent.objects.filter(action__in=["household.create", "member.create"])
    assert events.count() == 3
    assert set(events.values_list("request_id", "ip")) == {("req-2026-0001", "10.20.30.40")}
    assert audit_chain_verify().ok


def test_malformed_request_id_is_replaced(world):
    def view(request):
        make_household(world.caseworker_a1, world.village_a1, members=1)
        return HttpResponse("ok")

    request = RequestFactory().post("/", HTTP_X_REQUEST_ID="bad id; drop table", REMOTE_ADDR="10.0.0.1")
    response = RequestContextMiddleware(view)(request)

    event = AuditEvent.objects.filter(action="household.create").get()
    assert event.request_id == response["X-Request-ID"]
    assert len(event.request_id) == 32 and event.request_id.isalnum()


def test_forwarded_ip_used_only_behind_a_trusted_proxy(world, settings):
    settings.TRUSTED_PROXY_COUNT = 1

    def view(request):
        make_household(world.caseworker_a1, world.village_a1, members=1)
        return HttpResponse("ok")

    request = RequestFactory().post("/", HTTP_X_FORWARDED_FOR="203.0.113.9, 10.0.0.7", REMOTE_ADDR="127.0.0.1")
    RequestContextMiddleware(view)(request)
    assert AuditEvent.objects.filter(action="household.create").get().ip == "10.0.0.7"


def test_outside_a_request_no_request_id_or_ip(trail):
    assert {(e.request_id, e.ip) for e in trail} == {("", None)}


def test_id_numbers_and_accounts_are_masked_in_the_trail(world):
    household = make_household(
        world.caseworker_a1,
        world.village_a1,
        members=2,
        bank_name="农村信用社",
        bank_account_holder="户主",
        bank_account_number="6222020200112233",
    )
    numbers = list(household.members.values_list("id_number", flat=True))
    events = list(AuditEvent.objects.filter(household_ref=household.pk))

    dumped = json.dumps([e.changes for e in events], ensure_ascii=False)
    for number in numbers:
        assert number not in dumped
        assert mask_id_number(number) in dumped
    assert "6222020200112233" not in dumped
    assert "************2233" in dumped
    member_event = next(e for e in events if e.action == "member.create")
    assert member_event.changes["id_number"]["after"].count("*") == 10


def test_mask_id_number():
    assert mask_id_number("220623195003040122") == "2206**********0122"
    assert mask_id_number("") == ""
    assert mask_id_number("1234") == "****"


def test_each_event_chains_to_the_previous(trail):
    for previous, event in itertools.pairwise(trail):
        assert event.prev_hash == previous.hash
    head = AuditChainHead.objects.get(pk=1)
    assert (head.last_event_id, head.last_hash) == (trail[-1].pk, trail[-1].hash)
