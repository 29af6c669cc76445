"""The registry turned into the rules' facts (``eligibility.selectors.household_facts``): members and their
states in the month, average incomes over the recorded months, property, rigid expenses of the last 12
months, supporters — in a constant number of queries."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from assistance.models import RecognisedIllness
from assistance.services import illness_save, system_actor
from cases.services import (
    MemberInput,
    asset_add,
    expense_add,
    household_create,
    income_record,
    member_add,
    member_remove,
    supporter_add,
)
from eligibility.rules import facts
from eligibility.selectors import household_facts
from tests.factories import make_household, new_id_number

JULY = datetime.date(2026, 7, 1)


def month(year: int, m: int) -> datetime.date:
    return datetime.date(year, m, 1)


@pytest.fixture
def family(world):
    """A rural household of 长白: the head (born 1958) and a disabled, seriously ill son (born 2008)."""
    actor = world.caseworker_a1
    illness = illness_save(actor=system_actor(), illness=RecognisedIllness(county=world.county_a, name="白血病"))
    household = household_create(
        actor=actor,
        members=[
            MemberInput(
                "金永哲",
                new_id_number(birth=datetime.date(1958, 4, 2)),
                "head",
                extra={"employment": "farming", "labour_ability": "partial"},
            )
        ],
        hukou_region=world.village_a1b,
        area_type="rural",
        residence_address="十四道沟村3组",
    )
    son = member_add(
        actor=actor,
        household=household,
        name="金明",
        id_number=new_id_number(birth=datetime.date(2008, 9, 1)),
        relation="child",
        disability_type="physical",
        disability_grade=2,
        serious_illness=illness,
        education_stage="senior",
        in_school=True,
        **dict.fromkeys(("selfcare_eating", "selfcare_dressing", "selfcare_transfer"), True),
        **dict.fromkeys(("selfcare_toileting", "selfcare_walking", "selfcare_bathing"), False),
        selfcare_assessed_on=datetime.date(2026, 3, 1),
    )
    household.refresh_from_db()
    return household, household.head, son


def test_members_become_persons_with_their_states(world, family):
    # given
    household, head, son = family
    # when
    result = household_facts(household=household, month=JULY)
    # then
    assert isinstance(result, facts.Household)
    assert result.area_type == "rural"
    by_ref = {p.ref: p for p in result.members}
    assert set(by_ref) == {str(head.pk), str(son.pk)}
    assert by_ref[str(head.pk)].birth_date == datetime.date(1958, 4, 2)
    assert by_ref[str(head.pk)].relation == "head"
    assert by_ref[str(head.pk)].labour_ability == "partial"
    assert by_ref[str(head.pk)].employment == "farming"
    assert not by_ref[str(head.pk)].serious_illness
    child = by_ref[str(son.pk)]
    assert (child.disability_type, child.disability_grade) == ("physical", 2)
    assert child.serious_illness
    assert child.selfcare_level == "partial"  # three of the six items not met
    assert (child.education_stage, child.in_school) == ("senior", True)
    assert child.sex in ("M", "F")
    assert not (child.deceased or child.imprisoned or child.missing)


def test_states_as_of_the_last_day_of_the_month(world, family):
    """Death, imprisonment and disappearance count from the month they happen; a release before the month's
    end does not."""
    # given
    household, head, son = family
    from cases.services import member_update

    member_update(
        actor=world.caseworker_a1, member=head, expected_version=head.version, deceased_on=datetime.date(2026, 7, 20)
    )
    son.refresh_from_db()
    member_update(
        actor=world.caseworker_a1,
        member=son,
        expected_version=son.version,
        imprisoned_from=datetime.date(2026, 5, 3),
        imprisoned_until=datetime.date(2026, 8, 10),
    )
    # when
    june = {p.ref: p for p in household_facts(household=household, month=month(2026, 6)).members}
    july = {p.ref: p for p in household_facts(household=household, month=JULY).members}
    august = {p.ref: p for p in household_facts(household=household, month=month(2026, 8)).members}
    april = {p.ref: p for p in household_facts(household=household, month=month(2026, 4)).members}
    # then
    assert not june[str(head.pk)].deceased
    assert july[str(head.pk)].deceased
    assert june[str(son.pk)].imprisoned and july[str(son.pk)].imprisoned
    assert not august[str(son.pk)].imprisoned  # released on 10 August
    assert not april[str(son.pk)].imprisoned


def test_former_members_are_not_facts(world, family):
    household, head, son = family
    member_remove(actor=world.caseworker_a1, member=son, left_on=datetime.date(2026, 6, 1), reason="moved_out")
    result = household_facts(household=household, month=JULY)
    assert [p.ref for p in result.members] == [str(head.pk)]


def test_incomes_are_averaged_over_the_recorded_months_of_the_last_six(world, family):
    """Only months among the six before the decided month that have records count; a kind missing from a recorded
    month counts as 0 there; the decided month itself and older months are left out."""
    # given
    household, head, son = family
    actor = world.caseworker_a1
    for m, amount in ((4, "900"), (5, "1200"), (6, "1500")):
        income_record(actor=actor, member=head, month=month(2026, m), kind="wages", amount=Decimal(amount))
    income_record(actor=actor, member=son, month=month(2026, 5), kind="scholarship", amount=Decimal("500"))
    income_record(actor=actor, member=head, month=JULY, kind="wages", amount=Decimal("9999"))  # the month decided
    income_record(actor=actor, member=head, month=month(2025, 12), kind="wages", amount=Decimal("8888"))  # 7 months ago
    # when
    result = household_facts(household=household, month=JULY)
    # then
    by_ref = {p.ref: dict(p.incomes) for p in result.members}
    assert by_ref[str(head.pk)] == {"wages": Decimal("1200.00")}  # (900 + 1200 + 1500) / 3
    assert by_ref[str(son.pk)] == {"scholarship": Decimal("166.67")}  # 500 / 3, half up to the fen


def test_no_income_records_means_no_incomes(world, family):
    household, _head, _son = family
    result = household_facts(household=household, month=JULY)
    assert all(p.incomes == () for p in result.members)
    assert result.last_year_total_income is None


def test_last_year_total_income_scales_the_recorded_months_to_a_year(world, family):
    """Every income kind but the deductions (job costs, transfer expenses), over last calendar year's recorded
    months, times twelve."""
    household, head, son = family
    actor = world.caseworker_a1
    income_record(actor=actor, member=head, month=month(2025, 11), kind="wages", amount=Decimal("1000"))
    income_record(actor=actor, member=head, month=month(2025, 12), kind="wages", amount=Decimal("1000"))
    income_record(actor=actor, member=head, month=month(2025, 12), kind="job_cost", amount=Decimal("300"))
    income_record(actor=actor, member=son, month=month(2025, 12), kind="basic_pension", amount=Decimal("150"))
    income_record(actor=actor, member=head, month=month(2024, 12), kind="wages", amount=Decimal("7777"))
    result = household_facts(household=household, month=JULY)
    assert result.last_year_total_income == Decimal("12900.00")  # (1000 + 1000 + 150) / 2 × 12


def test_property_financial_assets_vehicles_and_homes(world, family):
    # given
    household, head, _son = family
    actor = world.caseworker_a1
    on = datetime.date(2026, 6, 1)
    asset_add(actor=actor, household=household, kind="deposit", value=Decimal("3000"), valued_on=on, owner=head)
    asset_add(actor=actor, household=household, kind="securities", value=Decimal("2000.50"), valued_on=on)
    asset_add(actor=actor, household=household, kind="internet_finance", value=Decimal("100"), valued_on=on)
    asset_add(
        actor=actor,
        household=household,
        kind="insurance",
        value=Decimal("5000"),
        valued_on=on,
        is_exempt=True,
        exempt_reason="重病治疗专款",
    )
    asset_add(
        actor=actor,
        household=household,
        kind="vehicle",
        value=Decimal("40000"),
        vehicle_purchase_price=Decimal("60000"),
        vehicle_plate="吉F12345",
        valued_on=on,
    )
    asset_add(
        actor=actor,
        household=household,
        kind="real_estate",
        value=Decimal("200000"),
        floor_area=Decimal("80.5"),
        is_only_home=True,
        valued_on=on,
    )
    asset_add(actor=actor, household=household, kind="other", value=Decimal("7000"), valued_on=on)
    # when
    result = household_facts(household=household, month=JULY)
    # then
    assert result.financial_assets == Decimal("5100.50")  # the exempt insurance and other property left out
    assert result.vehicles == (facts.Vehicle(value=Decimal("40000"), purchase_price=Decimal("60000"), exempt=False),)
    assert result.homes == (facts.Home(value=Decimal("200000"), floor_area=Decimal("80.5"), only_home=True),)


def test_rigid_expenses_of_the_twelve_months_before_pro_rata(world, family):
    # given
    household, head, son = family
    actor = world.caseworker_a1

    def expense(kind, amount, start, end, member=None):
        expense_add(
            actor=actor,
            household=household,
            kind=kind,
            amount=Decimal(amount),
            period_start=start,
            period_end=end,
            member=member,
        )

    expense("medical", "1200", month(2026, 1), month(2026, 3), head)  # inside the window
    expense("education", "2400", month(2025, 1), month(2025, 12), son)  # 6 of its 12 months inside (2025-07…)
    expense("rehabilitation", "1000", month(2026, 6), month(2026, 8), son)  # 1 of 3 months inside
    expense("care", "500", month(2024, 1), month(2024, 2))  # long before
    expense("medical", "300", JULY, JULY, head)  # the month decided: not in the window, but this year's medical
    expense("medical", "800", month(2025, 10), month(2025, 10), head)  # last year: in the window, not this year
    # when
    result = household_facts(household=household, month=JULY)
    # then
    assert dict(result.rigid_expenses_12m) == {
        "education": Decimal("1200.00"),
        "medical": Decimal("2000.00"),
        "rehabilitation": Decimal("333.33"),
    }
    by_ref = {p.ref: p for p in result.members}
    assert by_ref[str(head.pk)].medical_self_paid_this_year == Decimal("1500")
    assert by_ref[str(son.pk)].medical_self_paid_this_year == Decimal("0")


def test_supporters(world, family):
    household, head, _son = family
    supporter_add(
        actor=world.caseworker_a1,
        household=household,
        supported_member=head,
        name="金英",
        id_number=new_id_number(birth=datetime.date(1985, 2, 3), male=False),
        relation="child",
        annual_income=Decimal("36000"),
        is_dibao=True,
        disability_type="visual",
        disability_grade=3,
    )
    result = household_facts(household=household, month=JULY)
    (supporter,) = result.supporters
    assert supporter.supports == str(head.pk)
    assert supporter.relation == "child"
    assert supporter.birth_date == datetime.date(1985, 2, 3)
    assert supporter.annual_income == Decimal("36000")
    assert supporter.is_dibao and not supporter.is_tekun
    assert (supporter.disability_type, supporter.disability_grade) == ("visual", 3)


def _fill(world, household, *, members: int, records: int) -> None:
    actor = world.caseworker_a1
    people = list(household.members.filter(is_active=True))
    for i in range(members - len(people)):
        people.append(
            member_add(
                actor=actor,
                household=household,
                name=f"成员{i}",
                id_number=new_id_number(birth=datetime.date(1990, 1, 1)),
                relation="child",
            )
        )
    for person in people:
        for m in range(1, records + 1):
            income_record(actor=actor, member=person, month=month(2026, m), kind="wages", amount=Decimal("100"))
    for i in range(records):
        asset_add(
            actor=actor, household=household, kind="deposit", value=Decimal("10"), valued_on=datetime.date(2026, 1, 1)
        )
        expense_add(
            actor=actor,
            household=household,
            kind="medical",
            amount=Decimal("10"),
            period_start=month(2026, 1 + i % 6),
            period_end=month(2026, 1 + i % 6),
            member=people[0],
        )
        supporter_add(
            actor=actor,
            household=household,
            supported_member=people[0],
            name=f"义务人{i}",
            id_number=new_id_number(birth=datetime.date(1970, 1, 1)),
            relation="child",
        )


def test_queries_do_not_grow_with_the_household(world):
    """Five queries (members, incomes, property, expenses, supporters), whether small or large."""
    small = make_household(world.caseworker_a1, world.village_a1b, members=1)
    large = make_household(world.caseworker_a1, world.village_a1b, members=2)
    _fill(world, small, members=1, records=1)
    _fill(world, large, members=6, records=5)
    counts = []
    for household in (small, large):
        with CaptureQueriesContext(connection) as captured:
            result = household_facts(household=household, month=JULY)
        counts.append(len(captured))
        assert result.members
    assert counts == [5, 5]
