"""The what-if calculator's API: a described household (by profile code or county id) and a registered one,
evaluated with the approved parameters in the database; scoping (404), roles (403), and bad input → 400 with a
Chinese message, never a 500 (including a hypothesis fuzz)."""

from __future__ import annotations

import copy
import datetime
import json
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rest_framework.test import APIClient

from assistance.services import system_actor
from cases.services import income_record, member_add
from eligibility.models import ParameterVersion
from eligibility.rules.profile_data import load_documents
from eligibility.services import profiles_load
from tests.factories import make_household, new_id_number

URL = "/api/eligibility/evaluate/"


def client_for(user) -> APIClient:
    client = APIClient()
    client.force_login(user)
    return client


@pytest.fixture
def profiles(world):
    """The shipped profiles in the database; the world's county A (220623) is governed by ``changbai``."""
    return profiles_load(actor=system_actor(), documents=load_documents())


@pytest.fixture
def caseworker(world, profiles):
    return client_for(world.caseworker_a1)


def two_adults(month: str = "2026-07", *, wages: str = "900", **household) -> dict:
    """A rural household of two working-age adults; the head earns ``wages`` a month."""
    return {
        "program": "dibao",
        "month": month,
        "household": {
            "area_type": "rural",
            "financial_assets": "5000",
            "members": [
                {"ref": "户主", "birth_date": "1975-05-01", "incomes": {"wages": wages}, "employment": "farming"},
                {"ref": "配偶", "birth_date": "1977-08-09", "employment": "farming"},
            ],
            **household,
        },
    }


def post(client, body, url=URL):
    # Encoded here, not by the test client, so non-finite floats (NaN, Infinity) reach the server as such.
    return client.post(url, data=json.dumps(body, ensure_ascii=False), content_type="application/json")


# --- a described household ---------------------------------------------------------------------------


def test_dibao_amount_matches_the_hand_computation(caseworker):
    """长白 rural standard from July 2026 is 600 (demo figure): per-capita income 900 / 2 = 450, gap 150 each,
    household amount 2 × 150 = 300.00."""
    # when
    response = post(caseworker, {"jurisdiction": "changbai", "request": two_adults()})
    # then
    assert response.status_code == 200, response.json()
    body = response.json()
    decision = body["decision"]
    assert decision["outcome"] == "eligible"
    assert decision["amount"] == "300.00"
    assert decision["jurisdiction"] == "changbai"
    assert decision["month"] == "2026-07"
    assert body["jurisdiction"] == {"profile": "changbai", "name": "长白朝鲜族自治县", "county": None}
    assert body["summary"].startswith("长白朝鲜族自治县 · 2026年07月 · 最低生活保障（按户）：符合条件")
    assert "每月 300.00 元" in body["summary"]
    # every version used is a database row, and the explanation cites the clauses and the demo standard
    ids = decision["versions_used"]
    assert ids and all(v.isdigit() for v in ids)
    assert ParameterVersion.objects.filter(pk__in=ids, status="approved").count() == len(ids)
    text = "\n".join(body["explanation"])
    assert "农村低保标准 600 元/人·月（自2026年07月起，演示数据）" in text
    assert "changbai-2021 §二(一)7" in text  # financial assets ≤ 24 months of the standard
    assert "考虑但未适用" in text  # the 100-yuan floor, the gap being above it
    floor = next(s for s in decision["steps"] if s["rule_id"] == "dibao.floor")
    assert floor["applied"] is False
    assert floor["params"][0]["clause"] == "changbai-2021 §二(一)6"
    assert "dibao.floor" in decision["considered_not_applied"]


def test_the_standard_changes_on_1_july(caseworker):
    """June 2026 still uses the 2025 standard (575): (575 − 450) × 2 = 250.00."""
    june = post(caseworker, {"jurisdiction": "changbai", "request": two_adults("2026-06")}).json()
    july = post(caseworker, {"jurisdiction": "changbai", "request": two_adults("2026-07")}).json()
    assert (june["decision"]["amount"], july["decision"]["amount"]) == ("250.00", "300.00")


def test_county_id_uses_the_profile_governing_it(world, caseworker):
    response = post(caseworker, {"jurisdiction": world.county_a.pk, "request": two_adults()})
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["decision"]["amount"] == "300.00"
    assert body["jurisdiction"]["profile"] == "changbai"
    assert body["jurisdiction"]["county"] == {"id": world.county_a.pk, "code": "220623", "name": "长白朝鲜族自治县"}
    assert body["summary"].startswith("长白朝鲜族自治县 · 2026年07月")


def test_profile_code_and_its_county_resolve_the_same_parameters(world, profiles):
    from eligibility.selectors import parameter_set_for, parameter_set_for_profile

    july = datetime.date(2026, 7, 1)
    by_code = parameter_set_for_profile(code="changbai", month=july)
    by_county = parameter_set_for(county=world.county_a, month=july)
    assert by_code.jurisdiction == by_county.jurisdiction == "changbai"
    assert dict(by_code.timelines) == dict(by_county.timelines)
    assert by_code.get("dibao.standard.rural").value == Decimal("600")
    national = parameter_set_for_profile(code="national", month=july)
    assert national.get("dibao.floor_per_person").profile == "national"


def test_same_household_under_other_profiles(caseworker):
    """The national baseline and another county answer with their own parameters (nothing about 长白 leaks)."""
    for code in ("national", "maiji", "nantong"):
        response = post(caseworker, {"jurisdiction": code, "request": two_adults()})
        assert response.status_code == 200, (code, response.json())
        assert response.json()["decision"]["jurisdiction"] == code


def test_missing_facts_are_listed(caseworker):
    request = two_adults()
    request["household"]["members"] = []
    response = post(caseworker, {"jurisdiction": "changbai", "request": request})
    assert response.status_code == 200
    decision = response.json()["decision"]
    assert decision["outcome"] == "needs_information"
    assert decision["missing_facts"]
    assert "缺少：" in response.json()["summary"]


def test_single_and_tekun_and_low_income_answer(caseworker):
    single = two_adults(wages="1500")
    single["program"] = "dibao_single"
    single["subject"] = "配偶"
    single["household"]["members"][1].update({"disability_type": "physical", "disability_grade": 1})
    tekun = {
        "program": "tekun",
        "month": "2026-07",
        "subject": "老人",
        "household": {"area_type": "rural", "members": [{"ref": "老人", "birth_date": "1940-01-01"}]},
    }
    low_income = two_adults(wages="1500")
    low_income["program"] = "low_income"
    for request in (single, tekun, low_income):
        response = post(caseworker, {"jurisdiction": "changbai", "request": request})
        assert response.status_code == 200, (request["program"], response.json())
        assert response.json()["decision"]["program"] == request["program"]
        assert response.json()["explanation"]


# --- refused -----------------------------------------------------------------------------------------


def _with(path: tuple, value):
    body = {"jurisdiction": "changbai", "request": two_adults()}
    target = body
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return body


BAD = [
    pytest.param(_with(("request", "program"), "housing"), "unknown_program", id="unknown program"),
    pytest.param(_with(("jurisdiction",), "atlantis"), "unknown_jurisdiction", id="unknown profile"),
    pytest.param(_with(("jurisdiction",), 99999999), "unknown_jurisdiction", id="unknown county id"),
    pytest.param(_with(("jurisdiction",), "9" * 40), "unknown_jurisdiction", id="county id beyond bigint"),
    pytest.param(_with(("jurisdiction",), True), "invalid", id="jurisdiction not text"),
    pytest.param(_with(("request", "month"), "2020-01"), "missing_parameter", id="month without standards"),
    pytest.param(_with(("request", "month"), "2026-13"), "invalid_request", id="no such month"),
    pytest.param(_with(("request", "household", "financial_assets"), "-1"), "invalid_request", id="negative"),
    pytest.param(_with(("request", "household", "financial_assets"), "12,5"), "invalid_request", id="malformed"),
    pytest.param(_with(("request", "household", "financial_assets"), 12.5), "invalid_request", id="float money"),
    pytest.param(_with(("request", "household", "financial_assets"), "NaN"), "invalid_request", id="nan"),
    pytest.param(_with(("request", "household", "pets"), 2), "invalid_request", id="unknown household key"),
    pytest.param(_with(("request", "colour"), "red"), "invalid_request", id="unknown request key"),
    pytest.param(_with(("request",), ["dibao"]), "invalid_request", id="request not an object"),
    pytest.param({"jurisdiction": "changbai"}, "invalid", id="no request"),
    pytest.param({"jurisdiction": "changbai", "request": {}, "extra": 1}, "invalid", id="unknown top-level key"),
]


@pytest.mark.parametrize(("body", "code"), BAD)
def test_bad_input_is_a_400_in_chinese(caseworker, body, code):
    response = post(caseworker, body)
    assert response.status_code == 400, response.json()
    answer = response.json()
    assert answer["code"] == code
    assert any("\u4e00" <= ch <= "\u9fff" for ch in answer["message"])


def test_negative_income_names_the_field(caseworker):
    body = _with(("request", "household", "members", 0, "incomes", "wages"), "-300")
    answer = post(caseworker, body).json()
    assert "request.household.members[0].incomes.wages" in answer["message"]
    assert "负数" in answer["message"]


def test_month_without_standards_says_which_parameter(caseworker):
    answer = post(caseworker, _with(("request", "month"), "2020-01")).json()
    assert "2020年01月" in answer["message"] and "农村低保标准" in answer["message"]
    assert answer["extra"] == {"key": "dibao.standard.rural", "month": "2020-01"}


def test_malformed_json_is_a_400(caseworker):
    response = caseworker.post(URL, data="{not json", content_type="application/json")
    assert response.status_code == 400
    assert response.json()["code"] == "malformed_json"


def test_county_outside_the_jurisdiction_is_unknown(world, profiles):
    """A caseworker of 长白 cannot name 抚松 (not in their jurisdiction); 抚松's own reviewer can, but no profile
    governs it."""
    outsider = post(client_for(world.caseworker_a1), _with(("jurisdiction",), world.county_b.pk))
    assert (outsider.status_code, outsider.json()["code"]) == (400, "unknown_jurisdiction")
    own = post(client_for(world.reviewer_b), _with(("jurisdiction",), world.county_b.pk))
    assert (own.status_code, own.json()["code"]) == (400, "no_profile")


@pytest.mark.parametrize("role", ["assistant_a1", "auditor_a"])
def test_other_roles_may_not_use_it(world, profiles, role):
    response = post(client_for(getattr(world, role)), {"jurisdiction": "changbai", "request": two_adults()})
    assert response.status_code == 403
    assert response.json()["message"] == "试算仅供乡镇经办、县级审核和县级管理员使用"


def test_anonymous_is_refused(world, profiles):
    response = post(APIClient(), {"jurisdiction": "changbai", "request": two_adults()})
    assert response.status_code in (401, 403)


@pytest.mark.parametrize("role", ["reviewer_a", "admin_a"])
def test_county_staff_may_use_it(world, profiles, role):
    response = post(client_for(getattr(world, role)), {"jurisdiction": world.county_a.pk, "request": two_adults()})
    assert response.status_code == 200


# --- fuzz --------------------------------------------------------------------------------------------

json_scalars = st.none() | st.booleans() | st.integers(-(10**20), 10**20) | st.floats() | st.text(max_size=12)
json_values = st.recursive(
    json_scalars,
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3),
    max_leaves=8,
)
MONEY_PATHS = [
    ("household", "financial_assets"),
    ("household", "members", 0, "incomes", "wages"),
    ("household", "members", 1, "incomes", "pension"),
    ("household", "last_year_total_income"),
    ("household", "rigid_expenses_12m", "medical"),
]
FIELD_PATHS = [
    *MONEY_PATHS,
    ("program",),
    ("month",),
    ("subject",),
    ("household", "area_type"),
    ("household", "members", 0, "birth_date"),
    ("household", "members", 0, "disability_grade"),
    ("household", "members", 1, "disability_type"),
    ("household", "members", 1, "selfcare_level"),
    ("household", "members", 0, "in_school"),
    ("household", "members"),
    ("household", "current"),
    ("household", "vehicles"),
    ("household", "supporters"),
    ("extra",),
]
amount_texts = st.one_of(
    st.decimals(allow_nan=True, allow_infinity=True).map(str),
    st.from_regex(r"-?[0-9]{0,15}(\.[0-9]{0,4})?", fullmatch=True),
    st.sampled_from(["", " ", "1e5", "1E-3", "0x10", "١٢٣", "Infinity", "-0", "1_000", "999999999999999999"]),
)


def _set(data: dict, path: tuple, value) -> None:
    target = data
    for key in path[:-1]:
        if isinstance(target, dict):
            target = target.setdefault(key, {})
        elif isinstance(target, list) and isinstance(key, int) and key < len(target):
            target = target[key]
        else:
            return
    in_list = isinstance(target, list) and isinstance(path[-1], int) and path[-1] < len(target)
    if isinstance(target, dict) or in_list:
        target[path[-1]] = value


FUZZ = settings(
    max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)


@FUZZ
@given(
    changes=st.lists(st.tuples(st.sampled_from(FIELD_PATHS), json_values | amount_texts), min_size=1, max_size=4),
    program=st.sampled_from(["dibao", "dibao_single", "tekun", "low_income"]),
)
def test_fuzzed_requests_never_cause_a_500(caseworker, changes, program):
    request = copy.deepcopy(two_adults())
    request["program"] = program
    request["subject"] = "配偶"
    for path, value in changes:
        _set(request, path, value)
    response = post(caseworker, {"jurisdiction": "changbai", "request": request})
    assert response.status_code in (200, 400), response.content[:500]
    body = response.json()
    if response.status_code == 400:
        assert body["message"]
    else:
        assert Decimal(body["decision"]["amount"]) >= 0


@FUZZ
@given(body=json_values, jurisdiction=json_values)
def test_fuzzed_bodies_never_cause_a_500(caseworker, body, jurisdiction):
    for payload in (body, {"jurisdiction": jurisdiction, "request": body}):
        response = post(caseworker, payload)
        assert response.status_code in (200, 400), response.content[:500]


# --- a registered household --------------------------------------------------------------------------


@pytest.fixture
def registered(world, profiles):
    """A rural household in 长白镇: the head (born 1975) earned 900 a month from January to June 2026; the
    spouse (born 1977) nothing."""
    household = make_household(world.caseworker_a1, world.village_a1b, members=1)
    head = household.members.get()
    spouse = member_add(
        actor=world.caseworker_a1,
        household=household,
        name="朴春花",
        id_number=new_id_number(birth=datetime.date(1977, 8, 9), male=False),
        relation="spouse",
    )
    for m in range(1, 7):
        income_record(
            actor=world.caseworker_a1,
            member=head,
            month=datetime.date(2026, m, 1),
            kind="wages",
            amount=Decimal("900"),
        )
    return household, head, spouse


def household_url(household) -> str:
    return f"/api/households/{household.pk}/evaluate/"


def test_registered_household_is_evaluated_with_its_countys_parameters(world, registered):
    household, head, spouse = registered
    response = post(client_for(world.caseworker_a1), {"program": "dibao", "month": "2026-07"}, household_url(household))
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["decision"]["amount"] == "300.00"  # (600 − 900 / 2) × 2
    assert body["jurisdiction"]["county"]["code"] == "220623"
    # refs are member ids in the decision, names in the explanation
    per_person = body["decision"]["details"]["per_person"]
    assert set(per_person) == {str(head.pk), str(spouse.pk)}
    assert spouse.name in "\n".join(body["explanation"])


def test_registered_household_with_a_subject(world, registered):
    household, _head, spouse = registered
    response = post(
        client_for(world.reviewer_a),
        {"program": "dibao_single", "month": "2026-07", "subject": spouse.pk},
        household_url(household),
    )
    assert response.status_code == 200, response.json()
    assert response.json()["decision"]["program"] == "dibao_single"


def test_household_of_another_town_is_not_found(world, registered):
    household, _head, _spouse = registered
    response = post(client_for(world.caseworker_a2), {"program": "dibao", "month": "2026-07"}, household_url(household))
    assert response.status_code == 404
    assert response.json()["message"] == "未找到该记录，或不在您的管辖范围内"


def test_household_without_a_profile_is_a_400(world, profiles):
    household = make_household(world.caseworker_b1, world.village_b1)
    response = post(client_for(world.caseworker_b1), {"program": "dibao", "month": "2026-07"}, household_url(household))
    assert (response.status_code, response.json()["code"]) == (400, "no_profile")
    assert "抚松县没有适用的政策参数档案" in response.json()["message"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"program": "housing", "month": "2026-07"}, "program"),
        ({"program": "dibao", "month": "2026/07"}, "month"),
        ({"program": "dibao", "month": "2026-07", "colour": "red"}, "colour"),
        ({"program": "tekun", "month": "2026-07"}, "subject"),
        ({"program": "dibao", "month": "2026-07", "subject": "x"}, "subject"),
    ],
)
def test_bad_household_requests_are_400(world, registered, body, field):
    household, _head, _spouse = registered
    response = post(client_for(world.caseworker_a1), body, household_url(household))
    assert response.status_code == 400, response.json()
    assert field in response.json()["fields"]


def test_subject_of_another_household_is_refused(world, registered):
    household, _head, _spouse = registered
    other = make_household(world.caseworker_a1, world.village_a1b)
    body = {"program": "tekun", "month": "2026-07", "subject": other.head_id}
    response = post(client_for(world.caseworker_a1), body, household_url(household))
    assert response.status_code == 400
    assert response.json()["fields"] == {"subject": ["请填写本户在册成员的编号"]}


def test_month_without_standards_for_a_household(world, registered):
    household, _head, _spouse = registered
    response = post(client_for(world.caseworker_a1), {"program": "dibao", "month": "2020-01"}, household_url(household))
    assert (response.status_code, response.json()["code"]) == (400, "missing_parameter")


@FUZZ
@given(body=json_values, program=json_values, month=json_values, subject=json_values)
def test_fuzzed_household_requests_never_cause_a_500(world, registered, body, program, month, subject):
    household, _head, _spouse = registered
    client = client_for(world.caseworker_a1)
    for payload in (body, {"program": program, "month": month, "subject": subject}):
        response = post(client, payload, household_url(household))
        assert response.status_code in (200, 400), response.content[:500]


def test_household_evaluation_queries_do_not_grow(world, registered):
    """The same number of queries for a household of two with six months of income as for one of six with more."""
    household, _head, _spouse = registered
    bigger = make_household(world.caseworker_a1, world.village_a1b, members=6)
    for member in bigger.members.all():
        for m in range(1, 7):
            income_record(
                actor=world.caseworker_a1,
                member=member,
                month=datetime.date(2026, m, 1),
                kind="agriculture",
                amount=Decimal("150"),
            )
    client = client_for(world.caseworker_a1)
    counts = []
    for target in (household, bigger):
        post(client, {"program": "dibao", "month": "2026-07"}, household_url(target))  # warm the session
        with CaptureQueriesContext(connection) as captured:
            response = post(client, {"program": "dibao", "month": "2026-07"}, household_url(target))
        assert response.status_code == 200
        counts.append(len(captured))
    assert counts[0] == counts[1]
    assert counts[0] <= 20
