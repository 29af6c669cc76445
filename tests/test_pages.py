"""The browser pages: sign-in, dashboard, household list and detail, and the registry forms.

Scoping (another town's caseworker, another county's reviewer: 404 everywhere), field-level Chinese
messages with status 400 and nothing saved, stale versions (409), ID numbers masked unless revealed
(and each reveal audited), roles that may look but not edit (403), constant query counts.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from assistance.models import RecognisedIllness
from assistance.services import illness_save, system_actor
from audit.models import AuditEvent
from cases.id_numbers import make_id_number
from cases.models import Asset, Household, LegalSupporter, Member, MemberIncome, RigidExpense
from cases.services import (
    asset_add,
    expense_add,
    household_update,
    income_record,
    member_update,
    supporter_add,
)
from tests.factories import PASSWORD, make_household, new_id_number

LAST_MONTH = (timezone.localdate().replace(day=1) - datetime.timedelta(days=1)).replace(day=1)
GOOD_ID = make_id_number("220623", datetime.date(1950, 3, 4), 21)
BAD_CHECKSUM_ID = GOOD_ID[:-1] + ("1" if GOOD_ID[-1] != "1" else "2")


def household_form_data(world, head_id_number: str, **overrides) -> dict:
    data = {
        "hukou_region": str(world.village_a1.pk),
        "area_type": "urban",
        "residence_address": "民主社区 3 号楼 2 单元",
        "phone": "13904390001",
        "bank_name": "",
        "bank_account_holder": "",
        "bank_account_number": "",
        "notes": "",
        "head-name": "金顺姬",
        "head-id_number": head_id_number,
        "head-education_stage": "none",
    }
    data.update(overrides)
    return data


def member_form_data(id_number: str, **overrides) -> dict:
    data = {"name": "朴成浩", "id_number": id_number, "relation": "child", "education_stage": "none"}
    data.update(overrides)
    return data


@pytest.fixture
def household(world) -> Household:
    """A household of 民主社区 (长白镇, 长白县) with one record of every kind."""
    h = make_household(world.caseworker_a1, world.village_a1, members=2)
    actor = world.caseworker_a1
    income_record(actor=actor, member=h.head, month=LAST_MONTH, kind="wages", amount=Decimal("1800.00"))
    asset_add(actor=actor, household=h, kind="deposit", value=Decimal("2000"), valued_on=LAST_MONTH)
    expense_add(
        actor=actor, household=h, kind="medical", amount=Decimal("900"), period_start=LAST_MONTH, period_end=LAST_MONTH
    )
    supporter_add(
        actor=actor,
        household=h,
        supported_member=h.head,
        name="金哲",
        id_number=new_id_number(birth=datetime.date(1982, 3, 1)),
        relation="child",
    )
    h.refresh_from_db()
    return h


def record_urls(household: Household) -> list[str]:
    """Every page about the household or one of its records (detail, edit, add, delete)."""
    income = MemberIncome.objects.get(member__household=household)
    asset = Asset.objects.get(household=household)
    expense = RigidExpense.objects.get(household=household)
    supporter = LegalSupporter.objects.get(household=household)
    head = household.head_id
    return [
        reverse("household-detail", args=[household.pk]),
        reverse("household-edit", args=[household.pk]),
        reverse("household-change-head", args=[household.pk]),
        reverse("member-add", args=[household.pk]),
        reverse("member-edit", args=[head]),
        reverse("member-remove", args=[head]),
        reverse("income-add", args=[household.pk]),
        reverse("income-edit", args=[income.pk]),
        reverse("income-delete", args=[income.pk]),
        reverse("asset-add", args=[household.pk]),
        reverse("asset-edit", args=[asset.pk]),
        reverse("asset-delete", args=[asset.pk]),
        reverse("expense-add", args=[household.pk]),
        reverse("expense-edit", args=[expense.pk]),
        reverse("expense-delete", args=[expense.pk]),
        reverse("supporter-add", args=[household.pk]),
        reverse("supporter-edit", args=[supporter.pk]),
        reverse("supporter-delete", args=[supporter.pk]),
    ]


def event_count() -> int:
    return AuditEvent.objects.count()


# --- sign-in -----------------------------------------------------------------------------------------


def test_sign_in_page_is_chinese_and_signing_in_is_audited(client, world):
    # given
    page = client.get(reverse("login"))
    assert page.status_code == 200
    assert "工作人员登录" in page.content.decode()
    # when
    response = client.post(reverse("login"), {"username": "cw_a1", "password": PASSWORD})
    # then
    assert response.status_code == 302
    assert response["Location"] == reverse("dashboard")
    event = AuditEvent.objects.filter(action="staff.login").latest("id")
    assert event.actor == world.caseworker_a1
    assert event.ip == "127.0.0.1"
    assert event.request_id


def test_wrong_password_explained_in_chinese(client, world):
    response = client.post(reverse("login"), {"username": "cw_a1", "password": "wrong"})
    assert response.status_code == 200
    assert "请输入一个正确的" in response.content.decode()
    assert not AuditEvent.objects.filter(action="staff.login").exists()


def test_sign_out_is_a_post(client, world):
    client.force_login(world.caseworker_a1)
    response = client.post(reverse("logout"))
    assert response.status_code == 302
    assert client.get(reverse("dashboard")).status_code == 302


def test_anonymous_visitors_are_sent_to_sign_in(client, world):
    for url in (reverse("dashboard"), reverse("household-list"), reverse("household-create")):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))


# --- dashboard ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("staff", "heading", "row"),
    [
        ("assistant_a1", "村（社区）", "民主社区"),
        ("caseworker_a1", "村（社区）", "十四道沟村"),
        ("reviewer_a", "乡镇（街道）", "八道沟镇"),
        ("admin_a", "乡镇（街道）", "八道沟镇"),
        ("auditor_a", "乡镇（街道）", "长白镇"),
    ],
)
def test_dashboard_per_role(client, world, staff, heading, row):
    make_household(world.caseworker_a1, world.village_a1, members=3)
    make_household(world.caseworker_b1, world.village_b1, members=2)
    user = getattr(world, staff)
    client.force_login(user)
    response = client.get(reverse("dashboard"))
    html = response.content.decode()
    assert response.status_code == 200
    assert f"各{heading}家庭与成员" in html
    assert row in html
    assert "东岗村" not in html and "抚松镇" not in html  # the other county
    assert ("登记新家庭" in html) == (staff == "caseworker_a1")
    assert ('href="/audit/"' in html) == (staff in ("admin_a", "auditor_a"))
    assert ('href="/admin/"' in html) == (staff == "admin_a")


def test_dashboard_counts_the_jurisdiction(client, world):
    make_household(world.caseworker_a1, world.village_a1, members=3)
    make_household(world.caseworker_a1, world.village_a1b, members=1)
    make_household(world.caseworker_a2, world.village_a2, members=2)
    client.force_login(world.reviewer_a)
    breakdown = client.get(reverse("dashboard")).context["breakdown"]
    counts = {row.region.name: (row.households, row.members) for row in breakdown.rows}
    assert counts == {"长白镇": (2, 4), "八道沟镇": (1, 2)}


def test_dashboard_queries_do_not_grow_with_households(client, world):
    client.force_login(world.reviewer_a)
    make_household(world.caseworker_a1, world.village_a1)
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("dashboard"))
    for _ in range(15):
        make_household(world.caseworker_a2, world.village_a2)
    with CaptureQueriesContext(connection) as many:
        client.get(reverse("dashboard"))
    assert len(many) == len(few)


# --- scoping -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("outsider", ["caseworker_a2", "reviewer_b", "caseworker_b1", "admin_b"])
def test_every_page_of_a_household_is_404_outside_the_jurisdiction(client, world, household, outsider):
    client.force_login(getattr(world, outsider))
    before = event_count()
    for url in record_urls(household):
        assert client.get(url).status_code == 404, url
        assert client.post(url, {"name": "x"}).status_code == 404, url
    reveal = reverse("member-reveal-id", args=[household.head_id])
    assert client.post(reveal).status_code == 404
    assert event_count() == before


@pytest.mark.parametrize("outsider", ["caseworker_a2", "reviewer_b"])
def test_lists_never_include_households_outside_the_jurisdiction(client, world, household, outsider):
    client.force_login(getattr(world, outsider))
    html = client.get(reverse("household-list")).content.decode()
    assert household.code not in html
    # not by searching for it either
    for q in (household.code, household.head.name, household.head.id_number, household.head.id_number[:10]):
        response = client.get(reverse("household-list"), {"q": q})
        assert household not in response.context["page"].object_list
        assert reverse("household-detail", args=[household.pk]) not in response.content.decode()
    # nor in the dashboard's recent changes
    html = client.get(reverse("dashboard")).content.decode()
    assert reverse("household-detail", args=[household.pk]) not in html


def test_insiders_see_the_household(client, world, household):
    for insider in ("caseworker_a1", "assistant_a1", "reviewer_a", "admin_a", "auditor_a"):
        client.force_login(getattr(world, insider))
        html = client.get(reverse("household-list")).content.decode()
        assert household.code in html, insider
        assert client.get(reverse("household-detail", args=[household.pk])).status_code == 200


def test_region_selects_offer_only_the_jurisdiction(client, world):
    client.force_login(world.caseworker_a1)
    form = client.get(reverse("household-create")).context["forms"][0]
    villages = set(form.fields["hukou_region"].queryset.values_list("name", flat=True))
    assert villages == {"民主社区", "十四道沟村"}
    options = client.get(reverse("region-village-options"), {"town": world.town_b1.pk}).content.decode()
    assert "东岗村" not in options
    options = client.get(reverse("region-village-options"), {"town": world.town_a1.pk}).content.decode()
    assert "民主社区" in options and "八道沟村" not in options


def test_posting_a_village_outside_the_jurisdiction_is_refused(client, world):
    client.force_login(world.caseworker_a1)
    data = household_form_data(world, new_id_number(), hukou_region=str(world.village_b1.pk))
    response = client.post(reverse("household-create"), data)
    assert response.status_code == 400
    assert not Household.objects.exists()


# --- creating a household ----------------------------------------------------------------------------


def test_household_created_through_the_form_is_audited_with_request_id_and_ip(client, world):
    # given
    client.force_login(world.caseworker_a1)
    number = make_id_number("220623", datetime.date(1950, 3, 4), 21)
    # when
    response = client.post(
        reverse("household-create"), household_form_data(world, number), HTTP_X_REQUEST_ID="req-create-0001"
    )
    # then
    household = Household.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("household-detail", args=[household.pk])
    head = household.head
    assert (head.name, head.id_number, head.birth_date, head.sex) == ("金顺姬", number, datetime.date(1950, 3, 4), "M")
    event = AuditEvent.objects.get(action="household.create", household_ref=household.pk)
    assert event.actor == world.caseworker_a1
    assert event.request_id == "req-create-0001"
    assert event.ip == "127.0.0.1"
    assert AuditEvent.objects.get(action="member.create", household_ref=household.pk).request_id == "req-create-0001"
    detail = client.get(response["Location"]).content.decode()
    assert "金顺姬" in detail and "登记家庭" in detail
    assert number not in detail  # masked
    assert "2206**********" in detail


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("head-id_number", BAD_CHECKSUM_ID, "身份证号校验位错误"),
        ("head-id_number", "22062319500304", "身份证号应为18位"),
        ("head-name", "", "该字段是必填项"),
        ("residence_address", "", "该字段是必填项"),
        ("hukou_region", "", "该字段是必填项"),
        ("area_type", "suburb", "选择一个有效的选项"),
        ("phone", "电话", "请输入有效的电话号码"),
        ("bank_account_number", "62284800123", "填写银行账号时必须填写账户户名"),
        ("head-disability_type", "visual", "残疾类别和残疾等级须同时填写"),
        ("head-deceased_on", "2024-02-30", "输入一个有效的日期"),
        ("head-education_stage", "x" * 10_000, "选择一个有效的选项"),
        ("head-name", "名" * 5_000, "确保该变量包含不超过 50 字符"),
    ],
)
def test_invalid_household_form_shows_the_field_message_and_saves_nothing(client, world, field, value, message):
    client.force_login(world.caseworker_a1)
    before = event_count()
    response = client.post(reverse("household-create"), household_form_data(world, new_id_number(), **{field: value}))
    assert response.status_code == 400
    html = response.content.decode()
    assert message in html
    assert "is-invalid" in html or message in "".join(response.context["forms"][0].non_field_errors())
    assert not Household.objects.exists()
    assert not Member.objects.exists()
    assert event_count() == before


def test_id_number_with_a_future_birth_date_is_refused_next_to_the_field(client, world):
    client.force_login(world.caseworker_a1)
    future = make_id_number("220623", timezone.localdate() + datetime.timedelta(days=400), 11)
    response = client.post(reverse("household-create"), household_form_data(world, future))
    assert response.status_code == 400
    head_form = response.context["forms"][1]
    assert head_form.errors["id_number"] == ["身份证号中的出生日期晚于今天"]
    assert 'class="form-control form-control-sm id-number is-invalid"' in response.content.decode()
    assert not Household.objects.exists()


def test_a_person_already_in_a_household_cannot_head_another(client, world, household):
    client.force_login(world.caseworker_a1)
    before = event_count()
    response = client.post(reverse("household-create"), household_form_data(world, household.head.id_number))
    assert response.status_code == 400
    assert "一人只能在一户在册" in " ".join(response.context["forms"][1].errors["id_number"])
    assert Household.objects.count() == 1
    assert event_count() == before


# --- members -----------------------------------------------------------------------------------------


def test_member_added_through_the_form(client, world, household):
    client.force_login(world.caseworker_a1)
    number = new_id_number(birth=datetime.date(2012, 6, 1), male=False)
    response = client.post(reverse("member-add", args=[household.pk]), member_form_data(number, in_school="on"))
    assert response.status_code == 400  # in school needs a stage
    assert response.context["forms"][0].errors["education_stage"] == ["在校就读须填写教育阶段"]
    response = client.post(
        reverse("member-add", args=[household.pk]),
        member_form_data(number, in_school="on", education_stage="junior"),
    )
    assert response.status_code == 302
    member = household.members.get(id_number=number)
    assert (member.sex, member.in_school, member.education_stage) == ("F", True, "junior")


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"id_number": BAD_CHECKSUM_ID}, "id_number", "身份证号校验位错误，请核对是否录入有误"),
        ({"relation": "head"}, "relation", "选择一个有效的选项"),  # the household has a head
        ({"relation": "cousin"}, "relation", "选择一个有效的选项"),
        ({"disability_type": "visual", "disability_grade": "7"}, "disability_grade", "选择一个有效的选项"),
        ({"selfcare_eating": "true"}, "selfcare_eating", "生活自理能力须六项全部评估"),
        (
            {"imprisoned_from": "2020-01-01", "imprisoned_until": "2019-01-01"},
            "imprisoned_until",
            "服刑结束日期不能早于开始日期",
        ),
        ({"missing_since": "not a date"}, "missing_since", "输入一个有效的日期"),
    ],
)
def test_invalid_member_is_refused_with_the_field_message(client, world, household, overrides, field, message):
    client.force_login(world.caseworker_a1)
    before = (event_count(), household.members.count())
    data = member_form_data(new_id_number(birth=datetime.date(1990, 1, 1)))
    data.update(overrides)
    response = client.post(reverse("member-add", args=[household.pk]), data)
    assert response.status_code == 400
    form = response.context["forms"][0]
    messages = " ".join(form.errors.get(field, [])) or " ".join(form.non_field_errors())
    assert message in messages
    assert message in response.content.decode()
    assert (event_count(), household.members.count()) == before


def test_duplicate_member_refused_with_status_400(client, world, household):
    client.force_login(world.caseworker_a1)
    other = make_household(world.caseworker_a1, world.village_a1b)
    response = client.post(reverse("member-add", args=[household.pk]), member_form_data(other.head.id_number))
    assert response.status_code == 400
    errors = response.context["forms"][0].errors["id_number"]
    assert "一人只能在一户在册" in errors[0]
    assert other.code in errors[0]  # the caseworker may see that household, so it is named
    assert not household.members.filter(id_number=other.head.id_number).exists()
    # the same person twice in one household
    member = household.members.exclude(pk=household.head_id).first()
    response = client.post(reverse("member-add", args=[household.pk]), member_form_data(member.id_number))
    assert response.status_code == 400
    assert "已是本户成员" in response.context["forms"][0].errors["id_number"][0]


def test_member_edit_never_shows_the_full_number_and_keeps_it_when_left_empty(client, world, household):
    client.force_login(world.caseworker_a1)
    member = household.members.exclude(pk=household.head_id).get()
    url = reverse("member-edit", args=[member.pk])
    page = client.get(url)
    assert member.id_number not in page.content.decode()
    assert member.id_number_masked in page.content.decode()
    data = member_form_data("", name="朴成浩（改）", relation=member.relation, version=str(member.version))
    response = client.post(url, data)
    assert response.status_code == 302
    member.refresh_from_db()
    assert member.name == "朴成浩（改）"
    assert member.version == 2
    event = AuditEvent.objects.filter(action="member.update").latest("id")
    assert event.changes["name"] == {"before": "成员0", "after": "朴成浩（改）"}


def test_stale_member_form_gives_409_and_changes_nothing(client, world, household):
    client.force_login(world.caseworker_a1)
    member = household.members.exclude(pk=household.head_id).get()
    loaded_version = member.version
    member_update(actor=world.caseworker_a1, member=member, expected_version=loaded_version, name="别人改过")
    data = member_form_data("", name="我的修改", relation=member.relation, version=str(loaded_version))
    response = client.post(reverse("member-edit", args=[member.pk]), data)
    assert response.status_code == 409
    assert "该记录已被他人修改，请刷新页面后重新填写" in response.content.decode()
    member.refresh_from_db()
    assert member.name == "别人改过"


def test_stale_household_form_gives_409(client, world, household):
    client.force_login(world.caseworker_a1)
    url = reverse("household-edit", args=[household.pk])
    version = client.get(url).context["forms"][0]["version"].value()
    household_update(actor=world.caseworker_a1, household=household, expected_version=version, phone="13900000000")
    data = household_form_data(world, "", version=str(version), phone="13911111111")
    response = client.post(url, data)
    assert response.status_code == 409
    assert "该记录已被他人修改" in response.content.decode()
    household.refresh_from_db()
    assert household.phone == "13900000000"
    # with the current version the same form saves
    data["version"] = str(household.version)
    assert client.post(url, data).status_code == 302
    household.refresh_from_db()
    assert household.phone == "13911111111"


def test_bank_account_masked_and_kept_unless_changed(client, world):
    household = make_household(
        world.caseworker_a1,
        world.village_a1,
        bank_name="长白农商银行",
        bank_account_holder="金顺姬",
        bank_account_number="6228480012345678",
    )
    client.force_login(world.caseworker_a1)
    detail = client.get(reverse("household-detail", args=[household.pk])).content.decode()
    assert "6228480012345678" not in detail and "************5678" in detail
    url = reverse("household-edit", args=[household.pk])
    assert "6228480012345678" not in client.get(url).content.decode()
    data = household_form_data(
        world,
        "",
        version=str(household.version),
        bank_name="长白农商银行",
        bank_account_holder="金顺姬",
        bank_account_number="",
    )
    assert client.post(url, data).status_code == 302
    household.refresh_from_db()
    assert household.bank_account_number == "6228480012345678"


def test_member_removed_and_head_changed(client, world, household):
    client.force_login(world.caseworker_a1)
    head = household.head
    child = household.members.exclude(pk=head.pk).get()
    # the head cannot leave while others remain
    response = client.post(
        reverse("member-remove", args=[head.pk]), {"left_on": str(timezone.localdate()), "reason": "moved_out"}
    )
    assert response.status_code == 409
    assert "户主迁出前，请先变更户主" in response.content.decode()
    response = client.post(
        reverse("household-change-head", args=[household.pk]),
        {"new_head": str(child.pk), "former_head_relation": "parent"},
    )
    assert response.status_code == 302
    household.refresh_from_db()
    assert household.head == child
    response = client.post(
        reverse("member-remove", args=[head.pk]), {"left_on": str(timezone.localdate()), "reason": "deceased"}
    )
    assert response.status_code == 302
    head.refresh_from_db()
    assert not head.is_active and head.deceased_on == timezone.localdate()
    # a date in the future, an unknown reason
    response = client.post(reverse("member-remove", args=[child.pk]), {"left_on": "2999-01-01", "reason": "abducted"})
    assert response.status_code == 400
    assert response.context["forms"][0].errors["reason"]


# --- incomes, property, expenses, supporters ----------------------------------------------------------


def test_income_recorded_grouped_by_month_with_treatment(client, world, household):
    client.force_login(world.caseworker_a1)
    url = reverse("income-add", args=[household.pk])
    data = {
        "member": str(household.head_id),
        "month": LAST_MONTH.strftime("%Y-%m"),
        "kind": "basic_pension",
        "amount": "153.50",
        "source": "verified",
        "note": "",
    }
    assert client.post(url, data).status_code == 302
    income = MemberIncome.objects.get(kind="basic_pension")
    assert income.amount == Decimal("153.50") and income.month == LAST_MONTH
    html = client.get(reverse("household-detail", args=[household.pk])).content.decode()
    assert LAST_MONTH.strftime("%Y年%-m月") in html
    assert "不计入家庭收入" in html and "计入家庭收入" in html
    assert "1,800.00" in html and "153.50" in html


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"amount": "-5"}, "amount", "金额不能为负数"),
        ({"amount": "abc"}, "amount", "输入一个数字"),
        ({"amount": "1e400"}, "amount", ""),
        ({"amount": "NaN"}, "amount", ""),
        ({"month": "2025-13"}, "month", "输入一个有效的日期"),
        ({"month": "2999-01"}, "month", "月份不能晚于本月"),
        ({"kind": "lottery"}, "kind", "选择一个有效的选项"),
        ({"member": "999999999999999999999"}, "member", "选择一个有效的选项"),
        ({"kind": "wages"}, "__all__", "该成员本月已登记此类收入"),
    ],
)
def test_invalid_income_is_refused(client, world, household, overrides, field, message):
    client.force_login(world.caseworker_a1)
    before = (event_count(), MemberIncome.objects.count())
    data = {
        "member": str(household.head_id),
        "month": LAST_MONTH.strftime("%Y-%m"),
        "kind": "pension",
        "amount": "100",
        "source": "declared",
        "note": "",
    }
    data.update(overrides)
    response = client.post(reverse("income-add", args=[household.pk]), data)
    assert response.status_code == 400
    form = response.context["forms"][0]
    errors = form.errors.get(field) if field != "__all__" else form.non_field_errors()
    assert errors
    assert message in " ".join(errors)
    assert (event_count(), MemberIncome.objects.count()) == before


def test_income_edited_and_deleted(client, world, household):
    client.force_login(world.caseworker_a1)
    income = MemberIncome.objects.get(member__household=household)
    url = reverse("income-edit", args=[income.pk])
    assert client.post(url, {"amount": "-1", "source": "declared", "note": ""}).status_code == 400
    assert client.post(url, {"amount": "2000", "source": "verified", "note": "工资流水"}).status_code == 302
    income.refresh_from_db()
    assert income.amount == Decimal("2000.00") and income.source == "verified"
    assert client.get(reverse("income-delete", args=[income.pk])).status_code == 200
    assert client.post(reverse("income-delete", args=[income.pk])).status_code == 302
    assert not MemberIncome.objects.filter(pk=income.pk).exists()
    assert AuditEvent.objects.filter(action="income.delete", household_ref=household.pk).exists()


def test_asset_expense_and_supporter_forms(client, world, household):
    client.force_login(world.caseworker_a1)
    # asset: an exempt one needs a reason
    url = reverse("asset-add", args=[household.pk])
    data = {
        "kind": "vehicle",
        "owner": "",
        "value": "8000",
        "valued_on": "2025-01-10",
        "source": "declared",
        "vehicle_plate": "吉F12345",
        "is_exempt": "on",
        "exempt_reason": "",
    }
    response = client.post(url, data)
    assert response.status_code == 400
    assert "豁免的财产须说明理由" in response.content.decode()
    data["exempt_reason"] = "农用三轮车，维持生产必需"
    assert client.post(url, data).status_code == 302
    assert Asset.objects.filter(household=household, kind="vehicle", is_exempt=True).exists()
    # expense: the period must be ordered
    url = reverse("expense-add", args=[household.pk])
    data = {
        "kind": "education",
        "member": "",
        "amount": "3000",
        "period_start": "2025-09",
        "period_end": "2025-03",
        "description": "",
        "source": "declared",
    }
    response = client.post(url, data)
    assert response.status_code == 400
    assert "截止月份不能早于起始月份" in response.content.decode()
    data["period_end"] = "2026-01"
    assert client.post(url, data).status_code == 302
    expense = RigidExpense.objects.get(household=household, kind="education")
    assert expense.period_start == datetime.date(2025, 9, 1)
    # supporter: a member of the household is not a supporter outside it
    url = reverse("supporter-add", args=[household.pk])
    data = {
        "supported_member": str(household.head_id),
        "relation": "child",
        "name": "金美",
        "id_number": household.members.exclude(pk=household.head_id).get().id_number,
        "annual_income": "0",
    }
    response = client.post(url, data)
    assert response.status_code == 400
    assert "此人是本户共同生活成员" in response.content.decode()
    data["id_number"] = new_id_number(birth=datetime.date(1988, 8, 8), male=False)
    assert client.post(url, data).status_code == 302
    supporter = LegalSupporter.objects.get(name="金美")
    number = supporter.id_number
    # editing without the ID number keeps it; the page never shows it in full
    edit = reverse("supporter-edit", args=[supporter.pk])
    assert supporter.id_number not in client.get(edit).content.decode()
    data.update({"id_number": "", "annual_income": "12000"})
    assert client.post(edit, data).status_code == 302
    supporter.refresh_from_db()
    assert supporter.annual_income == Decimal("12000.00")
    assert supporter.id_number == number


def test_serious_illness_offers_the_household_countys_list(client, world, household):
    illness_save(actor=system_actor(), illness=RecognisedIllness(county=world.county_a, name="尿毒症"))
    illness_save(actor=system_actor(), illness=RecognisedIllness(county=world.county_b, name="白血病"))
    client.force_login(world.caseworker_a1)
    form = client.get(reverse("member-add", args=[household.pk])).context["forms"][0]
    assert list(form.fields["serious_illness"].queryset.values_list("name", flat=True)) == ["尿毒症"]
    other = RecognisedIllness.objects.get(name="白血病")
    data = member_form_data(new_id_number(birth=datetime.date(1991, 1, 1)), serious_illness=str(other.pk))
    response = client.post(reverse("member-add", args=[household.pk]), data)
    assert response.status_code == 400
    assert response.context["forms"][0].errors["serious_illness"]


# --- roles that may look but not edit ---------------------------------------------------------------


@pytest.mark.parametrize("viewer", ["assistant_a1", "reviewer_a", "admin_a", "auditor_a"])
def test_viewers_cannot_edit(client, world, household, viewer):
    client.force_login(getattr(world, viewer))
    detail = client.get(reverse("household-detail", args=[household.pk])).content.decode()
    assert "修改家庭信息" not in detail and "添加成员" not in detail
    before = (event_count(), Member.objects.count())
    for url in record_urls(household)[1:]:
        assert client.get(url).status_code == 403, url
        response = client.post(url, member_form_data(new_id_number()))
        assert response.status_code == 403, url
        assert "登记和修改由乡镇经办人员办理" in response.content.decode()
    assert client.get(reverse("household-create")).status_code == 403
    assert client.post(reverse("household-create"), household_form_data(world, new_id_number())).status_code == 403
    assert (event_count(), Member.objects.count()) == before


def test_closed_household_cannot_be_edited(client, world):
    household = make_household(world.caseworker_a1, world.village_a1, members=1)
    client.force_login(world.caseworker_a1)
    client.post(
        reverse("member-remove", args=[household.head_id]),
        {"left_on": str(timezone.localdate()), "reason": "deceased"},
    )
    household.refresh_from_db()
    assert household.status == "closed"
    response = client.get(reverse("member-add", args=[household.pk]))
    assert response.status_code == 409
    assert "该家庭已注销，不能修改" in response.content.decode()
    assert "添加成员" not in client.get(reverse("household-detail", args=[household.pk])).content.decode()


# --- ID numbers: inline check and reveal -------------------------------------------------------------


def test_inline_id_number_check(client, world):
    client.force_login(world.caseworker_a1)
    url = reverse("id-number-check")
    assert "出生日期 1950-03-04 · 男" in client.post(url, {"head-id_number": GOOD_ID}).content.decode()
    assert "身份证号校验位错误" in client.post(url, {"id_number": BAD_CHECKSUM_ID}).content.decode()
    assert "身份证号应为18位" in client.post(url, {"id_number": "1" * 500}).content.decode()
    assert client.post(url, {"id_number": ""}).content == b""
    assert client.get(url).status_code == 405


def test_revealing_an_id_number_is_audited(client, world, household):
    client.force_login(world.reviewer_a)
    detail = client.get(reverse("household-detail", args=[household.pk])).content.decode()
    assert household.head.id_number not in detail
    assert "查看完整号码" in detail
    before = AuditEvent.objects.filter(action="member.reveal_id_number").count()
    response = client.post(reverse("member-reveal-id", args=[household.head_id]), HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert household.head.id_number in response.content.decode()
    event = AuditEvent.objects.filter(action="member.reveal_id_number").latest("id")
    assert AuditEvent.objects.filter(action="member.reveal_id_number").count() == before + 1
    assert (event.actor, event.household_ref, event.ip) == (world.reviewer_a, household.pk, "127.0.0.1")
    assert client.get(reverse("member-reveal-id", args=[household.head_id])).status_code == 405


def test_village_assistant_cannot_reveal(client, world, household):
    client.force_login(world.assistant_a1)
    detail = client.get(reverse("household-detail", args=[household.pk])).content.decode()
    assert "查看完整号码" not in detail
    response = client.post(reverse("member-reveal-id", args=[household.head_id]))
    assert response.status_code == 403
    assert household.head.id_number not in response.content.decode()
    assert not AuditEvent.objects.filter(action="member.reveal_id_number").exists()


# --- the list ----------------------------------------------------------------------------------------


def test_list_search_filters_and_pagination(client, world):
    for _ in range(27):
        make_household(world.caseworker_a1, world.village_a1, members=1)
    target = make_household(world.caseworker_a1, world.village_a1b, members=3)
    make_household(world.caseworker_a2, world.village_a2, members=1)
    client.force_login(world.reviewer_a)
    url = reverse("household-list")
    page = client.get(url).context["page"]
    assert page.paginator.count == 29 and len(page.object_list) == 25
    assert len(client.get(url, {"page": "2"}).context["page"].object_list) == 4
    assert client.get(url, {"village": world.village_a1b.pk}).context["page"].paginator.count == 1
    assert client.get(url, {"town": world.town_a2.pk}).context["page"].paginator.count == 1
    for q in (target.head.name, target.head.id_number, target.head.id_number[:14], target.code):
        rows = list(client.get(url, {"q": q}).context["page"].object_list)
        assert target in rows, q
    row = next(r for r in client.get(url, {"q": target.code}).context["page"].object_list)
    assert row.member_count == 3
    html = client.get(url, {"q": target.code}).content.decode()
    assert target.head.id_number_masked in html and target.head.id_number not in html


@pytest.mark.parametrize(
    "params",
    [
        {"town": "abc"},
        {"town": "99999999999999999999999"},
        {"village": "-1"},
        {"status": "deleted"},
        {"page": "zzz"},
        {"page": "99999"},
        {"q": "x" * 5000},
        {"q": "'; DROP TABLE cases_household; --"},
    ],
)
def test_list_never_fails_on_odd_parameters(client, world, params):
    make_household(world.caseworker_a1, world.village_a1)
    client.force_login(world.caseworker_a1)
    assert client.get(reverse("household-list"), params).status_code == 200


def test_list_queries_do_not_depend_on_the_number_of_households(client, world, django_assert_max_num_queries):
    client.force_login(world.reviewer_a)
    filtered = {"q": "户主", "town": world.town_a2.pk, "village": world.village_a2.pk, "status": "active", "page": "2"}
    for _ in range(3):
        make_household(world.caseworker_a1, world.village_a1, members=2)
        make_household(world.caseworker_a2, world.village_a2, members=1)
    with CaptureQueriesContext(connection) as plain:
        assert client.get(reverse("household-list")).status_code == 200
    with CaptureQueriesContext(connection) as searched:
        assert client.get(reverse("household-list"), filtered).status_code == 200
    for _ in range(37):
        make_household(world.caseworker_a2, world.village_a2, members=3)
    with django_assert_max_num_queries(len(plain)):
        response = client.get(reverse("household-list"))
    assert response.context["page"].paginator.count == 43
    with django_assert_max_num_queries(len(searched)):
        response = client.get(reverse("household-list"), filtered)
    assert response.context["page"].paginator.count == 40
    assert len(response.context["page"].object_list) == 15
    assert len(plain) <= 8


def test_unknown_objects_are_404_in_chinese(client, world):
    client.force_login(world.caseworker_a1)
    for url in ("/households/999999/", "/households/99999999999999999999999/", "/members/0/edit/", "/nowhere/"):
        response = client.get(url)
        assert response.status_code == 404, url
        assert "未找到该记录，或不在您的管辖范围内" in response.content.decode()


def test_detail_queries_do_not_grow_with_members_and_records(client, world, household):
    client.force_login(world.reviewer_a)
    url = reverse("household-detail", args=[household.pk])
    with CaptureQueriesContext(connection) as small:
        assert client.get(url).status_code == 200
    actor = world.caseworker_a1
    for i in range(4):
        member = member_add_for_test(actor, household, i)
        income_record(actor=actor, member=member, month=LAST_MONTH, kind="wages", amount=Decimal("100"))
        asset_add(
            actor=actor, household=household, owner=member, kind="deposit", value=Decimal("1"), valued_on=LAST_MONTH
        )
    with CaptureQueriesContext(connection) as large:
        assert client.get(url).status_code == 200
    assert len(large) == len(small)


def member_add_for_test(actor, household, i: int) -> Member:
    from cases.services import member_add

    return member_add(
        actor=actor,
        household=household,
        name=f"成员{i}",
        id_number=new_id_number(birth=datetime.date(2000, 1, 1)),
        relation="child",
    )


def test_expired_form_gets_a_chinese_csrf_page(world):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(world.caseworker_a1)
    response = client.post(reverse("household-create"), {})
    assert response.status_code == 403
    assert "页面已过期" in response.content.decode()


def test_server_error_page_needs_no_context():
    from django.template.loader import render_to_string

    html = render_to_string("500.html")
    assert "系统错误" in html and "/static/vendor/bootstrap/bootstrap.min.css" in html
