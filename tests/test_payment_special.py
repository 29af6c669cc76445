"""Town reserve funds, instalment plans, price subsidies and funeral payments (``payments.services.reserve``,
``.instalments``, ``.subsidy``; the funeral lines of ``.rolls``), proved through the real workflow on the real
profiles:

- 麦积 allocates 2 yuan per resident at the start of the year (maiji-2021 §四(四)15); once per town and year;
- a 急难 payment in a town with a fund draws it down, and is refused with nothing saved when the balance is short;
  where the town has no fund nothing changes (the county pays directly);
- top-ups requested by the town and approved by the county; the balance never goes negative (a property);
- the year-end settlement returns the balance; the settlement report's totals;
- a confirmed 支出型 case's instalments land on successive monthly rolls, each once;
- a price-subsidy batch pays every person covered once, total = persons × amount;
- a 麦积 特困 death's funeral payment is on the next 特困 roll once;
- permissions, pages and the API.

The clock is pinned as in tests/test_workflow_rules.py (Monday 2 March 2026).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import transaction
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rest_framework.test import APIClient

from assistance.errors import ApplicationError, PermissionRefused
from assistance.services import region_create, system_actor
from audit.models import AuditEvent
from cases.choices import ApplicationStatus as S
from cases.models import Application
from cases.services import (
    application_decide,
    application_evaluate,
    application_investigation_start,
    application_town_review,
    emergency_aid_grant,
    life_event_record,
)
from payments.choices import InstalmentStatus, LineKind, RollKind, RollStatus, SubsidyBatchStatus
from payments.models import (
    Instalment,
    InstalmentPlan,
    PaymentLine,
    PaymentRoll,
    ReserveEntry,
    ReserveFund,
)
from payments.services.instalments import instalment_cancel, instalment_plan_create
from payments.services.reserve import (
    per_resident_standard,
    reserve_allocate,
    reserve_allocate_year,
    reserve_draw,
    reserve_settle,
    reserve_settlement_report,
    reserve_top_up_decide,
    reserve_top_up_request,
)
from payments.services.rolls import roll_check, roll_generate
from payments.services.subsidy import subsidy_batch_create, subsidy_batch_generate
from tests import test_workflow_rules as rules
from tests.test_life_events import enrol_changbai, enrol_maiji, tekun_person
from tests.test_workflow_rules import accept, at, fresh, household_of

D = dt.date
clock = rules.clock
profiles = rules.profiles
maiji = rules.maiji
poor_household = rules.poor_household


def refused(call, **kwargs) -> ApplicationError:
    with pytest.raises(ApplicationError) as error:
        call(**kwargs)
    return error.value


def allocate(county, residents=1000, **kw):
    return reserve_allocate(actor=county.admin, town=county.town, year=2026, residents=residents, **kw)


def pay_first(county, household, amount="500"):
    return emergency_aid_grant(actor=county.caseworker, household=household, cause="accident", expense=Decimal(amount))


def fund_row(fund) -> ReserveFund:
    return ReserveFund.objects.get(pk=fund.pk)


def assert_consistent(fund: ReserveFund) -> None:
    fund = fund_row(fund)
    assert fund.balance == fund.allocated + fund.topped_up - fund.drawn - fund.returned
    assert fund.balance >= 0
    last = ReserveEntry.objects.filter(fund=fund).order_by("-id").first()
    assert last is not None and last.balance_after == fund.balance


# --- allocation -----------------------------------------------------------------------------------------------


def test_maiji_allocates_two_yuan_per_resident_once_a_year(clock, world, maiji):
    """maiji-2021 §四(四)15: 年初按照辖区人口每人2元预拨; a second allocation is refused (409)."""
    assert per_resident_standard(maiji.county, 2026) == Decimal("2")
    fund = allocate(maiji, residents=36_512)
    assert (fund.allocated, fund.balance, fund.per_resident) == (Decimal("73024.00"), Decimal("73024.00"), 2)
    entry = ReserveEntry.objects.get(fund=fund)
    assert (entry.kind, entry.amount, entry.balance_after, entry.on) == (
        "allocation",
        fund.allocated,
        fund.allocated,
        rules.MONDAY,
    )
    assert AuditEvent.objects.filter(action="reserve_fund.allocate", target_id=str(fund.pk)).count() == 1
    # the amount follows the standard: another amount is refused
    error = refused(reserve_allocate, actor=maiji.admin, town=maiji.other_town, year=2026, residents=10, amount="999")
    assert error.status == 400 and "amount" in error.fields
    error = refused(allocate, county=maiji, residents=36_512)
    assert (error.status, error.code) == (409, "reserve_exists")
    assert ReserveFund.objects.count() == 1 and ReserveEntry.objects.count() == 1


def test_without_a_per_resident_standard_the_county_sets_the_amount(clock, world, profiles):
    """changbai-2021 §二(六)22: 按需核定备用金额度 — the administrator enters the amount."""
    assert per_resident_standard(world.county_a, 2026) is None
    error = refused(reserve_allocate, actor=world.admin_a, town=world.town_a1, year=2026, residents=5000)
    assert error.fields == {"amount": ["请填写预拨金额"]}
    fund = reserve_allocate(actor=world.admin_a, town=world.town_a1, year=2026, residents=5000, amount="20000")
    assert (fund.allocated, fund.per_resident) == (Decimal("20000"), Decimal("0"))


def test_allocation_permissions_and_bad_input(clock, world, maiji):
    for actor in (maiji.caseworker, maiji.reviewer, world.admin_a):
        assert isinstance(
            refused(reserve_allocate, actor=actor, town=maiji.town, year=2026, residents=10), PermissionRefused
        )
    assert refused(reserve_allocate, actor=maiji.admin, town=maiji.county, year=2026, residents=10).status == 400
    assert refused(reserve_allocate, actor=maiji.admin, town=maiji.town, year="x", residents=10).fields == {
        "year": ["请输入年份，如 2026"]
    }
    assert refused(reserve_allocate, actor=maiji.admin, town=maiji.town, year=2026, residents=-1).status == 400
    assert not ReserveFund.objects.exists()


def test_the_yearly_allocation_repeats_last_years_towns(clock, world, maiji):
    reserve_allocate(actor=maiji.admin, town=maiji.town, year=2025, residents=1200)
    reserve_allocate(actor=maiji.admin, town=maiji.other_town, year=2025, residents=800)
    reserve_allocate(actor=maiji.admin, town=maiji.other_town, year=2026, residents=900)
    created = reserve_allocate_year(actor=system_actor(), county=maiji.county, year=2026)
    assert [(f.town_id, f.allocated) for f in created] == [(maiji.town.pk, Decimal("2400.00"))]
    assert reserve_allocate_year(actor=system_actor(), county=maiji.county, year=2026) == []
    assert ReserveFund.objects.filter(year=2026).count() == 2


def test_the_daily_beat_allocates_the_new_year_once(clock, world, maiji):
    from payments.tasks import allocate_reserve_funds

    reserve_allocate(actor=maiji.admin, town=maiji.town, year=2025, residents=1200)
    assert allocate_reserve_funds(2026) == {maiji.county.code: 1}
    assert allocate_reserve_funds(2026) == {}
    assert ReserveFund.objects.get(year=2026).allocated == Decimal("2400.00")


# --- drawdowns ------------------------------------------------------------------------------------------------


def test_emergency_aid_in_maiji_draws_the_town_fund(clock, world, maiji):
    fund = allocate(maiji, residents=1000)  # 2 000 yuan
    household = household_of(maiji.caseworker, maiji.village, id_region=maiji.id_region)
    app = pay_first(maiji, household, "800")
    assert app.status == S.CONFIRMED and app.approved_amount == Decimal("800.00")
    fund = fund_row(fund)
    assert (fund.drawn, fund.balance) == (Decimal("800.00"), Decimal("1200.00"))
    entry = ReserveEntry.objects.get(fund=fund, kind="drawdown")
    assert (entry.application_id, entry.amount, entry.balance_after) == (app.pk, Decimal("800.00"), fund.balance)
    assert entry.actor == maiji.caseworker
    # paid first above the town limit, approved afterwards by the district: the town's fund pays it too
    app2 = pay_first(maiji, household, "1000")
    assert app2.status == S.POST_APPROVAL
    assert fund_row(fund).balance == Decimal("200.00")
    # calling it again for the same case changes nothing
    assert reserve_draw(actor=maiji.caseworker, application=app2).application_id == app2.pk
    assert fund_row(fund).balance == Decimal("200.00")
    assert_consistent(fund)


def test_short_balance_refuses_the_emergency_payment_and_saves_nothing(clock, world, maiji):
    fund = allocate(maiji, residents=100)  # 200 yuan
    household = household_of(maiji.caseworker, maiji.village, id_region=maiji.id_region)
    applications, audits = Application.objects.count(), AuditEvent.objects.count()
    error = refused(pay_first, county=maiji, household=household, amount="500")
    assert (error.status, error.code) == (409, "reserve_insufficient")
    assert error.message == "备用金余额不足（余额 200.00 元），请先申请追加备用金"
    assert Application.objects.count() == applications and AuditEvent.objects.count() == audits
    assert ReserveEntry.objects.filter(kind="drawdown").count() == 0
    assert fund_row(fund).balance == Decimal("200.00")


def test_a_town_without_a_fund_pays_as_before(clock, world, maiji):
    allocate(maiji)  # 麦积镇 has one; 社棠镇 has none
    village = region_create(
        actor=system_actor(), code="620503100201", name="社棠村", level="village", parent=maiji.other_town
    )
    household = household_of(maiji.other_caseworker, village, id_region=maiji.id_region)
    app = emergency_aid_grant(
        actor=maiji.other_caseworker, household=household, cause="illness", expense=Decimal("600")
    )
    assert app.status == S.CONFIRMED
    assert not ReserveEntry.objects.filter(kind="drawdown").exists()


# --- top-ups and the balance --------------------------------------------------------------------------------


def test_top_up_request_and_approval(clock, world, maiji):
    fund = allocate(maiji, residents=100)
    assert isinstance(
        refused(reserve_top_up_request, actor=maiji.other_caseworker, fund=fund, amount="1000", reason="用完"),
        PermissionRefused,
    )
    assert refused(reserve_top_up_request, actor=maiji.caseworker, fund=fund, amount="0", reason="用完").status == 400
    assert refused(reserve_top_up_request, actor=maiji.caseworker, fund=fund, amount="10", reason=" ").fields == {
        "reason": ["请填写申请理由"]
    }
    top_up = reserve_top_up_request(actor=maiji.caseworker, fund=fund, amount="1000", reason="备用金已用完，申请追加")
    assert top_up.status == "pending" and fund_row(fund).balance == Decimal("200.00")
    for actor in (maiji.admin, maiji.caseworker):
        assert isinstance(refused(reserve_top_up_decide, actor=actor, top_up=top_up, approve=True), PermissionRefused)
    top_up = reserve_top_up_decide(actor=maiji.reviewer, top_up=top_up, approve=True, note="同意")
    assert top_up.status == "approved" and top_up.decided_by == maiji.reviewer
    fund = fund_row(fund)
    assert (fund.topped_up, fund.balance) == (Decimal("1000.00"), Decimal("1200.00"))
    entry = ReserveEntry.objects.get(fund=fund, kind="top_up")
    assert (entry.top_up_id, entry.balance_after) == (top_up.pk, Decimal("1200.00"))
    assert refused(reserve_top_up_decide, actor=maiji.reviewer, top_up=top_up, approve=False).code == (
        "illegal_transition"
    )
    # a refusal needs its reason and adds nothing
    second = reserve_top_up_request(actor=maiji.caseworker, fund=fund, amount="500", reason="再申请")
    assert refused(reserve_top_up_decide, actor=maiji.reviewer, top_up=second, approve=False, note="").status == 400
    reserve_top_up_decide(actor=maiji.reviewer, top_up=second, approve=False, note="余额尚足")
    assert fund_row(fund).balance == Decimal("1200.00")
    # now the payment refused before goes through
    household = household_of(maiji.caseworker, maiji.village, id_region=maiji.id_region)
    pay_first(maiji, household, "500")
    assert fund_row(fund).balance == Decimal("700.00")
    assert_consistent(fund)


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    steps=st.lists(
        st.tuples(st.sampled_from(["draw", "top_up"]), st.integers(min_value=1, max_value=800)), min_size=1, max_size=6
    )
)
def test_the_balance_never_goes_negative(clock, world, maiji, steps):
    """Whatever the sequence of 急难 payments and approved top-ups: balance = allocated + topped up − drawn −
    returned ≥ 0, and a payment beyond the balance is refused whole."""
    with transaction.atomic():
        fund = allocate(maiji, residents=150)  # 300 yuan
        household = household_of(maiji.caseworker, maiji.village, id_region=maiji.id_region)
        expected = Decimal("300")
        for kind, amount in steps:
            if kind == "top_up":
                top_up = reserve_top_up_request(actor=maiji.caseworker, fund=fund, amount=amount, reason="追加")
                reserve_top_up_decide(actor=maiji.reviewer, top_up=top_up, approve=True)
                expected += amount
            elif amount <= expected:
                pay_first(maiji, household, str(amount))
                expected -= amount
            else:
                assert refused(pay_first, county=maiji, household=household, amount=str(amount)).code == (
                    "reserve_insufficient"
                )
            assert fund_row(fund).balance == expected
            assert_consistent(fund)
        transaction.set_rollback(True)


# --- settlement -----------------------------------------------------------------------------------------------


def test_year_end_settlement_returns_the_balance_and_reports_totals(clock, world, maiji):
    fund = allocate(maiji, residents=1000)  # 2 000
    other = reserve_allocate(actor=maiji.admin, town=maiji.other_town, year=2026, residents=500)  # 1 000
    household = household_of(maiji.caseworker, maiji.village, id_region=maiji.id_region)
    pay_first(maiji, household, "300")
    pay_first(maiji, household, "200")
    top_up = reserve_top_up_request(actor=maiji.caseworker, fund=fund, amount="400", reason="追加")
    reserve_top_up_decide(actor=maiji.reviewer, top_up=top_up, approve=True)
    assert refused(reserve_settle, actor=maiji.admin, fund=fund).code == "too_early"
    clock.move_to(at(D(2026, 12, 28)))
    assert isinstance(refused(reserve_settle, actor=maiji.reviewer, fund=fund), PermissionRefused)
    fund = reserve_settle(actor=maiji.admin, fund=fund)
    assert (fund.status, fund.returned, fund.balance) == ("settled", Decimal("1900.00"), Decimal("0"))
    entry = ReserveEntry.objects.filter(fund=fund).latest("id")
    assert (entry.kind, entry.amount, entry.balance_after) == ("settlement", Decimal("1900.00"), Decimal("0.00"))
    assert refused(reserve_settle, actor=maiji.admin, fund=fund).code == "reserve_settled"
    assert_consistent(fund)
    # a settled fund pays nothing more: the county pays directly
    pay_first(maiji, household, "100")
    assert fund_row(fund).drawn == Decimal("500.00")

    report = reserve_settlement_report(county=maiji.county, year=2026)
    by_town = {row["town"].pk: row for row in report["rows"]}
    row = by_town[maiji.town.pk]
    assert (row["residents"], row["allocated"], row["topped_up"], row["drawdown_count"], row["drawn"]) == (
        1000,
        Decimal("2000.00"),
        Decimal("400.00"),
        2,
        Decimal("500.00"),
    )
    assert (row["returned"], row["balance"]) == (Decimal("1900.00"), Decimal("0.00"))
    totals = report["totals"]
    assert totals["towns"] == 2 and totals["residents"] == 1500
    assert (totals["allocated"], totals["topped_up"], totals["drawn"]) == (
        Decimal("3000.00"),
        Decimal("400.00"),
        Decimal("500.00"),
    )
    assert totals["balance"] == fund_row(other).balance == Decimal("1000.00")
    assert totals["allocated"] + totals["topped_up"] - totals["drawn"] - totals["returned"] == totals["balance"]
    assert totals["drawdown_count"] == 2 and totals["settled"] == 1


# --- instalments ----------------------------------------------------------------------------------------------


def expenditure_confirmed(world, household, amount="5000"):
    app = accept(world.caseworker_a1, household, "temp_expenditure", requested_amount=Decimal(amount))
    app = application_investigation_start(actor=world.caseworker_a1, application=app)
    application_evaluate(actor=world.caseworker_a1, application=app)
    app = application_town_review(
        actor=world.caseworker_a1, application=fresh(app), approve=True, opinion="医疗支出属实，同意救助"
    )
    return application_decide(actor=world.reviewer_a, application=app, confirm=True)


def test_a_confirmed_expenditure_case_is_paid_in_instalments_on_successive_rolls(clock, world, poor_household):
    """一次审批、分次发放 (changbai-2021 §二(一)4: 3 monthly instalments): each on the roll of its month, once."""
    app = expenditure_confirmed(world, poor_household)
    plan = InstalmentPlan.objects.get(application=app)
    instalments = list(plan.instalments.order_by("seq"))
    assert plan.total == app.approved_amount == Decimal("2500.00")
    assert [(i.month, i.amount) for i in instalments] == [
        (D(2026, 3, 1), Decimal("833.34")),
        (D(2026, 4, 1), Decimal("833.33")),
        (D(2026, 5, 1), Decimal("833.33")),
    ]
    assert instalment_plan_create(actor=world.reviewer_a, application=app) == plan  # idempotent

    def roll_of(month):
        clock.move_to(at(month + dt.timedelta(days=20)))
        roll = roll_generate(actor=world.admin_a, county=world.county_a, program="temp_expenditure", month=month).roll
        return list(
            PaymentLine.objects.filter(roll=roll, kind=LineKind.INSTALMENT).values_list("instalment__seq", "amount_fen")
        )

    assert roll_of(D(2026, 3, 1)) == [(1, 83334)]
    assert roll_of(D(2026, 3, 1)) == [(1, 83334)]  # generated again: the same line
    assert roll_of(D(2026, 4, 1)) == [(2, 83333)]
    assert roll_of(D(2026, 5, 1)) == [(3, 83333)]
    assert roll_of(D(2026, 6, 1)) == []
    assert PaymentLine.objects.filter(kind=LineKind.INSTALMENT).count() == 3
    total = sum(PaymentLine.objects.filter(kind=LineKind.INSTALMENT).values_list("amount_fen", flat=True))
    assert total == 250000


def test_cancelled_instalments_are_not_paid_and_paid_ones_cannot_be_cancelled(clock, world, poor_household):
    app = expenditure_confirmed(world, poor_household)
    first, second, third = Instalment.objects.filter(plan__application=app).order_by("seq")
    clock.move_to(at(D(2026, 3, 20)))
    roll_generate(actor=world.admin_a, county=world.county_a, program="temp_expenditure", month=D(2026, 3, 1))
    assert refused(instalment_cancel, actor=world.admin_a, instalment=first, reason="不再需要").code == (
        "instalment_on_roll"
    )
    assert isinstance(
        refused(instalment_cancel, actor=world.caseworker_a1, instalment=third, reason="x"), PermissionRefused
    )
    assert refused(instalment_cancel, actor=world.admin_a, instalment=third, reason="").status == 400
    third = instalment_cancel(actor=world.admin_a, instalment=third, reason="医疗费用已由商业保险报销")
    assert third.status == InstalmentStatus.CANCELLED
    clock.move_to(at(D(2026, 5, 20)))
    roll = roll_generate(actor=world.admin_a, county=world.county_a, program="temp_expenditure", month=D(2026, 5, 1))
    assert list(PaymentLine.objects.filter(roll=roll.roll).values_list("instalment_id", flat=True)) == [second.pk]


def test_a_refused_expenditure_case_gets_no_plan(clock, world, poor_household):
    app = accept(world.caseworker_a1, poor_household, "temp_expenditure", requested_amount=Decimal("5000"))
    app = application_investigation_start(actor=world.caseworker_a1, application=app)
    application_evaluate(actor=world.caseworker_a1, application=app)
    app = application_town_review(
        actor=world.caseworker_a1, application=fresh(app), approve=True, opinion="医疗支出属实，同意救助"
    )
    application_decide(actor=world.reviewer_a, application=app, confirm=False, reasons="支出已由其他渠道解决，不予救助")
    assert not InstalmentPlan.objects.exists()


# --- price subsidy --------------------------------------------------------------------------------------------


@pytest.fixture
def covered(clock, world, poor_household):
    """A 低保 household of two and a 特困 person in 长白, both enrolled from April 2026."""
    dibao = enrol_changbai(clock, world, poor_household)
    person = tekun_person(world.caseworker_a1, world.village_a1)
    tekun = enrol_changbai(clock, world, person, program="tekun", subject=person.head)
    return dibao, tekun


def test_price_subsidy_pays_every_covered_person_once(clock, world, covered):
    """maiji-2021 §四(二)6 (按规定及时发放价格临时补贴): one line per person, total = persons × amount."""
    dibao, tekun = covered
    batch = subsidy_batch_create(
        actor=world.admin_a,
        county=world.county_a,
        month="2026-05",
        amount_per_person="45.50",
        programs=["tekun", "dibao"],
        basis="白政发〔2026〕3号 价格临时补贴",
    )
    assert batch.programs == ["dibao", "tekun"] and batch.code.startswith("JB220623202605")
    roll = subsidy_batch_generate(actor=world.admin_a, batch=batch)
    lines = list(PaymentLine.objects.filter(roll=roll).order_by("member_id"))
    members = sorted([*dibao.household.members.values_list("id", flat=True), tekun.subject_id])
    assert [line.member_id for line in lines] == members
    assert {line.amount_fen for line in lines} == {4550} and {line.kind for line in lines} == {"price_subsidy"}
    assert {line.enrolment_id for line in lines} == {dibao.pk, tekun.pk}
    assert (roll.kind, roll.program, roll.subsidy_batch_id, roll.line_count) == (
        RollKind.PRICE_SUBSIDY,
        "",
        batch.pk,
        3,
    )
    assert roll.total_fen == 3 * 4550
    batch.refresh_from_db()
    assert (batch.person_count, batch.status) == (3, SubsidyBatchStatus.GENERATED)
    # generated again: the same lines; the roll's lifecycle is the ordinary one
    again = subsidy_batch_generate(actor=world.admin_a, batch=batch)
    assert again.pk == roll.pk and again.line_count == 3
    roll = roll_check(actor=world.admin_a, roll=again)
    assert refused(subsidy_batch_generate, actor=world.admin_a, batch=batch).code == "roll_frozen"
    assert roll.status == RollStatus.CHECKED


def test_price_subsidy_covers_only_the_chosen_groups_and_months_in_force(clock, world, covered):
    dibao, tekun = covered
    only_tekun = subsidy_batch_create(
        actor=world.admin_a,
        county=world.county_a,
        month=D(2026, 5, 1),
        amount_per_person="30",
        programs=["tekun"],
        basis="文件",
    )
    assert list(
        PaymentLine.objects.filter(roll=subsidy_batch_generate(actor=world.admin_a, batch=only_tekun)).values_list(
            "member_id", flat=True
        )
    ) == [tekun.subject_id]
    before_start = subsidy_batch_create(
        actor=world.admin_a,
        county=world.county_a,
        month="2026-03",
        amount_per_person="30",
        programs=["dibao", "tekun"],
        basis="文件",
    )
    assert subsidy_batch_generate(actor=world.admin_a, batch=before_start).line_count == 0
    assert before_start.code.endswith("-01") and only_tekun.code.endswith("-01")
    second = subsidy_batch_create(
        actor=world.admin_a,
        county=world.county_a,
        month="2026-05",
        amount_per_person="10",
        programs=["dibao"],
        basis="文件",
    )
    assert second.code.endswith("-02")
    # a member who died before the month is not paid
    clock.move_to(at(D(2026, 5, 20)))
    child = dibao.household.members.exclude(relation="head").get()
    life_event_record(actor=world.caseworker_a1, member=child, kind="death", occurred_on=D(2026, 5, 18))
    june = subsidy_batch_create(
        actor=world.admin_a,
        county=world.county_a,
        month="2026-06",
        amount_per_person="10",
        programs=["dibao"],
        basis="文件",
    )
    members = list(
        PaymentLine.objects.filter(roll=subsidy_batch_generate(actor=world.admin_a, batch=june)).values_list(
            "member_id", flat=True
        )
    )
    assert child.pk not in members


def test_price_subsidy_permissions_and_bad_input(clock, world, profiles):
    good = {
        "county": world.county_a,
        "month": "2026-05",
        "amount_per_person": "20",
        "programs": ["dibao"],
        "basis": "文件",
    }
    for actor in (world.caseworker_a1, world.reviewer_a, world.admin_b):
        assert isinstance(refused(subsidy_batch_create, actor=actor, **good), PermissionRefused)
    for field, value in (
        ("amount_per_person", "0"),
        ("amount_per_person", "1.234"),
        ("programs", ["temp_emergency"]),
        ("programs", []),
        ("basis", " "),
        ("month", "2026-13"),
    ):
        error = refused(subsidy_batch_create, actor=world.admin_a, **{**good, field: value})
        assert error.status == 400 and field in error.fields, (field, value)
    batch = subsidy_batch_create(actor=world.admin_a, **good)
    assert isinstance(refused(subsidy_batch_generate, actor=world.admin_b, batch=batch), PermissionRefused)
    assert not PaymentRoll.objects.exists()


# --- funeral payments -----------------------------------------------------------------------------------------


def test_a_maiji_tekun_death_puts_one_funeral_line_on_the_next_tekun_roll(clock, world, maiji):
    """maiji-2021 §四(四)5 … §四(二)5: 12 months of basic living + care, paid once on the next 特困 roll."""
    household = tekun_person(maiji.caseworker, maiji.village, id_region=maiji.id_region)
    enrol_maiji(clock, maiji, household, program="tekun", subject=household.head)
    clock.move_to(at(D(2026, 5, 20)))
    event = life_event_record(actor=maiji.caseworker, member=household.head, kind="death", occurred_on=D(2026, 5, 18))
    assert event.funeral_amount > 0

    def funeral_lines(month):
        roll = roll_generate(actor=maiji.admin, county=maiji.county, program="tekun", month=month).roll
        return list(
            PaymentLine.objects.filter(roll=roll, kind=LineKind.FUNERAL).values_list("life_event_id", "amount_fen")
        )

    assert funeral_lines(D(2026, 6, 1)) == [(event.pk, int(event.funeral_amount * 100))]
    assert funeral_lines(D(2026, 6, 1)) == [(event.pk, int(event.funeral_amount * 100))]
    assert funeral_lines(D(2026, 5, 1)) == []  # already on the June roll
    assert PaymentLine.objects.filter(kind=LineKind.FUNERAL).count() == 1


# --- pages ----------------------------------------------------------------------------------------------------


def test_reserve_pages_allocate_request_decide_and_report(client, clock, world, maiji):
    # the administrator allocates from the list page
    client.force_login(maiji.admin)
    page = client.get(reverse("payment-reserve-list"), {"county": maiji.county.pk, "year": 2026})
    assert page.status_code == 200 and "每人 2 元" in page.content.decode()
    bad = client.post(
        reverse("payment-reserve-allocate"),
        {"county": maiji.county.pk, "town": maiji.town.pk, "year": 2026, "residents": "abc"},
    )
    assert bad.status_code == 400 and "辖区人口格式不正确" in bad.content.decode()
    response = client.post(
        reverse("payment-reserve-allocate"),
        {"county": maiji.county.pk, "town": maiji.town.pk, "year": 2026, "residents": "500"},
    )
    fund = ReserveFund.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("payment-reserve-detail", args=[fund.pk])
    again = client.post(
        reverse("payment-reserve-allocate"),
        {"county": maiji.county.pk, "town": maiji.town.pk, "year": 2026, "residents": "500"},
    )
    assert again.status_code == 409 and "不能重复预拨" in again.content.decode()
    # the town's caseworker sees the fund and asks for more
    client.force_login(maiji.caseworker)
    listing = client.get(reverse("payment-reserve-list"))
    assert listing.status_code == 200 and "1000.00" in listing.content.decode()
    detail = client.get(reverse("payment-reserve-detail", args=[fund.pk]))
    assert detail.status_code == 200 and 'data-testid="top-up-form"' in detail.content.decode()
    assert (
        client.post(reverse("payment-reserve-top-up", args=[fund.pk]), {"amount": "x", "reason": "用完"}).status_code
        == 400
    )
    response = client.post(
        reverse("payment-reserve-top-up", args=[fund.pk]), {"amount": "300", "reason": "备用金已用完"}
    )
    assert response.status_code == 302
    top_up = fund.top_ups.get()
    # a caseworker of another town does not even see it
    client.force_login(maiji.other_caseworker)
    assert client.get(reverse("payment-reserve-detail", args=[fund.pk])).status_code == 404
    # the county reviewer decides
    client.force_login(maiji.admin)
    assert (
        client.post(reverse("payment-reserve-top-up-decide", args=[top_up.pk]), {"decision": "approve"}).status_code
        == 403
    )
    client.force_login(maiji.reviewer)
    assert client.post(reverse("payment-reserve-top-up-decide", args=[top_up.pk]), {"decision": "?"}).status_code == 400
    response = client.post(reverse("payment-reserve-top-up-decide", args=[top_up.pk]), {"decision": "approve"})
    assert response.status_code == 302 and fund_row(fund).balance == Decimal("1300.00")
    # settlement is refused before December, then done
    client.force_login(maiji.admin)
    assert client.post(reverse("payment-reserve-settle", args=[fund.pk])).status_code == 409
    clock.move_to(at(D(2026, 12, 30)))
    client.force_login(maiji.admin)  # the session of March has expired
    assert client.post(reverse("payment-reserve-settle", args=[fund.pk])).status_code == 302
    report = client.get(reverse("payment-reserve-report"), {"county": maiji.county.pk, "year": 2026})
    body = report.content.decode()
    assert report.status_code == 200 and "年终清算表" in body and "1300.00" in body
    xlsx = client.get(reverse("payment-reserve-report-xlsx"), {"county": maiji.county.pk, "year": 2026})
    assert xlsx.status_code == 200 and xlsx["Content-Type"].startswith("application/vnd.openxmlformats")
    from io import BytesIO

    from openpyxl import load_workbook

    sheet = load_workbook(BytesIO(xlsx.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[2][0] == maiji.town.name and Decimal(str(rows[2][2])) == Decimal("1000")
    assert rows[-1][0] == "合计" and Decimal(str(rows[-1][7])) == Decimal("1300")
    assert client.get(reverse("payment-reserve-report"), {"county": maiji.county.pk, "year": "x"}).status_code == 400
    # a village assistant has no reserve pages
    client.force_login(world.assistant_a1)
    assert client.get(reverse("payment-reserve-list")).status_code == 403


def test_subsidy_pages_create_and_generate(client, clock, world, covered):
    client.force_login(world.admin_a)
    url = reverse("payment-subsidy-list")
    assert client.get(url).status_code == 200
    bad = client.post(
        url,
        {
            "county": world.county_a.pk,
            "month": "2026-05",
            "amount_per_person": "0",
            "programs": ["dibao"],
            "basis": "文件",
        },
    )
    assert bad.status_code == 400 and "必须大于0" in bad.content.decode()
    response = client.post(
        url,
        {
            "county": world.county_a.pk,
            "month": "2026-05",
            "amount_per_person": "20",
            "programs": ["dibao", "tekun"],
            "basis": "文件",
        },
    )
    assert response.status_code == 302
    batch = (
        world.county_a and __import__("payments.models", fromlist=["PriceSubsidyBatch"]).PriceSubsidyBatch.objects.get()
    )
    response = client.post(reverse("payment-subsidy-generate", args=[batch.pk]))
    roll = PaymentRoll.objects.get(subsidy_batch=batch)
    assert response.status_code == 302 and response["Location"] == reverse("payment-roll-detail", args=[roll.pk])
    assert roll.line_count == 3 and roll.total_fen == 6000
    listing = client.get(url).content.decode()
    assert batch.code in listing and roll.code in listing
    client.force_login(world.reviewer_a)
    assert client.post(reverse("payment-subsidy-generate", args=[batch.pk])).status_code == 403
    client.force_login(world.caseworker_a1)
    assert client.get(url).status_code == 403
    client.force_login(world.admin_b)
    assert client.post(reverse("payment-subsidy-generate", args=[batch.pk])).status_code == 404


def test_instalment_page_lists_the_plan_and_cancels(client, clock, world, poor_household):
    app = expenditure_confirmed(world, poor_household)
    client.force_login(world.admin_a)
    url = reverse("payment-instalment-plan", args=[app.pk])
    page = client.get(url)
    assert page.status_code == 200 and "833.34" in page.content.decode() and "第 3 期" in page.content.decode()
    third = Instalment.objects.get(plan__application=app, seq=3)
    cancel = reverse("payment-instalment-cancel", args=[third.pk])
    assert client.post(cancel, {"reason": ""}).status_code == 400
    assert client.post(cancel, {"reason": "费用已由其他渠道解决"}).status_code == 302
    assert Instalment.objects.get(pk=third.pk).status == "cancelled"
    client.force_login(world.caseworker_a1)
    assert client.get(url).status_code == 200  # the case's town
    assert client.post(reverse("payment-instalment-cancel", args=[third.pk - 1]), {"reason": "x"}).status_code == 403
    client.force_login(world.admin_b)
    assert client.get(url).status_code == 404


# --- API ------------------------------------------------------------------------------------------------------


def api_for(user) -> APIClient:
    api = APIClient()
    api.force_authenticate(user)
    return api


def test_api_funds_top_up_and_report(clock, world, maiji):
    fund = allocate(maiji, residents=400)
    caseworker = api_for(maiji.caseworker)
    body = caseworker.get("/api/payments/reserve/funds/").json()
    assert body["count"] == 1 and body["results"][0]["balance"] == "800.00"
    assert api_for(maiji.other_caseworker).get("/api/payments/reserve/funds/").json()["count"] == 0
    detail = caseworker.get(f"/api/payments/reserve/funds/{fund.pk}/").json()
    assert [e["kind"] for e in detail["entries"]] == ["allocation"]
    response = caseworker.post(
        f"/api/payments/reserve/funds/{fund.pk}/top-ups/", {"amount": "0", "reason": "用完"}, format="json"
    )
    assert response.status_code == 400
    response = caseworker.post(
        f"/api/payments/reserve/funds/{fund.pk}/top-ups/", {"amount": "200", "reason": "用完"}, format="json"
    )
    assert response.status_code == 201 and response.json()["status"] == "pending"
    top_up = response.json()["id"]
    assert (
        caseworker.post(f"/api/payments/reserve/top-ups/{top_up}/decide/", {"approve": True}, format="json").status_code
        == 403
    )
    reviewer = api_for(maiji.reviewer)
    assert (
        reviewer.post(f"/api/payments/reserve/top-ups/{top_up}/decide/", {"approve": True}, format="json").status_code
        == 200
    )
    assert (
        reviewer.post(f"/api/payments/reserve/top-ups/{top_up}/decide/", {"approve": True}, format="json").status_code
        == 409
    )
    report = reviewer.get("/api/payments/reserve/report/", {"county": maiji.county.code, "year": 2026})
    assert report.status_code == 200
    totals = report.json()["totals"]
    assert (totals["allocated"], totals["topped_up"], totals["balance"]) == ("800.00", "200.00", "1000.00")
    assert caseworker.get("/api/payments/reserve/report/").status_code == 403
    assert reviewer.get("/api/payments/reserve/report/", {"year": "x"}).status_code == 400


def test_api_subsidy_batch_create_and_generate(clock, world, covered):
    admin = api_for(world.admin_a)
    good = {
        "county": world.county_a.code,
        "month": "2026-05",
        "amount_per_person": "12.50",
        "programs": ["dibao", "tekun"],
        "basis": "文件",
    }
    assert admin.post("/api/payments/subsidies/", {**good, "programs": ["x"]}, format="json").status_code == 400
    assert admin.post("/api/payments/subsidies/", {**good, "amount_per_person": "0"}, format="json").status_code == 400
    assert api_for(world.reviewer_a).post("/api/payments/subsidies/", good, format="json").status_code == 403
    response = admin.post("/api/payments/subsidies/", good, format="json")
    assert response.status_code == 201 and response.json()["roll"] is None
    batch = response.json()["id"]
    generated = admin.post(f"/api/payments/subsidies/{batch}/generate/")
    assert generated.status_code == 200
    assert (generated.json()["line_count"], generated.json()["total_fen"], generated.json()["kind"]) == (
        3,
        3750,
        "price_subsidy",
    )
    listing = admin.get("/api/payments/subsidies/").json()
    assert listing["results"][0]["person_count"] == 3 and listing["results"][0]["roll"] == generated.json()["id"]
    assert api_for(world.admin_b).post(f"/api/payments/subsidies/{batch}/generate/").status_code == 404
