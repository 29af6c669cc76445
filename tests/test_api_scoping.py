"""Jurisdiction through the API: a household of another town or county — and everything recorded for it —
is "not found" on every endpoint, and absent from every list. Inside the jurisdiction it works."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

import pytest
from rest_framework.test import APIClient

from audit.models import AuditEvent
from cases.models import Household, Member
from cases.services import asset_add, expense_add, household_grant_access, income_record, supporter_add
from tests.factories import make_household, new_id_number


@dataclass
class Records:
    household: Household
    head: Member
    other: Member
    income_id: int
    asset_id: int
    expense_id: int
    supporter_id: int


@pytest.fixture
def records(world) -> Records:
    """A household of 民主社区 (长白镇, 长白县) with one record of every kind."""
    actor = world.caseworker_a1
    household = make_household(actor, world.village_a1, members=2)
    head = household.head
    other = household.members.exclude(pk=head.pk).get()
    income = income_record(actor=actor, member=head, month=datetime.date(2025, 1, 1), kind="wages", amount=1000)
    asset = asset_add(actor=actor, household=household, kind="deposit", value=5000, valued_on=datetime.date(2025, 1, 1))
    expense = expense_add(
        actor=actor,
        household=household,
        kind="medical",
        amount=3000,
        period_start=datetime.date(2024, 1, 1),
        period_end=datetime.date(2024, 12, 1),
    )
    supporter = supporter_add(
        actor=actor,
        household=household,
        supported_member=head,
        name="张外",
        id_number=new_id_number(birth=datetime.date(1988, 1, 1)),
        relation="child",
    )
    return Records(household, head, other, income.pk, asset.pk, expense.pk, supporter.pk)


def client_for(user) -> APIClient:
    client = APIClient()
    client.force_login(user)
    return client


# (name, method, path, body) — path and body are built from the records at run time.
DETAIL_ENDPOINTS = [
    ("household", "get", lambda r: f"/api/households/{r.household.pk}/", None),
    ("household-patch", "patch", lambda r: f"/api/households/{r.household.pk}/", lambda r: {"version": 1}),
    (
        "change-head",
        "post",
        lambda r: f"/api/households/{r.household.pk}/change-head/",
        lambda r: {"new_head": r.other.pk, "former_head_relation": "parent"},
    ),
    ("history", "get", lambda r: f"/api/households/{r.household.pk}/history/", None),
    ("members", "get", lambda r: f"/api/households/{r.household.pk}/members/", None),
    (
        "members-add",
        "post",
        lambda r: f"/api/households/{r.household.pk}/members/",
        lambda r: {"name": "新人", "id_number": new_id_number(), "relation": "child"},
    ),
    ("member", "get", lambda r: f"/api/members/{r.head.pk}/", None),
    ("member-patch", "patch", lambda r: f"/api/members/{r.head.pk}/", lambda r: {"name": "改名", "version": 1}),
    (
        "member-remove",
        "post",
        lambda r: f"/api/members/{r.other.pk}/remove/",
        lambda r: {"left_on": "2025-01-01", "reason": "moved_out"},
    ),
    ("member-reveal", "post", lambda r: f"/api/members/{r.head.pk}/reveal-id-number/", lambda r: {}),
    ("incomes", "get", lambda r: f"/api/members/{r.head.pk}/incomes/", None),
    (
        "incomes-add",
        "post",
        lambda r: f"/api/members/{r.head.pk}/incomes/",
        lambda r: {"month": "2025-02", "kind": "wages", "amount": "10"},
    ),
    ("income", "get", lambda r: f"/api/incomes/{r.income_id}/", None),
    ("income-patch", "patch", lambda r: f"/api/incomes/{r.income_id}/", lambda r: {"amount": "1"}),
    ("income-delete", "delete", lambda r: f"/api/incomes/{r.income_id}/", None),
    ("assets", "get", lambda r: f"/api/households/{r.household.pk}/assets/", None),
    (
        "assets-add",
        "post",
        lambda r: f"/api/households/{r.household.pk}/assets/",
        lambda r: {"kind": "deposit", "value": "1", "valued_on": "2025-01-01"},
    ),
    ("asset", "get", lambda r: f"/api/assets/{r.asset_id}/", None),
    ("asset-patch", "patch", lambda r: f"/api/assets/{r.asset_id}/", lambda r: {"value": "1"}),
    ("asset-delete", "delete", lambda r: f"/api/assets/{r.asset_id}/", None),
    ("expenses", "get", lambda r: f"/api/households/{r.household.pk}/expenses/", None),
    (
        "expenses-add",
        "post",
        lambda r: f"/api/households/{r.household.pk}/expenses/",
        lambda r: {"kind": "care", "amount": "1", "period_start": "2025-01", "period_end": "2025-01"},
    ),
    ("expense", "get", lambda r: f"/api/expenses/{r.expense_id}/", None),
    ("expense-patch", "patch", lambda r: f"/api/expenses/{r.expense_id}/", lambda r: {"amount": "1"}),
    ("expense-delete", "delete", lambda r: f"/api/expenses/{r.expense_id}/", None),
    ("supporters", "get", lambda r: f"/api/households/{r.household.pk}/supporters/", None),
    (
        "supporters-add",
        "post",
        lambda r: f"/api/households/{r.household.pk}/supporters/",
        lambda r: {
            "supported_member": r.head.pk,
            "name": "另一人",
            "id_number": new_id_number(birth=datetime.date(1990, 2, 2)),
            "relation": "child",
        },
    ),
    ("supporter", "get", lambda r: f"/api/supporters/{r.supporter_id}/", None),
    ("supporter-patch", "patch", lambda r: f"/api/supporters/{r.supporter_id}/", lambda r: {"notes": "x"}),
    ("supporter-delete", "delete", lambda r: f"/api/supporters/{r.supporter_id}/", None),
]
READ_ENDPOINTS = [e for e in DETAIL_ENDPOINTS if e[1] == "get"]
OUTSIDERS = ["caseworker_a2", "reviewer_b"]  # another town of the county; another county


def call(client: APIClient, endpoint, r: Records):
    _name, method, path, body = endpoint
    kwargs = {"format": "json"}
    if body is not None:
        kwargs["data"] = body(r)
    return getattr(client, method)(path(r), **kwargs)


def snapshot() -> tuple:
    from cases.models import Asset, LegalSupporter, MemberIncome, RigidExpense

    return (
        Household.objects.count(),
        Member.objects.filter(is_active=True).count(),
        MemberIncome.objects.count(),
        Asset.objects.count(),
        RigidExpense.objects.count(),
        LegalSupporter.objects.count(),
        AuditEvent.objects.count(),
    )


@pytest.mark.parametrize("outsider", OUTSIDERS)
@pytest.mark.parametrize("endpoint", DETAIL_ENDPOINTS, ids=[e[0] for e in DETAIL_ENDPOINTS])
def test_outsider_gets_not_found(world, records, outsider, endpoint):
    # given
    client = client_for(getattr(world, outsider))
    before = snapshot()
    # when
    response = call(client, endpoint, records)
    # then
    assert response.status_code == 404, (endpoint[0], response.status_code, response.content)
    assert response.json()["code"] == "not_found"
    assert response.json()["message"] == "未找到该记录，或不在您的管辖范围内"
    assert records.household.code not in response.content.decode()
    assert snapshot() == before


@pytest.mark.parametrize("insider", ["caseworker_a1", "reviewer_a", "assistant_a1", "auditor_a"])
@pytest.mark.parametrize("endpoint", READ_ENDPOINTS, ids=[e[0] for e in READ_ENDPOINTS])
def test_insider_reads(world, records, insider, endpoint):
    response = call(client_for(getattr(world, insider)), endpoint, records)
    assert response.status_code == 200, (endpoint[0], response.content)


@pytest.mark.parametrize("endpoint", [e for e in DETAIL_ENDPOINTS if e[1] != "get"], ids=lambda e: e[0])
def test_caseworker_of_the_town_writes(world, records, endpoint):
    response = call(client_for(world.caseworker_a1), endpoint, records)
    assert response.status_code in (200, 201, 204), (endpoint[0], response.content)


@pytest.mark.parametrize(
    "endpoint",
    [e for e in DETAIL_ENDPOINTS if e[1] != "get" and e[0] != "member-reveal"],
    ids=lambda e: e[0],
)
def test_reviewer_in_scope_is_refused_writes_with_403(world, records, endpoint):
    before = snapshot()
    response = call(client_for(world.reviewer_a), endpoint, records)
    assert response.status_code == 403, (endpoint[0], response.content)
    assert response.json()["code"] == "permission_denied"
    assert snapshot() == before


@pytest.mark.parametrize("outsider", OUTSIDERS)
def test_outsider_lists_never_show_the_household(world, records, outsider):
    own_village = world.village_a2 if outsider == "caseworker_a2" else world.village_b1
    own = make_household(
        getattr(world, "caseworker_a2" if outsider == "caseworker_a2" else "caseworker_b1"), own_village
    )
    client = client_for(getattr(world, outsider))

    for params in ({}, {"q": records.household.code}, {"q": records.head.name}, {"q": records.head.id_number}):
        listed = client.get("/api/households/", params)
        assert listed.status_code == 200
        ids = [row["id"] for row in listed.json()["results"]]
        assert records.household.pk not in ids, params
    assert [row["id"] for row in client.get("/api/households/").json()["results"]] == [own.pk]

    regions = client.get("/api/regions/", {"page_size": 200}).json()["results"]
    assert world.village_a1.pk not in [r["id"] for r in regions]
    assert world.town_a1.pk not in [r["id"] for r in regions]


@pytest.mark.parametrize("insider", ["caseworker_a1", "reviewer_a"])
def test_insider_lists_show_the_household(world, records, insider):
    client = client_for(getattr(world, insider))
    for params in ({}, {"q": records.household.code}, {"q": records.head.name}, {"q": records.head.id_number}):
        ids = [row["id"] for row in client.get("/api/households/", params).json()["results"]]
        assert records.household.pk in ids, params
    members = client.get(f"/api/households/{records.household.pk}/members/").json()
    assert {m["id"] for m in members} == {records.head.pk, records.other.pk}
    assert [i["id"] for i in client.get(f"/api/members/{records.head.pk}/incomes/").json()] == [records.income_id]
    assert [a["id"] for a in client.get(f"/api/households/{records.household.pk}/assets/").json()] == [records.asset_id]
    assert [e["id"] for e in client.get(f"/api/households/{records.household.pk}/expenses/").json()] == [
        records.expense_id
    ]
    assert [s["id"] for s in client.get(f"/api/households/{records.household.pk}/supporters/").json()] == [
        records.supporter_id
    ]
    history = client.get(f"/api/households/{records.household.pk}/history/").json()
    assert history["count"] >= 7


@pytest.mark.parametrize("outsider", OUTSIDERS)
def test_outsider_filter_on_a_foreign_region_is_refused(world, records, outsider):
    client = client_for(getattr(world, outsider))
    for params in ({"village": world.village_a1.pk}, {"town": world.town_a1.pk}):
        response = client.get("/api/households/", params)
        assert response.status_code == 400
        assert response.json()["fields"][next(iter(params))] == ["区划不存在或不在您的管辖范围内"]


def test_grant_lets_a_reviewer_of_another_county_see_one_household(world, records):
    household_grant_access(
        actor=world.admin_a, household=records.household, grantee=world.reviewer_b, reason="人户分离，居住在抚松县"
    )
    client = client_for(world.reviewer_b)
    assert client.get(f"/api/households/{records.household.pk}/").status_code == 200
    assert records.household.pk in [row["id"] for row in client.get("/api/households/").json()["results"]]
    assert client.get(f"/api/incomes/{records.income_id}/").status_code == 200
