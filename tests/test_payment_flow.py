"""A month's money end to end: the roll approved, exported, the bank's result with failures imported and reconciled,
the failures carried to a 补发 roll once the accounts are corrected, and paid there — each yuan once; and roll totals
that always equal the sum of their lines to the fen."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db.models import Sum
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from payments.bank_templates import bank_templates_ensure
from payments.choices import CarryState, LineKind, LineStatus, RollStatus
from payments.demo_bank import simulated_result_file
from payments.models import CountyPaymentSetting, PaymentLine, PaymentRoll
from payments.services.backpay import backpay_generate
from payments.services.export import roll_export
from payments.services.reconcile import result_import_process, result_import_start
from payments.services.rolls import refresh_totals, roll_approve, roll_check, roll_generate
from tests.factories import make_household
from tests.test_payment_rolls import _at, with_account
from tests.test_workflow_services import _enrolled, poor_household, profiles  # noqa: F401

D = dt.date
DECEMBER = D(2026, 12, 1)


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")


@pytest.fixture
def county_setup(world, profiles):  # noqa: F811
    template = bank_templates_ensure()[0]
    CountyPaymentSetting.objects.create(county=world.county_a, roll_day=5, bank_template=template)
    households = []
    for n in range(4):
        household = make_household(world.caseworker_a1, world.village_a1, members=2)
        with_account(world, household, f"62170000{n}1112222333")
        _enrolled(world, household)
        households.append(household)
    return template, households


def _import(world, roll, template, failures: int):
    name, content = simulated_result_file(roll, template, failures=failures)
    imported = result_import_start(actor=world.reviewer_a, roll=roll, uploaded_file=SimpleUploadedFile(name, content))
    result_import_process(import_id=imported.pk)
    return PaymentRoll.objects.get(pk=roll.pk)


def test_the_months_money_reaches_each_household_once(world, county_setup):
    template, _households = county_setup
    with _at(D(2026, 11, 22)):
        # given December's roll, generated and checked by the administrator, approved by the reviewer
        roll = roll_generate(actor=world.admin_a, county=world.county_a, program="dibao", month=DECEMBER).roll
        roll = roll_approve(actor=world.reviewer_a, roll=roll_check(actor=world.admin_a, roll=roll))
        assert roll.line_count == 4
        # when the reviewer exports it and imports the bank's result with two failures
        export = roll_export(actor=world.reviewer_a, roll=roll)
        assert b"".join(export.stream())
        roll = _import(world, PaymentRoll.objects.get(pk=roll.pk), template, failures=2)
        # then the roll is reconciled: paid + failed = total, to the fen
        assert roll.status == RollStatus.RECONCILED
        assert (roll.paid_count, roll.failed_count) == (2, 2)
        assert roll.paid_fen + roll.failed_fen == roll.total_fen
        failed = list(PaymentLine.objects.filter(roll=roll, status=LineStatus.FAILED).order_by("id"))
        assert all(line.carry_state == CarryState.WAITING and line.failure_reason for line in failed)
        # a failed line is not carried before its account is corrected
        with pytest.raises(Exception) as nothing:
            backpay_generate(actor=world.admin_a, county=world.county_a, program="dibao")
        assert getattr(nothing.value, "code", "") == "nothing_to_backpay"
        # when the town corrects one account, the 补发 roll pays that line again — and nothing else
        household = failed[0].household
        with_account(world, household, "6228480000111122223")
        adjustment = backpay_generate(actor=world.admin_a, county=world.county_a, program="dibao")
        lines = list(PaymentLine.objects.filter(roll=adjustment))
        assert [(x.kind, x.carried_from_id, x.amount_fen, x.account_number) for x in lines] == [
            (LineKind.CARRY, failed[0].pk, failed[0].amount_fen, "6228480000111122223")
        ]
        assert adjustment.total_fen == failed[0].amount_fen
        # generating it again changes nothing
        again = backpay_generate(actor=world.admin_a, county=world.county_a, program="dibao")
        assert again.pk == adjustment.pk and PaymentLine.objects.filter(roll=adjustment).count() == 1
        adjustment = roll_approve(actor=world.reviewer_a, roll=roll_check(actor=world.admin_a, roll=adjustment))
        roll_export(actor=world.reviewer_a, roll=adjustment)
        adjustment = _import(world, PaymentRoll.objects.get(pk=adjustment.pk), template, failures=0)
        assert adjustment.status == RollStatus.RECONCILED and adjustment.paid_count == 1
    # every household's December money: paid once (three) or still owed through its failed line (one)
    paid = dict(
        PaymentLine.objects.filter(period_month=DECEMBER, status=LineStatus.PAID)
        .values_list("household_id")
        .annotate(fen=Sum("amount_fen"))
    )
    assert len(paid) == 3
    owed = {line.household_id: line.amount_fen for line in PaymentLine.objects.filter(roll=roll)}
    assert all(paid[h] == owed[h] for h in paid)


def test_demo_bank_result_command_writes_the_file(world, county_setup, tmp_path):
    with _at(D(2026, 11, 22)):
        roll = roll_generate(actor=world.admin_a, county=world.county_a, program="dibao", month=DECEMBER).roll
        roll = roll_approve(actor=world.reviewer_a, roll=roll_check(actor=world.admin_a, roll=roll))
        roll_export(actor=world.reviewer_a, roll=roll)
        call_command("demo_bank_result", roll.code, "--failures", "1", "--out", str(tmp_path))
    written = list(tmp_path.glob("*.csv"))
    assert len(written) == 1 and "失败".encode("gb18030") in written[0].read_bytes()


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(amounts=st.lists(st.decimals(min_value="0.01", max_value="99999.99", places=2), min_size=1, max_size=30))
def test_roll_totals_equal_the_sum_of_their_lines_to_the_fen(world, county_setup, amounts):
    """Whatever amounts the lines hold, the roll's totals are their sum in fen, exactly (no float anywhere)."""
    _template, _households = county_setup
    with _at(D(2026, 11, 22)):
        roll = roll_generate(actor=world.admin_a, county=world.county_a, program="dibao", month=DECEMBER).roll
    base = list(PaymentLine.objects.filter(roll=roll).values_list("amount_fen", flat=True))
    first = PaymentLine.objects.filter(roll=roll).first()
    PaymentLine.objects.bulk_create(
        PaymentLine(
            roll=roll,
            kind=LineKind.CARRY,
            household_id=first.household_id,
            region_id=first.region_id,
            town_id=first.town_id,
            period_month=DECEMBER,
            amount_fen=int(amount * 100),
            account_number=first.account_number,
        )
        for amount in amounts
    )
    refresh_totals(roll)
    expected = sum(base) + sum(int(a * 100) for a in amounts)
    assert roll.total_fen == expected
    assert Decimal(roll.total_fen) / 100 == sum(Decimal(b) / 100 for b in base) + sum(amounts)
    assert roll.line_count == len(base) + len(amounts)
    PaymentLine.objects.filter(roll=roll).delete()
    PaymentRoll.objects.filter(pk=roll.pk).delete()


def test_a_death_recorded_after_approval_becomes_a_receivable_when_the_bank_pays(world, county_setup):
    """The roll is approved; then the recipient's death (in November) is recorded: December is no longer owed, but
    the bank pays it — the import opens the receivable for that line at once (cause 死亡)."""
    from cases.services.events import life_event_record
    from payments.choices import ReceivableCause
    from payments.models import Receivable

    template, _households = county_setup
    alone = make_household(world.caseworker_a1, world.village_a1, members=1)
    with_account(world, alone, "6217000077778888999")
    enrolment = _enrolled(world, alone).enrolment
    with _at(D(2026, 11, 22)):
        roll = roll_generate(actor=world.admin_a, county=world.county_a, program="dibao", month=DECEMBER).roll
        roll = roll_approve(actor=world.reviewer_a, roll=roll_check(actor=world.admin_a, roll=roll))
        roll_export(actor=world.reviewer_a, roll=roll)
        life_event_record(
            actor=world.caseworker_a1, member=alone.members.get(), kind="death", occurred_on=D(2026, 11, 20)
        )
        assert not Receivable.objects.exists()  # nothing paid yet
        name, content = simulated_result_file(PaymentRoll.objects.get(pk=roll.pk), template, failures=0)
        imported = result_import_start(
            actor=world.reviewer_a, roll=roll, uploaded_file=SimpleUploadedFile(name, content)
        )
        from payments.tasks import process_result_import

        result = process_result_import(imported.job_id)
    receivable = Receivable.objects.get()
    line = PaymentLine.objects.get(roll=roll, enrolment=enrolment)
    assert receivable.cause == ReceivableCause.DEATH and receivable.enrolment == enrolment
    assert receivable.amount == Decimal(line.amount_fen) / 100
    assert [item.line_id for item in receivable.items.all()] == [line.pk]
    assert result["receivables"] == [f"{receivable.code}：{receivable.amount} 元"]
