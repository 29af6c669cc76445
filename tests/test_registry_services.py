"""The registry services: validation with Chinese field messages, all-or-nothing writes, optimistic
locking, one active household per person, the head rules, self-care levels, income treatment, owners
of property and expenses, who may write, and guardian grants."""

import datetime
from decimal import Decimal

import pytest
from django.http import Http404

from assistance.errors import ApplicationError, StaleVersion
from audit.models import AuditEvent
from cases.choices import INCOME_TREATMENT, HouseholdStatus, IncomeKind, IncomeTreatment, SelfCareLevel
from cases.models import Asset, Household, LegalSupporter, Member, MemberIncome, RigidExpense
from cases.selectors import household_get_for, household_list_for, member_get_for
from cases.services import (
    MemberInput,
    asset_add,
    asset_delete,
    asset_update,
    expense_add,
    expense_update,
    household_change_head,
    household_create,
    household_grant_access,
    household_update,
    income_delete,
    income_record,
    income_update,
    member_add,
    member_remove,
    member_reveal_id_number,
    member_update,
    selfcare_level,
    supporter_add,
)
from tests.factories import make_household, new_id_number

LAST_MONTH = (datetime.date.today().replace(day=1) - datetime.timedelta(days=1)).replace(day=1)


def _counts():
    return (Household.objects.count(), Member.objects.count(), AuditEvent.objects.count())


def _refusal(call, **kwargs) -> ApplicationError:
    """Call a service that must refuse, and check it left nothing behind."""
    before = _counts()
    with pytest.raises(ApplicationError) as error:
        call(**kwargs)
    assert _counts() == before
    return error.value


def _create(actor, village, members, **fields):
    fields.setdefault("residence_address", "长白镇民主街1号")
    fields.setdefault("area_type", "urban")
    return household_create(actor=actor, members=members, hukou_region=village, **fields)


def _head(name="户主"):
    return MemberInput(name, new_id_number(), "head")


def _bad_checksum(number: str) -> str:
    return number[:17] + ("0" if number[17] != "0" else "1")


# --- household_create ---------------------------------------------------------------------------------


def test_household_create_writes_household_members_and_events(world):
    household = _create(world.caseworker_a1, world.village_a1, [_head(), MemberInput("子", new_id_number(), "child")])

    assert household.status == HouseholdStatus.ACTIVE
    assert household.version == 1
    assert household.code == f"220623{household.pk:08d}"
    assert household.head.relation == "head"
    assert household.members.count() == 2
    actions = list(
        AuditEvent.objects.filter(household_ref=household.pk).order_by("id").values_list("action", flat=True)
    )
    assert actions == ["household.create", "member.create", "member.create"]


def test_second_member_invalid_leaves_nothing(world):
    """All or nothing: no household, no member and no audit event when any member is refused."""
    members = [_head(), MemberInput("错号", _bad_checksum(new_id_number()), "child")]

    error = _refusal(_create, actor=world.caseworker_a1, village=world.village_a1, members=members)

    assert error.code == "invalid_id_number"
    assert error.fields == {"id_number": ["身份证号校验位错误，请核对是否录入有误"]}


@pytest.mark.parametrize(
    ("relations", "code"),
    [(["child", "child"], "head_required"), (["head", "head"], "head_required")],
)
def test_exactly_one_head(world, relations, code):
    members = [MemberInput(f"人{i}", new_id_number(), rel) for i, rel in enumerate(relations)]
    error = _refusal(_create, actor=world.caseworker_a1, village=world.village_a1, members=members)
    assert error.code == code
    assert error.fields == {"members": ["请指定一名户主"]}


def test_same_id_number_twice_in_one_registration_refused(world):
    number = new_id_number()
    members = [MemberInput("甲", number, "head"), MemberInput("乙", number.lower(), "child")]
    error = _refusal(_create, actor=world.caseworker_a1, village=world.village_a1, members=members)
    assert error.code == "duplicate_member"


def test_hukou_region_required_and_must_be_a_village(world):
    error = _refusal(household_create, actor=world.caseworker_a1, members=[_head()], residence_address="x")
    assert error.fields == {"hukou_region": ["这是必填项"]}

    error = _refusal(_create, actor=world.caseworker_a1, village=world.town_a1, members=[_head()])
    assert error.fields == {"hukou_region": ["请选择村（社区）"]}


@pytest.mark.parametrize(
    ("fields", "field_name", "message"),
    [
        ({"phone": "abc"}, "phone", "请输入有效的电话号码（7–20位数字）"),
        (
            {"bank_account_number": "12ab", "bank_account_holder": "张三"},
            "bank_account_number",
            "银行账号应为8–30位数字",
        ),
        ({"bank_account_number": "6222020200112233"}, "__all__", "填写银行账号时必须填写账户户名"),
        ({"residence_address": ""}, "residence_address", "此字段不能为空。"),
        ({"area_type": "suburb"}, "area_type", "值 'suburb' 不是有效选项。"),
    ],
)
def test_household_field_messages_in_chinese(world, fields, field_name, message):
    error = _refusal(_create, actor=world.caseworker_a1, village=world.village_a1, members=[_head()], **fields)
    assert message in error.fields[field_name]


def test_unknown_household_field_refused(world):
    error = _refusal(_create, actor=world.caseworker_a1, village=world.village_a1, members=[_head()], status="closed")
    assert error.code == "unknown_fields"
    assert error.fields == {"status": ["不能修改此字段"]}


def test_member_field_messages_in_chinese(world):
    member = MemberInput(
        "残疾人",
        new_id_number(),
        "head",
        extra={"disability_type": "visual", "in_school": True, "deceased_on": datetime.date(2999, 1, 1)},
    )
    error = _refusal(_create, actor=world.caseworker_a1, village=world.village_a1, members=[member])
    assert error.code == "invalid"
    assert error.fields["disability_grade"] == ["残疾类别和残疾等级须同时填写"]
    assert error.fields["education_stage"] == ["在校就读须填写教育阶段"]
    assert "日期不能晚于今天" in error.fields["deceased_on"]


def test_future_birth_date_in_id_number_refused(world):
    from cases.id_numbers import make_id_number

    tomorrow = datetime.date.today() + datetime.timedelta(days=1)
    member = MemberInput("未生", make_id_number("220623", tomorrow, 11), "head")
    error = _refusal(_create, actor=world.caseworker_a1, village=world.village_a1, members=[member])
    assert error.fields == {"id_number": ["身份证号中的出生日期晚于今天"]}


def test_birth_date_and_sex_derived_from_the_id_number(world):
    from cases.id_numbers import make_id_number

    number = make_id_number("220623", datetime.date(1950, 3, 4), 12)
    household = _create(world.caseworker_a1, world.village_a1, [MemberInput("老人", number.lower(), "head")])
    head = household.head
    assert (head.id_number, head.birth_date, head.sex) == (number, datetime.date(1950, 3, 4), "F")


# --- optimistic locking -------------------------------------------------------------------------------


def test_stale_household_version_is_a_409(world):
    household = make_household(world.caseworker_a1, world.village_a1)
    household_update(actor=world.caseworker_a1, household=household, expected_version=1, phone="13800000000")

    with pytest.raises(StaleVersion) as error:
        household_update(actor=world.caseworker_a1, household=household, expected_version=1, phone="13900000000")

    assert error.value.status == 409
    assert error.value.code == "stale_version"
    assert error.value.message == "该记录已被他人修改，请刷新页面后重新填写"
    household.refresh_from_db()
    assert (household.phone, household.version) == ("13800000000", 2)


def test_household_update_records_the_changed_fields(world):
    household = make_household(world.caseworker_a1, world.village_a1)
    household_update(actor=world.caseworker_a1, household=household, expected_version=1, phone="13800000000")
    event = AuditEvent.objects.filter(action="household.update").latest("id")
    assert event.changes == {"phone": {"before": "", "after": "13800000000"}, "version": {"before": 1, "after": 2}}


def test_stale_member_version_is_a_409(world):
    household = make_household(world.caseworker_a1, world.village_a1)
    head = household.head
    member_update(actor=world.caseworker_a1, member=head, expected_version=head.version, name="新名")
    with pytest.raises(StaleVersion):
        member_update(actor=world.caseworker_a1, member=head, expected_version=head.version, name="又一名")
    head.refresh_from_db()
    assert head.name == "新名"


def test_household_update_cannot_move_it_out_of_the_actors_towns(world):
    household = make_household(world.caseworker_a1, world.village_a1)
    with pytest.raises(ApplicationError) as error:
        household_update(
            actor=world.caseworker_a1, household=household, expected_version=1, hukou_region=world.village_a2
        )
    assert error.value.fields == {"hukou_region": ["不在您的管辖范围内"]}
    household.refresh_from_db()
    assert household.hukou_region == world.village_a1


# --- one person, one active household ----------------------------------------------------------------


def test_duplicate_member_names_the_other_household_when_the_actor_may_see_it(world):
    first = make_household(world.caseworker_a1, world.village_a1)
    number = first.head.id_number
    second = make_household(world.caseworker_a1, world.village_a1b)

    error = _refusal(
        member_add, actor=world.caseworker_a1, household=second, name="同一人", id_number=number, relation="parent"
    )

    assert error.code == "duplicate_member"
    assert error.status == 409
    assert first.code in error.message and "民主社区" in error.message
    assert number not in error.message  # masked
    assert error.fields["id_number"] == [error.message]


def test_duplicate_member_hides_a_household_the_actor_may_not_see(world):
    first = make_household(world.caseworker_a1, world.village_a1)
    other = make_household(world.caseworker_b1, world.village_b1)

    error = _refusal(
        member_add,
        actor=world.caseworker_b1,
        household=other,
        name="同一人",
        id_number=first.head.id_number,
        relation="parent",
    )

    assert error.code == "duplicate_member"
    assert first.code not in error.message and "民主社区" not in error.message
    assert "已在其他地区的家庭登记为在册成员" in error.message


def test_person_who_left_may_join_another_household(world):
    first = make_household(world.caseworker_a1, world.village_a1, members=2)
    child = first.members.get(relation="child")
    member_remove(actor=world.caseworker_a1, member=child, left_on=datetime.date.today(), reason="married_out")
    second = make_household(world.caseworker_a1, world.village_a1b)

    joined = member_add(
        actor=world.caseworker_a1, household=second, name=child.name, id_number=child.id_number, relation="spouse"
    )

    assert Member.objects.filter(id_number=child.id_number).count() == 2
    assert Member.objects.get(id_number=child.id_number, is_active=True) == joined


# --- head rules --------------------------------------------------------------------------------------


def test_second_head_refused(world):
    household = make_household(world.caseworker_a1, world.village_a1)
    error = _refusal(
        member_add,
        actor=world.caseworker_a1,
        household=household,
        name="又一户主",
        id_number=new_id_number(),
        relation="head",
    )
    assert error.code == "head_exists"
    assert error.fields == {"relation": ["本户已有户主"]}


def test_relation_of_the_head_changes_only_through_change_head(world):
    household = make_household(world.caseworker_a1, world.village_a1)
    head = household.head
    child = household.members.get(relation="child")
    with pytest.raises(ApplicationError) as error:
        member_update(actor=world.caseworker_a1, member=head, expected_version=head.version, relation="parent")
    assert error.value.code == "head_change"
    with pytest.raises(ApplicationError) as error:
        member_update(actor=world.caseworker_a1, member=child, expected_version=child.version, relation="head")
    assert error.value.code == "head_exists"


def test_change_head(world):
    # given
    household = make_household(world.caseworker_a1, world.village_a1, members=2)
    former = household.head
    child = household.members.get(relation="child")
    # when
    household = household_change_head(
        actor=world.caseworker_a1, household=household, new_head=child, former_head_relation="parent"
    )
    # then
    former.refresh_from_db()
    child.refresh_from_db()
    assert household.head == child and child.relation == "head"
    assert former.relation == "parent"
    assert household.members.filter(is_active=True, relation="head").count() == 1
    assert household.version == 2
    assert AuditEvent.objects.filter(action="household.change_head", household_ref=household.pk).exists()


@pytest.mark.parametrize("relation", ["head", "cousin"])
def test_change_head_needs_a_valid_relation_for_the_former_head(world, relation):
    household = make_household(world.caseworker_a1, world.village_a1, members=2)
    child = household.members.get(relation="child")
    with pytest.raises(ApplicationError) as error:
        household_change_head(
            actor=world.caseworker_a1, household=household, new_head=child, former_head_relation=relation
        )
    assert error.value.fields == {"former_head_relation": ["请选择"]}


def test_new_head_must_belong_to_the_household(world):
    household = make_household(world.caseworker_a1, world.village_a1)
    stranger = make_household(world.caseworker_a1, world.village_a1b).head
    with pytest.raises(ApplicationError) as error:
        household_change_head(
            actor=world.caseworker_a1, household=household, new_head=stranger, former_head_relation="parent"
        )
    assert error.value.fields == {"new_head": ["请选择本户在册成员"]}


def test_head_cannot_leave_while_others_remain(world):
    household = make_household(world.caseworker_a1, world.village_a1, members=2)
    with pytest.raises(ApplicationError) as error:
        member_remove(
            actor=world.caseworker_a1, member=household.head, left_on=datetime.date.today(), reason="moved_out"
        )
    assert error.value.code == "head_change"
    assert error.value.status == 409
    assert Member.objects.get(pk=household.head_id).is_active


def test_last_member_leaving_closes_the_household(world):
    # given
    household = make_household(world.caseworker_a1, world.village_a1, members=2)
    head = household.head
    child = household.members.get(relation="child")
    member_remove(actor=world.caseworker_a1, member=child, left_on=datetime.date.today(), reason="moved_out")
    # when
    member_remove(actor=world.caseworker_a1, member=head, left_on=datetime.date.today(), reason="deceased")
    # then
    household.refresh_from_db()
    assert household.status == HouseholdStatus.CLOSED
    assert household.head is None
    head.refresh_from_db()
    assert head.deceased_on == datetime.date.today() and not head.is_active
    close = AuditEvent.objects.filter(action="household.close", household_ref=household.pk).get()
    assert close.note == "最后一名成员迁出，家庭注销"
    # and a closed household is read-only
    with pytest.raises(ApplicationError) as error:
        household_update(actor=world.caseworker_a1, household=household, expected_version=None, phone="13800000000")
    assert error.value.code == "household_closed"
    assert error.value.status == 409


@pytest.mark.parametrize(
    ("left_on", "reason", "field"),
    [
        (datetime.date.today() + datetime.timedelta(days=1), "moved_out", "left_on"),
        (datetime.date.today(), "vanished", "reason"),
    ],
)
def test_member_remove_validation(world, left_on, reason, field):
    household = make_household(world.caseworker_a1, world.village_a1, members=2)
    child = household.members.get(relation="child")
    with pytest.raises(ApplicationError) as error:
        member_remove(actor=world.caseworker_a1, member=child, left_on=left_on, reason=reason)
    assert field in error.value.fields
    child.refresh_from_db()
    assert child.is_active


# --- self-care level (tekun-renyuan-rending-banfa-2021 第二十二条) --------------------------------------------


@pytest.mark.parametrize(
    ("answers", "level"),
    [
        ([True] * 6, SelfCareLevel.CAPABLE),
        ([False] + [True] * 5, SelfCareLevel.PARTIAL),
        ([False] * 3 + [True] * 3, SelfCareLevel.PARTIAL),
        ([False] * 4 + [True] * 2, SelfCareLevel.NONE),
        ([False] * 6, SelfCareLevel.NONE),
        ([None] * 6, ""),
    ],
)
def test_selfcare_level_from_the_six_items(answers, level):
    assert selfcare_level(answers) == level


@pytest.mark.parametrize(
    ("failed", "level"), [(0, SelfCareLevel.CAPABLE), (2, SelfCareLevel.PARTIAL), (5, SelfCareLevel.NONE)]
)
def test_member_selfcare_level_derived_and_stored(world, failed, level):
    household = make_household(world.caseworker_a1, world.village_a1)
    answers = dict(zip(Member.SELFCARE_FIELDS, [False] * failed + [True] * (6 - failed), strict=True))
    member = member_add(
        actor=world.caseworker_a1,
        household=household,
        name="老人",
        id_number=new_id_number(birth=datetime.date(1940, 1, 1)),
        relation="parent",
        selfcare_assessed_on=datetime.date.today(),
        **answers,
    )
    assert member.selfcare_level == level
    assert Member.objects.get(pk=member.pk).selfcare_level == level


def test_partial_selfcare_answers_refused(world):
    household = make_household(world.caseworker_a1, world.village_a1)
    error = _refusal(
        member_add,
        actor=world.caseworker_a1,
        household=household,
        name="老人",
        id_number=new_id_number(),
        relation="parent",
        selfcare_eating=True,
        selfcare_dressing=False,
        selfcare_assessed_on=datetime.date.today(),
    )
    assert error.fields == {"selfcare_eating": ["生活自理能力须六项全部评估"]}


def test_selfcare_answers_need_an_assessment_date(world):
    household = make_household(world.caseworker_a1, world.village_a1)
    answers = dict.fromkeys(Member.SELFCARE_FIELDS, True)
    error = _refusal(
        member_add,
        actor=world.caseworker_a1,
        household=household,
        name="老人",
        id_number=new_id_number(),
        relation="parent",
        **answers,
    )
    assert error.fields == {"selfcare_assessed_on": ["请填写自理能力评估日期"]}


# --- incomes -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", IncomeKind.values)
def test_every_income_kind_has_a_treatment_and_a_clause(kind):
    treatment, clause = INCOME_TREATMENT[kind]
    assert treatment in IncomeTreatment.values
    assert clause.startswith("dibao-shenhe-queren-banfa-2021 第十三条")


def test_no_treatment_without_a_kind():
    assert set(INCOME_TREATMENT) == set(IncomeKind.values)


def test_income_recorded_on_the_first_of_the_month_with_its_treatment(world):
    household = make_household(world.caseworker_a1, world.village_a1)
    income = income_record(
        actor=world.caseworker_a1,
        member=household.head,
        month=LAST_MONTH.replace(day=15),
        kind="basic_pension",
        amount=Decimal("153.50"),
    )
    income.refresh_from_db()
    assert income.month == LAST_MONTH
    assert income.amount == Decimal("153.50")
    assert income.treatment == IncomeTreatment.EXEMPT
    assert income.get_treatment_display() == "不计入家庭收入"
    event = AuditEvent.objects.filter(action="income.create").latest("id")
    assert event.household_ref == household.pk
    assert event.changes["amount"] == {"before": None, "after": "153.50"}


def test_income_validation(world):
    household = make_household(world.caseworker_a1, world.village_a1)
    head = household.head
    next_month = (datetime.date.today().replace(day=1) + datetime.timedelta(days=32)).replace(day=1)
    error = _refusal(
        income_record, actor=world.caseworker_a1, member=head, month=next_month, kind="wages", amount=Decimal(1)
    )
    assert error.fields == {"month": ["月份不能晚于本月"]}
    error = _refusal(
        income_record, actor=world.caseworker_a1, member=head, month=LAST_MONTH, kind="lottery", amount=Decimal(1)
    )
    assert "kind" in error.fields
    income_record(actor=world.caseworker_a1, member=head, month=LAST_MONTH, kind="wages", amount=Decimal(1000))
    error = _refusal(
        income_record, actor=world.caseworker_a1, member=head, month=LAST_MONTH, kind="wages", amount=Decimal(1)
    )
    assert "该成员本月已登记此类收入，请修改原记录" in str(error.fields) + error.message


def test_income_update_and_delete_are_audited(world):
    household = make_household(world.caseworker_a1, world.village_a1)
    income = income_record(
        actor=world.caseworker_a1, member=household.head, month=LAST_MONTH, kind="wages", amount=Decimal(1000)
    )
    income_update(actor=world.caseworker_a1, income=income, amount=Decimal("1200.00"))
    with pytest.raises(ApplicationError) as error:
        income_update(actor=world.caseworker_a1, income=income, amount=Decimal("-1"))
    assert error.value.fields == {"amount": ["金额不能为负数"]}
    with pytest.raises(ApplicationError) as error:
        income_update(actor=world.caseworker_a1, income=income, kind="pension")
    assert error.value.code == "unknown_fields"
    income_delete(actor=world.caseworker_a1, income=income)
    assert not MemberIncome.objects.filter(pk=income.pk).exists()
    actions = list(AuditEvent.objects.filter(target_type="cases.memberincome").values_list("action", flat=True))
    assert sorted(actions) == ["income.create", "income.delete", "income.update"]


# --- property and expenses ---------------------------------------------------------------------------


def test_asset_owner_must_belong_to_the_household(world):
    household = make_household(world.caseworker_a1, world.village_a1)
    stranger = make_household(world.caseworker_a1, world.village_a1b).head
    fields = {"kind": "deposit", "value": Decimal("5000"), "valued_on": datetime.date.today()}

    with pytest.raises(ApplicationError) as error:
        asset_add(actor=world.caseworker_a1, household=household, owner=stranger, **fields)
    assert error.value.fields == {"owner": ["请选择本户成员"]}

    asset = asset_add(actor=world.caseworker_a1, household=household, owner=household.head, **fields)
    with pytest.raises(ApplicationError) as error:
        asset_update(actor=world.caseworker_a1, asset=asset, owner=stranger)
    assert error.value.fields == {"owner": ["请选择本户成员"]}
    assert Asset.objects.get(pk=asset.pk).owner == household.head


def test_asset_validation_messages(world):
    household = make_household(world.caseworker_a1, world.village_a1)
    with pytest.raises(ApplicationError) as error:
        asset_add(
            actor=world.caseworker_a1,
            household=household,
            kind="vehicle",
            value=Decimal("30000"),
            valued_on=datetime.date.today(),
            is_exempt=True,
        )
    assert "豁免的财产须说明理由" in error.value.fields["__all__"]
    with pytest.raises(ApplicationError) as error:
        asset_add(
            actor=world.caseworker_a1,
            household=household,
            kind="deposit",
            value=Decimal("-1"),
            valued_on=datetime.date.today(),
        )
    assert "value" in error.value.fields
    assert not Asset.objects.exists()


def test_asset_delete_audited(world):
    household = make_household(world.caseworker_a1, world.village_a1)
    asset = asset_add(
        actor=world.caseworker_a1, household=household, kind="deposit", value=Decimal(1), valued_on=LAST_MONTH
    )
    asset_delete(actor=world.caseworker_a1, asset=asset)
    event = AuditEvent.objects.filter(action="asset.delete").get()
    assert event.household_ref == household.pk and event.note.startswith("删除：")


def test_expense_member_must_belong_to_the_household(world):
    household = make_household(world.caseworker_a1, world.village_a1)
    stranger = make_household(world.caseworker_a1, world.village_a1b).head
    fields = {"kind": "medical", "amount": Decimal("800"), "period_start": LAST_MONTH, "period_end": LAST_MONTH}

    with pytest.raises(ApplicationError) as error:
        expense_add(actor=world.caseworker_a1, household=household, member=stranger, **fields)
    assert error.value.fields == {"member": ["请选择本户成员"]}

    expense = expense_add(actor=world.caseworker_a1, household=household, member=household.head, **fields)
    with pytest.raises(ApplicationError) as error:
        expense_update(actor=world.caseworker_a1, expense=expense, member=stranger)
    assert error.value.fields == {"member": ["请选择本户成员"]}


def test_expense_period_must_be_ordered(world):
    household = make_household(world.caseworker_a1, world.village_a1)
    with pytest.raises(ApplicationError) as error:
        expense_add(
            actor=world.caseworker_a1,
            household=household,
            kind="medical",
            amount=Decimal("800"),
            period_start=LAST_MONTH,
            period_end=LAST_MONTH - datetime.timedelta(days=40),
        )
    assert "截止月份不能早于起始月份" in error.value.fields["__all__"]
    assert not RigidExpense.objects.exists()


def test_supporter_rules(world):
    household = make_household(world.caseworker_a1, world.village_a1, members=2)
    child = household.members.get(relation="child")
    fields = {"supported_member": household.head, "name": "外出子女", "relation": "child"}

    with pytest.raises(ApplicationError) as error:
        supporter_add(actor=world.caseworker_a1, household=household, id_number=child.id_number, **fields)
    assert error.value.fields == {"id_number": ["此人是本户共同生活成员"]}
    with pytest.raises(ApplicationError) as error:
        supporter_add(actor=world.caseworker_a1, household=household, id_number="12345", **fields)
    assert error.value.fields == {"id_number": ["身份证号应为18位"]}

    supporter = supporter_add(actor=world.caseworker_a1, household=household, id_number=new_id_number(), **fields)
    assert supporter.birth_date is not None
    assert LegalSupporter.objects.filter(household=household).count() == 1


# --- who may write -----------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["assistant_a1", "reviewer_a", "auditor_a", "admin_a"])
def test_roles_without_registry_editing_cannot_write(world, who):
    actor = getattr(world, who)
    household = make_household(world.caseworker_a1, world.village_a1)

    error = _refusal(_create, actor=actor, village=world.village_a1, members=[_head()])
    assert error.status == 403
    assert error.message == "只有乡镇经办人员可以登记和修改家庭信息"
    error = _refusal(
        member_add, actor=actor, household=household, name="某", id_number=new_id_number(), relation="child"
    )
    assert error.status == 403
    with pytest.raises(ApplicationError) as error:
        income_record(actor=actor, member=household.head, month=LAST_MONTH, kind="wages", amount=Decimal(1))
    assert error.value.status == 403
    with pytest.raises(ApplicationError) as error:
        household_update(actor=actor, household=household, expected_version=1, phone="13800000000")
    assert error.value.status == 403


def test_caseworker_cannot_write_in_another_town(world):
    household = make_household(world.caseworker_a1, world.village_a1)
    error = _refusal(_create, actor=world.caseworker_a2, village=world.village_a1, members=[_head()])
    assert error.status == 403
    with pytest.raises(ApplicationError) as error:
        household_update(actor=world.caseworker_a2, household=household, expected_version=1, phone="13800000000")
    assert error.value.status == 403


def test_reveal_id_number_is_audited_and_refused_to_assistants(world):
    household = make_household(world.caseworker_a1, world.village_a1)
    with pytest.raises(ApplicationError) as error:
        member_reveal_id_number(actor=world.assistant_a1, member=household.head)
    assert error.value.status == 403
    number = member_reveal_id_number(actor=world.reviewer_a, member=household.head, purpose="核对")
    assert number == household.head.id_number
    event = AuditEvent.objects.filter(action="member.reveal_id_number").get()
    assert event.actor_id == world.reviewer_a.pk and event.note == "核对"
    assert number not in str(event.changes)


# --- guardian grants ---------------------------------------------------------------------------------


def test_grant_lets_a_reviewer_of_another_county_see_one_household_only(world):
    # given: two households in county A, one in county B
    granted = make_household(world.caseworker_a1, world.village_a1)
    other = make_household(world.caseworker_a1, world.village_a1)
    own = make_household(world.caseworker_b1, world.village_b1)
    with pytest.raises(Http404):
        household_get_for(actor=world.reviewer_b, pk=granted.pk)
    # when
    household_grant_access(
        actor=world.admin_a, household=granted, grantee=world.reviewer_b, reason="人户分离，居住在抚松"
    )
    # then
    assert household_get_for(actor=world.reviewer_b, pk=granted.pk) == granted
    assert member_get_for(actor=world.reviewer_b, pk=granted.head.pk) == granted.head
    with pytest.raises(Http404):
        household_get_for(actor=world.reviewer_b, pk=other.pk)
    with pytest.raises(Http404):
        member_get_for(actor=world.reviewer_b, pk=other.head.pk)
    assert set(household_list_for(actor=world.reviewer_b)) == {granted, own}
    assert set(household_list_for(actor=world.reviewer_a)) == {granted, other}
    event = AuditEvent.objects.filter(action="household.grant_view").get()
    assert event.changes == {"grantee": "rev_b"} and event.note == "人户分离，居住在抚松"
    # seeing is not editing
    with pytest.raises(ApplicationError) as error:
        household_update(actor=world.reviewer_b, household=granted, expected_version=1, phone="13800000000")
    assert error.value.status == 403


def test_grant_only_by_the_households_county_admin_with_a_reason(world):
    household = make_household(world.caseworker_a1, world.village_a1)
    for actor in (world.admin_b, world.reviewer_a, world.caseworker_a1):
        with pytest.raises(ApplicationError) as error:
            household_grant_access(actor=actor, household=household, grantee=world.reviewer_b, reason="x")
        assert error.value.status == 403
    with pytest.raises(ApplicationError) as error:
        household_grant_access(actor=world.admin_a, household=household, grantee=world.reviewer_b, reason="  ")
    assert error.value.fields == {"reason": ["这是必填项"]}
    with pytest.raises(Http404):
        household_get_for(actor=world.reviewer_b, pk=household.pk)


def test_constraint_violation_at_save_reports_that_constraint(world):
    """A violation caught only by the database carries its own constraint's message, not a generic one."""
    from cases.services import _save_guarded

    household = make_household(world.caseworker_a1, world.village_a1)
    member = household.head
    member.imprisoned_from = datetime.date(2020, 5, 1)
    member.imprisoned_until = datetime.date(2020, 1, 1)
    with pytest.raises(ApplicationError) as error:
        _save_guarded(member)
    assert error.value.message == "服刑结束日期不能早于开始日期"
    assert error.value.status == 400

    twin = household.members.exclude(pk=member.pk).first()
    twin.id_number = member.id_number
    with pytest.raises(ApplicationError) as error:
        _save_guarded(twin)
    assert error.value.code == "duplicate_member"
    assert error.value.status == 409
