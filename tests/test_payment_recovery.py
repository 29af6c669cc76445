"""Back-pay (补发) and recovery (追回), ``payments.services.backpay`` and ``payments.services.recovery``.

Back-pay: what a frozen month still owes an enrolment (a case confirmed after the month's roll was approved, a
standard raised with retroactive effect) goes on an adjustment roll; running it again with nothing new changes
nothing. Recovery: the paid lines of months not owed (a death recorded late) become a receivable, one item per
line, amount to the fen; repayments and write-offs bring it to settled, never below zero; a refused
post-approval 急难 case already paid becomes a receivable too.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.db import transaction
from django.db.models import Sum
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rest_framework.test import APIClient

from assistance.errors import ApplicationError, PermissionRefused
from audit.models import AuditEvent
from cases.models import Enrolment, EnrolmentChange
from cases.services import life_event_record
from payments.choices import LineStatus, ReceivableCause, ReceivableStatus, RollKind, RollStatus
from payments.models import PaymentLine, PaymentRoll, Receivable, ReceivableEntry, ReceivableItem
from payments.selectors.recovery import receivable_get_for, receivable_list_for
from payments.services.backpay import backpay_generate
from payments.services.recovery import (
    overpayments_detect,
    overpayments_detect_county,
    receivable_create,
    receivable_repay,
    receivable_write_off,
)
from payments.services.rolls import refresh_totals, roll_approve, roll_check, roll_generate
from tests import test_workflow_rules as workflow_rules
from tests import test_workflow_services as workflow_tests
from tests.factories import make_household
from tests.test_payment_rolls import with_account
from tests.test_workflow_services import _enrolled

D = dt.date
profiles = workflow_tests.profiles
poor_household = workflow_tests.poor_household
clock = workflow_rules.clock
maiji = workflow_rules.maiji
TODAY = D(2026, 11, 22)
APRIL, MAY, JUNE, JULY = D(2026, 4, 1), D(2026, 5, 1), D(2026, 6, 1), D(2026, 7, 1)


def _at(day: dt.date):
    return time_machine.travel(dt.datetime.combine(day, dt.time(9, 0)), tick=False)


def _freeze(world, month: dt.date, program: str = "dibao", paid: bool = False) -> PaymentRoll:
    """Generate, check and approve the county's monthly roll of ``month``; with ``paid`` the bank paid every line."""
    with _at(TODAY):
        roll = roll_generate(actor=world.admin_a, county=world.county_a, program=program, month=month).roll
        roll = roll_approve(actor=world.reviewer_a, roll=roll_check(actor=world.admin_a, roll=roll))
    if paid:
        PaymentLine.objects.filter(roll=roll).update(status=LineStatus.PAID)
        refresh_totals(roll)
    return roll


def _approve(world, roll: PaymentRoll) -> PaymentRoll:
    with _at(TODAY):
        return roll_approve(actor=world.reviewer_a, roll=roll_check(actor=world.admin_a, roll=roll))


def _backpay(world, program: str = "dibao", actor=None, **kw) -> PaymentRoll:
    with _at(TODAY):
        return backpay_generate(actor=actor or world.admin_a, county=world.county_a, program=program, **kw)


def _fen(amount: Decimal) -> int:
    return int(amount * 100)


def _totals_match(roll: PaymentRoll) -> None:
    roll.refresh_from_db()
    agg = PaymentLine.objects.filter(roll=roll).aggregate(fen=Sum("amount_fen"))
    assert roll.total_fen == (agg["fen"] or 0) and roll.line_count == PaymentLine.objects.filter(roll=roll).count()


def _raise_rural_standard_on(world, day: dt.date, value: str, month: dt.date) -> None:
    """``tests.test_recompute._raise_rural_standard``, proposed and approved on ``day`` (before ``month``)."""
    from assistance.roles import Role
    from eligibility.models import PolicyProfile
    from eligibility.services import parameter_approve, parameter_propose
    from tests.factories import make_staff

    second = make_staff("adm_a_second", Role.COUNTY_ADMIN, world.county_a)
    with _at(day):
        version = parameter_propose(
            actor=world.admin_a,
            profile=PolicyProfile.objects.get(code="changbai"),
            key="dibao.standard.rural",
            effective_from=month,
            value=value,
            clause="changbai-2021 §二(一)2",
        )
        parameter_approve(actor=second, version=version)


@pytest.fixture
def enrolled(world, poor_household) -> Enrolment:
    """The poor household enrolled in 低保 from April 2026, with a bank account."""
    with_account(world, poor_household)
    return _enrolled(world, poor_household).enrolment


@pytest.fixture
def single(world, profiles) -> Enrolment:
    """A one-person 长白 household (200 yuan wages) enrolled in 低保 from April 2026, with a bank account."""
    from cases.services import income_record

    household = make_household(world.caseworker_a1, world.village_a1, members=1)
    head = household.members.get(relation="head")
    for month in range(9, 13):
        income_record(
            actor=world.caseworker_a1, member=head, month=D(2025, month, 1), kind="wages", amount=Decimal("200")
        )
    with_account(world, household, "6217000055556666777")
    return _enrolled(world, household).enrolment


# --- back-pay ---------------------------------------------------------------------------------------------------


def test_late_confirmation_is_back_paid_for_the_frozen_months(world, enrolled, profiles):
    """A household confirmed after the April–June rolls were approved gets one back-pay line per missing month,
    with its amount and decision; the household already paid gets none."""
    # given: April–June approved with the first household only
    for month in (APRIL, MAY, JUNE):
        _freeze(world, month)
    late = make_household(world.caseworker_a1, world.village_a1, members=1)
    with_account(world, late, "6217000099998888777")
    enrolment = _enrolled(world, late).enrolment
    change = EnrolmentChange.objects.filter(enrolment=enrolment).latest("id")

    # when
    roll = _backpay(world)

    # then
    assert (roll.kind, roll.month, roll.seq, roll.status) == (RollKind.ADJUSTMENT, JUNE, 1, RollStatus.DRAFT)
    assert roll.code == f"BF{world.county_a.code}202606DB-01"
    lines = list(PaymentLine.objects.filter(roll=roll).order_by("period_month"))
    assert [line.period_month for line in lines] == [APRIL, MAY, JUNE]
    assert {line.enrolment_id for line in lines} == {enrolment.pk}
    assert all(line.kind == "back_pay" and line.amount_fen == _fen(enrolment.monthly_amount) for line in lines)
    assert all(line.change_id == change.pk and line.application_id == enrolment.application_id for line in lines)
    assert lines[0].account_number == "6217000099998888777" and lines[0].town_id == world.town_a1.pk
    _totals_match(roll)
    assert roll.total_fen == 3 * _fen(enrolment.monthly_amount)
    assert AuditEvent.objects.filter(action="payment_roll.back_pay", target_id=str(roll.pk)).count() == 1


def test_running_back_pay_again_changes_nothing(world, enrolled, profiles):
    _freeze(world, APRIL)
    late = make_household(world.caseworker_a1, world.village_a1, members=1)
    with_account(world, late, "6217000099998888777")
    _enrolled(world, late)
    first = _backpay(world)
    lines = list(PaymentLine.objects.filter(roll=first).values_list("id", "enrolment_id", "amount_fen"))

    again = _backpay(world)

    assert again.pk == first.pk and again.version == first.version
    assert list(PaymentLine.objects.filter(roll=again).values_list("id", "enrolment_id", "amount_fen")) == lines
    # approved, the adjustment roll covers the month: nothing is left to back-pay and no roll is made
    _approve(world, again)
    with pytest.raises(ApplicationError) as error:
        _backpay(world)
    assert error.value.code == "nothing_to_backpay" and error.value.status == 409 and "补发" in error.value.message
    assert PaymentRoll.objects.filter(kind=RollKind.ADJUSTMENT).count() == 1


def test_nothing_to_back_pay_when_every_month_was_paid_in_full(world, enrolled):
    _freeze(world, APRIL)
    with pytest.raises(ApplicationError) as error:
        _backpay(world)
    assert error.value.message == "没有需要补发的差额"
    assert not PaymentRoll.objects.filter(kind=RollKind.ADJUSTMENT).exists()


def test_a_failed_line_waiting_for_its_carry_is_not_back_paid_but_one_without_a_carry_is(world, enrolled):
    roll = _freeze(world, APRIL)
    line = PaymentLine.objects.get(roll=roll)
    PaymentLine.objects.filter(pk=line.pk).update(status=LineStatus.FAILED, carry_state="waiting")
    with pytest.raises(ApplicationError):
        _backpay(world)
    PaymentLine.objects.filter(pk=line.pk).update(carry_state="")
    back = _backpay(world)
    assert list(PaymentLine.objects.filter(roll=back).values_list("period_month", "amount_fen")) == [
        (APRIL, line.amount_fen)
    ]


def test_retroactive_standard_is_back_paid_for_the_frozen_months(world, poor_household):
    """长白 raises the rural standard from November 2026 after the November roll was approved: the recomputation
    (追溯生效) raises the amount from November, and the back-pay pays November's difference to the fen."""
    from cases.services.recompute import standard_recompute_start
    from cases.tasks import standard_recompute

    with_account(world, poor_household)
    enrolment = _enrolled(world, poor_household).enrolment
    old = enrolment.monthly_amount
    november = D(2026, 11, 1)
    # the new standard was approved in October for November, but the recomputation was not run before the roll
    _raise_rural_standard_on(world, D(2026, 10, 20), "650", november)
    _freeze(world, november)

    with _at(D(2026, 12, 10)):
        with pytest.raises(ApplicationError) as refused:
            standard_recompute_start(actor=world.admin_a, county=world.county_a, month=november)
        assert "补发" in refused.value.message
        job, created = standard_recompute_start(
            actor=world.admin_a, county=world.county_a, month=november, retroactive=True
        )
        assert created and job.key.endswith(":retro") and job.params["retroactive"] is True
        standard_recompute(job.pk)
    enrolment.refresh_from_db()
    assert enrolment.monthly_amount > old

    with _at(D(2026, 12, 10)):
        roll = backpay_generate(actor=world.admin_a, county=world.county_a, program="dibao")
    line = PaymentLine.objects.get(roll=roll)
    assert (line.period_month, line.amount_fen) == (november, _fen(enrolment.monthly_amount) - _fen(old))
    assert line.change.cause == "standard"
    _totals_match(roll)


def test_retroactive_recompute_goes_back_twelve_months_at_most(world, profiles):
    from cases.services.recompute import standard_recompute_start

    with _at(D(2026, 12, 10)):
        with pytest.raises(ApplicationError) as error:
            standard_recompute_start(actor=world.admin_a, county=world.county_a, month=D(2025, 11, 1), retroactive=True)
        assert error.value.status == 400 and "12" in error.value.message
        job, created = standard_recompute_start(
            actor=world.admin_a, county=world.county_a, month=D(2025, 12, 1), retroactive=True
        )
    assert created and job.key.endswith(":retro")


def test_only_the_county_administrator_generates_back_pay(world, enrolled):
    _freeze(world, APRIL)
    for actor in (world.reviewer_a, world.caseworker_a1, world.admin_b):
        with pytest.raises(PermissionRefused):
            _backpay(world, actor=actor)
    with pytest.raises(ApplicationError) as error:
        _backpay(world, program="temp_emergency")
    assert error.value.status == 400


# --- recovery: detection -----------------------------------------------------------------------------------------


def _late_death(world, single: Enrolment):
    """April–July paid; the death on 10 May is recorded in November: June and July were paid but not owed."""
    for month in (APRIL, MAY, JUNE, JULY):
        _freeze(world, month, paid=True)
    head = single.household.members.get(relation="head")
    with _at(TODAY):
        return life_event_record(actor=world.caseworker_a1, member=head, kind="death", occurred_on=D(2026, 5, 10))


def test_a_death_recorded_late_opens_a_receivable_of_the_months_paid_after_it(world, single):
    monthly = single.monthly_amount
    event = _late_death(world, single)

    receivable = Receivable.objects.get()
    assert (receivable.cause, receivable.life_event_id, receivable.enrolment_id) == (
        ReceivableCause.DEATH,
        event.pk,
        single.pk,
    )
    assert receivable.household_id == single.household_id and receivable.county == world.county_a
    assert receivable.code.startswith(f"ZH{world.county_a.code}202611")
    items = list(receivable.items.order_by("period_month"))
    assert [(i.period_month, i.amount) for i in items] == [(JUNE, monthly), (JULY, monthly)]
    assert all(i.line.enrolment_id == single.pk and i.line.period_month == i.period_month for i in items)
    assert receivable.amount == 2 * monthly == sum(i.amount for i in items)
    assert receivable.status == ReceivableStatus.OPEN and receivable.balance == 2 * monthly
    assert "死亡" in receivable.reason
    audit = AuditEvent.objects.get(action="receivable.detect", target_id=str(receivable.pk))
    assert audit.household_ref == single.household_id

    # detecting again finds nothing new
    with _at(TODAY):
        assert overpayments_detect(actor=world.admin_a, enrolment=single) is None
        assert overpayments_detect_county(actor=world.admin_a, county=world.county_a) == []
    assert Receivable.objects.count() == 1 and ReceivableItem.objects.count() == 2


def test_county_scan_finds_an_enrolment_ended_after_its_months_were_paid(world, enrolled):
    for month in (APRIL, MAY):
        _freeze(world, month, paid=True)
    EnrolmentChange.objects.create(
        enrolment=enrolled, effective_month=MAY, amount=Decimal("0"), status="ended", cause="exit"
    )
    with _at(TODAY):
        with pytest.raises(PermissionRefused):
            overpayments_detect_county(actor=world.caseworker_a1, county=world.county_a)
        opened = overpayments_detect_county(actor=world.reviewer_a, county=world.county_a)
    assert len(opened) == 1
    receivable = opened[0]
    assert receivable.cause == ReceivableCause.OVERPAYMENT
    assert [(i.period_month, i.amount) for i in receivable.items.all()] == [(MAY, enrolled.monthly_amount)]


def test_a_partial_overpayment_claims_only_the_excess(world, enrolled):
    """A month paid in full whose amount was lowered afterwards: only the difference is recovered."""
    _freeze(world, APRIL, paid=True)
    lower = enrolled.monthly_amount - Decimal("100.50")
    EnrolmentChange.objects.create(
        enrolment=enrolled, effective_month=APRIL, amount=lower, status="active", cause="recheck"
    )
    with _at(TODAY):
        receivable = overpayments_detect(actor=world.admin_a, enrolment=enrolled)
    assert receivable.amount == Decimal("100.50") and receivable.items.get().amount == Decimal("100.50")


# --- recovery: repayments and write-offs -------------------------------------------------------------------------


def test_repayments_and_a_write_off_settle_the_receivable(world, single):
    _late_death(world, single)
    receivable = Receivable.objects.get()
    total = receivable.amount
    with _at(TODAY):
        receivable = receivable_repay(
            actor=world.caseworker_a1,
            receivable=receivable,
            amount=Decimal("100.00"),
            on=TODAY,
            reference="SJ-0001",
            note="家属退回",
            version=receivable.version,
        )
        assert receivable.recovered == Decimal("100.00") and receivable.status == ReceivableStatus.OPEN
        receivable = receivable_repay(
            actor=world.admin_a, receivable=receivable, amount="50.25", on=TODAY, reference="SJ-0002", note=""
        )
        rest = total - Decimal("150.25")
        receivable = receivable_write_off(
            actor=world.reviewer_a, receivable=receivable, amount=rest, reason="家属确无偿还能力，经集体研究核销"
        )
    assert receivable.balance == 0 and receivable.status == ReceivableStatus.SETTLED
    assert (receivable.recovered, receivable.written_off) == (Decimal("150.25"), rest)
    kinds = list(receivable.entries.values_list("kind", "amount"))
    assert kinds == [("repayment", Decimal("100.00")), ("repayment", Decimal("50.25")), ("write_off", rest)]
    assert AuditEvent.objects.filter(action__in=["receivable.repay", "receivable.write_off"]).count() == 3
    with _at(TODAY), pytest.raises(ApplicationError) as error:
        receivable_repay(actor=world.admin_a, receivable=receivable, amount="1", on=TODAY, reference="x")
    assert error.value.code == "settled" and error.value.status == 409


def test_over_repayment_and_bad_amounts_are_refused_and_change_nothing(world, single):
    _late_death(world, single)
    receivable = Receivable.objects.get()
    before = (receivable.recovered, receivable.written_off, receivable.version)
    with _at(TODAY):
        for amount in (receivable.amount + Decimal("0.01"), Decimal("0"), Decimal("-5"), "abc", "1.001"):
            with pytest.raises(ApplicationError) as error:
                receivable_repay(
                    actor=world.caseworker_a1, receivable=receivable, amount=amount, on=TODAY, reference="R1"
                )
            assert error.value.status == 400 and error.value.fields.get("amount")
        with pytest.raises(ApplicationError) as stale:
            receivable_repay(
                actor=world.caseworker_a1, receivable=receivable, amount="1", on=TODAY, reference="R", version=99
            )
        assert stale.value.status == 409 and stale.value.code == "stale_version"
        with pytest.raises(ApplicationError) as future:
            receivable_repay(
                actor=world.caseworker_a1, receivable=receivable, amount="1", on=D(2026, 12, 1), reference="R"
            )
        assert future.value.status == 400
        with pytest.raises(ApplicationError) as no_receipt:
            receivable_repay(actor=world.caseworker_a1, receivable=receivable, amount="1", on=TODAY, reference=" ")
        assert no_receipt.value.fields.get("reference")
        with pytest.raises(ApplicationError) as no_reason:
            receivable_write_off(actor=world.reviewer_a, receivable=receivable, amount="1", reason="")
        assert no_reason.value.status == 400
    receivable.refresh_from_db()
    assert (receivable.recovered, receivable.written_off, receivable.version) == before
    assert not ReceivableEntry.objects.exists()


def test_who_may_repay_write_off_and_create(world, single):
    _late_death(world, single)
    receivable = Receivable.objects.get()
    with _at(TODAY):
        for actor in (world.caseworker_a2, world.caseworker_b1, world.reviewer_a, world.admin_b):
            with pytest.raises(PermissionRefused):
                receivable_repay(actor=actor, receivable=receivable, amount="1", on=TODAY, reference="R")
        for actor in (world.caseworker_a1, world.admin_a, world.reviewer_b):
            with pytest.raises(PermissionRefused):
                receivable_write_off(actor=actor, receivable=receivable, amount="1", reason="核销")
        with pytest.raises(PermissionRefused):
            receivable_create(
                actor=world.caseworker_a1, household=single.household, cause="fraud", amount="10", reason="x"
            )
        manual = receivable_create(
            actor=world.admin_a,
            household=single.household,
            cause="fraud",
            amount="1234.56",
            reason="隐瞒收入骗取低保",
            enrolment=single,
        )
    assert manual.amount == Decimal("1234.56") and manual.application_id == single.application_id
    assert not manual.items.exists()
    # scope: the household's town caseworker and the county see it; another town's or county's do not
    assert receivable_list_for(actor=world.caseworker_a1).count() == 2
    assert receivable_list_for(actor=world.auditor_a).count() == 2
    assert receivable_list_for(actor=world.caseworker_a2).count() == 0
    assert receivable_list_for(actor=world.admin_b).count() == 0


# --- the refused 急难 case -------------------------------------------------------------------------------------------


def test_a_refused_post_approval_emergency_case_already_paid_becomes_a_receivable(clock, world, maiji):
    from cases.services import application_decide, emergency_aid_grant
    from tests.test_workflow_rules import household_of

    household = household_of(maiji.caseworker, maiji.village, id_region=maiji.id_region)
    app = emergency_aid_grant(actor=maiji.caseworker, household=household, cause="illness", expense=Decimal("6000"))
    assert app.status == "post_approval" and not Receivable.objects.exists()

    app = application_decide(actor=maiji.reviewer, application=app, confirm=False, reasons="经核查不属于急难情形")

    receivable = Receivable.objects.get()
    assert (receivable.cause, receivable.amount, receivable.source_key) == (
        ReceivableCause.EMERGENCY_REFUSED,
        Decimal("6000.00"),
        f"emergency:{app.pk}",
    )
    assert receivable.application_id == app.pk and receivable.county == maiji.county
    assert "不予确认" in receivable.reason and "经核查不属于急难情形" in receivable.reason


def test_a_confirmed_emergency_case_opens_no_receivable(clock, world, maiji):
    from cases.services import application_decide, emergency_aid_grant
    from tests.test_workflow_rules import household_of

    household = household_of(maiji.caseworker, maiji.village, id_region=maiji.id_region)
    app = emergency_aid_grant(actor=maiji.caseworker, household=household, cause="illness", expense=Decimal("6000"))
    application_decide(actor=maiji.reviewer, application=app, confirm=True, reasons="情况属实")
    assert not Receivable.objects.exists()


# --- pages --------------------------------------------------------------------------------------------------------


def test_receivable_pages_list_show_repay_and_refuse_in_chinese(client, world, single):
    _late_death(world, single)
    receivable = Receivable.objects.get()
    with _at(TODAY):
        client.force_login(world.caseworker_a1)
        page = client.get("/payments/receivables/")
        assert page.status_code == 200
        html = page.content.decode()
        assert receivable.code in html and str(receivable.amount) in html and "合计" in html
        assert client.get("/payments/receivables/?status=settled").content.decode().count(receivable.code) == 0
        detail = client.get(f"/payments/receivables/{receivable.pk}/")
        html = detail.content.decode()
        assert detail.status_code == 200 and "2026-06" in html and "2026-07" in html and "登记退回" in html
        assert "核销" not in html.split("退回与核销记录")[1].split("登记退回")[1]  # no write-off form for the town
        too_much = client.post(
            f"/payments/receivables/{receivable.pk}/repay/",
            {
                "amount": str(receivable.amount + 1),
                "on": "2026-11-22",
                "reference": "R1",
                "version": receivable.version,
            },
        )
        assert too_much.status_code == 400 and "余额" in too_much.content.decode()
        ok = client.post(
            f"/payments/receivables/{receivable.pk}/repay/",
            {"amount": "10.00", "on": "2026-11-22", "reference": "R1", "version": receivable.version},
        )
        assert ok.status_code == 302 and ok["Location"] == f"/payments/receivables/{receivable.pk}/"
        refused = client.post(f"/payments/receivables/{receivable.pk}/write-off/", {"amount": "1", "reason": "x"})
        assert refused.status_code == 403
        client.force_login(world.caseworker_b1)
        assert client.get(f"/payments/receivables/{receivable.pk}/").status_code == 404
        client.force_login(world.reviewer_a)
        done = client.post(
            f"/payments/receivables/{receivable.pk}/write-off/",
            {"amount": str(receivable.amount - Decimal("10.00")), "reason": "确无偿还能力"},
        )
        assert done.status_code == 302
    receivable.refresh_from_db()
    assert receivable.status == ReceivableStatus.SETTLED


def test_create_page_and_detect_button(client, world, enrolled):
    for month in (APRIL, MAY):
        _freeze(world, month, paid=True)
    EnrolmentChange.objects.create(
        enrolment=enrolled, effective_month=MAY, amount=Decimal("0"), status="ended", cause="exit"
    )
    with _at(TODAY):
        client.force_login(world.caseworker_a1)
        assert client.get("/payments/receivables/new/").status_code == 403
        client.force_login(world.admin_a)
        assert client.get("/payments/receivables/new/").status_code == 200
        bad = client.post(
            "/payments/receivables/new/",
            {"household": enrolled.household.code, "cause": "fraud", "amount": "0", "reason": "骗取"},
        )
        assert bad.status_code == 400 and "必须大于0" in bad.content.decode()
        made = client.post(
            "/payments/receivables/new/",
            {"household": enrolled.household.code, "cause": "fraud", "amount": "300", "reason": "骗取低保"},
        )
        assert made.status_code == 302
        detect = client.post("/payments/receivables/detect/", {"county": world.county_a.pk}, follow=True)
        assert detect.status_code == 200 and "发现多发 1 户" in detect.content.decode()
    assert Receivable.objects.count() == 2


def test_back_pay_page_generates_and_goes_to_the_roll(client, world, enrolled, profiles):
    _freeze(world, APRIL)
    late = make_household(world.caseworker_a1, world.village_a1, members=1)
    with_account(world, late, "6217000099998888777")
    _enrolled(world, late)
    with _at(TODAY):
        client.force_login(world.reviewer_a)
        assert client.get("/payments/backpay/").status_code == 403
        client.force_login(world.admin_a)
        page = client.get("/payments/backpay/")
        assert page.status_code == 200 and "补发" in page.content.decode()
        response = client.post("/payments/backpay/", {"county": world.county_a.pk, "program": "dibao"})
        roll = PaymentRoll.objects.get(kind=RollKind.ADJUSTMENT)
        assert response.status_code == 302 and response["Location"] == f"/payments/rolls/{roll.pk}/"
        assert client.get(response["Location"]).status_code == 200
    _approve(world, roll)
    with _at(TODAY):
        client.force_login(world.admin_a)
        nothing = client.post("/payments/backpay/", {"county": world.county_a.pk, "program": "dibao"})
        assert nothing.status_code == 409 and "没有需要补发的差额" in nothing.content.decode()
        bad = client.post("/payments/backpay/", {"county": world.county_a.pk, "program": "dibao", "through_month": "x"})
        assert bad.status_code == 400


def test_recompute_page_has_the_retroactive_checkbox(client, world, profiles):
    with _at(D(2026, 12, 10)):
        client.force_login(world.admin_a)
        assert "追溯生效（已发放月份的差额通过补发花名册发放）" in client.get("/jobs/recompute/").content.decode()
        response = client.post(
            "/jobs/recompute/", {"county": world.county_a.pk, "month": "2026-11", "retroactive": "on"}
        )
    assert response.status_code == 302


def test_recompute_api_takes_retroactive(world, profiles):
    api = APIClient()
    api.force_authenticate(world.admin_a)
    with _at(D(2026, 12, 10)):
        refused = api.post(
            "/api/standard-recompute/", {"county": world.county_a.code, "month": "2026-11"}, format="json"
        )
        started = api.post(
            "/api/standard-recompute/",
            {"county": world.county_a.code, "month": "2026-11", "retroactive": True},
            format="json",
        )
    assert refused.status_code == 400 and "补发" in refused.json()["message"]
    assert started.status_code == 202


# --- API ----------------------------------------------------------------------------------------------------------


def test_api_lists_shows_repays_and_generates_back_pay(world, single):
    _late_death(world, single)
    receivable = Receivable.objects.get()
    api = APIClient()
    with _at(TODAY):
        api.force_authenticate(world.caseworker_a1)
        listed = api.get("/api/payments/receivables/", {"status": "open"})
        assert listed.status_code == 200 and listed.json()["results"][0]["code"] == receivable.code
        assert api.get("/api/payments/receivables/", {"status": "nope"}).status_code == 400
        detail = api.get(f"/api/payments/receivables/{receivable.pk}/").json()
        assert [i["period_month"] for i in detail["items"]] == ["2026-06-01", "2026-07-01"]
        assert Decimal(detail["amount"]) == sum(Decimal(i["amount"]) for i in detail["items"])
        url = f"/api/payments/receivables/{receivable.pk}/repayments/"
        too_much = api.post(
            url, {"amount": str(receivable.amount + 1), "on": "2026-11-22", "reference": "R"}, format="json"
        )
        assert too_much.status_code == 400 and "余额" in too_much.json()["message"]
        ok = api.post(url, {"amount": "20.00", "on": "2026-11-22", "reference": "R", "version": 1}, format="json")
        assert ok.status_code == 201 and Decimal(ok.json()["recovered"]) == Decimal("20.00")
        stale = api.post(url, {"amount": "1", "on": "2026-11-22", "reference": "R", "version": 1}, format="json")
        assert stale.status_code == 409
        api.force_authenticate(world.caseworker_b1)
        assert api.get(f"/api/payments/receivables/{receivable.pk}/").status_code == 404
        api.force_authenticate(world.admin_a)
        nothing = api.post("/api/payments/backpay/", {"county": world.county_a.code, "program": "dibao"}, format="json")
        assert nothing.status_code == 409 and nothing.json()["code"] == "nothing_to_backpay"
        api.force_authenticate(world.reviewer_a)
        refused = api.post("/api/payments/backpay/", {"county": world.county_a.code, "program": "dibao"}, format="json")
        assert refused.status_code == 403


def test_api_generates_back_pay(world, enrolled, profiles):
    _freeze(world, APRIL)
    late = make_household(world.caseworker_a1, world.village_a1, members=1)
    with_account(world, late, "6217000099998888777")
    late_enrolment = _enrolled(world, late).enrolment
    api = APIClient()
    api.force_authenticate(world.admin_a)
    with _at(TODAY):
        response = api.post(
            "/api/payments/backpay/", {"county": world.county_a.code, "program": "dibao"}, format="json"
        )
    assert response.status_code == 201
    body = response.json()
    assert body["kind"] == "adjustment" and body["total_fen"] == _fen(late_enrolment.monthly_amount)


# --- properties -----------------------------------------------------------------------------------------------------


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    paid=st.lists(st.integers(min_value=1, max_value=500_000), min_size=1, max_size=6),
    owed=st.lists(st.integers(min_value=0, max_value=500_000), min_size=6, max_size=6),
)
def test_receivable_amount_and_roll_totals_equal_their_lines_to_the_fen(world, enrolled, paid, owed):
    """Whatever was paid and owed month by month: the receivable's amount is the sum of its items, each item is
    the month's excess, and a roll's totals are the sum of its lines."""
    with transaction.atomic():
        months = [D(2026, 4 + i, 1) for i in range(len(paid))]
        roll = PaymentRoll.objects.create(
            code="P-TEST",
            county=world.county_a,
            program="dibao",
            month=months[-1],
            kind=RollKind.ADJUSTMENT,
            generated_by=world.admin_a,
            status=RollStatus.APPROVED,
        )
        for month, fen in zip(months, paid, strict=False):
            PaymentLine.objects.create(
                roll=roll,
                kind="back_pay",
                enrolment=enrolled,
                household=enrolled.household,
                region=enrolled.region,
                town=world.town_a1,
                period_month=month,
                amount_fen=fen,
                status=LineStatus.PAID,
            )
        EnrolmentChange.objects.filter(enrolment=enrolled).delete()
        for month, fen in zip(months, owed, strict=False):
            EnrolmentChange.objects.create(
                enrolment=enrolled,
                effective_month=month,
                amount=Decimal(fen) / 100,
                status="active" if fen else "ended",
                cause="recheck",
            )
        refresh_totals(roll)
        roll.refresh_from_db()
        assert roll.total_fen == sum(paid) and roll.line_count == len(paid)
        with _at(TODAY):
            receivable = overpayments_detect(actor=world.admin_a, enrolment=enrolled)
        excess = sum(max(p - o, 0) for p, o in zip(paid, owed, strict=False))
        if excess == 0:
            assert receivable is None
        else:
            items = list(receivable.items.all())
            assert receivable.amount == sum(i.amount for i in items) == Decimal(excess) / 100
            assert all(0 < i.amount * 100 <= i.line.amount_fen for i in items)
        transaction.set_rollback(True)


def test_receivable_selector_hides_other_counties(world, single):
    _late_death(world, single)
    receivable = Receivable.objects.get()
    from django.http import Http404

    with pytest.raises(Http404):
        receivable_get_for(actor=world.caseworker_b1, pk=receivable.pk)
    assert receivable_get_for(actor=world.caseworker_a1, pk=receivable.pk) == receivable
