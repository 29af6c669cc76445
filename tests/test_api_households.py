"""The registry API on the caseworker's everyday path: register, list, change, remove, change the head,
record incomes, property, expenses and supporters — every write audited with the request id and IP."""

from __future__ import annotations

import datetime

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from audit.models import AuditEvent
from audit.services import audit_chain_verify
from cases.models import Household, Member
from tests.factories import make_household, new_id_number

REQUEST_ID = "api-test-request-0001"


def client_for(user) -> APIClient:
    client = APIClient()
    client.force_login(user)
    return client


def household_payload(village, *, members: int = 2) -> dict:
    entries = [{"name": "张建国", "id_number": new_id_number(), "relation": "head"}]
    for i in range(members - 1):
        entries.append(
            {
                "name": f"张小{i}",
                "id_number": new_id_number(birth=datetime.date(2010, 3, 1), male=i % 2 == 1),
                "relation": "child",
                "education_stage": "junior",
                "in_school": True,
            }
        )
    return {
        "hukou_region": village.pk,
        "residence_address": f"{village.name}3组12号",
        "area_type": "rural",
        "phone": "13800000000",
        "members": entries,
    }


@pytest.fixture
def caseworker(world):
    return client_for(world.caseworker_a1)


def test_caseworker_registers_household_with_members(world, caseworker):
    # given
    payload = household_payload(world.village_a1, members=3)
    # when
    response = caseworker.post("/api/households/", payload, format="json", HTTP_X_REQUEST_ID=REQUEST_ID)
    # then
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["code"].startswith("220623")
    assert body["hukou_region"]["id"] == world.village_a1.pk
    assert body["town"]["name"] == "长白镇"
    assert body["member_count"] == 3
    assert body["status_display"] == "在册"
    head = next(m for m in body["members"] if m["relation"] == "head")
    assert head["relation_display"] == "户主"
    assert head["id"] == body["head"]
    number = payload["members"][0]["id_number"]
    assert head["id_number_masked"] == number[:4] + "*" * 10 + number[-4:]
    assert "id_number" not in head
    assert head["birth_date"] == "1960-05-17" or head["birth_date"].startswith("1960-05")
    assert head["sex"] == "M" and head["sex_display"] == "男"
    assert isinstance(head["age"], int) and head["age"] >= 60
    child = next(m for m in body["members"] if m["relation"] == "child")
    assert child["education_stage_display"] == "初中"
    assert number not in response.content.decode()


def test_every_audit_event_of_a_request_carries_its_request_id_and_ip(world, caseworker):
    response = caseworker.post(
        "/api/households/",
        household_payload(world.village_a1),
        format="json",
        HTTP_X_REQUEST_ID=REQUEST_ID,
        REMOTE_ADDR="10.20.30.40",
    )
    assert response.status_code == 201
    assert response["X-Request-ID"] == REQUEST_ID
    events = AuditEvent.objects.filter(household_ref=response.json()["id"])
    assert {e.action for e in events} == {"household.create", "member.create"}
    assert {e.request_id for e in events} == {REQUEST_ID}
    assert {e.ip for e in events} == {"10.20.30.40"}
    assert audit_chain_verify().ok


def test_list_searches_filters_and_paginates(world, caseworker):
    wanted = make_household(world.caseworker_a1, world.village_a1)
    other_village = make_household(world.caseworker_a1, world.village_a1b)
    make_household(world.caseworker_a2, world.village_a2)  # another town: never listed

    listed = caseworker.get("/api/households/").json()
    assert listed["count"] == 2
    assert {row["id"] for row in listed["results"]} == {wanted.pk, other_village.pk}

    by_village = caseworker.get("/api/households/", {"village": world.village_a1.pk}).json()
    assert [row["id"] for row in by_village["results"]] == [wanted.pk]

    by_town = caseworker.get("/api/households/", {"town": world.town_a1.pk}).json()
    assert by_town["count"] == 2

    by_name = caseworker.get("/api/households/", {"q": wanted.head.name}).json()
    assert [row["id"] for row in by_name["results"]] == [wanted.pk]

    by_id_prefix = caseworker.get("/api/households/", {"q": wanted.head.id_number[:14]}).json()
    assert wanted.pk in [row["id"] for row in by_id_prefix["results"]]

    by_code = caseworker.get("/api/households/", {"q": other_village.code}).json()
    assert [row["id"] for row in by_code["results"]] == [other_village.pk]

    closed = caseworker.get("/api/households/", {"status": "closed"}).json()
    assert closed["count"] == 0

    paged = caseworker.get("/api/households/", {"page_size": 1, "page": 2}).json()
    assert paged["count"] == 2 and len(paged["results"]) == 1 and paged["previous"]

    row = listed["results"][0]
    assert row["head_id_number_masked"].count("*") == 10
    assert row["member_count"] == 2


def test_list_query_count_does_not_grow_with_households(world, caseworker):
    for _ in range(2):
        make_household(world.caseworker_a1, world.village_a1, members=3)
    with CaptureQueriesContext(connection) as few:
        assert caseworker.get("/api/households/").status_code == 200
    for _ in range(8):
        make_household(world.caseworker_a1, world.village_a1b, members=3)
    with CaptureQueriesContext(connection) as many:
        response = caseworker.get("/api/households/")
    assert response.json()["count"] == 10
    assert len(many) == len(few), [q["sql"] for q in many.captured_queries]
    assert len(many) <= 6


def test_patch_household_needs_current_version(world, caseworker):
    household = make_household(world.caseworker_a1, world.village_a1)
    url = f"/api/households/{household.pk}/"

    missing_version = caseworker.patch(url, {"phone": "13900000000"}, format="json")
    assert missing_version.status_code == 400
    assert "version" in missing_version.json()["fields"]

    changed = caseworker.patch(url, {"phone": "13900000000", "version": household.version}, format="json")
    assert changed.status_code == 200, changed.json()
    assert changed.json()["phone"] == "13900000000"
    assert changed.json()["version"] == household.version + 1

    stale = caseworker.patch(url, {"phone": "13700000000", "version": household.version}, format="json")
    assert stale.status_code == 409
    assert stale.json()["code"] == "stale_version"
    assert "已被他人修改" in stale.json()["message"]
    household.refresh_from_db()
    assert household.phone == "13900000000"


def test_patch_household_moves_residence_within_county(world, caseworker):
    household = make_household(world.caseworker_a1, world.village_a1)
    response = caseworker.patch(
        f"/api/households/{household.pk}/",
        {"residence_region": world.village_a2.pk, "version": household.version},
        format="json",
    )
    assert response.status_code == 200, response.json()
    assert response.json()["residence_region"]["id"] == world.village_a2.pk


def test_add_update_and_remove_member(world, caseworker):
    household = make_household(world.caseworker_a1, world.village_a1, members=1)

    added = caseworker.post(
        f"/api/households/{household.pk}/members/",
        {"name": "李梅", "id_number": new_id_number(male=False), "relation": "spouse"},
        format="json",
    )
    assert added.status_code == 201, added.json()
    member = added.json()
    assert member["sex"] == "F" and member["relation_display"] == "配偶"

    updated = caseworker.patch(
        f"/api/members/{member['id']}/",
        {
            "disability_type": "physical",
            "disability_grade": 2,
            "selfcare_eating": True,
            "selfcare_dressing": True,
            "selfcare_transfer": False,
            "selfcare_toileting": True,
            "selfcare_walking": False,
            "selfcare_bathing": False,
            "selfcare_assessed_on": "2025-01-10",
            "version": member["version"],
        },
        format="json",
    )
    assert updated.status_code == 200, updated.json()
    assert updated.json()["selfcare_level"] == "partial"
    assert updated.json()["selfcare_level_display"] == "部分丧失生活自理能力"
    assert updated.json()["disability_type_display"] == "肢体残疾"

    removed = caseworker.post(
        f"/api/members/{member['id']}/remove/", {"left_on": "2025-02-01", "reason": "moved_out"}, format="json"
    )
    assert removed.status_code == 200, removed.json()
    assert removed.json()["is_active"] is False
    assert removed.json()["left_reason_display"] == "迁出/不再共同生活"

    active = caseworker.get(f"/api/households/{household.pk}/members/").json()
    assert [m["id"] for m in active] == [household.head_id]
    everyone = caseworker.get(f"/api/households/{household.pk}/members/", {"include_inactive": "true"}).json()
    assert len(everyone) == 2


def test_change_head_then_former_head_leaves(world, caseworker):
    household = make_household(world.caseworker_a1, world.village_a1, members=2)
    former = household.head
    successor = household.members.exclude(pk=former.pk).get()

    response = caseworker.post(
        f"/api/households/{household.pk}/change-head/",
        {"new_head": successor.pk, "former_head_relation": "parent"},
        format="json",
    )
    assert response.status_code == 200, response.json()
    assert response.json()["head"] == successor.pk
    relations = {m["id"]: m["relation"] for m in response.json()["members"]}
    assert relations == {successor.pk: "head", former.pk: "parent"}

    left = caseworker.post(
        f"/api/members/{former.pk}/remove/", {"left_on": "2025-03-01", "reason": "deceased"}, format="json"
    )
    assert left.status_code == 200
    assert left.json()["deceased_on"] == "2025-03-01"


def test_head_cannot_leave_before_the_head_changes(world, caseworker):
    household = make_household(world.caseworker_a1, world.village_a1, members=2)
    response = caseworker.post(
        f"/api/members/{household.head_id}/remove/", {"left_on": "2025-03-01", "reason": "moved_out"}, format="json"
    )
    assert response.status_code == 409
    assert response.json()["code"] == "head_change"


def test_last_member_leaving_closes_household(world, caseworker):
    household = make_household(world.caseworker_a1, world.village_a1, members=1)
    response = caseworker.post(
        f"/api/members/{household.head_id}/remove/", {"left_on": "2025-03-01", "reason": "deceased"}, format="json"
    )
    assert response.status_code == 200
    detail = caseworker.get(f"/api/households/{household.pk}/").json()
    assert detail["status"] == "closed" and detail["head"] is None and detail["head_name"] is None


def test_incomes_with_their_treatment(world, caseworker):
    household = make_household(world.caseworker_a1, world.village_a1)
    url = f"/api/members/{household.head_id}/incomes/"

    wages = caseworker.post(url, {"month": "2025-01", "kind": "wages", "amount": "1200.50"}, format="json")
    assert wages.status_code == 201, wages.json()
    assert wages.json()["month"] == "2025-01-01"
    assert wages.json()["amount"] == "1200.50"
    assert wages.json()["treatment"] == "counted"
    assert wages.json()["treatment_display"] == "计入家庭收入"
    assert "第十三条" in wages.json()["treatment_basis"]

    pension = caseworker.post(url, {"month": "2025-01-15", "kind": "basic_pension", "amount": 153}, format="json")
    assert pension.status_code == 201
    assert pension.json()["treatment"] == "exempt"
    assert pension.json()["month"] == "2025-01-01"

    again = caseworker.post(url, {"month": "2025-01", "kind": "wages", "amount": "1"}, format="json")
    assert again.status_code in (400, 409)
    assert "已登记此类收入" in str(again.json())

    listed = caseworker.get(url).json()
    assert {i["kind"] for i in listed} == {"wages", "basic_pension"}

    income_url = f"/api/incomes/{wages.json()['id']}/"
    changed = caseworker.patch(income_url, {"amount": "1300", "source": "verified"}, format="json")
    assert changed.status_code == 200, changed.json()
    assert changed.json()["amount"] == "1300.00" and changed.json()["source_display"] == "信息核对"
    assert caseworker.get(income_url).json()["amount"] == "1300.00"

    assert caseworker.delete(income_url).status_code == 204
    assert caseworker.get(income_url).status_code == 404
    assert AuditEvent.objects.filter(household_ref=household.pk, action="income.delete").exists()


def test_assets_expenses_and_supporters(world, caseworker):
    household = make_household(world.caseworker_a1, world.village_a1)
    base = f"/api/households/{household.pk}"

    asset = caseworker.post(
        f"{base}/assets/",
        {
            "owner": household.head_id,
            "kind": "vehicle",
            "value": "35000",
            "valued_on": "2025-01-01",
            "vehicle_plate": "吉F12345",
            "vehicle_purchase_price": "60000",
        },
        format="json",
    )
    assert asset.status_code == 201, asset.json()
    assert asset.json()["kind_display"] == "机动车辆"
    exempt_without_reason = caseworker.patch(f"/api/assets/{asset.json()['id']}/", {"is_exempt": True}, format="json")
    assert exempt_without_reason.status_code == 400
    exempt = caseworker.patch(
        f"/api/assets/{asset.json()['id']}/", {"is_exempt": True, "exempt_reason": "农用运输"}, format="json"
    )
    assert exempt.status_code == 200, exempt.json()
    assert [a["id"] for a in caseworker.get(f"{base}/assets/").json()] == [asset.json()["id"]]

    expense = caseworker.post(
        f"{base}/expenses/",
        {"kind": "medical", "amount": "8000", "period_start": "2024-01", "period_end": "2024-12"},
        format="json",
    )
    assert expense.status_code == 201, expense.json()
    assert expense.json()["period_end"] == "2024-12-01"
    backwards = caseworker.patch(f"/api/expenses/{expense.json()['id']}/", {"period_end": "2023-01"}, format="json")
    assert backwards.status_code == 400
    assert caseworker.delete(f"/api/expenses/{expense.json()['id']}/").status_code == 204

    supporter_number = new_id_number(birth=datetime.date(1985, 6, 1))
    supporter = caseworker.post(
        f"{base}/supporters/",
        {
            "supported_member": household.head_id,
            "name": "张大伟",
            "id_number": supporter_number,
            "relation": "child",
            "annual_income": "24000",
        },
        format="json",
    )
    assert supporter.status_code == 201, supporter.json()
    assert supporter.json()["id_number_masked"] == supporter_number[:4] + "*" * 10 + supporter_number[-4:]
    assert supporter_number not in supporter.content.decode()
    assert supporter.json()["relation_display"] == "子女（赡养）"
    listed = caseworker.get(f"{base}/supporters/")
    assert supporter_number not in listed.content.decode()

    history = caseworker.get(f"{base}/history/").json()
    actions = [e["action"] for e in history["results"]]
    assert {"asset.create", "asset.update", "expense.create", "expense.delete", "supporter.create"} <= set(actions)
    assert supporter_number not in str(history)


def test_reveal_id_number_is_audited_and_refused_to_village_assistant(world, caseworker):
    household = make_household(world.caseworker_a1, world.village_a1)
    url = f"/api/members/{household.head_id}/reveal-id-number/"

    response = caseworker.post(url, {"purpose": "核对户籍"}, format="json", HTTP_X_REQUEST_ID=REQUEST_ID)
    assert response.status_code == 200
    assert response.json()["id_number"] == household.head.id_number
    assert response["Cache-Control"] == "no-store"
    event = AuditEvent.objects.get(action="member.reveal_id_number")
    assert event.note == "核对户籍" and event.request_id == REQUEST_ID and event.household_ref == household.pk

    refused = client_for(world.assistant_a1).post(url, {}, format="json")
    assert refused.status_code == 403
    assert refused.json()["code"] == "permission_denied"
    assert "身份证号" in refused.json()["message"]
    assert AuditEvent.objects.filter(action="member.reveal_id_number").count() == 1


def test_reviewer_reads_but_cannot_write(world):
    household = make_household(world.caseworker_a1, world.village_a1)
    reviewer = client_for(world.reviewer_a)
    assert reviewer.get(f"/api/households/{household.pk}/").status_code == 200
    response = reviewer.patch(
        f"/api/households/{household.pk}/", {"phone": "13900000000", "version": household.version}, format="json"
    )
    assert response.status_code == 403
    assert "乡镇经办" in response.json()["message"]
    refused_create = reviewer.post("/api/households/", household_payload(world.village_a1), format="json")
    assert refused_create.status_code == 403
    assert Household.objects.count() == 1


def test_token_authentication(world):
    call_command("drf_create_token", world.caseworker_a1.username, stdout=open("/dev/null", "w"))  # noqa: SIM115
    token = Token.objects.get(user=world.caseworker_a1)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")

    me = client.get("/api/me/")
    assert me.status_code == 200
    assert me.json()["username"] == "cw_a1"

    created = client.post(
        "/api/households/", household_payload(world.village_a1), format="json", HTTP_X_REQUEST_ID=REQUEST_ID
    )
    assert created.status_code == 201
    assert AuditEvent.objects.filter(household_ref=created.json()["id"], actor=world.caseworker_a1).exists()

    bad = APIClient()
    bad.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")
    assert bad.get("/api/me/").status_code in (401, 403)


def test_anonymous_requests_are_refused_in_chinese(world):
    response = APIClient().get("/api/households/")
    assert response.status_code in (401, 403)
    assert response.json()["message"] == "请先登录"


def test_me_regions_and_programs(world, caseworker):
    me = caseworker.get("/api/me/").json()
    assert me["roles"][0]["role"] == "town_caseworker"
    assert me["roles"][0]["role_display"] == "乡镇经办"
    assert me["roles"][0]["region"]["name"] == "长白镇"
    assert me["capabilities"] == {
        "edit_registry": True,
        "reveal_id_number": True,
        "view_audit_trail": False,
        "manage_staff": False,
    }

    regions = caseworker.get("/api/regions/").json()["results"]
    assert {r["name"] for r in regions} == {"长白镇", "民主社区", "十四道沟村"}
    villages = caseworker.get("/api/regions/", {"level": "village", "parent": world.town_a1.pk}).json()["results"]
    assert {r["name"] for r in villages} == {"民主社区", "十四道沟村"}
    assert villages[0]["level_display"] == "村（社区）"

    programs = caseworker.get("/api/programs/")
    assert programs.status_code == 200
    assert "results" in programs.json()


def test_members_count_unchanged_after_refused_member_in_creation(world, caseworker):
    """A household whose second member is refused is not saved at all (one transaction)."""
    payload = household_payload(world.village_a1)
    payload["members"][1]["disability_type"] = "visual"  # grade missing: refused by the service
    before = (Household.objects.count(), Member.objects.count(), AuditEvent.objects.count())
    response = caseworker.post("/api/households/", payload, format="json")
    assert response.status_code == 400
    assert (Household.objects.count(), Member.objects.count(), AuditEvent.objects.count()) == before
