"""The audit-trail pages: who may see them, scoping by region, filters, pagination with a constant number
of queries, the event detail, and the chain check."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from assistance.models import Program
from assistance.services import program_save, staff_create, staff_make_superuser, system_actor
from audit.models import AuditEvent
from cases.services import household_update
from tests.factories import PASSWORD, make_household

LIST = reverse("audit-event-list")
VERIFY = reverse("audit-verify")


def _detail(pk: int) -> str:
    return reverse("audit-event-detail", args=[pk])


@pytest.fixture
def households(world):
    """One household in each county, the first one edited."""
    a = make_household(world.caseworker_a1, world.village_a1)
    b = make_household(world.caseworker_b1, world.village_b1)
    household_update(actor=world.caseworker_a1, household=a, expected_version=1, phone="13800000000")
    return a, b


@pytest.fixture
def root(world):
    return staff_make_superuser(
        actor=system_actor(),
        staff=staff_create(actor=system_actor(), username="root", display_name="系统管理员", password=PASSWORD),
    )


def _listed(response) -> list[AuditEvent]:
    return [row["event"] for row in response.context["rows"]]


# --- who may see --------------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["auditor_a", "admin_a"])
def test_auditors_and_county_admins_see_their_county(client, world, households, who):
    client.force_login(getattr(world, who))

    response = client.get(LIST)

    assert response.status_code == 200
    events = _listed(response)
    assert events
    assert all(e.region_path.startswith(world.county_a.path) for e in events)
    expected = AuditEvent.objects.filter(region_path__startswith=world.county_a.path).count()
    assert response.context["page"].paginator.count == expected
    content = response.content.decode()
    assert "审计留痕" in content and "校验审计链" in content
    assert households[1].code not in content


@pytest.mark.parametrize("who", ["caseworker_a1", "reviewer_a", "assistant_a1"])
def test_other_roles_are_refused(client, world, households, who):
    client.force_login(getattr(world, who))
    event = AuditEvent.objects.filter(region_path__startswith=world.county_a.path).first()
    assert client.get(LIST).status_code == 403
    assert client.get(_detail(event.pk)).status_code == 403
    assert client.post(VERIFY).status_code == 403


def test_anonymous_visitor_is_sent_to_log_in(client, households):
    response = client.get(LIST)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_superuser_sees_everything(client, households, root):
    client.force_login(root)
    response = client.get(LIST)
    assert response.status_code == 200
    assert response.context["page"].paginator.count == AuditEvent.objects.count()


def test_event_of_another_county_is_not_found(client, world, households):
    client.force_login(world.auditor_a)
    outside = AuditEvent.objects.filter(region_path__startswith=world.county_b.path).first()
    assert client.get(_detail(outside.pk)).status_code == 404
    program = Program(code="test_prog", name="测试项目", short_name="测试", kind="temporary")
    program_save(actor=system_actor(), program=program)  # the national catalogue has no region
    unregioned = AuditEvent.objects.get(action="program.create")
    assert client.get(_detail(unregioned.pk)).status_code == 404
    assert client.get(_detail(999999)).status_code == 404


# --- filters ------------------------------------------------------------------------------------------


def test_filter_by_action(client, world, households):
    client.force_login(world.auditor_a)
    events = _listed(client.get(LIST, {"action": "household.update"}))
    assert [e.action for e in events] == ["household.update"]


def test_filter_by_actor_username(client, world, households):
    client.force_login(world.auditor_a)
    events = _listed(client.get(LIST, {"actor": "cw_a1"}))
    assert events and {e.actor_username for e in events} == {"cw_a1"}
    assert _listed(client.get(LIST, {"actor": "cw_b1"})) == []  # county B's caseworker acts in county B


def test_filter_by_household_code(client, world, households):
    client.force_login(world.auditor_a)
    a, b = households
    events = _listed(client.get(LIST, {"household": a.code}))
    assert {e.household_ref for e in events} == {a.pk}
    assert len(events) == AuditEvent.objects.filter(household_ref=a.pk).count()
    assert _listed(client.get(LIST, {"household": b.code})) == []


def test_filter_by_date_range(client, world, households):
    client.force_login(world.auditor_a)
    today = timezone.localdate()
    yesterday = today - datetime.timedelta(days=1)
    assert _listed(client.get(LIST, {"date_from": today.isoformat(), "date_to": today.isoformat()}))
    assert _listed(client.get(LIST, {"date_to": yesterday.isoformat()})) == []
    assert _listed(client.get(LIST, {"date_from": (today + datetime.timedelta(days=1)).isoformat()})) == []


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"date_from": "2026-02-30"}, "输入一个有效的日期。"),
        ({"date_from": "2026-03-02", "date_to": "2026-03-01"}, "截止日期不能早于起始日期"),
        ({"action": "x'; DROP TABLE audit_auditevent; --"}, "请选择有效的操作类型"),
        ({"household": "1" * 50}, "Ensure this value has at most 20 characters"),
    ],
)
def test_bad_filters_are_a_400_with_a_chinese_message(client, world, households, params, message):
    client.force_login(world.auditor_a)
    response = client.get(LIST, params)
    assert response.status_code == 400
    content = response.content.decode()
    if message.isascii():
        # Django's own length message, which is translated
        assert "20" in content and "Ensure" not in content
    else:
        assert message in content
    assert _listed(response) == []


def test_action_labels_in_chinese(client, world, households):
    client.force_login(world.auditor_a)
    content = client.get(LIST).content.decode()
    assert "登记家庭" in content and "修改家庭信息" in content and "新增家庭成员" in content


# --- pagination and queries ---------------------------------------------------------------------------


def test_pages_of_fifty(client, world, households):
    for _ in range(20):
        make_household(world.caseworker_a1, world.village_a1b, members=2)
    client.force_login(world.auditor_a)
    total = AuditEvent.objects.filter(region_path__startswith=world.county_a.path).count()
    assert total > 50

    first = client.get(LIST)
    second = client.get(LIST, {"page": 2})
    junk = client.get(LIST, {"page": "abc"})
    beyond = client.get(LIST, {"page": 999})

    assert len(first.context["rows"]) == 50
    assert len(second.context["rows"]) == min(50, total - 50)
    assert _listed(first)[0].pk > _listed(second)[0].pk
    assert junk.context["page"].number == 1
    assert beyond.context["page"].number == first.context["page"].paginator.num_pages
    filtered = client.get(LIST, {"actor": "cw_a1", "page": 2})
    assert filtered.context["page"].number == 2
    assert "actor=cw_a1&amp;page=1" in filtered.content.decode()


def _queries_for_list(client) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(LIST)
    assert response.status_code == 200
    return len(captured)


def test_list_queries_do_not_grow_with_the_events(client, world):
    client.force_login(world.auditor_a)
    make_household(world.caseworker_a1, world.village_a1)
    few = _queries_for_list(client)
    for _ in range(15):
        make_household(world.caseworker_a1, world.village_a1b, members=3)
    many = _queries_for_list(client)
    assert many == few
    assert few <= 8


# --- event detail -------------------------------------------------------------------------------------


def test_detail_shows_changes_before_and_after(client, world, households):
    client.force_login(world.auditor_a)
    event = AuditEvent.objects.get(action="household.update")

    response = client.get(_detail(event.pk))

    assert response.status_code == 200
    rows = {row["field"]: row for row in response.context["rows"]}
    assert rows["phone"]["label"] == "联系电话"
    assert (rows["phone"]["before"], rows["phone"]["after"]) == ("（空）", "13800000000")
    content = response.content.decode()
    for text in ("修改家庭信息", event.hash, event.prev_hash, households[0].code, "cw_a1"):
        assert text in content


def test_detail_shows_choice_labels_and_masked_numbers(client, world, households):
    client.force_login(world.auditor_a)
    event = AuditEvent.objects.get(action="member.create", target_id=str(households[0].head_id))
    rows = {row["field"]: row for row in client.get(_detail(event.pk)).context["rows"]}
    assert rows["relation"]["after"] == "户主"
    assert rows["relation"]["label"] == "与户主关系"
    assert rows["id_number"]["after"].count("*") == 10


def test_detail_shows_request_id_and_ip_of_a_web_request(client, world):
    # given: a county administrator renames a village through the admin console
    client.force_login(world.admin_a)
    url = reverse("admin:assistance_region_change", args=[world.village_a2.pk])
    response = client.post(
        url,
        {"name": "八道沟新村"},
        HTTP_X_REQUEST_ID="req-audit-page-001",
        REMOTE_ADDR="10.22.33.44",
    )
    assert response.status_code == 302
    event = AuditEvent.objects.get(action="region.update")
    assert (event.request_id, event.ip) == ("req-audit-page-001", "10.22.33.44")
    # when
    client.force_login(world.auditor_a)
    content = client.get(_detail(event.pk)).content.decode()
    # then
    assert "req-audit-page-001" in content and "10.22.33.44" in content
    assert "八道沟村" in content and "八道沟新村" in content


# --- chain check --------------------------------------------------------------------------------------


def test_verify_reports_an_intact_chain(client, world, households):
    client.force_login(world.auditor_a)
    response = client.post(VERIFY)
    assert response.status_code == 200
    assert "审计链完整" in response.content.decode()
    assert f"共校验 {AuditEvent.objects.count()} 条记录" in response.content.decode()


def test_verify_needs_a_post(client, world, households):
    client.force_login(world.auditor_a)
    assert client.get(VERIFY).status_code == 405


def test_verify_reports_where_the_chain_breaks(client, world, households):
    victim = AuditEvent.objects.filter(region_path__startswith=world.county_a.path).order_by("id")[2]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("ALTER TABLE audit_auditevent DISABLE TRIGGER audit_event_append_only")
        cursor.execute("UPDATE audit_auditevent SET note = %s WHERE id = %s", ["篡改", victim.pk])
    client.force_login(world.auditor_a)

    response = client.post(VERIFY)

    assert response.status_code == 200
    content = response.content.decode()
    assert "审计链断裂" in content
    assert f"#{victim.pk}" in content
    assert _detail(victim.pk) in content  # in the auditor's county: linked
    assert "内容哈希不符" in content
