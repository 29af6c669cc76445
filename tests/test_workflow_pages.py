"""The case-workflow pages: inbox, application list, case page, one page per transition, intake from the
household page, 急难 aid, discovery reports.

Every transition posted through its page moves the case; refused input (no authorisation, one visitor, a
refusal without reasons, a stale form) answers 4xx with the service's Chinese message and changes nothing;
the case page offers exactly ``available_actions``; another county's case is 404; the inbox's queries do not
grow with its rows. Dates are pinned as in tests/test_workflow_services.py (2026-03-02 is a Monday).
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse

from assistance.services import system_actor
from cases.actions import available_actions
from cases.choices import ApplicationStatus as S
from cases.models import Application, DiscoveryReport, Enrolment, HomeVisit, Objection
from cases.services import (
    application_accept,
    application_evaluate,
    application_investigation_start,
    application_notice_close,
    application_notice_publish,
    application_town_review,
    application_visit_record,
    discovery_report_create,
    income_record,
)
from eligibility.rules.profile_data import load_documents
from eligibility.services import profiles_load
from tests.factories import make_household

D = dt.date
MONDAY = D(2026, 3, 2)
AT_MONDAY = dt.datetime(2026, 3, 2, 9, 0)
AFTER_NOTICE = dt.datetime(2026, 3, 9, 9, 0)  # the 7-day notice from Monday 2 March ends on Sunday 8 March


@pytest.fixture
def profiles(db):
    return profiles_load(actor=system_actor(), documents=load_documents())


@pytest.fixture
def poor_household(world, profiles):
    """A rural household of two in 长白 with 300 yuan wages a month: below the rural standard."""
    return _poor_household(world)


def _poor_household(world, village=None):
    household = make_household(world.caseworker_a1, village or world.village_a1, members=2)
    head = household.members.get(relation="head")
    for month in range(9, 13):
        income_record(
            actor=world.caseworker_a1, member=head, month=D(2025, month, 1), kind="wages", amount=Decimal("300")
        )
    return household


# --- driving a case through the services (to reach a state quickly) --------------------------------------


def _accepted(world, household, **kw) -> Application:
    kw.setdefault("authorisation_signed_on", MONDAY)
    return application_accept(actor=world.caseworker_a1, household=household, program="dibao", **kw)


def _investigating(world, household) -> Application:
    app = _accepted(world, household)
    return application_investigation_start(actor=world.caseworker_a1, application=app)


def _evaluated(world, household) -> Application:
    app = _investigating(world, household)
    application_visit_record(
        actor=world.caseworker_a1,
        application=app,
        visited_on=MONDAY,
        visitors=[world.caseworker_a1, world.assistant_a1],
        findings="家中无劳动力，房屋简陋，无车辆",
        signed_by_applicant=True,
    )
    application_evaluate(actor=world.caseworker_a1, application=app)
    return Application.objects.get(pk=app.pk)


def _in_notice(world, household) -> Application:
    app = _evaluated(world, household)
    application_town_review(actor=world.caseworker_a1, application=app, approve=True, opinion="符合低保条件，同意")
    return application_notice_publish(actor=world.caseworker_a1, application=Application.objects.get(pk=app.pk))


def _at_decision(world, household) -> Application:
    """Call inside time_machine.travel(AFTER_NOTICE)."""
    with time_machine.travel(AT_MONDAY, tick=False):
        app = _in_notice(world, household)
    return application_notice_close(actor=world.caseworker_a1, application=app)


# --- page helpers ------------------------------------------------------------------------------------------


def detail_url(app) -> str:
    return reverse("application-detail", args=[app.pk])


def act_url(app, code: str) -> str:
    return reverse("application-act", args=[app.pk, code])


def offered_codes(html: str) -> list[str]:
    """The action codes of the case page's action panel (the only place the case page marks them)."""
    return re.findall(r'data-action="([a-z-]+)"', html)


def post_act(client, app, code: str, data: dict | None = None, *, version: int | None = None):
    app.refresh_from_db()
    payload = {"version": str(app.version if version is None else version), **(data or {})}
    return client.post(act_url(app, code), payload)


def status_of(app) -> str:
    return Application.objects.get(pk=app.pk).status


# --- every page renders for each role -----------------------------------------------------------------


@time_machine.travel(AT_MONDAY, tick=False)
@pytest.mark.parametrize("staff", ["caseworker_a1", "reviewer_a", "assistant_a1"])
def test_pages_render_for_each_role(client, world, poor_household, staff):
    app = _evaluated(world, poor_household)
    report = discovery_report_create(
        actor=world.assistant_a1, region=world.village_a1, person_name="金老汉", description="独居老人，无收入来源"
    )
    user = getattr(world, staff)
    client.force_login(user)
    for url in (
        reverse("inbox"),
        reverse("application-list"),
        detail_url(app),
        reverse("discovery-list"),
        reverse("discovery-detail", args=[report.pk]),
        reverse("household-detail", args=[poor_household.pk]),
        reverse("dashboard"),
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        html = response.content.decode()
        assert "待办" in html  # navigation for these roles
    page = client.get(detail_url(app)).content.decode()
    assert app.code in page
    assert "办理时限" in page and "办理记录" in page and "评估结果" in page
    # the household's members with masked ID numbers, never the full ones
    head = poor_household.members.get(relation="head")
    assert head.id_number_masked in page and head.id_number not in page
    discovery_page = client.get(reverse("discovery-create"))
    assert discovery_page.status_code == (403 if staff == "reviewer_a" else 200)


def test_anonymous_visitors_are_sent_to_sign_in(client, world):
    for url in (reverse("inbox"), reverse("application-list"), reverse("discovery-create")):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))


@time_machine.travel(AT_MONDAY, tick=False)
def test_case_page_shows_evaluation_explanation_with_clauses(client, world, poor_household):
    app = _evaluated(world, poor_household)
    client.force_login(world.reviewer_a)
    html = client.get(detail_url(app)).content.decode()
    assert 'data-testid="evaluation-steps"' in html
    assert "符合条件" in html
    assert f"{app.evaluation.amount} 元" in html
    assert "dibao-shenhe-queren-banfa-2021 第十三条" in html  # a parameter's clause
    assert "农村低保标准" in html  # parameter labels in Chinese, not keys
    assert "dibao.standard.rural" not in html
    head = poor_household.members.get(relation="head")
    assert f"{head.name}：300.00" in html  # member refs shown by name
    # the clocks panel: investigation start done, whole procedure running, with clauses
    assert "dibao-shenhe-queren-banfa-2021 第十五条" in html
    assert "按时完成" in html
    assert "2026-04-14" in html


# --- the action panel offers exactly available_actions ----------------------------------------------------


@time_machine.travel(AT_MONDAY, tick=False)
def test_case_page_offers_exactly_the_available_actions(client, world, poor_household):
    app = _evaluated(world, poor_household)
    for staff in (world.caseworker_a1, world.reviewer_a, world.assistant_a1):
        client.force_login(staff)
        html = client.get(detail_url(app)).content.decode()
        expected = [a.code for a in available_actions(staff, Application.objects.get(pk=app.pk))]
        assert offered_codes(html) == expected, staff
    client.force_login(world.caseworker_a1)
    html = client.get(detail_url(app)).content.decode()
    assert "提出乡镇审核意见" in html and "审核确认" not in offered_codes(html)
    client.force_login(world.reviewer_a)
    assert "decide" not in offered_codes(client.get(detail_url(app)).content.decode())
    client.force_login(world.assistant_a1)
    html = client.get(detail_url(app)).content.decode()
    assert offered_codes(html) == [] and "本申请当前不需要您办理" in html


def test_reviewer_sees_decision_only_at_decision(client, world, poor_household):
    with time_machine.travel(AFTER_NOTICE, tick=False):
        app = _at_decision(world, poor_household)
        client.force_login(world.reviewer_a)
        html = client.get(detail_url(app)).content.decode()
        assert offered_codes(html) == ["decide", "return", "extend"]
        assert ">审核确认<" in html.replace("\n", "")
        client.force_login(world.caseworker_a1)
        html = client.get(detail_url(app)).content.decode()
        assert "decide" not in offered_codes(html)
        # the caseworker who reviewed the case cannot open the decision page either
        response = client.get(act_url(app, "decide"))
        assert response.status_code == 409
        assert "您不能办理这项操作" in response.content.decode()


# --- intake -----------------------------------------------------------------------------------------------


def intake_data(**overrides) -> dict:
    data = {
        "program": "dibao",
        "subject": "",
        "kind": "new",
        "channel": "window",
        "proxy_name": "",
        "applied_on": "2026-03-02",
        "authorisation_signed_on": "2026-03-02",
        "other_materials": "",
        "reason": "家庭收入低，生活困难",
        "requested_amount": "",
        "close_relative_note": "",
    }
    data.update(overrides)
    return data


@time_machine.travel(AT_MONDAY, tick=False)
def test_household_page_offers_intake_to_its_caseworker_only(client, world, poor_household):
    url = reverse("household-detail", args=[poor_household.pk])
    client.force_login(world.caseworker_a1)
    html = client.get(url).content.decode()
    assert "救助申请与在保" in html
    assert reverse("application-create", args=[poor_household.pk]) in html
    assert reverse("emergency-aid", args=[poor_household.pk]) in html
    for staff in (world.reviewer_a, world.assistant_a1):
        client.force_login(staff)
        html = client.get(url).content.decode()
        assert "救助申请与在保" in html
        assert reverse("application-create", args=[poor_household.pk]) not in html
        assert client.get(reverse("application-create", args=[poor_household.pk])).status_code == 403
    # another town's caseworker does not even find the household
    client.force_login(world.caseworker_a2)
    assert client.get(reverse("application-create", args=[poor_household.pk])).status_code == 404


@time_machine.travel(AT_MONDAY, tick=False)
def test_intake_accepts_and_lists_the_application_on_the_household_page(client, world, poor_household):
    client.force_login(world.caseworker_a1)
    form = client.get(reverse("application-create", args=[poor_household.pk]))
    html = form.content.decode()
    assert form.status_code == 200
    for name in ("program", "subject", "authorisation_signed_on", "applied_on", "requested_amount"):
        assert f'for="id_{name}"' in html
    assert "申请即授权" in html and "一证一书" in html
    response = client.post(reverse("application-create", args=[poor_household.pk]), intake_data())
    app = Application.objects.get()
    assert response.status_code == 302 and response["Location"] == detail_url(app)
    assert app.status == S.ACCEPTED and app.accepted_on == MONDAY and app.created_by == world.caseworker_a1
    page = client.get(response["Location"])
    assert f"已受理申请 {app.code}" in page.content.decode()
    household_page = client.get(reverse("household-detail", args=[poor_household.pk])).content.decode()
    assert app.code in household_page and "已受理" in household_page


@time_machine.travel(AT_MONDAY, tick=False)
def test_intake_without_authorisation_is_refused_and_creates_nothing(client, world, poor_household):
    client.force_login(world.caseworker_a1)
    response = client.post(
        reverse("application-create", args=[poor_household.pk]), intake_data(authorisation_signed_on="")
    )
    assert response.status_code == 400
    assert "须签署家庭经济状况核对授权书（一证一书）" in response.content.decode()
    assert not Application.objects.exists()


@time_machine.travel(AT_MONDAY, tick=False)
def test_intake_service_refusals_are_shown_next_to_fields(client, world, poor_household):
    client.force_login(world.caseworker_a1)
    url = reverse("application-create", args=[poor_household.pk])
    # 特困 needs a subject (the service's field message)
    response = client.post(url, intake_data(program="tekun"))
    assert response.status_code == 400
    html = response.content.decode()
    assert "单人户、特困及专项救助须指明救助对象" in html
    assert 'data-field="subject"' in html
    # 支出型 needs the amount
    response = client.post(url, intake_data(program="temp_expenditure"))
    assert response.status_code == 400 and "请填写支出金额" in response.content.decode()
    # a second open application of the same program: 409
    _accepted(world, poor_household)
    response = client.post(url, intake_data())
    assert response.status_code == 409 and "已有同一救助项目的申请正在办理" in response.content.decode()
    assert Application.objects.count() == 1


@time_machine.travel(AT_MONDAY, tick=False)
def test_missing_materials_then_materials_complete(client, world, poor_household):
    client.force_login(world.caseworker_a1)
    data = intake_data(other_materials="房屋租赁合同\n")
    data["missing_materials"] = ["户口簿", "收入证明"]
    response = client.post(reverse("application-create", args=[poor_household.pk]), data)
    app = Application.objects.get()
    assert response.status_code == 302
    assert app.status == S.MATERIALS_PENDING and app.accepted_on is None
    assert app.missing_materials == ["户口簿", "收入证明", "房屋租赁合同"]
    html = client.get(detail_url(app)).content.decode()
    assert "户口簿、收入证明、房屋租赁合同" in html
    assert offered_codes(html)[0] == "materials-complete"
    # ticking 其他 without saying what is refused by the form
    data = intake_data(program="dibao_single", subject=str(poor_household.head_id))
    data["missing_materials"] = ["其他"]
    response = client.post(reverse("application-create", args=[poor_household.pk]), data)
    assert response.status_code == 400 and "请写明缺少的材料" in response.content.decode()
    # when the materials are in
    assert client.get(act_url(app, "materials-complete")).status_code == 200
    response = post_act(client, app, "materials-complete", {"on": "2026-03-02"})
    assert response.status_code == 302
    app.refresh_from_db()
    assert app.status == S.ACCEPTED and app.accepted_on == MONDAY


@time_machine.travel(AT_MONDAY, tick=False)
def test_intake_from_a_discovery_report_converts_it(client, world, poor_household):
    report = discovery_report_create(
        actor=world.assistant_a1,
        region=world.village_a1,
        person_name=poor_household.head.name,
        description="户主长期患病，无稳定收入",
        household=poor_household,
        suggested_program="dibao",
    )
    client.force_login(world.caseworker_a1)
    detail = client.get(reverse("discovery-detail", args=[report.pk])).content.decode()
    apply_url = reverse("application-create", args=[poor_household.pk]) + f"?discovery={report.pk}"
    assert apply_url in detail
    form = client.get(apply_url).content.decode()
    assert "来自主动发现线索" in form and f'name="discovery" value="{report.pk}"' in form
    data = intake_data(discovery=str(report.pk))
    response = client.post(reverse("application-create", args=[poor_household.pk]), data)
    assert response.status_code == 302
    app = Application.objects.get()
    report.refresh_from_db()
    assert app.discovery == report and app.channel == "discovery"
    assert report.status == "converted"


# --- the whole 低保 path through the pages ------------------------------------------------------------------


def test_dibao_path_through_the_pages(client, world, poor_household):
    """Intake → investigation → visit → evaluation → town review → notice → submit → county confirmation,
    each posted through its page, ends with an enrolment from next month shown on the case page."""
    with time_machine.travel(AT_MONDAY, tick=False):
        client.force_login(world.caseworker_a1)
        client.post(reverse("application-create", args=[poor_household.pk]), intake_data())
        app = Application.objects.get()
        steps = [
            ("investigation-start", {"on": "2026-03-02"}, S.INVESTIGATING),
            (
                "visit",
                {
                    "visited_on": "2026-03-02",
                    "visitors": [str(world.caseworker_a1.pk), str(world.assistant_a1.pk)],
                    "findings": "家中无劳动力，房屋简陋，无车辆",
                    "signed_by_applicant": "on",
                },
                S.INVESTIGATING,
            ),
            ("evaluate", {}, S.EVALUATED),
            ("town-review", {"approve": "approve", "opinion": "经调查核实，符合低保条件"}, S.TOWN_APPROVED),
            ("notice", {"start_on": "2026-03-02"}, S.NOTICE),
        ]
        for code, data, expected in steps:
            assert client.get(act_url(app, code)).status_code == 200, code
            response = post_act(client, app, code, data)
            assert response.status_code == 302, (code, response.content.decode()[:2000])
            assert response["Location"] == detail_url(app)
            assert status_of(app) == expected, code
        assert HomeVisit.objects.get(application=app).visitors.count() == 2
        page = client.get(detail_url(app)).content.decode()
        assert "已办理：在村（社区）公示 7 天" in page
        assert "notice-close" not in offered_codes(page)  # the notice is still running
    with time_machine.travel(AFTER_NOTICE, tick=False):
        assert "notice-close" in offered_codes(client.get(detail_url(app)).content.decode())
        assert post_act(client, app, "notice-close").status_code == 302
        assert status_of(app) == S.DECISION
        client.force_login(world.reviewer_a)
        form = client.get(act_url(app, "decide")).content.decode()
        assert "不予确认的必须写明理由" in form and "不予确认通知书" in form
        response = post_act(client, app, "decide", {"confirm": "confirm", "reasons": ""})
        assert response.status_code == 302
    app.refresh_from_db()
    assert app.status == S.CONFIRMED and app.decided_by == world.reviewer_a
    enrolment = Enrolment.objects.get(application=app)
    assert enrolment.start_month == D(2026, 4, 1)
    with time_machine.travel(AFTER_NOTICE, tick=False):
        page = client.get(detail_url(app)).content.decode()
    assert 'data-testid="enrolment"' in page and "2026年4月" in page
    assert "纳入在保" in page  # the timeline
    assert offered_codes(page) == [] and "本申请已办结" in page


# --- refused input changes nothing ----------------------------------------------------------------------------


@time_machine.travel(AT_MONDAY, tick=False)
def test_visit_with_one_visitor_is_refused(client, world, poor_household):
    app = _investigating(world, poor_household)
    client.force_login(world.caseworker_a1)
    form = client.get(act_url(app, "visit")).content.decode()
    # the town's caseworkers and village assistants are offered, each with a label
    assert 'for="id_visitors_0"' in form and "va_a1（村协理员）" in form and "cw_a1（乡镇经办）" in form
    assert "rev_a" not in form  # the county's reviewers only on the county's own visit
    version = Application.objects.get(pk=app.pk).version
    response = post_act(
        client,
        app,
        "visit",
        {
            "visited_on": "2026-03-02",
            "visitors": [str(world.caseworker_a1.pk)],
            "findings": "一人入户调查",
            "signed_by_applicant": "on",
        },
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "入户调查人员不少于2人" in html and "请选择至少两名调查人员" in html
    assert not HomeVisit.objects.exists()
    assert Application.objects.get(pk=app.pk).version == version


@time_machine.travel(AT_MONDAY, tick=False)
def test_visit_needs_the_applicants_signature(client, world, poor_household):
    app = _investigating(world, poor_household)
    client.force_login(world.caseworker_a1)
    response = post_act(
        client,
        app,
        "visit",
        {
            "visited_on": "2026-03-02",
            "visitors": [str(world.caseworker_a1.pk), str(world.assistant_a1.pk)],
            "findings": "入户调查情况属实",
        },
    )
    assert response.status_code == 400 and "请确认申请人已签字" in response.content.decode()
    assert not HomeVisit.objects.exists()


def test_refusal_without_reasons_is_refused(client, world, poor_household):
    with time_machine.travel(AFTER_NOTICE, tick=False):
        app = _at_decision(world, poor_household)
        client.force_login(world.reviewer_a)
        response = post_act(client, app, "decide", {"confirm": "refuse", "reasons": ""})
        assert response.status_code == 400
        html = response.content.decode()
        assert "请填写不予确认的理由" in html and 'data-field="reasons"' in html
        assert status_of(app) == S.DECISION
        # with reasons the case is refused and the written notice is due within 3 working days
        response = post_act(
            client, app, "decide", {"confirm": "refuse", "reasons": "家庭人均收入核实后高于当地低保标准"}
        )
        assert response.status_code == 302
        assert status_of(app) == S.REFUSED
        client.force_login(world.caseworker_a1)
        page = client.get(detail_url(app)).content.decode()
        assert "家庭人均收入核实后高于当地低保标准" in page
        assert offered_codes(page) == ["refusal-notice"]
        assert post_act(client, app, "refusal-notice", {"on": "2026-03-09"}).status_code == 302
        assert Application.objects.get(pk=app.pk).refusal_notified_on == D(2026, 3, 9)


@time_machine.travel(AT_MONDAY, tick=False)
def test_stale_form_is_refused_with_409(client, world, poor_household):
    app = _accepted(world, poor_household)
    client.force_login(world.caseworker_a1)
    stale = app.version
    # someone else starts the investigation meanwhile
    application_investigation_start(actor=world.caseworker_a1, application=app)
    app.refresh_from_db()
    before = (app.status, app.version)
    response = post_act(client, app, "withdraw", {"reason": "申请人书面撤回申请"}, version=stale)
    assert response.status_code == 409
    assert "该记录已被他人修改，请刷新页面后重新填写" in response.content.decode()
    app.refresh_from_db()
    assert (app.status, app.version) == before


@time_machine.travel(AT_MONDAY, tick=False)
def test_a_transition_not_allowed_now_is_refused_by_the_service(client, world, poor_household):
    app = _accepted(world, poor_household)
    client.force_login(world.caseworker_a1)
    # the page does not offer it …
    assert client.get(act_url(app, "town-review")).status_code == 409
    # … and a forged post is refused by the service with nothing changed
    response = post_act(client, app, "town-review", {"approve": "approve", "opinion": "同意纳入低保"})
    assert response.status_code == 409 and "不能提出乡镇审核意见" in response.content.decode()
    assert status_of(app) == S.ACCEPTED
    # a caseworker posting a decision: the service refuses the role (403)
    response = post_act(client, app, "decide", {"confirm": "confirm"})
    assert response.status_code in (403, 409)
    assert status_of(app) == S.ACCEPTED
    assert client.get(act_url(app, "no-such-action")).status_code == 404


# --- the other transitions ---------------------------------------------------------------------------------


@time_machine.travel(AT_MONDAY, tick=False)
def test_objection_deliberation_extend_and_withdraw(client, world, poor_household):
    app = _in_notice(world, poor_household)
    client.force_login(world.caseworker_a1)
    response = post_act(client, app, "objection", {"received_on": "2026-03-02", "content": "群众反映其子女收入较高"})
    assert response.status_code == 302
    assert status_of(app) == S.INVESTIGATING and Objection.objects.filter(application=app).count() == 1
    assert post_act(client, app, "evaluate").status_code == 302
    page = client.get(detail_url(app)).content.decode()
    assert "deliberation" in offered_codes(page) and "town-review" not in offered_codes(page)
    assert "须民主评议" in page
    # fewer than five participants: the service's message next to the field
    response = post_act(
        client,
        app,
        "deliberation",
        {"held_on": "2026-03-02", "participants": "3", "result": "agree", "minutes": "多数同意纳入"},
    )
    assert response.status_code == 400
    assert "参加民主评议的人员不少于5人" in response.content.decode()
    response = post_act(
        client,
        app,
        "deliberation",
        {"held_on": "2026-03-02", "participants": "9", "result": "agree", "minutes": "7人同意，2人反对"},
    )
    assert response.status_code == 302
    assert Application.objects.get(pk=app.pk).deliberated_on == MONDAY
    assert "town-review" in offered_codes(client.get(detail_url(app)).content.decode())
    # extension with a reason
    assert post_act(client, app, "extend", {"reason": ""}).status_code == 400
    assert post_act(client, app, "extend", {"reason": "公示有异议，需重新核实"}).status_code == 302
    app.refresh_from_db()
    assert app.extended and app.extension_reason == "公示有异议，需重新核实"
    page = client.get(detail_url(app)).content.decode()
    assert "已延长：公示有异议，需重新核实" in page and "45 个工作日" in page
    # withdrawal
    assert post_act(client, app, "withdraw", {"reason": "申请人书面撤回申请"}).status_code == 302
    assert status_of(app) == S.WITHDRAWN


def test_return_sends_the_case_back(client, world, poor_household):
    with time_machine.travel(AFTER_NOTICE, tick=False):
        app = _at_decision(world, poor_household)
        client.force_login(world.reviewer_a)
        response = post_act(client, app, "return", {"reason": "入户调查记录不完整，请补充"})
        assert response.status_code == 302
        app.refresh_from_db()
        assert app.status == S.INVESTIGATING and app.town_opinion == ""


@time_machine.travel(AT_MONDAY, tick=False)
def test_investigation_may_waive_the_visit_where_the_profile_allows(client, world, poor_household):
    app = _accepted(world, poor_household)
    client.force_login(world.caseworker_a1)
    form = client.get(act_url(app, "investigation-start")).content.decode()
    assert "经济状况核对已覆盖，免于入户调查" in form  # 长白: changbai-2021 §二(六)22
    response = post_act(client, app, "investigation-start", {"on": "2026-03-02", "waive_visit": "on"})
    assert response.status_code == 302
    app.refresh_from_db()
    assert app.status == S.INVESTIGATING and app.visit_waived


@time_machine.travel(AT_MONDAY, tick=False)
def test_bridge_aid_for_a_running_dibao_case(client, world, poor_household):
    app = _investigating(world, poor_household)
    client.force_login(world.caseworker_a1)
    assert "bridge-aid" in offered_codes(client.get(detail_url(app)).content.decode())
    response = post_act(client, app, "bridge-aid")
    assert response.status_code == 302 and response["Location"] == detail_url(app)
    bridge = Application.objects.get(parent=app)
    assert bridge.program == "temp_emergency" and bridge.paid_on == MONDAY
    page = client.get(detail_url(app)).content.decode()
    assert bridge.code in page and "bridge-aid" not in offered_codes(page)
    assert status_of(app) == S.INVESTIGATING


@time_machine.travel(AT_MONDAY, tick=False)
def test_emergency_aid_within_the_town_limit_then_papers(client, world, poor_household):
    client.force_login(world.caseworker_a1)
    url = reverse("emergency-aid", args=[poor_household.pk])
    form = client.get(url).content.decode()
    assert "火灾、交通事故等意外事件" in form and "申请低保、特困供养期间" not in form
    assert client.post(url, {"cause": "accident", "expense": ""}).status_code == 400
    response = client.post(url, {"cause": "accident", "expense": "500", "subject": "", "note": "房屋失火"})
    app = Application.objects.get()
    assert response.status_code == 302 and response["Location"] == detail_url(app)
    assert app.status == S.CONFIRMED and app.paid_on == MONDAY
    page = client.get(detail_url(app)).content.decode()
    assert "乡镇审批权限内" in page  # the timeline says which path
    assert offered_codes(page) == ["papers-complete"]
    assert post_act(client, app, "papers-complete", {"note": "已补齐签字盖章"}).status_code == 302
    assert Application.objects.get(pk=app.pk).papers_completed_on == MONDAY


@time_machine.travel(AT_MONDAY, tick=False)
def test_emergency_aid_above_the_town_limit_waits_for_post_approval(client, world, poor_household):
    client.force_login(world.caseworker_a1)
    client.post(reverse("emergency-aid", args=[poor_household.pk]), {"cause": "illness", "expense": "5000"})
    app = Application.objects.get()
    assert app.status == S.POST_APPROVAL
    assert "报县级后置审批" in client.get(detail_url(app)).content.decode()
    client.force_login(world.reviewer_a)
    html = client.get(detail_url(app)).content.decode()
    assert "decide" in offered_codes(html) and "后置审批" in html
    form = client.get(act_url(app, "decide")).content.decode()
    assert "后置审批决定" in form
    assert post_act(client, app, "decide", {"confirm": "confirm"}).status_code == 302
    assert status_of(app) == S.CONFIRMED


# --- scoping ---------------------------------------------------------------------------------------------


@time_machine.travel(AT_MONDAY, tick=False)
def test_another_countys_case_is_not_found(client, world, poor_household):
    app = _accepted(world, poor_household)
    for staff in (world.caseworker_b1, world.reviewer_b):
        client.force_login(staff)
        assert client.get(detail_url(app)).status_code == 404
        assert client.get(act_url(app, "investigation-start")).status_code == 404
        assert post_act(client, app, "investigation-start", {"on": "2026-03-02"}).status_code == 404
        assert app.code not in client.get(reverse("application-list")).content.decode()
        assert app.code not in client.get(reverse("inbox")).content.decode()
    assert status_of(app) == S.ACCEPTED


# --- inbox and list ------------------------------------------------------------------------------------------


@time_machine.travel(AT_MONDAY, tick=False)
def test_inbox_rows_and_deadline_badges(client, world, poor_household):
    accepted = _accepted(world, poor_household)  # investigation due Thursday 5 March
    other = _accepted(world, _poor_household(world, world.village_a1b))
    Application.objects.filter(pk=other.pk).update(due_on=D(2026, 2, 27))  # already overdue
    client.force_login(world.caseworker_a1)
    response = client.get(reverse("inbox"))
    html = response.content.decode()
    rows = [a.pk for a in response.context["rows"]]
    assert rows == [other.pk, accepted.pk]  # the most urgent first
    assert "已超期" in html and 'data-due="overdue"' in html
    assert "剩 3 个工作日" in html  # Monday → Thursday
    assert poor_household.head.name in html and "民主社区" in html and "低保（按户）" in html
    assert [a.next_step for a in response.context["rows"]] == ["启动调查核实", "启动调查核实"]
    # the reviewer has nothing yet; the village assistant sees their village's open cases
    client.force_login(world.reviewer_a)
    assert list(client.get(reverse("inbox")).context["rows"]) == []
    client.force_login(world.assistant_a1)
    assert [a.pk for a in client.get(reverse("inbox")).context["rows"]] == [accepted.pk]


@time_machine.travel(AT_MONDAY, tick=False)
def test_inbox_marks_provisional_deadlines(client, world, poor_household):
    app = _accepted(world, poor_household)
    Application.objects.filter(pk=app.pk).update(due_provisional=True)
    client.force_login(world.caseworker_a1)
    html = client.get(reverse("inbox")).content.decode()
    assert 'data-testid="provisional"' in html
    assert "该年度节假日安排尚未公布，暂按周一至周五计算" in html


@time_machine.travel(AT_MONDAY, tick=False)
def test_inbox_lists_open_discovery_reports_for_caseworkers_and_assistants(client, world, poor_household):
    report = discovery_report_create(
        actor=world.assistant_a1, region=world.village_a1, person_name="李大娘", description="丈夫去世，独自抚养孙子"
    )
    for staff in (world.caseworker_a1, world.assistant_a1):
        client.force_login(staff)
        html = client.get(reverse("inbox")).content.decode()
        assert "李大娘" in html and reverse("discovery-detail", args=[report.pk]) in html
    client.force_login(world.reviewer_a)
    assert "李大娘" not in client.get(reverse("inbox")).content.decode()


def _inbox_queries(client, django_assert_max_num_queries, n: int) -> None:
    with django_assert_max_num_queries(n):
        response = client.get(reverse("inbox"))
    assert response.status_code == 200


@time_machine.travel(AT_MONDAY, tick=False)
def test_inbox_queries_do_not_grow_with_its_rows(client, world, profiles, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    villages = [world.village_a1, world.village_a1b]
    for i in range(3):
        _accepted(world, _poor_household(world, villages[i % 2]))
    discovery_report_create(
        actor=world.caseworker_a1, region=world.village_a1, person_name="王某", description="突发重病"
    )
    client.force_login(world.caseworker_a1)
    client.get(reverse("inbox"))
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("inbox"))
    for i in range(7):
        _accepted(world, _poor_household(world, villages[i % 2]))
    with CaptureQueriesContext(connection) as many:
        response = client.get(reverse("inbox"))
    assert len(response.context["rows"]) == 10
    assert len(many) == len(few), [q["sql"] for q in many.captured_queries]
    _inbox_queries(client, django_assert_max_num_queries, len(few))
    assert len(few) <= 15


@time_machine.travel(AT_MONDAY, tick=False)
def test_application_list_filters_and_searches(client, world, poor_household):
    first = _accepted(world, poor_household)
    second_household = _poor_household(world, world.village_a1b)
    second = _investigating(world, second_household)
    client.force_login(world.reviewer_a)
    url = reverse("application-list")
    assert {a.pk for a in client.get(url).context["rows"]} == {first.pk, second.pk}
    assert [a.pk for a in client.get(url, {"status": "investigating"}).context["rows"]] == [second.pk]
    assert [a.pk for a in client.get(url, {"q": second.code}).context["rows"]] == [second.pk]
    name = second_household.head.name
    assert [a.pk for a in client.get(url, {"q": name}).context["rows"]] == [second.pk]
    assert client.get(url, {"program": "tekun"}).context["rows"] == []
    assert client.get(url, {"status": "nonsense"}).status_code == 200


# --- discovery ---------------------------------------------------------------------------------------------


@time_machine.travel(AT_MONDAY, tick=False)
def test_assistant_reports_and_caseworker_closes_a_discovery(client, world, profiles):
    client.force_login(world.assistant_a1)
    form = client.get(reverse("discovery-create")).content.decode()
    assert "民主社区" in form and "八道沟村" not in form  # only the assistant's own village
    response = client.post(
        reverse("discovery-create"), {"region": str(world.village_a1.pk), "person_name": "", "description": "短"}
    )
    assert response.status_code == 400 and not DiscoveryReport.objects.exists()
    response = client.post(
        reverse("discovery-create"),
        {
            "region": str(world.village_a1.pk),
            "person_name": "崔奶奶",
            "address": "民主社区5号",
            "description": "八十岁独居，无子女，行动不便",
            "suggested_program": "tekun",
        },
    )
    report = DiscoveryReport.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("discovery-detail", args=[report.pk])
    assert report.reported_by == world.assistant_a1 and report.status == "open"
    # the assistant may not close it
    page = client.get(response["Location"]).content.decode()
    assert "办结线索" not in page
    # the caseworker: no household yet → register first; or close with a reason
    client.force_login(world.caseworker_a1)
    page = client.get(reverse("discovery-detail", args=[report.pk])).content.decode()
    assert "请先查找或登记家庭" in page and reverse("household-create") in page
    close = reverse("discovery-close", args=[report.pk])
    response = client.post(close, {"reason": ""})
    assert response.status_code == 400 and "请填写办结说明" in response.content.decode()
    assert DiscoveryReport.objects.get().status == "open"
    response = client.post(close, {"reason": "经核实已由子女接回赡养，不需救助"})
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.status == "closed" and report.closed_reason == "经核实已由子女接回赡养，不需救助"
    # another county's caseworker does not find it
    client.force_login(world.caseworker_b1)
    assert client.get(reverse("discovery-detail", args=[report.pk])).status_code == 404


# --- navigation and dashboard ------------------------------------------------------------------------------------


@time_machine.travel(AT_MONDAY, tick=False)
def test_navigation_and_dashboard_show_the_inbox(client, world, poor_household):
    app = _accepted(world, poor_household)
    Application.objects.filter(pk=app.pk).update(due_on=D(2026, 2, 27))
    client.force_login(world.caseworker_a1)
    response = client.get(reverse("dashboard"))
    html = response.content.decode()
    assert 'data-testid="nav-inbox"' in html and reverse("application-list") in html
    assert response.context["inbox"]["total"] == 1 and response.context["inbox"]["overdue"] == 1
    assert 'data-testid="inbox-card"' in html
    client.force_login(world.auditor_a)
    html = client.get(reverse("dashboard")).content.decode()
    assert 'data-testid="nav-inbox"' not in html and 'data-testid="inbox-card"' not in html


def test_close_relative_case_needs_the_countys_own_visit(client, world, poor_household):
    """A staff member's close relative (第十一条): the county visits before it decides (第二十条)."""
    with time_machine.travel(AT_MONDAY, tick=False):
        app = _accepted(world, poor_household, close_relative_note="户主之子为村委会委员")
        client.force_login(world.caseworker_a1)
        page = client.get(detail_url(app)).content.decode()
        assert "近亲属备案" in page and "户主之子为村委会委员" in page
        # the waiver is not offered for a close relative
        assert "免于入户调查" not in client.get(act_url(app, "investigation-start")).content.decode()
    with time_machine.travel(AFTER_NOTICE, tick=False):
        with time_machine.travel(AT_MONDAY, tick=False):
            app = _investigating_from(world, app)
        app = application_notice_close(actor=world.caseworker_a1, application=app)
        client.force_login(world.reviewer_a)
        assert offered_codes(client.get(detail_url(app)).content.decode()) == [
            "county-visit",
            "decide",
            "return",
            "extend",
        ]
        response = post_act(client, app, "decide", {"confirm": "confirm"})
        assert response.status_code == 409 and "近亲属备案的申请须先由县级入户核查" in response.content.decode()
        form = client.get(act_url(app, "county-visit")).content.decode()
        assert "rev_a（县级审核）" in form and "cw_a1（乡镇经办）" in form
        response = post_act(
            client,
            app,
            "county-visit",
            {
                "visited_on": "2026-03-09",
                "visitors": [str(world.reviewer_a.pk), str(world.caseworker_a1.pk)],
                "findings": "县级入户核查，情况属实",
                "signed_by_applicant": "on",
            },
        )
        assert response.status_code == 302
        assert HomeVisit.objects.get(application=app, by_county=True).visitors.count() == 2
        page = client.get(detail_url(app)).content.decode()
        assert "县级入户核查（" in page
        assert post_act(client, app, "decide", {"confirm": "confirm"}).status_code == 302
    assert status_of(app) == S.CONFIRMED


def _investigating_from(world, app) -> Application:
    """From accepted to notice, through the services."""
    app = application_investigation_start(actor=world.caseworker_a1, application=app)
    application_visit_record(
        actor=world.caseworker_a1,
        application=app,
        visited_on=MONDAY,
        visitors=[world.caseworker_a1, world.assistant_a1],
        findings="家中无劳动力，房屋简陋，无车辆",
        signed_by_applicant=True,
    )
    application_evaluate(actor=world.caseworker_a1, application=app)
    app = Application.objects.get(pk=app.pk)
    application_town_review(actor=world.caseworker_a1, application=app, approve=True, opinion="符合低保条件，同意")
    return application_notice_publish(actor=world.caseworker_a1, application=Application.objects.get(pk=app.pk))


@time_machine.travel(AT_MONDAY, tick=False)
def test_application_list_queries_do_not_grow_with_its_rows(client, world, profiles):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for _ in range(2):
        _evaluated(world, _poor_household(world))
    client.force_login(world.reviewer_a)
    client.get(reverse("application-list"))
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("application-list"))
    for i in range(6):
        _accepted(world, _poor_household(world, (world.village_a1, world.village_a1b)[i % 2]))
    with CaptureQueriesContext(connection) as many:
        response = client.get(reverse("application-list"))
    assert len(response.context["rows"]) == 8
    assert len(many) == len(few), [q["sql"] for q in many.captured_queries]


# --- in a browser ------------------------------------------------------------------------------------------

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture
def browser_page(live_server, monkeypatch):
    from playwright.sync_api import sync_playwright

    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        context = browser.new_context(locale="zh-CN", viewport={"width": 1366, "height": 900})
        context.set_default_timeout(10_000)
        page = context.new_page()
        yield page
        context.close()
        browser.close()


@pytest.mark.browser
def test_caseworker_takes_an_application_and_records_a_visit_in_a_browser(browser_page, live_server, world, profiles):
    from playwright.sync_api import expect

    from tests.factories import PASSWORD

    page = browser_page
    with time_machine.travel(AT_MONDAY, tick=True):
        household = _poor_household(world)
        page.goto(live_server.url + reverse("login"))
        page.get_by_label("用户名").fill("cw_a1")
        page.get_by_label("密码").fill(PASSWORD)
        page.get_by_role("button", name="登录").click()
        page.goto(live_server.url + reverse("household-detail", args=[household.pk]))
        page.get_by_role("link", name="受理救助申请").click()
        page.get_by_label("救助项目").select_option("dibao")
        page.get_by_label("核对授权书签署日期").fill("2026-03-02")
        page.get_by_role("button", name="受理申请").click()
        expect(page.get_by_test_id("actions")).to_contain_text("启动调查核实")
        app = Application.objects.get()
        assert page.url == live_server.url + detail_url(app)

        page.get_by_role("link", name="启动调查核实").click()
        page.get_by_role("button", name="启动调查核实").click()
        page.get_by_role("link", name="记录入户调查").click()
        # one visitor only: refused on the page, in Chinese
        page.get_by_label("调查情况").fill("家中无劳动力，房屋简陋")
        page.get_by_label("申请人已在调查记录上签字确认").check()
        page.get_by_role("button", name="记录入户调查").click()
        expect(page.get_by_test_id("form-errors")).to_contain_text("入户调查人员不少于2人")
        page.get_by_label("va_a1（村协理员）").check()
        page.get_by_role("button", name="记录入户调查").click()
        expect(page.get_by_test_id("timeline")).to_contain_text("入户调查（")
        page.get_by_role("link", name="评估（规则引擎测算）").click()
        page.get_by_role("button", name="评估（规则引擎测算）").click()
        expect(page.get_by_test_id("evaluation-outcome")).to_have_text("符合条件")
    assert status_of(app) == S.EVALUATED


def test_recheck_case_page_shows_the_enrolment_and_its_changes(client, world, poor_household):
    """A confirmed 复核 shows the enrolment it changed, with every amount change and the case that decided it."""
    from tests.test_workflow_services import _enrolled, _recheck, _wages

    enrolment = Enrolment.objects.get(application=_enrolled(world, poor_household))
    _wages(world, poor_household, "700")
    recheck = _recheck(world, poor_household)
    client.force_login(world.caseworker_a1)
    html = client.get(reverse("application-detail", args=[recheck.pk])).content.decode()
    assert 'data-testid="enrolment-changes"' in html
    assert "复核调整" in html and "新纳入" in html and recheck.code in html
    assert str(Enrolment.objects.get(pk=enrolment.pk).monthly_amount) in html
