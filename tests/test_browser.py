"""A town caseworker registers a household in a real browser (Chromium through Playwright).

Signs in through the login page, registers a household with its head, adds a member whose ID number is
wrong, sees the Chinese inline error (htmx), fixes it, and finds the member on the detail page.
Screenshots go to ``var/screenshots/``; the vendored CSS and htmx must have loaded (no CDN).
"""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest
from django.conf import settings

from cases.id_numbers import make_id_number
from cases.models import Household
from tests.factories import PASSWORD

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SCREENSHOTS = Path(settings.BASE_DIR) / "var" / "screenshots"

pytestmark = pytest.mark.browser


@pytest.fixture
def page(live_server, monkeypatch):
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; the test's ORM calls are still synchronous.
    # Set for this test only: a leaked variable would fail ``check --deploy`` in later tests.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        context = browser.new_context(locale="zh-CN", viewport={"width": 1366, "height": 900})
        context.set_default_timeout(10_000)
        page = context.new_page()
        yield page
        context.close()
        browser.close()


def shot(page, name: str) -> None:
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def test_caseworker_registers_a_household_and_adds_a_member(page, live_server, world):
    from playwright.sync_api import expect

    head_number = make_id_number("220623", datetime.date(1950, 3, 4), 21)
    member_number = make_id_number("220623", datetime.date(1978, 11, 20), 42)
    wrong_number = member_number[:-1] + ("1" if member_number[-1] != "1" else "2")

    # given: the caseworker signs in through the login page
    page.goto(f"{live_server.url}/login/")
    expect(page.get_by_text("工作人员登录")).to_be_visible()
    page.fill("#id_username", "cw_a1")
    page.fill("#id_password", PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_role("heading", name="cw_a1，您好")).to_be_visible()
    # the vendored assets loaded: our colours, Bootstrap's buttons, htmx
    navbar = page.evaluate("getComputedStyle(document.querySelector('.app-navbar')).backgroundColor")
    assert navbar == "rgb(31, 78, 140)"
    assert page.evaluate("getComputedStyle(document.querySelector('.breadcrumb')).display") == "flex"
    assert page.evaluate("typeof window.htmx") == "object"
    shot(page, "01-dashboard")

    # when: registering a household with its head
    page.get_by_role("link", name="＋ 登记新家庭").click()
    expect(page.get_by_role("heading", name="登记新家庭")).to_be_visible()
    page.select_option("#id_hukou_region", label="长白镇 · 民主社区")
    page.select_option("#id_area_type", label="城市")
    page.fill("#id_residence_address", "民主社区 3 号楼 2 单元 101")
    page.fill("#id_phone", "13904390001")
    page.fill("#id_head-name", "金顺姬")
    page.fill("#id_head-id_number", head_number)
    page.press("#id_head-id_number", "Tab")
    expect(page.locator("#id_head-id_number-check")).to_contain_text("出生日期 1950-03-04 · 男")
    shot(page, "02-new-household")
    page.get_by_role("button", name="登记").click()

    # then: the detail page
    household = Household.objects.get()
    expect(page.get_by_text(f"已登记家庭 {household.code}")).to_be_visible()
    expect(page.locator("[data-testid=member-table]")).to_contain_text("金顺姬")

    # when: adding a member with a wrong ID number
    page.get_by_role("link", name="＋ 添加成员").click()
    page.fill("#id_name", "朴成浩")
    page.select_option("#id_relation", label="配偶")
    page.fill("#id_id_number", wrong_number)
    page.press("#id_id_number", "Tab")
    # then: the Chinese inline error, before anything is submitted
    expect(page.locator("[data-testid=id-check-error]")).to_have_text("✗ 身份证号校验位错误，请核对是否录入有误")
    shot(page, "03-inline-id-error")
    # submitting anyway: the error is next to the field, nothing saved
    page.get_by_role("button", name="保存").click()
    expect(page.locator(".invalid-feedback[data-field=id_number]")).to_have_text(
        "身份证号校验位错误，请核对是否录入有误"
    )
    expect(page.locator("#id_id_number")).to_have_class("form-control form-control-sm id-number is-invalid")
    assert household.members.count() == 1
    shot(page, "04-submitted-with-error")

    # when: the number is fixed
    page.fill("#id_id_number", member_number)
    page.press("#id_id_number", "Tab")
    expect(page.locator("[data-testid=id-check-ok]")).to_have_text("✓ 出生日期 1978-11-20 · 女")
    page.get_by_role("button", name="保存").click()

    # then: the member is on the detail page, ID number masked until revealed (an audited view)
    expect(page.get_by_text("已添加成员 朴成浩")).to_be_visible()
    row = page.locator("[data-testid=member-table] tr", has_text="朴成浩")
    expect(row).to_contain_text("配偶")
    expect(row).to_contain_text("1978-11-20")
    expect(row).to_contain_text(member_number[:4] + "**********" + member_number[-4:])
    row.get_by_role("button", name="查看完整号码").click()
    expect(row.locator("[data-testid=revealed-id]")).to_have_text(member_number)
    expect(page.locator("[data-testid=history-table]")).to_contain_text("新增家庭成员")
    shot(page, "05-household-detail")

    # and the list's village filter follows its town filter (htmx)
    page.get_by_role("link", name="家庭档案").first.click()
    with page.expect_response(lambda r: "/regions/villages/" in r.url) as reload:
        page.select_option("#id_town", label="长白镇")
    assert reload.value.ok
    expect(page.locator("#id_village option")).to_have_text(["全部", "长白镇 · 民主社区", "长白镇 · 十四道沟村"])
    page.select_option("#id_village", label="长白镇 · 民主社区")
    page.get_by_role("button", name="查询").click()
    expect(page.locator("[data-testid=household-table]")).to_contain_text(household.code)
    shot(page, "06-household-list")
