"""The workflow API: the 低保 path from intake to enrolment, the same refusals as the services (role, four
eyes, stale version, illegal transition, notice period), input errors in Chinese, scoping, 急难 aid,
discovery reports and what the detail's ``actions`` offer each role.

Dates are pinned with time-machine as in tests/test_workflow_services.py: 2026-03-02 is a Monday, the
7-day notice posted that day ends on Sunday 8 March.
"""

from __future__ import annotations

import datetime as dt
import inspect
import re
from decimal import Decimal

import pytest
import time_machine
from rest_framework.test import APIClient

import cases.actions
from assistance.roles import Role
from assistance.services import region_create, system_actor
from cases.apis_workflow import _action_endpoint
from cases.models import Application, DiscoveryReport, Enrolment, HomeVisit
from cases.services import income_record
from eligibility.rules.profile_data import load_documents
from eligibility.services import profiles_load
from tests.factories import make_household, make_staff

D = dt.date
MONDAY = D(2026, 3, 2)
AT_MONDAY = dt.datetime(2026, 3, 2, 9, 0)
NOTICE_OVER = dt.datetime(2026, 3, 9, 9, 0)
CJK = re.compile(r"[\u4e00-\u9fff]")
FINDINGS = "家中无劳动力，房屋简陋，无车辆"


# --- fixtures and helpers ----------------------------------------------------------------------------


@pytest.fixture
def profiles(db):
    return profiles_load(actor=system_actor(), documents=load_documents())


def _poor(actor, village):
    """A rural household of two with 300 yuan wages a month: below the rural 低保 standard."""
    household = make_household(actor, village, members=2)
    head = household.members.get(relation="head")
    for month in range(9, 13):
        income_record(actor=actor, member=head, month=D(2025, month, 1), kind="wages", amount=Decimal("300"))
    return household


@pytest.fixture
def poor_household(world, profiles):
    return _poor(world.caseworker_a1, world.village_a1)


def client_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def caseworker(world):
    return client_for(world.caseworker_a1)


@pytest.fixture
def reviewer(world):
    return client_for(world.reviewer_a)


def act(client: APIClient, app_id: int, transition: str, **body):
    return client.post(f"/api/applications/{app_id}/{transition}/", body, format="json")


def detail(client: APIClient, app_id: int) -> dict:
    response = client.get(f"/api/applications/{app_id}/")
    assert response.status_code == 200, response.json()
    return response.json()


def intake(client: APIClient, household, **fields) -> dict:
    body = {"household": household.pk, "program": "dibao", "authorisation_signed_on": "2026-03-02", **fields}
    response = client.post("/api/applications/", body, format="json")
    assert response.status_code == 201, response.json()
    return response.json()


def visit_body(*visitors, **fields) -> dict:
    return {
        "visited_on": "2026-03-02",
        "visitor_ids": [v.pk for v in visitors],
        "findings": FINDINGS,
        "signed_by_applicant": True,
        **fields,
    }


def to_evaluated(client: APIClient, app_id: int, *visitors) -> dict:
    assert act(client, app_id, "investigation-start").status_code == 200
    assert act(client, app_id, "visits", **visit_body(*visitors)).status_code == 201
    response = act(client, app_id, "evaluate")
    assert response.status_code == 200, response.json()
    return response.json()


def to_notice(client: APIClient, app_id: int, *visitors) -> dict:
    to_evaluated(client, app_id, *visitors)
    response = act(client, app_id, "town-review", approve=True, opinion="经调查核实，符合低保条件")
    assert response.status_code == 200, response.json()
    response = act(client, app_id, "notice")
    assert response.status_code == 200, response.json()
    return response.json()


def codes(body: dict) -> list[str]:
    return [a["code"] for a in body["actions"]]


def assert_chinese_field_errors(response, *fields: str) -> dict:
    assert response.status_code == 400, response.json()
    body = response.json()
    assert CJK.search(body["message"]), body
    for field in fields:
        assert field in body["fields"], body
        assert all(CJK.search(m) for m in body["fields"][field]), body
    return body


# --- the 低保 path -----------------------------------------------------------------------------------


@time_machine.travel(AT_MONDAY, tick=False)
def test_dibao_path_from_intake_to_enrolment(world, poor_household, caseworker, reviewer):
    """Intake → investigation → visit → evaluation → town review → notice → county confirmation, all through
    the API: each step returns the updated detail, and the confirmation returns the enrolment."""
    # given an accepted application
    app = intake(caseworker, poor_household)
    app_id = app["id"]
    assert app["status"] == "accepted" and app["status_display"] == "已受理"
    assert app["accepted_on"] == "2026-03-02" and app["version"] == 1
    assert app["code"].startswith("SQ2206232026")
    # the investigation must start within 3 working days (Thursday 5 March)
    assert app["due_on"] == "2026-03-05"
    clock = next(c for c in app["clocks"] if c["key"] == "investigation_start")
    assert clock["due"] == "2026-03-05" and clock["state"] == "running" and "第十五条" in clock["clause"]
    assert {"procedure", "investigation_start"} <= {c["key"] for c in app["clocks"]}
    assert [e["step"] for e in app["timeline"]] == ["accept"]
    assert app["timeline"][0]["actor_name"] == str(world.caseworker_a1)

    # when it is investigated, visited and evaluated
    started = act(caseworker, app_id, "investigation-start", version=1)
    assert started.status_code == 200 and started.json()["status"] == "investigating"
    assert started.json()["version"] == 2
    visited = act(caseworker, app_id, "visits", **visit_body(world.caseworker_a1, world.assistant_a1))
    assert visited.status_code == 201, visited.json()
    visit = visited.json()["visits"][0]
    assert {v["id"] for v in visit["visitors"]} == {world.caseworker_a1.pk, world.assistant_a1.pk}
    assert visit["findings"] == FINDINGS and visit["by_county"] is False
    evaluated = act(caseworker, app_id, "evaluate")
    assert evaluated.status_code == 200
    body = evaluated.json()
    assert body["status"] == "evaluated"
    evaluation = body["evaluation"]
    assert evaluation["outcome"] == "eligible" and Decimal(evaluation["amount"]) > 0
    assert isinstance(evaluation["amount"], str)  # money is a decimal string
    assert evaluation["decision"]["outcome"] == "eligible" and evaluation["decision"]["steps"]

    # town review and the 7-day notice
    reviewed = act(caseworker, app_id, "town-review", approve=True, opinion="经调查核实，符合低保条件")
    assert reviewed.json()["status"] == "town_approved"
    noticed = act(caseworker, app_id, "notice")
    assert noticed.json()["status"] == "notice"
    assert (noticed.json()["notice_start"], noticed.json()["notice_end"]) == ("2026-03-02", "2026-03-08")

    # closing the notice before the period is over is refused
    early = act(caseworker, app_id, "notice-close")
    assert early.status_code == 409 and early.json()["code"] == "notice_running"
    assert Application.objects.get(pk=app_id).status == "notice"

    with time_machine.travel(NOTICE_OVER, tick=False):
        submitted = act(caseworker, app_id, "notice-close")
        assert submitted.status_code == 200 and submitted.json()["status"] == "decision"
        version = submitted.json()["version"]
        # the county reviewer sees it in their inbox
        inbox = reviewer.get("/api/inbox/").json()
        assert [row["id"] for row in inbox["results"]] == [app_id]
        assert inbox["results"][0]["due_on"] and inbox["results"][0]["overdue"] is False
        # then confirms it
        decided = act(reviewer, app_id, "decide", confirm=True, version=version)

    # then
    assert decided.status_code == 200, decided.json()
    body = decided.json()
    assert body["status"] == "confirmed" and body["approved_amount"] == evaluation["amount"]
    assert body["decided_by_name"] == str(world.reviewer_a)
    enrolment = body["enrolment"]
    assert enrolment["start_month"] == "2026-04-01" and enrolment["status"] == "active"
    assert enrolment["monthly_amount"] == evaluation["amount"]
    assert Enrolment.objects.get(application_id=app_id).pk == enrolment["id"]
    assert [e["step"] for e in body["timeline"]] == [
        "accept",
        "investigation_start",
        "visit",
        "evaluate",
        "town_review",
        "notice",
        "submit",
        "decide",
        "enrol",
    ]
    listed = caseworker.get("/api/enrolments/", {"status": "active"}).json()
    assert [row["id"] for row in listed["results"]] == [enrolment["id"]]
    assert listed["results"][0]["application_code"] == body["code"]


# --- refusals ----------------------------------------------------------------------------------------


@time_machine.travel(AT_MONDAY, tick=False)
def test_only_the_county_reviewer_decides(world, poor_household, caseworker, reviewer):
    """A caseworker deciding is 403 and changes nothing; the village assistant too."""
    app_id = intake(caseworker, poor_household)["id"]
    to_notice(caseworker, app_id, world.caseworker_a1, world.assistant_a1)
    with time_machine.travel(NOTICE_OVER, tick=False):
        version = act(caseworker, app_id, "notice-close").json()["version"]
        for client in (caseworker, client_for(world.assistant_a1)):
            refused = act(client, app_id, "decide", confirm=True, version=version)
            assert refused.status_code == 403, refused.json()
            assert refused.json()["code"] == "permission_denied" and CJK.search(refused.json()["message"])
        app = Application.objects.get(pk=app_id)
        assert (app.status, app.version) == ("decision", version)
        assert not Enrolment.objects.exists()


@time_machine.travel(AT_MONDAY, tick=False)
def test_stale_version_is_409_and_changes_nothing(world, poor_household, caseworker):
    app = intake(caseworker, poor_household)
    read_version = app["version"]
    assert act(caseworker, app["id"], "investigation-start", version=read_version).status_code == 200

    stale = act(
        caseworker, app["id"], "visits", version=read_version, **visit_body(world.caseworker_a1, world.assistant_a1)
    )
    assert stale.status_code == 409
    assert stale.json()["code"] == "stale_version" and CJK.search(stale.json()["message"])
    assert not HomeVisit.objects.exists()
    assert Application.objects.get(pk=app["id"]).version == read_version + 1

    stale_withdraw = act(caseworker, app["id"], "withdraw", version=read_version, reason="申请人主动撤回申请")
    assert stale_withdraw.status_code == 409 and stale_withdraw.json()["code"] == "stale_version"
    assert Application.objects.get(pk=app["id"]).status == "investigating"


@time_machine.travel(AT_MONDAY, tick=False)
def test_illegal_transition_is_409(world, poor_household, caseworker, reviewer):
    app = intake(caseworker, poor_household)
    for transition, body in [
        ("town-review", {"approve": True, "opinion": "经调查核实同意"}),
        ("notice-close", {}),
        ("evaluate", {}),
        ("materials-complete", {}),
    ]:
        refused = act(caseworker, app["id"], transition, **body)
        assert refused.status_code == 409, (transition, refused.json())
        assert refused.json()["code"] == "illegal_transition", transition
        assert CJK.search(refused.json()["message"])
    refused = act(reviewer, app["id"], "decide", confirm=True)
    assert refused.status_code == 409 and refused.json()["code"] == "illegal_transition"
    assert Application.objects.get(pk=app["id"]).version == app["version"]


@time_machine.travel(AT_MONDAY, tick=False)
def test_objection_deliberation_return_and_refusal(world, poor_household, caseworker, reviewer):
    """The rest of the procedure through the API: materials completed later, an extension, an objection that
    requires 民主评议, a case sent back by the county, a refusal with reasons and its written notice."""
    pending = intake(caseworker, poor_household, missing_materials=["户口簿复印件"])
    app_id = pending["id"]
    assert pending["status"] == "materials_pending" and pending["missing_materials"] == ["户口簿复印件"]
    assert pending["accepted_on"] is None and pending["clocks"] == []
    assert "materials-complete" in codes(pending) and "extend" not in codes(pending)
    accepted = act(caseworker, app_id, "materials-complete", on="2026-03-02")
    assert accepted.status_code == 200 and accepted.json()["status"] == "accepted"
    extended = act(caseworker, app_id, "extend", reason="申请人外出务工，需等待返乡核实")
    assert extended.status_code == 200 and extended.json()["extended"] is True
    assert next(c for c in extended.json()["clocks"] if c["key"] == "procedure")["days"] == 45
    again = act(caseworker, app_id, "extend", reason="再次延长办理时限")
    assert again.status_code == 409 and again.json()["code"] == "already_extended"

    # an objection during the notice sends the case back and requires 民主评议
    to_notice(caseworker, app_id, world.caseworker_a1, world.assistant_a1)
    objected = act(caseworker, app_id, "objections", received_on="2026-03-02", content="群众反映其子女在外务工收入较高")
    assert objected.status_code == 201, objected.json()
    body = objected.json()
    assert body["status"] == "investigating" and body["deliberation_required"] is True
    assert body["objections"][0]["content"] == "群众反映其子女在外务工收入较高"
    evaluated = act(caseworker, app_id, "evaluate").json()
    assert "deliberation" in codes(evaluated) and "town-review" not in codes(evaluated)
    early = act(caseworker, app_id, "town-review", approve=True, opinion="经调查核实同意")
    assert early.status_code == 409 and early.json()["code"] == "deliberation_missing"
    too_few = act(
        caseworker, app_id, "deliberation", held_on="2026-03-02", participants=3, result="agree", minutes="评议记录"
    )
    assert_chinese_field_errors(too_few, "participants")
    held = act(
        caseworker, app_id, "deliberation", held_on="2026-03-02", participants=7, result="agree", minutes="多数同意纳入"
    )
    assert held.status_code == 200 and held.json()["deliberation_result_display"] == "多数同意"
    act(caseworker, app_id, "town-review", approve=True, opinion="经民主评议，同意纳入")
    act(caseworker, app_id, "notice")

    with time_machine.travel(NOTICE_OVER, tick=False):
        act(caseworker, app_id, "notice-close")
        # the county sends it back ...
        returned = act(reviewer, app_id, "return", reason="收入核实材料不全，请补充")
        assert returned.status_code == 200 and returned.json()["status"] == "investigating"
        assert returned.json()["town_opinion"] == ""
        # ... the town re-evaluates and now disagrees; the county cannot confirm against the town's opinion
        act(caseworker, app_id, "evaluate")
        refused_by_town = act(caseworker, app_id, "town-review", approve=False, opinion="核实后收入高于标准")
        assert refused_by_town.json()["status"] == "decision"
        confirm = act(reviewer, app_id, "decide", confirm=True)
        assert confirm.status_code == 409 and confirm.json()["code"] == "town_refused"
        no_reasons = act(reviewer, app_id, "decide", confirm=False, reasons="")
        assert assert_chinese_field_errors(no_reasons, "reasons")["code"] == "reason_required"
        refused = act(reviewer, app_id, "decide", confirm=False, reasons="家庭人均收入核实后高于当地低保标准")
        assert refused.status_code == 200 and refused.json()["status"] == "refused"
        body = refused.json()
        assert body["enrolment"] is None and body["decision_reasons"] == "家庭人均收入核实后高于当地低保标准"
        notice_clock = next(c for c in body["clocks"] if c["key"] == "refusal_notice")
        assert notice_clock["due"] == "2026-03-12" and notice_clock["done_on"] is None
        assert "refusal-notice" in codes(detail(caseworker, app_id))
        delivered = act(caseworker, app_id, "refusal-notice", on="2026-03-09")
        assert delivered.status_code == 200 and delivered.json()["refusal_notified_on"] == "2026-03-09"
        assert codes(delivered.json()) == []
        late = act(caseworker, app_id, "withdraw", reason="申请人主动撤回申请")
        assert late.status_code == 409 and late.json()["code"] == "illegal_transition"
    assert not Enrolment.objects.exists()


# --- input errors ------------------------------------------------------------------------------------


@time_machine.travel(AT_MONDAY, tick=False)
def test_bad_intake_is_400_in_chinese_and_creates_nothing(world, poor_household, caseworker):
    base = {"household": poor_household.pk, "program": "dibao", "authorisation_signed_on": "2026-03-02"}
    other_county = make_household(world.caseworker_b1, world.village_b1)

    missing = caseworker.post("/api/applications/", {"household": poor_household.pk, "program": "dibao"}, format="json")
    body = assert_chinese_field_errors(missing, "authorisation_signed_on")
    assert body["code"] == "authorisation_missing"

    cases = [
        ({**base, "requested_amount": "-10.00"}, "requested_amount"),
        ({**base, "requested_amount": "12.3.4"}, "requested_amount"),
        ({**base, "applied_on": "2026-02-30"}, "applied_on"),
        ({**base, "authorisation_signed_on": "02/03/2026"}, "authorisation_signed_on"),
        ({**base, "applied_on": "2026-03-20"}, "applied_on"),  # in the future
        ({**base, "program": "no_such_program"}, "program"),
        ({**base, "household": other_county.pk}, "household"),  # another county's household: not found
        ({**base, "household": "abc"}, "household"),
        ({**base, "subject": 10**9}, "subject"),
        ({**base, "typo_field": 1}, "typo_field"),
    ]
    for payload, field in cases:
        assert_chinese_field_errors(caseworker.post("/api/applications/", payload, format="json"), field)
    not_an_object = caseworker.post("/api/applications/", [base], format="json")
    assert not_an_object.status_code == 400
    assert not Application.objects.exists()


@time_machine.travel(AT_MONDAY, tick=False)
def test_bad_transition_input_is_400_and_changes_nothing(world, poor_household, caseworker):
    app = intake(caseworker, poor_household)
    assert act(caseworker, app["id"], "investigation-start").status_code == 200
    version = Application.objects.get(pk=app["id"]).version

    one_visitor = act(caseworker, app["id"], "visits", **visit_body(world.caseworker_a1))
    assert_chinese_field_errors(one_visitor, "visitor_ids")
    same_twice = act(caseworker, app["id"], "visits", **visit_body(world.caseworker_a1, world.caseworker_a1))
    assert_chinese_field_errors(same_twice, "visitor_ids")
    # a caseworker of another town, of another county, or no one at all is no local visitor
    for stranger in (world.caseworker_a2.pk, world.reviewer_b.pk, 10**9):
        response = act(
            caseworker,
            app["id"],
            "visits",
            **{**visit_body(world.caseworker_a1), "visitor_ids": [world.caseworker_a1.pk, stranger]},
        )
        # nested field errors are named by position, like ``members.0.id_number``
        assert_chinese_field_errors(response, "visitor_ids.1")
    unsigned = act(
        caseworker,
        app["id"],
        "visits",
        **visit_body(world.caseworker_a1, world.assistant_a1, signed_by_applicant=False),
    )
    assert assert_chinese_field_errors(unsigned, "signed_by_applicant")["code"] == "signature_required"
    bad_bool = act(
        caseworker,
        app["id"],
        "visits",
        **visit_body(world.caseworker_a1, world.assistant_a1, signed_by_applicant="maybe"),
    )
    assert_chinese_field_errors(bad_bool, "signed_by_applicant")
    bad_date = act(
        caseworker, app["id"], "visits", **visit_body(world.caseworker_a1, world.assistant_a1, visited_on="2026-13-01")
    )
    assert_chinese_field_errors(bad_date, "visited_on")
    short = act(caseworker, app["id"], "visits", **visit_body(world.caseworker_a1, world.assistant_a1, findings="无"))
    assert_chinese_field_errors(short, "findings")
    bad_version = act(caseworker, app["id"], "evaluate", version="two")
    assert_chinese_field_errors(bad_version, "version")

    assert not HomeVisit.objects.exists()
    assert Application.objects.get(pk=app["id"]).version == version


@time_machine.travel(AT_MONDAY, tick=False)
def test_bad_emergency_aid_is_400_and_creates_nothing(world, poor_household, caseworker):
    url = f"/api/households/{poor_household.pk}/emergency-aid/"
    assert_chinese_field_errors(caseworker.post(url, {"cause": "illness", "expense": "-500"}, format="json"), "expense")
    assert_chinese_field_errors(caseworker.post(url, {"cause": "illness", "expense": "abc"}, format="json"), "expense")
    assert_chinese_field_errors(caseworker.post(url, {"cause": "lottery", "expense": "500"}, format="json"), "cause")
    other = make_household(world.caseworker_a1, world.village_a1)
    not_ours = {"cause": "illness", "expense": "500", "subject": other.head_id}
    assert_chinese_field_errors(caseworker.post(url, not_ours, format="json"), "subject")
    assert not Application.objects.exists()


# --- scoping -----------------------------------------------------------------------------------------


@time_machine.travel(AT_MONDAY, tick=False)
def test_another_countys_application_is_not_found(world, poor_household, caseworker):
    app = intake(caseworker, poor_household)
    outsider = client_for(world.caseworker_b1)
    assert outsider.get(f"/api/applications/{app['id']}/").status_code == 404
    refused = act(outsider, app["id"], "withdraw", reason="申请人主动撤回申请")
    assert refused.status_code == 404 and refused.json()["code"] == "not_found"
    assert outsider.get("/api/applications/").json()["count"] == 0
    assert client_for(world.reviewer_b).get("/api/inbox/").json()["count"] == 0
    aid = outsider.post(
        f"/api/households/{poor_household.pk}/emergency-aid/", {"cause": "illness", "expense": "500"}, format="json"
    )
    assert aid.status_code == 404
    assert Application.objects.get(pk=app["id"]).status == "accepted"
    assert Application.objects.count() == 1


# --- the actions each role is offered ----------------------------------------------------------------


@time_machine.travel(AT_MONDAY, tick=False)
def test_actions_match_the_role(world, poor_household, caseworker, reviewer):
    """The detail's ``actions`` are cases.actions.available_actions for the caller, each with its endpoint."""
    app_id = intake(caseworker, poor_household)["id"]
    mine = detail(caseworker, app_id)
    # 长白 pays one month of the urban standard while a 低保 case runs (changbai-2021 §二(四)18)
    assert codes(mine) == ["investigation-start", "bridge-aid", "extend", "withdraw"]
    assert mine["actions"][0]["endpoint"] == f"/api/applications/{app_id}/investigation-start/"
    assert codes(detail(reviewer, app_id)) == ["extend"]
    assert codes(detail(client_for(world.assistant_a1), app_id)) == []

    act(caseworker, app_id, "investigation-start")
    investigating = detail(caseworker, app_id)
    assert codes(investigating)[:2] == ["visit", "evaluate"]
    assert investigating["actions"][0]["endpoint"] == f"/api/applications/{app_id}/visits/"

    to_notice_body = act(caseworker, app_id, "visits", **visit_body(world.caseworker_a1, world.assistant_a1))
    assert to_notice_body.status_code == 201
    act(caseworker, app_id, "evaluate")
    act(caseworker, app_id, "town-review", approve=True, opinion="经调查核实，符合低保条件")
    noticed = act(caseworker, app_id, "notice").json()
    assert "objection" in codes(noticed) and "notice-close" not in codes(noticed)
    assert next(a for a in noticed["actions"] if a["code"] == "objection")["endpoint"].endswith("/objections/")

    with time_machine.travel(NOTICE_OVER, tick=False):
        assert "notice-close" in codes(detail(caseworker, app_id))
        act(caseworker, app_id, "notice-close")
        assert codes(detail(reviewer, app_id)) == ["decide", "return", "extend"]
        assert "decide" not in codes(detail(caseworker, app_id))
        every_endpoint = [a["endpoint"] for a in detail(reviewer, app_id)["actions"]]
        assert all(every_endpoint), every_endpoint


# --- four eyes where confirmation is delegated to the town ------------------------------------------------


@pytest.fixture
def jiuhuashan(world):
    """九华山风景区 (local code 341799): confirmation delegated to the towns (jiuhuashan-2021 §二(五)17)."""
    sysa = system_actor()
    province = region_create(actor=sysa, code="340000", name="安徽省", level="province", parent=None)
    city = region_create(actor=sysa, code="341700", name="池州市", level="city", parent=province)
    county = region_create(actor=sysa, code="341799", name="九华山风景区", level="county", parent=city)
    town = region_create(actor=sysa, code="341799108", name="九华镇", level="town", parent=county)
    village = region_create(actor=sysa, code="341799108201", name="老田村", level="village", parent=town)
    profiles_load(actor=sysa, documents=load_documents())  # links the county, now that it exists
    first = make_staff("cw_j1", Role.TOWN_CASEWORKER, town)
    second = make_staff("cw_j2", Role.TOWN_CASEWORKER, town)
    county_reviewer = make_staff("rev_j", Role.COUNTY_REVIEWER, county)
    return first, second, county_reviewer, _poor(first, village)


@time_machine.travel(AT_MONDAY, tick=False)
def test_town_reviewer_cannot_decide_their_own_case(jiuhuashan):
    first, second, county_reviewer, household = jiuhuashan
    town_reviewer, colleague = client_for(first), client_for(second)
    app = intake(town_reviewer, household)
    assert app["delegated"] is True
    to_notice(town_reviewer, app["id"], first, second)
    with time_machine.travel(NOTICE_OVER, tick=False):
        version = act(town_reviewer, app["id"], "notice-close").json()["version"]
        # the caseworker who gave the town's opinion is not offered the decision, and is refused it
        assert "decide" not in codes(detail(town_reviewer, app["id"]))
        own = act(town_reviewer, app["id"], "decide", confirm=True, version=version)
        assert own.status_code == 403 and own.json()["code"] == "same_reviewer"
        # the county no longer decides delegated cases
        county = act(client_for(county_reviewer), app["id"], "decide", confirm=True, version=version)
        assert county.status_code == 403
        assert Application.objects.get(pk=app["id"]).version == version
        # another caseworker of the town does
        assert "decide" in codes(detail(colleague, app["id"]))
        decided = act(colleague, app["id"], "decide", confirm=True, version=version)
    assert decided.status_code == 200, decided.json()
    assert decided.json()["status"] == "confirmed" and decided.json()["enrolment"]["status"] == "active"


# --- 急难 aid -----------------------------------------------------------------------------------------


@time_machine.travel(AT_MONDAY, tick=False)
def test_emergency_aid_within_the_town_limit_is_confirmed_at_once(world, poor_household, caseworker):
    response = caseworker.post(
        f"/api/households/{poor_household.pk}/emergency-aid/",
        {"cause": "illness", "expense": "500.00", "note": "突发疾病住院"},
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["program"] == "temp_emergency" and body["status"] == "confirmed"
    assert body["approved_amount"] == "500.00" and body["paid_on"] == "2026-03-02"
    assert body["evaluation"]["category"] == "town_pay_first"
    assert codes(body) == ["papers-complete"]
    papers = act(caseworker, body["id"], "papers-complete", note="已补齐签字盖章")
    assert papers.status_code == 200 and papers.json()["papers_completed_on"] == "2026-03-02"
    assert codes(papers.json()) == []


@time_machine.travel(AT_MONDAY, tick=False)
def test_emergency_aid_above_the_town_limit_waits_for_county_post_approval(world, poor_household, caseworker, reviewer):
    response = caseworker.post(
        f"/api/households/{poor_household.pk}/emergency-aid/", {"cause": "accident", "expense": "3000"}, format="json"
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["status"] == "post_approval" and body["approved_amount"] == "3000.00"
    assert "decide" not in codes(body)
    assert [row["id"] for row in reviewer.get("/api/inbox/").json()["results"]] == [body["id"]]
    assert "decide" in codes(detail(reviewer, body["id"]))
    own = act(caseworker, body["id"], "decide", confirm=True)
    assert own.status_code == 403
    approved = act(reviewer, body["id"], "decide", confirm=True, version=body["version"])
    assert approved.status_code == 200, approved.json()
    assert approved.json()["status"] == "confirmed" and approved.json()["enrolment"] is None


@time_machine.travel(AT_MONDAY, tick=False)
def test_bridge_aid_for_a_running_dibao_case(world, poor_household, caseworker):
    app = intake(caseworker, poor_household)
    response = act(caseworker, app["id"], "bridge-aid", version=app["version"])
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["id"] == app["id"] and body["status"] == "accepted"
    [aid] = body["linked"]
    assert aid["program"] == "temp_emergency" and aid["status"] == "confirmed"
    assert Decimal(aid["approved_amount"]) > 0
    assert "bridge-aid" not in codes(body)
    again = act(caseworker, app["id"], "bridge-aid")
    assert again.status_code == 409 and again.json()["code"] == "duplicate_application"
    stale = act(caseworker, app["id"], "bridge-aid", version=app["version"] + 1)
    assert stale.status_code == 409 and stale.json()["code"] == "stale_version"
    assert Application.objects.filter(program="temp_emergency").count() == 1


# --- discovery reports, lists and the inbox ------------------------------------------------------------


@time_machine.travel(AT_MONDAY, tick=False)
def test_discovery_reported_converted_and_closed(world, poor_household, caseworker):
    assistant = client_for(world.assistant_a1)
    payload = {"region": world.village_a1.pk, "person_name": "王大妈", "description": "独居老人，无固定收入"}
    reported = assistant.post("/api/discoveries/", {**payload, "household": poor_household.pk}, format="json")
    assert reported.status_code == 201, reported.json()
    report = reported.json()
    assert report["status"] == "open" and report["reported_by_name"] == str(world.assistant_a1)
    second = assistant.post("/api/discoveries/", {**payload, "person_name": "李大爷"}, format="json").json()
    # a village of another town is out of the assistant's reach
    elsewhere = assistant.post("/api/discoveries/", {**payload, "region": world.village_a2.pk}, format="json")
    assert_chinese_field_errors(elsewhere, "region")

    assert {row["id"] for row in caseworker.get("/api/discoveries/").json()["results"]} == {report["id"], second["id"]}
    app = intake(caseworker, poor_household, discovery=report["id"])
    assert app["channel"] == "discovery" and app["discovery"] == report["id"]
    closed = caseworker.post(
        f"/api/discoveries/{second['id']}/close/", {"reason": "经核实其子女已接回赡养"}, format="json"
    )
    assert closed.status_code == 200 and closed.json()["status"] == "closed"
    assert caseworker.get("/api/discoveries/").json()["count"] == 0
    assert caseworker.get("/api/discoveries/", {"include_closed": "true"}).json()["count"] == 2
    again = caseworker.post(f"/api/discoveries/{second['id']}/close/", {"reason": "重复办结一次"}, format="json")
    assert again.status_code == 409 and again.json()["code"] == "discovery_closed"
    not_ours = client_for(world.caseworker_b1).post(
        f"/api/discoveries/{report['id']}/close/", {"reason": "不是本县的线索"}, format="json"
    )
    assert not_ours.status_code == 404
    assert DiscoveryReport.objects.get(pk=report["id"]).status == "converted"


@time_machine.travel(AT_MONDAY, tick=False)
def test_list_filters_paginates_and_flags_overdue(world, profiles, caseworker, django_assert_max_num_queries):
    households = [_poor(world.caseworker_a1, world.village_a1) for _ in range(3)]
    ids = [intake(caseworker, h)["id"] for h in households]
    act(caseworker, ids[0], "withdraw", reason="申请人主动撤回申请")
    elsewhere = _poor(world.caseworker_a2, world.village_a2)
    intake(client_for(world.caseworker_a2), elsewhere)  # another town of the county: not this caseworker's

    with django_assert_max_num_queries(6):
        listed = caseworker.get("/api/applications/", {"page_size": 2})
    assert listed.status_code == 200
    assert listed.json()["count"] == 3 and len(listed.json()["results"]) == 2 and listed.json()["next"]
    assert caseworker.get("/api/applications/", {"open": "1"}).json()["count"] == 2
    assert [r["id"] for r in caseworker.get("/api/applications/", {"status": "withdrawn"}).json()["results"]] == [
        ids[0]
    ]
    assert caseworker.get("/api/applications/", {"program": "tekun"}).json()["count"] == 0
    by_name = caseworker.get("/api/applications/", {"search": households[1].head.name}).json()
    assert [r["id"] for r in by_name["results"]] == [ids[1]]
    assert_chinese_field_errors(caseworker.get("/api/applications/", {"status": "nope"}), "status")
    assert_chinese_field_errors(caseworker.get("/api/applications/", {"open": "maybe"}), "open")
    # the county reviewer sees the whole county
    assert client_for(world.reviewer_a).get("/api/applications/").json()["count"] == 4

    # a week later nobody has started the investigations (due Thursday 5 March)
    with time_machine.travel(dt.datetime(2026, 3, 9, 9, 0), tick=False), django_assert_max_num_queries(6):
        inbox = caseworker.get("/api/inbox/").json()
    # the earliest deadline first, then by application date and id; the withdrawn one is no longer waiting
    assert [row["id"] for row in inbox["results"]] == ids[1:]
    assert all(row["overdue"] and row["due_on"] == "2026-03-05" for row in inbox["results"])
    assert all(row["due_provisional"] is False for row in inbox["results"])


def test_every_action_the_pages_offer_has_an_endpoint():
    """Each action code of cases.actions links to an API endpoint (the pages and the API offer the same)."""
    offered = set(re.findall(r'Action\(\s*"([a-z-]+)"', inspect.getsource(cases.actions)))
    assert {"decide", "visit", "county-visit", "objection", "bridge-aid"} <= offered
    for code in offered:
        assert _action_endpoint(code, 7), code
    assert _action_endpoint("county-visit", 7) == "/api/applications/7/visits/"


def test_workflow_paths_are_documented(world):
    client = client_for(world.caseworker_a1)
    schema = client.get("/api/schema/", {"format": "json"}).json()
    transitions = [
        "materials-complete",
        "investigation-start",
        "visits",
        "evaluate",
        "deliberation",
        "town-review",
        "notice",
        "objections",
        "notice-close",
        "extend",
        "decide",
        "return",
        "withdraw",
        "refusal-notice",
        "papers-complete",
        "bridge-aid",
    ]
    expected = {
        "/api/applications/",
        "/api/applications/{application_id}/",
        "/api/households/{household_id}/emergency-aid/",
        "/api/inbox/",
        "/api/discoveries/",
        "/api/discoveries/{discovery_id}/close/",
        "/api/enrolments/",
        *(f"/api/applications/{{application_id}}/{t}/" for t in transitions),
    }
    assert set(schema["paths"]) >= expected
    operation_ids = [op["operationId"] for ops in schema["paths"].values() for op in ops.values()]
    assert len(operation_ids) == len(set(operation_ids))
    visit = schema["paths"]["/api/applications/{application_id}/visits/"]["post"]
    assert "201" in visit["responses"] and "409" in visit["responses"]
    assert visit["tags"] == ["申请办理"]
    detail_schema = schema["components"]["schemas"]["ApplicationDetail"]["properties"]
    assert {"clocks", "timeline", "visits", "objections", "evaluation", "enrolment", "actions"} <= set(detail_schema)
