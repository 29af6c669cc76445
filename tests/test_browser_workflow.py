"""The whole 低保 path and an 急难 pay-first case in a real browser (Chromium through Playwright), with the demo
users of 长白 (``seed_demo``): the town caseworker takes the application, records the home visit with the
village assistant, evaluates, gives the town's opinion and publishes the notice; the clock moves past the
seven-day notice period (time-machine moves the server's clock); the caseworker submits the case, and the
county reviewer confirms it; the enrolment appears with the evaluated amount.

Screenshots of the key pages go to ``var/screenshots/`` (test artefacts).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.core.management import call_command
from django.utils import timezone

from assistance.models import Region, Staff
from cases.choices import ApplicationStatus
from cases.id_numbers import make_id_number
from cases.models import Application, Enrolment
from cases.services import MemberInput, household_create, income_record
from tests.test_browser import CHROMIUM_ARGS, SCREENSHOTS

pytestmark = pytest.mark.browser
DEMO_PASSWORD = "demo12345"


@pytest.fixture
def browser(live_server, monkeypatch):
    from playwright.sync_api import sync_playwright

    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def _session(browser, live_server, username: str):
    """A fresh browser context signed in as ``username`` through the login page."""
    from playwright.sync_api import expect

    context = browser.new_context(locale="zh-CN", viewport={"width": 1366, "height": 900})
    context.set_default_timeout(15_000)
    page = context.new_page()
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_test_id("current-user")).to_be_visible()
    return context, page


def shot(page, name: str) -> None:
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def _month(day: dt.date, back: int) -> dt.date:
    index = day.year * 12 + day.month - 1 - back
    return dt.date(index // 12, index % 12 + 1, 1)


@pytest.fixture
def demo(db):
    """The 长白 demo (a few households per town is enough) and one more poor household in 长白镇's first
    village, registered by its caseworker: two members, 250 yuan wages a month over the last six months."""
    call_command("seed_demo", "--households", "6", "--counties", "changbai", verbosity=0)
    caseworker = Staff.objects.get(username="changbai-t01-caseworker")
    assistant = Staff.objects.filter(username__startswith="changbai-t01-v01").get()
    village = assistant.assignments.get().region
    today = timezone.localdate()
    household = household_create(
        actor=caseworker,
        members=[
            MemberInput("金春花", make_id_number("220623", dt.date(1958, 4, 9), 128), "head"),
            MemberInput("朴明哲", make_id_number("220623", dt.date(2012, 9, 1), 129), "child"),
        ],
        hukou_region=village,
        area_type="rural",
        residence_address=f"{village.name}12号",
    )
    head = household.members.get(relation="head")
    for back in range(1, 7):
        income_record(actor=caseworker, member=head, month=_month(today, back), kind="wages", amount=Decimal("250"))
    return {"household": household, "village": village, "assistant": assistant}


def _act(page, action: str, button: str | None = None) -> None:
    """Open an action from the case page's action panel and submit its form."""
    page.get_by_test_id("actions").get_by_role("link", name=action).click()
    page.get_by_role("button", name=button or action).click()


def test_dibao_from_intake_to_enrolment_in_the_browser(browser, live_server, demo):
    from playwright.sync_api import expect

    household = demo["household"]
    start = timezone.now()

    # --- the caseworker: intake, investigation, visit, evaluation, town opinion, public notice ---------------
    context, page = _session(browser, live_server, "changbai-t01-caseworker")
    page.goto(f"{live_server.url}/households/{household.pk}/")
    page.get_by_role("link", name="受理救助申请").click()
    page.get_by_label("救助项目").select_option("dibao")
    page.get_by_label("核对授权书签署日期").fill(timezone.localdate().isoformat())
    shot(page, "wf-01-intake-form")
    page.get_by_role("button", name="受理申请").click()
    expect(page.get_by_test_id("actions")).to_contain_text("启动调查核实")
    app = Application.objects.get(household=household)
    shot(page, "wf-02-case-accepted")

    _act(page, "启动调查核实")
    page.get_by_test_id("actions").get_by_role("link", name="记录入户调查").click()
    page.get_by_label(f"{demo['assistant'].display_name}（村协理员）").check()
    page.get_by_label("调查情况").fill("户主务农收入微薄，子女在读初中，家中无车辆，房屋为自建平房")
    page.get_by_label("申请人已在调查记录上签字确认").check()
    page.get_by_role("button", name="记录入户调查").click()
    expect(page.get_by_test_id("timeline")).to_contain_text("入户调查（")

    _act(page, "评估（规则引擎测算）")
    expect(page.get_by_test_id("evaluation-outcome")).to_have_text("符合条件")
    app.refresh_from_db()
    amount = app.evaluation.amount
    assert amount > 0
    shot(page, "wf-03-case-evaluated")

    page.get_by_test_id("actions").get_by_role("link", name="提出乡镇审核意见").click()
    page.get_by_label("同意", exact=True).check()
    page.get_by_label("审核意见说明").fill("经入户调查和经济状况核对，家庭人均收入低于当地农村低保标准，同意纳入")
    page.get_by_role("button", name="提出乡镇审核意见").click()
    _act(page, "发布公示")
    expect(page.get_by_test_id("timeline")).to_contain_text("公示 7 天")
    # the posting shows only what the law allows
    with page.expect_popup() as popup_info:
        page.get_by_role("link", name="打印本村（社区）公示名单").click()
    posting = popup_info.value
    expect(posting.get_by_text("金春花")).to_be_visible()
    assert household.members.get(relation="head").id_number not in posting.content()
    shot(posting, "wf-04-public-list")
    posting.close()
    # the notice is still running: the caseworker is not offered the submission yet
    expect(page.get_by_test_id("actions")).not_to_contain_text("报送审核确认")
    shot(page, "wf-05-case-in-notice")
    context.close()

    # --- eight days later: the notice period is over ----------------------------------------------------------
    with time_machine.travel(start + dt.timedelta(days=8), tick=True):
        context, page = _session(browser, live_server, "changbai-t01-caseworker")
        page.goto(f"{live_server.url}/inbox/")
        page.get_by_role("link", name=app.code).click()
        _act(page, "公示期满，报送审核确认")
        expect(page.get_by_test_id("timeline")).to_contain_text("报送县级审核确认")
        context.close()

        # --- the county reviewer confirms ----------------------------------------------------------------------
        context, page = _session(browser, live_server, "changbai-reviewer")
        page.goto(f"{live_server.url}/inbox/")
        expect(page.get_by_role("link", name=app.code)).to_be_visible()
        shot(page, "wf-06-reviewer-inbox")
        page.get_by_role("link", name=app.code).click()
        expect(page.get_by_test_id("clocks")).to_be_visible()
        page.get_by_test_id("actions").get_by_role("link", name="审核确认").click()
        page.get_by_label("确认", exact=True).check()
        page.get_by_role("button", name="审核确认").click()
        expect(page.locator("h1 [data-status]")).to_have_text("已确认")
        shot(page, "wf-07-case-confirmed")

        # then: the enrolment, from next month, with the evaluated amount
        enrolment = Enrolment.objects.get(application=app)
        assert enrolment.monthly_amount == amount
        decided = timezone.localdate()
        assert enrolment.start_month == _month(decided, -1)
        expect(page.get_by_test_id("enrolment")).to_contain_text(f"{amount}")
        with page.expect_popup() as popup_info:
            page.get_by_role("link", name="打印审核确认决定书").click()
        decision = popup_info.value
        expect(decision.get_by_text("审核确认决定书").first).to_be_visible()
        shot(decision, "wf-08-decision-notice")
        context.close()
    app.refresh_from_db()
    assert app.status == ApplicationStatus.CONFIRMED
    assert app.decided_by.username == "changbai-reviewer"
    assert app.town_reviewed_by.username == "changbai-t01-caseworker"


def test_emergency_aid_paid_first_in_the_browser(browser, live_server, demo):
    from playwright.sync_api import expect

    household = demo["household"]
    context, page = _session(browser, live_server, "changbai-t01-caseworker")
    page.goto(f"{live_server.url}/households/{household.pk}/")
    page.get_by_role("link", name="急难型临时救助（先行救助）").click()
    page.get_by_label("急难事由").select_option("accident")
    page.get_by_label("救助需求金额（元）").fill("600")
    page.get_by_label("情况说明").fill("住房失火，衣物被褥全部烧毁，急需基本生活救助")
    shot(page, "wf-11-emergency-form")
    page.get_by_role("button", name="先行救助").click()
    expect(page.locator("h1 [data-status]")).to_have_text("已确认")
    expect(page.get_by_test_id("timeline")).to_contain_text("先行救助 600")
    shot(page, "wf-12-emergency-paid")
    app = Application.objects.get(household=household, program="temp_emergency")
    assert app.approved_amount == Decimal("600") and app.paid_on == timezone.localdate()
    _act(page, "补齐签字盖章手续")
    expect(page.get_by_test_id("timeline")).to_contain_text("补齐经办人签字、盖章手续")
    context.close()
    app.refresh_from_db()
    assert app.papers_completed_on is not None
    assert Region.objects.get(pk=app.county_id).code == "220623"
