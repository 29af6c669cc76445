"""Bad input through the API: always a 4xx with a Chinese message and field errors, never a 500, and
nothing saved — not a household, not a member, not an audit event."""

from __future__ import annotations

import datetime
import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rest_framework.test import APIClient

from audit.models import AuditEvent
from cases.id_numbers import make_id_number
from cases.models import Household, Member, MemberIncome
from tests.factories import make_household, new_id_number


def client_for(user) -> APIClient:
    client = APIClient()
    client.force_login(user)
    return client


def counts() -> tuple[int, int, int, int]:
    return (Household.objects.count(), Member.objects.count(), MemberIncome.objects.count(), AuditEvent.objects.count())


def payload(village, **overrides) -> dict:
    data = {
        "hukou_region": village.pk,
        "residence_address": "民主社区1组",
        "area_type": "urban",
        "members": [{"name": "王芳", "id_number": new_id_number(male=False), "relation": "head"}],
    }
    data.update(overrides)
    return data


def with_member(village, **member) -> dict:
    data = payload(village)
    data["members"][0].update(member)
    return data


def _bad_checksum() -> str:
    number = new_id_number()
    return number[:17] + ("0" if number[17] != "0" else "1")


@pytest.fixture
def caseworker(world):
    return client_for(world.caseworker_a1)


@pytest.fixture
def household(world):
    return make_household(world.caseworker_a1, world.village_a1)


def assert_refused(response, field: str | None, status: int = 400) -> dict:
    assert response.status_code == status, response.content.decode()
    body = response.json()
    assert body["code"] and body["message"]
    assert any("\u4e00" <= ch <= "\u9fff" for ch in body["message"]), body["message"]
    if field is not None:
        assert field in body.get("fields", {}), body
        assert all(any("\u4e00" <= ch <= "\u9fff" for ch in m) for m in body["fields"][field]), body
    return body


# --- the household form ------------------------------------------------------------------------------

ID_CASES = {
    "checksum": (_bad_checksum, "校验位"),
    "length": (lambda: new_id_number()[:17], "18位"),
    "future birth date": (
        lambda: make_id_number("220623", datetime.date.today() + datetime.timedelta(days=30), 11),
        "晚于今天",
    ),
    "unknown region code": (lambda: make_id_number("999999", datetime.date(1970, 1, 1), 11), "行政区划"),
    "letters": (lambda: "22062319700101ABCD", "格式"),
}


@pytest.mark.parametrize("case", list(ID_CASES), ids=list(ID_CASES))
def test_invalid_id_number_when_registering(world, caseworker, case):
    make_number, words = ID_CASES[case]
    before = counts()
    response = caseworker.post(
        "/api/households/", with_member(world.village_a1, id_number=make_number()), format="json"
    )
    body = assert_refused(response, "members.0.id_number")
    assert words in body["fields"]["members.0.id_number"][0]
    assert counts() == before


@pytest.mark.parametrize("case", list(ID_CASES), ids=list(ID_CASES))
def test_invalid_id_number_when_adding_member(world, caseworker, household, case):
    make_number, words = ID_CASES[case]
    before = counts()
    response = caseworker.post(
        f"/api/households/{household.pk}/members/",
        {"name": "赵六", "id_number": make_number(), "relation": "child"},
        format="json",
    )
    body = assert_refused(response, "id_number")
    assert words in body["fields"]["id_number"][0]
    assert counts() == before


@pytest.mark.parametrize(
    "region",
    [
        lambda w: 987654321,  # does not exist
        lambda w: w.village_b1.pk,  # another county
        lambda w: w.village_a2.pk,  # another town of the county
        lambda w: w.town_a1.pk,  # in scope, but not a village
    ],
    ids=["missing", "other-county", "other-town", "not-a-village"],
)
def test_bad_region_is_a_field_error_that_reveals_nothing(world, caseworker, region):
    before = counts()
    response = caseworker.post("/api/households/", payload(world.village_a1, hukou_region=region(world)), format="json")
    body = assert_refused(response, "hukou_region")
    assert body["fields"]["hukou_region"] == ["区划不存在或不在您的管辖范围内"]
    assert counts() == before


def test_residence_outside_the_county_is_refused(world, caseworker):
    response = caseworker.post(
        "/api/households/", payload(world.village_a1, residence_region=world.village_b1.pk), format="json"
    )
    assert_refused(response, "residence_region")


@pytest.mark.parametrize(
    "overrides, field",
    [
        ({"hukou_region": "民主社区"}, "hukou_region"),
        ({"hukou_region": True}, "hukou_region"),
        ({"hukou_region": 1.5}, "hukou_region"),
        ({"hukou_region": 10**30}, "hukou_region"),
        ({"hukou_region": None}, "hukou_region"),
        ({"area_type": "city"}, "area_type"),
        ({"area_type": 1}, "area_type"),
        ({"members": "王芳"}, "members"),
        ({"members": {"name": "王芳"}}, "members"),
        ({"members": []}, "members"),
        ({"members": [1, 2]}, "members.0"),
        ({"residence_address": ["a"]}, "residence_address"),
        ({"residence_address": "x" * 201}, "residence_address"),
        ({"phone": "call me"}, "phone"),
        ({"notes": "\x00"}, "notes"),
        ({"bank_account_number": "6222000011112222"}, "__all__"),
        ({"unknown_field": 1}, "unknown_field"),
        ({"code": "X"}, "code"),
    ],
)
def test_wrong_types_and_values_when_registering(world, caseworker, overrides, field):
    before = counts()
    response = caseworker.post("/api/households/", payload(world.village_a1, **overrides), format="json")
    assert_refused(response, field)
    assert counts() == before


@pytest.mark.parametrize(
    "member, field",
    [
        ({"relation": "boss"}, "members.0.relation"),
        ({"relation": 3}, "members.0.relation"),
        ({"name": ""}, "members.0.name"),
        ({"name": "名" * 51}, "members.0.name"),
        ({"disability_grade": 9, "disability_type": "visual"}, "members.0.disability_grade"),
        ({"disability_grade": "一级", "disability_type": "visual"}, "members.0.disability_grade"),
        ({"disability_type": "visual"}, "disability_grade"),
        ({"deceased_on": "2999-01-01"}, "deceased_on"),
        ({"deceased_on": "yesterday"}, "members.0.deceased_on"),
        ({"selfcare_eating": "maybe"}, "members.0.selfcare_eating"),
        ({"serious_illness": 424242}, "members.0.serious_illness"),
        ({"in_school": True}, "education_stage"),
    ],
)
def test_bad_member_fields_when_registering(world, caseworker, member, field):
    before = counts()
    response = caseworker.post("/api/households/", with_member(world.village_a1, **member), format="json")
    assert_refused(response, field)
    assert counts() == before


def test_missing_required_fields(world, caseworker):
    before = counts()
    response = caseworker.post("/api/households/", {}, format="json")
    body = assert_refused(response, "hukou_region")
    assert {"hukou_region", "residence_address", "area_type", "members"} <= set(body["fields"])
    assert body["fields"]["members"] == ["该字段是必填项。"]

    member_missing = caseworker.post(
        "/api/households/", payload(world.village_a1, members=[{"relation": "head"}]), format="json"
    )
    body = assert_refused(member_missing, "members.0.name")
    assert "members.0.id_number" in body["fields"]
    assert counts() == before


def test_household_needs_exactly_one_head(world, caseworker):
    before = counts()
    no_head = payload(world.village_a1)
    no_head["members"][0]["relation"] = "spouse"
    body = assert_refused(caseworker.post("/api/households/", no_head, format="json"), "members")
    assert body["code"] == "head_required"

    two_heads = payload(world.village_a1)
    two_heads["members"].append({"name": "李四", "id_number": new_id_number(), "relation": "head"})
    assert_refused(caseworker.post("/api/households/", two_heads, format="json"), "members")

    same_person_twice = payload(world.village_a1)
    same_person_twice["members"].append(
        {"name": "王芳", "id_number": same_person_twice["members"][0]["id_number"], "relation": "spouse"}
    )
    body = assert_refused(caseworker.post("/api/households/", same_person_twice, format="json"), "members")
    assert body["code"] == "duplicate_member"
    assert counts() == before


@pytest.mark.parametrize(
    "body",
    [b"{", b'{"hukou_region": 1,}', b"\xff\xfe", b"NaN", b'{"members": [Infinity]}', b"", b"[1, 2"],
    ids=["open-brace", "trailing-comma", "not-utf8", "nan", "infinity", "empty", "open-list"],
)
def test_malformed_json(world, caseworker, body):
    before = counts()
    response = caseworker.generic("POST", "/api/households/", body, content_type="application/json")
    assert response.status_code == 400, response.content
    assert response.json()["code"] in {"malformed_json", "invalid"}
    assert "JSON" in response.json()["message"] or response.json()["code"] == "invalid"
    assert counts() == before


@pytest.mark.parametrize(
    "raw, field",
    [
        ('{"notes": "\\ud800"}', "notes"),
        ('{"area_type": "\\udfff"}', "area_type"),
        ('{"\\ud800": 1}', "\\ud800"),
        ('{"members": [{"relation": "\\ud800"}]}', "members.0.relation"),
    ],
    ids=["text", "choice", "key", "nested-choice"],
)
def test_lone_surrogates_are_refused_not_crashed_on(world, caseworker, raw, field):
    before = counts()
    response = caseworker.generic("POST", "/api/households/", raw.encode(), content_type="application/json")
    assert_refused(response, field)
    assert counts() == before


@pytest.mark.parametrize("body", [[], [1], "text", 5, None, True])
def test_json_that_is_not_an_object(world, caseworker, body):
    before = counts()
    response = caseworker.generic("POST", "/api/households/", json.dumps(body), content_type="application/json")
    assert_refused(response, "__all__")
    assert counts() == before


def test_form_encoded_body_is_refused(world, caseworker):
    response = caseworker.post("/api/households/", {"hukou_region": world.village_a1.pk})
    assert response.status_code == 415
    assert response.json()["message"]


# --- duplicate people --------------------------------------------------------------------------------


def test_duplicate_member_names_the_other_household_to_who_may_see_it(world, caseworker):
    existing = make_household(world.caseworker_a1, world.village_a1b)
    number = existing.head.id_number
    before = counts()
    response = caseworker.post("/api/households/", with_member(world.village_a1, id_number=number), format="json")
    body = assert_refused(response, "id_number", status=409)
    assert body["code"] == "duplicate_member"
    assert existing.code in body["message"]
    assert "一人只能在一户在册" in body["message"]
    assert number not in body["message"]  # masked
    assert counts() == before


def test_duplicate_member_hides_the_other_household_from_who_may_not_see_it(world):
    existing = make_household(world.caseworker_a1, world.village_a1)
    number = existing.head.id_number
    outsider = client_for(world.caseworker_b1)
    before = counts()
    response = outsider.post("/api/households/", with_member(world.village_b1, id_number=number), format="json")
    body = assert_refused(response, "id_number", status=409)
    assert body["code"] == "duplicate_member"
    assert existing.code not in response.content.decode()
    assert world.village_a1.name not in response.content.decode()
    assert existing.head.name not in response.content.decode()
    assert "其他地区" in body["message"]
    assert counts() == before


def test_duplicate_member_when_adding_to_a_household(world, caseworker, household):
    other = make_household(world.caseworker_a1, world.village_a1b)
    before = counts()
    response = caseworker.post(
        f"/api/households/{household.pk}/members/",
        {"name": other.head.name, "id_number": other.head.id_number, "relation": "parent"},
        format="json",
    )
    body = assert_refused(response, "id_number", status=409)
    assert other.code in body["message"]
    assert counts() == before


# --- members, incomes, versions ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "data, field, status",
    [
        ({"month": "2025-01", "kind": "wages", "amount": "-5"}, "amount", 400),
        ({"month": "2025-01", "kind": "wages", "amount": -0.01}, "amount", 400),
        ({"month": "2025-01", "kind": "wages", "amount": 1e20}, "amount", 400),
        ({"month": "2025-01", "kind": "wages", "amount": "1e20"}, "amount", 400),
        ({"month": "2025-01", "kind": "wages", "amount": "12.345"}, "amount", 400),
        ({"month": "2025-01", "kind": "wages", "amount": "abc"}, "amount", 400),
        ({"month": "2025-01", "kind": "wages", "amount": True}, "amount", 400),
        ({"month": "2025-01", "kind": "wages", "amount": "NaN"}, "amount", 400),
        ({"month": "2025-01", "kind": "wages", "amount": "Infinity"}, "amount", 400),
        ({"month": "2025-01", "kind": "wages", "amount": 10**400}, "amount", 400),
        ({"month": "2025-01", "kind": "lottery", "amount": "5"}, "kind", 400),
        ({"month": "2025-13", "kind": "wages", "amount": "5"}, "month", 400),
        ({"month": "2999-01", "kind": "wages", "amount": "5"}, "month", 400),
        ({"month": 202501, "kind": "wages", "amount": "5"}, "month", 400),
        ({"kind": "wages", "amount": "5"}, "month", 400),
    ],
)
def test_bad_income(world, caseworker, household, data, field, status):
    before = counts()
    response = caseworker.post(f"/api/members/{household.head_id}/incomes/", data, format="json")
    assert_refused(response, field, status)
    assert counts() == before


def test_income_month_and_kind_cannot_be_changed(world, caseworker, household):
    created = caseworker.post(
        f"/api/members/{household.head_id}/incomes/",
        {"month": "2025-01", "kind": "wages", "amount": "5"},
        format="json",
    ).json()
    before = counts()
    response = caseworker.patch(f"/api/incomes/{created['id']}/", {"kind": "pension"}, format="json")
    assert_refused(response, "kind")
    assert counts() == before


@pytest.mark.parametrize(
    "data, field",
    [
        ({"name": "新名字"}, "version"),
        ({"name": "新名字", "version": "abc"}, "version"),
        ({"name": "新名字", "version": 0}, "version"),
        ({"id_number": "123", "version": 1}, "id_number"),
        ({"relation": "head", "version": 1}, "relation"),
        ({"birth_date": "1990-01-01", "version": 1}, "birth_date"),
        ({"id_number_masked": "x", "version": 1}, "id_number_masked"),
    ],
)
def test_bad_member_patch(world, caseworker, household, data, field):
    member = household.members.exclude(pk=household.head_id).get()
    before = counts()
    response = caseworker.patch(f"/api/members/{member.pk}/", data, format="json")
    assert_refused(response, field)
    assert counts() == before


def test_stale_member_version(world, caseworker, household):
    member = household.members.exclude(pk=household.head_id).get()
    first = caseworker.patch(f"/api/members/{member.pk}/", {"name": "甲", "version": member.version}, format="json")
    assert first.status_code == 200
    before = counts()
    second = caseworker.patch(f"/api/members/{member.pk}/", {"name": "乙", "version": member.version}, format="json")
    body = assert_refused(second, None, status=409)
    assert body["code"] == "stale_version"
    assert counts() == before
    member.refresh_from_db()
    assert member.name == "甲"


@pytest.mark.parametrize(
    "data, field",
    [
        ({"new_head": 10**12, "former_head_relation": "parent"}, "new_head"),
        ({"new_head": "x", "former_head_relation": "parent"}, "new_head"),
        ({"former_head_relation": "parent"}, "new_head"),
        ({"new_head": None, "former_head_relation": "parent"}, "new_head"),
    ],
)
def test_bad_change_head(world, caseworker, household, data, field):
    before = counts()
    assert_refused(caseworker.post(f"/api/households/{household.pk}/change-head/", data, format="json"), field)
    assert counts() == before


def test_change_head_to_a_member_of_another_household(world, caseworker, household):
    other = make_household(world.caseworker_a1, world.village_a1)
    before = counts()
    response = caseworker.post(
        f"/api/households/{household.pk}/change-head/",
        {"new_head": other.head_id, "former_head_relation": "parent"},
        format="json",
    )
    assert_refused(response, "new_head")
    assert counts() == before


@pytest.mark.parametrize(
    "data, field",
    [
        ({"left_on": "2999-01-01", "reason": "moved_out"}, "left_on"),
        ({"left_on": "2025-01-01", "reason": "vanished"}, "reason"),
        ({"reason": "moved_out"}, "left_on"),
    ],
)
def test_bad_member_removal(world, caseworker, household, data, field):
    member = household.members.exclude(pk=household.head_id).get()
    before = counts()
    assert_refused(caseworker.post(f"/api/members/{member.pk}/remove/", data, format="json"), field)
    assert counts() == before


@pytest.mark.parametrize(
    "path, data, field",
    [
        ("assets", {"kind": "deposit", "value": "-1", "valued_on": "2025-01-01"}, "value"),
        ("assets", {"kind": "deposit", "value": "1", "valued_on": "2025-01-01", "owner": 10**9}, "owner"),
        ("assets", {"kind": "deposit", "value": "1", "valued_on": "2025-01-01", "floor_area": "1e9"}, "floor_area"),
        ("assets", {"kind": "yacht", "value": "1", "valued_on": "2025-01-01"}, "kind"),
        ("expenses", {"kind": "medical", "amount": "1", "period_start": "2025-05", "period_end": "2025-01"}, "__all__"),
        (
            "expenses",
            {"kind": "medical", "amount": "1e20", "period_start": "2025-01", "period_end": "2025-01"},
            "amount",
        ),
        (
            "supporters",
            {"supported_member": 0, "name": "甲", "id_number": "110101199001011234", "relation": "child"},
            "supported_member",
        ),
        ("supporters", {"name": "甲", "id_number": "110101199001011235", "relation": "child"}, "supported_member"),
    ],
)
def test_bad_household_records(world, caseworker, household, path, data, field):
    before = counts()
    response = caseworker.post(f"/api/households/{household.pk}/{path}/", data, format="json")
    assert_refused(response, field)
    assert counts() == before


def test_supporter_id_number_validated(world, caseworker, household):
    before = counts()
    response = caseworker.post(
        f"/api/households/{household.pk}/supporters/",
        {"supported_member": household.head_id, "name": "甲", "id_number": _bad_checksum(), "relation": "child"},
        format="json",
    )
    assert_refused(response, "id_number")
    assert counts() == before


def test_owner_from_another_household_is_refused(world, caseworker, household):
    other = make_household(world.caseworker_a2, world.village_a2)
    response = caseworker.post(
        f"/api/households/{household.pk}/assets/",
        {"kind": "deposit", "value": "1", "valued_on": "2025-01-01", "owner": other.head_id},
        format="json",
    )
    body = assert_refused(response, "owner")
    assert body["fields"]["owner"] == ["请选择本户成员"]


@pytest.mark.parametrize(
    "query, field",
    [
        ({"town": "abc"}, "town"),
        ({"village": 10**25}, "village"),
        ({"status": "gone"}, "status"),
        ({"q": "x" * 51}, "q"),
        ({"q": "\x00"}, "q"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_bad_list_parameters(world, caseworker, query, field):
    assert_refused(caseworker.get("/api/households/", query), field)


def test_format_parameter_is_not_a_filter(world, caseworker):
    assert caseworker.get("/api/households/", {"format": "json"}).status_code == 200


def test_bad_page_is_a_4xx(world, caseworker):
    assert caseworker.get("/api/households/", {"page": "abc"}).status_code == 404
    assert caseworker.get("/api/households/", {"page": 10**30}).status_code == 404
    assert caseworker.get("/api/households/", {"page_size": "abc"}).status_code == 200


def test_region_filters(world, caseworker):
    assert_refused(caseworker.get("/api/regions/", {"level": "planet"}), "level")
    assert_refused(caseworker.get("/api/regions/", {"parent": world.county_b.pk}), "parent")


# --- anything at all ---------------------------------------------------------------------------------

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=30),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4),
    max_leaves=12,
)
FIELD_NAMES = [
    "hukou_region",
    "residence_region",
    "residence_address",
    "area_type",
    "members",
    "name",
    "id_number",
    "relation",
    "month",
    "kind",
    "amount",
    "value",
    "valued_on",
    "owner",
    "member",
    "period_start",
    "period_end",
    "supported_member",
    "annual_income",
    "disability_grade",
    "new_head",
    "former_head_relation",
    "left_on",
    "reason",
    "version",
    "purpose",
]
json_objects = st.dictionaries(st.sampled_from(FIELD_NAMES) | st.text(max_size=8), json_values, max_size=8)
CREATE_PATHS = [
    "/api/households/",
    "/api/households/{household}/members/",
    "/api/households/{household}/assets/",
    "/api/households/{household}/expenses/",
    "/api/households/{household}/supporters/",
    "/api/households/{household}/change-head/",
    "/api/members/{member}/incomes/",
    "/api/members/{member}/remove/",
]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(path=st.sampled_from(CREATE_PATHS), body=json_objects)
def test_random_json_never_gives_a_server_error(world, caseworker, household, path, body):
    url = path.format(household=household.pk, member=household.members.exclude(pk=household.head_id).first().pk)
    response = caseworker.post(url, body, format="json")
    assert response.status_code < 500, (url, body, response.content)
    if response.status_code >= 400:
        assert response.json()["message"]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=json_objects, member_fields=st.lists(json_objects, max_size=3))
def test_random_household_json_never_gives_a_server_error(world, caseworker, body, member_fields):
    """Well-formed households with random members (or random households with a valid member)."""
    data = payload(world.village_a1, **{k: v for k, v in body.items() if k != "members"})
    data["members"] = data["members"] + member_fields
    response = caseworker.post("/api/households/", data, format="json")
    assert response.status_code < 500, (data, response.content)
