"""Printable notices: each renders its key content in a standalone A4 layout; the public list publishes only
the applicant's name, persons covered, program, amount and notice period (dibao-shenhe-queren-banfa-2021
第二十四条); a notice the case does not have yet is refused (409); other counties' cases are not found (404);
village assistants print only the public list and the visit form (403 otherwise); every print is audited.

Dates are pinned as in ``test_workflow_services``: Monday 2 March 2026, so the investigation must start by
Thursday 5 March and a case confirmed on 9 March is paid from April.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from assistance.models import Region
from assistance.services import system_actor
from audit.models import AuditEvent
from audit.services import mask_id_number
from cases.choices import ApplicationStatus as S
from cases.models import Application, Household
from cases.services import (
    MemberInput,
    application_accept,
    application_decide,
    application_evaluate,
    application_investigation_start,
    application_notice_close,
    application_notice_publish,
    application_town_review,
    application_visit_record,
    household_create,
    income_record,
)
from cases.views.notices import decision_authority, town_authority
from eligibility.rules.profile_data import load_documents
from eligibility.services import profiles_load
from tests.factories import make_household, new_id_number

D = dt.date
MONDAY = D(2026, 3, 2)
ON_MONDAY = time_machine.travel(dt.datetime(2026, 3, 2, 9, 0), tick=False)
AFTER_NOTICE = dt.datetime(2026, 3, 9, 9, 0)
ADDRESS = "长白镇新华街17号3单元"
WAGES = Decimal("311.37")  # a figure that must never reach the public list
REFUSAL = "经信息核对，家庭人均收入高于当地低保标准"
FINDINGS = "家中无劳动力，房屋简陋，无车辆"


@pytest.fixture
def profiles(db):
    return profiles_load(actor=system_actor(), documents=load_documents())


@pytest.fixture
def household(world, profiles) -> Household:
    """A rural household of two in 民主社区 (长白镇): the head earns 311.37 yuan a month, the son is disabled."""
    h = household_create(
        actor=world.caseworker_a1,
        members=[
            MemberInput("金顺姬", new_id_number(birth=D(1958, 4, 9), male=False), "head"),
            MemberInput(
                "朴成浩",
                new_id_number(birth=D(1988, 6, 1)),
                "child",
                extra={"disability_type": "physical", "disability_grade": 2},
            ),
        ],
        hukou_region=world.village_a1,
        area_type="rural",
        residence_address=ADDRESS,
    )
    for month in range(9, 13):
        income_record(actor=world.caseworker_a1, member=h.head, month=D(2025, month, 1), kind="wages", amount=WAGES)
    return Household.objects.select_related("head").get(pk=h.pk)


def _accept(world, household, **kw) -> Application:
    kw.setdefault("authorisation_signed_on", MONDAY)
    return application_accept(actor=world.caseworker_a1, household=household, program="dibao", **kw)


def _evaluated(world, household) -> Application:
    app = application_investigation_start(actor=world.caseworker_a1, application=_accept(world, household))
    application_visit_record(
        actor=world.caseworker_a1,
        application=app,
        visited_on=MONDAY,
        visitors=[world.caseworker_a1, world.assistant_a1],
        findings=FINDINGS,
        signed_by_applicant=True,
    )
    application_evaluate(actor=world.caseworker_a1, application=app)
    return Application.objects.get(pk=app.pk)


def _under_notice(world, household) -> Application:
    app = _evaluated(world, household)
    application_town_review(actor=world.caseworker_a1, application=app, approve=True, opinion="经调查核实，符合条件")
    return application_notice_publish(actor=world.caseworker_a1, application=Application.objects.get(pk=app.pk))


def _decided(world, household, *, confirm: bool) -> Application:
    app = _under_notice(world, household)
    with time_machine.travel(AFTER_NOTICE, tick=False):
        app = application_notice_close(actor=world.caseworker_a1, application=app)
        return application_decide(actor=world.reviewer_a, application=app, confirm=confirm, reasons=REFUSAL)


def _get(client, user, name, pk):
    client.force_login(user)
    response = client.get(reverse(name, args=[pk]))
    return response, response.content.decode()


def _prints(target_id, kind: str | None = None):
    events = AuditEvent.objects.filter(action="notice.print", target_id=str(target_id))
    return [e for e in events if kind is None or e.changes.get("printed") == kind]


# --- each notice ------------------------------------------------------------------------------------------------


@ON_MONDAY
def test_acceptance_notice_shows_case_and_deadlines(world, household, client):
    """The 受理通知书 names the applicant, household, program and acceptance date, the investigation deadline
    from the case's clocks (3 working days: Thursday 5 March) and the town as issuer, in the print layout."""
    app = _accept(world, household)

    response, html = _get(client, world.caseworker_a1, "notice-acceptance", app.pk)

    assert response.status_code == 200
    for text in ("受理通知书", app.code, "金顺姬", household.code, "最低生活保障", "2026年3月2日"):
        assert text in html
    assert "3个工作日内（2026年3月5日前）" in html
    assert "办理时限（受理至审核确认）" in html
    assert "长白镇人民政府" in html and "盖章" in html
    # a standalone print page: A4, system CJK fonts, a print button, no navigation and nothing fetched
    assert "@page { size: A4; margin: 20mm 18mm; }" in html
    assert '"Noto Serif CJK SC", "Noto Sans CJK SC", serif' in html
    assert "window.print()" in html and "返回案件" in html
    assert "app-navbar" not in html and "<link" not in html and "<script src" not in html
    # the print is an audited read, filed under the household
    [event] = _prints(app.pk, "acceptance")
    assert event.household_ref == household.pk and event.actor_id == world.caseworker_a1.pk
    assert event.region_id == world.village_a1.pk


@ON_MONDAY
def test_materials_notice_lists_every_missing_material_once(world, household, client):
    """The 一次性告知书 lists all the missing materials, says it is the only request, that documents available
    from government platforms are not required, and that the application is accepted once they are in."""
    app = _accept(world, household, missing_materials=["户口簿复印件", "残疾人证复印件", "收入证明"])
    assert app.status == S.MATERIALS_PENDING

    response, html = _get(client, world.caseworker_a1, "notice-materials", app.pk)

    assert response.status_code == 200
    assert "一次性告知书" in html and app.code in html and "金顺姬" in html
    for item in ("户口簿复印件", "残疾人证复印件", "收入证明"):
        assert f"<li>{item}</li>" in html
    assert "一次性告知" in html and "不再另行要求" in html
    assert "政务服务平台" in html and "无需重复提交" in html
    assert "即予受理" in html and "第十条" in html
    assert len(_prints(app.pk, "materials")) == 1


@ON_MONDAY
def test_visit_form_masks_id_numbers_and_shows_recorded_visits(world, household, client):
    """The 入户调查表 lists the members with masked ID numbers, ages, disability and labour ability, the items to
    verify, the recorded visit and signature lines for the investigators and the applicant."""
    app = _evaluated(world, household)
    son = household.members.get(name="朴成浩")

    response, html = _get(client, world.caseworker_a1, "notice-visit-form", app.pk)

    assert response.status_code == 200
    assert "入户调查表" in html and app.code in html
    for member in household.members.all():
        assert member.name in html
        assert mask_id_number(member.id_number) in html
        assert member.id_number not in html
    assert f'<td class="c">{son.age_on(MONDAY)}</td>' in html
    assert "肢体残疾二级" in html and "未评估" in html
    for item in ("居住情况", "收入情况", "财产情况", "车辆情况", "赡养（抚养、扶养）义务人"):
        assert item in html
    assert FINDINGS in html and "2026年3月2日" in html
    assert "cw_a1" in html and "va_a1" in html
    assert "调查人员（签字）" in html and "申请人或在场的共同生活家庭成员（签字）" in html
    assert len(_prints(app.pk, "visit_form")) == 1


@ON_MONDAY
def test_visit_form_before_any_visit_has_blank_lines(world, household, client):
    app = _accept(world, household)

    response, html = _get(client, world.caseworker_a1, "notice-visit-form", app.pk)

    assert response.status_code == 200
    assert 'class="ruled"' in html and "调查方式：" in html and "调查情况：" in html
    assert 'data-testid="visits"' not in html


@ON_MONDAY
def test_public_list_publishes_only_name_size_program_amount_and_period(world, household, client):
    """The 公示名单 shows the applicant's name, persons covered, program, proposed amount and notice period, and
    never an ID number, the address, income figures or disabilities (第二十四条); one audit event per print."""
    app = _under_notice(world, household)
    amount = app.evaluation.amount
    assert amount > 0

    response, html = _get(client, world.caseworker_a1, "notice-public-list", world.village_a1.pk)

    assert response.status_code == 200
    assert "社会救助审核公示" in html and "民主社区" in html and "长白镇" in html
    assert "金顺姬" in html and f"{amount}" in html and "最低生活保障" in html
    assert '<td class="c">2</td>' in html  # persons covered: the household's two members
    assert "2026年3月2日至3月8日" in html and "公示期为7天" in html
    assert "联系电话" in html and "长白镇人民政府" in html
    # nothing else about the family
    for member in household.members.all():
        assert member.id_number not in html
        assert mask_id_number(member.id_number) not in html
    assert "朴成浩" not in html
    for secret in (ADDRESS, "新华街", str(WAGES), "311", "肢体残疾", "残疾", household.code, app.code):
        assert secret not in html
    [event] = _prints(world.village_a1.pk)
    assert event.target_type == "assistance.region" and event.region_id == world.village_a1.pk
    assert event.changes == {"printed": "public_list", "applications": [app.code]}


@ON_MONDAY
def test_public_list_query_count_does_not_grow_with_the_list(world, household, client):
    client.force_login(world.caseworker_a1)
    url = reverse("notice-public-list", args=[world.village_a1.pk])
    _under_notice(world, household)
    with CaptureQueriesContext(connection) as one:
        assert client.get(url).status_code == 200
    others = [make_household(world.caseworker_a1, world.village_a1, members=3) for _ in range(2)]
    for other in others:
        _under_notice(world, other)
    with CaptureQueriesContext(connection) as three:
        response = client.get(url)
    html = response.content.decode()
    assert response.status_code == 200 and all(other.head.name in html for other in others)
    assert len(three) == len(one)


@ON_MONDAY
def test_public_list_is_scoped_to_the_actors_villages(world, household, client):
    """Another county's village, a village outside a village assistant's own, or a town as a "village": 404."""
    _under_notice(world, household)

    assert _get(client, world.caseworker_b1, "notice-public-list", world.village_a1.pk)[0].status_code == 404
    assert _get(client, world.assistant_a1, "notice-public-list", world.village_a1b.pk)[0].status_code == 404
    assert _get(client, world.caseworker_a1, "notice-public-list", world.town_a1.pk)[0].status_code == 404
    assert not AuditEvent.objects.filter(action="notice.print").exists()
    # an empty list in scope still prints (and is recorded)
    response, html = _get(client, world.caseworker_a1, "notice-public-list", world.village_a1b.pk)
    assert response.status_code == 200 and "没有正在公示的申请" in html


@ON_MONDAY
def test_confirmed_decision_notice(world, household, client):
    """The 审核确认决定书 gives the program, monthly amount, start month (the month after confirmation), category
    and re-check interval, signed by the county civil-affairs bureau."""
    app = _decided(world, household, confirm=True)
    assert app.status == S.CONFIRMED

    response, html = _get(client, world.reviewer_a, "notice-decision", app.pk)

    assert response.status_code == 200
    assert "审核确认决定书" in html and "不予确认" not in html
    assert app.code in html and "金顺姬" in html and household.code in html
    assert f"{app.approved_amount}元" in html
    assert "2026年4月" in html and "2026年3月9日" in html
    assert "长白朝鲜族自治县民政局" in html
    if app.evaluation.recheck_months:
        assert f"每{app.evaluation.recheck_months}个月核查一次" in html
    assert "行政复议" in html
    assert len(_prints(app.pk, "decision")) == 1


@ON_MONDAY
def test_refused_decision_notice_gives_reasons_and_appeal_rights(world, household, client):
    """The 不予确认通知书 carries the written reasons and the appeal rights: review within 60 days to the county
    government, or a lawsuit within 6 months (第二十一条, 第三十八条)."""
    app = _decided(world, household, confirm=False)
    assert app.status == S.REFUSED

    response, html = _get(client, world.caseworker_a1, "notice-decision", app.pk)

    assert response.status_code == 200
    assert "不予确认通知书" in html and app.code in html and "金顺姬" in html
    assert REFUSAL in html and "第二十一条" in html
    assert "六十日内向长白朝鲜族自治县人民政府申请行政复议" in html
    assert "《中华人民共和国行政复议法》第二十条" in html
    assert "六个月内依法向人民法院提起行政诉讼" in html
    assert "《中华人民共和国行政诉讼法》第四十六条" in html
    assert "长白朝鲜族自治县民政局" in html and "送达回证" in html


# --- refusals ---------------------------------------------------------------------------------------------------


@ON_MONDAY
def test_notices_a_case_does_not_have_yet_are_refused(world, household, client):
    """A decision notice of a running case, an acceptance notice before acceptance, a 一次性告知书 of a complete
    application: 409 with ``notice_unavailable``, and nothing recorded."""
    running = _accept(world, household, missing_materials=["户口簿复印件"])

    for name in ("notice-decision", "notice-acceptance", "notice-visit-form"):
        response, html = _get(client, world.caseworker_a1, name, running.pk)
        assert response.status_code == 409, name
        assert "notice_unavailable" in html

    complete = _accept(world, make_household(world.caseworker_a1, world.village_a1))
    assert _get(client, world.caseworker_a1, "notice-materials", complete.pk)[0].status_code == 409
    assert _get(client, world.caseworker_a1, "notice-decision", complete.pk)[0].status_code == 409
    assert not AuditEvent.objects.filter(action="notice.print").exists()


@ON_MONDAY
def test_case_of_another_county_is_not_found(world, household, client):
    app = _decided(world, household, confirm=False)
    names = ("notice-acceptance", "notice-visit-form", "notice-decision", "notice-materials")

    for user in (world.caseworker_b1, world.reviewer_b, world.admin_b, world.caseworker_a2):
        for name in names:
            assert _get(client, user, name, app.pk)[0].status_code == 404, (user, name)
    assert not AuditEvent.objects.filter(action="notice.print").exists()


@ON_MONDAY
def test_village_assistant_prints_only_public_list_and_visit_form(world, household, client):
    """Village assistants see the case but print only the public list and the visit form; other staff who can
    see the case (e.g. the county auditor) print every notice."""
    app = _decided(world, household, confirm=True)

    for name in ("notice-acceptance", "notice-decision"):
        response, html = _get(client, world.assistant_a1, name, app.pk)
        assert response.status_code == 403, name
        assert "notice_not_allowed" in html
    assert _get(client, world.assistant_a1, "notice-visit-form", app.pk)[0].status_code == 200
    assert _get(client, world.assistant_a1, "notice-public-list", world.village_a1.pk)[0].status_code == 200
    assert _get(client, world.auditor_a, "notice-decision", app.pk)[0].status_code == 200
    assert _get(client, world.auditor_a, "notice-acceptance", app.pk)[0].status_code == 200
    printed = AuditEvent.objects.filter(action="notice.print")
    assert sorted(e.actor_username for e in printed) == ["aud_a", "aud_a", "va_a1", "va_a1"]


@ON_MONDAY
def test_decision_is_signed_by_whoever_decided(world, household):
    """The county's civil-affairs bureau signs, or the town where confirmation was delegated — unless the household
    is a close relative of staff (always the county, 第二十条); a sub-district signs as its 办事处."""
    app = _accept(world, household)
    assert decision_authority(app) == "长白朝鲜族自治县民政局"
    app.delegated = True  # in memory only: a profile that delegates confirmation to the towns
    assert decision_authority(app) == "长白镇人民政府"
    app.close_relative = True
    assert decision_authority(app) == "长白朝鲜族自治县民政局"
    assert town_authority(Region(name="新华街道", level="town")) == "新华街道办事处"
    assert town_authority(Region(name="八道沟镇", level="town")) == "八道沟镇人民政府"
