"""The 试算 pages: the calculator (a household described on the page, members added with htmx) and a registered
household's evaluation — the decision rendered readably in Chinese and printable; roles, scoping and bad input."""

from __future__ import annotations

import datetime
import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from assistance.services import system_actor
from cases.services import income_record, member_add
from eligibility.rules.profile_data import load_documents
from eligibility.services import profiles_load
from tests.factories import make_household, new_id_number

URL = "/eligibility/calculator/"


@pytest.fixture
def profiles(world):
    return profiles_load(actor=system_actor(), documents=load_documents())


def member_data(index: int, ref: str, birth: str, **fields) -> dict:
    data = {
        f"members-{index}-ref": ref,
        f"members-{index}-birth_date": birth,
        f"members-{index}-education_stage": "",
    }
    data.update({f"members-{index}-{k}": v for k, v in fields.items()})
    return data


def form_data(world, *members: dict, **fields) -> dict:
    """Two working-age adults of 长白, rural, July 2026; the head earns 900 a month."""
    if not members:
        members = (member_data(0, "户主", "1975-05-01", income_wages="900"), member_data(1, "配偶", "1977-08-09"))
    data = {
        "jurisdiction": str(world.county_a.pk),
        "program": "dibao",
        "month": "2026-07",
        "area_type": "rural",
        "financial_assets": "5000",
        "subject": "",
        "members-TOTAL_FORMS": str(len(members)),
        "members-INITIAL_FORMS": "0",
        "members-MIN_NUM_FORMS": "1",
        "members-MAX_NUM_FORMS": "20",
    }
    for member in members:
        data.update(member)
    data.update(fields)
    return data


def text_of(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


# --- the calculator ----------------------------------------------------------------------------------


def test_calculator_offers_the_users_counties_with_a_profile(client, world, profiles):
    client.force_login(world.caseworker_a1)
    response = client.get(URL)
    assert response.status_code == 200
    html = text_of(response)
    assert f'<option value="{world.county_a.pk}" selected>长白朝鲜族自治县（长白朝鲜族自治县政策）</option>' in html
    select = re.search(r'<select name="jurisdiction".*?</select>', html).group(0)
    assert select.count("<option") == 1  # 抚松 (county B) is not the caseworker's
    assert 'name="members-0-ref"' in html and 'value="户主"' in html
    assert 'name="members-0-income_wages"' in html
    assert "添加成员" in html
    assert 'href="/eligibility/calculator/"' in html  # the nav link


def test_calculator_shows_the_decision_explained(client, world, profiles):
    """(600 − 900 / 2) × 2 = 300.00, with each step's parameters, clause or demo flag, and what was not applied."""
    # given
    client.force_login(world.caseworker_a1)
    # when
    response = client.post(URL, form_data(world))
    # then
    assert response.status_code == 200
    html = text_of(response)
    assert 'data-testid="evaluation-result" data-outcome="eligible"' in html
    assert '<dd class="fw-semibold" data-testid="amount">300.00 元</dd>' in html
    assert "每 6 个月核查一次" in html
    assert "家庭人均收入低于低保标准" in html
    assert "农村低保标准：<strong>600 元/人·月</strong> · 自2026年07月起" in html
    assert "演示数据" in html
    assert "changbai-2021 §二(一)7" in html
    assert "本地默认" in html
    assert "考虑过但未适用的例外" in html and "人均差额不低于最低补差标准" in html
    assert "户主：工资性收入：900" in html
    assert "@media print" in html and "size: A4" in html
    # the form keeps what was typed
    assert 'name="members-1-ref" value="配偶"' in html


def test_june_uses_last_years_standard(client, world, profiles):
    client.force_login(world.caseworker_a1)
    html = text_of(client.post(URL, form_data(world, month="2026-06")))
    assert '<dd class="fw-semibold" data-testid="amount">250.00 元</dd>' in html


def test_tekun_and_graduated_exit_render(client, world, profiles):
    client.force_login(world.caseworker_a1)
    tekun = client.post(
        URL,
        form_data(
            world,
            member_data(0, "老人", "1940-01-01", selfcare_level="partial"),
            program="tekun",
            subject="老人",
        ),
    )
    assert tekun.status_code == 200
    assert "特困人员救助供养" in text_of(tekun)
    assert 'data-testid="evaluation-result"' in text_of(tekun)
    exit_ = client.post(
        URL,
        form_data(
            world,
            member_data(0, "户主", "1975-05-01", income_wages="1500"),
            member_data(1, "配偶", "1977-08-09"),
            current_amount="200",
            current_since="2025-01",
            income_rise_cause="work",
        ),
    )
    assert exit_.status_code == 200
    html = text_of(exit_)
    assert 'data-testid="evaluation-result"' in html
    assert "渐退" in html


def test_invalid_form_is_a_400_next_to_the_fields(client, world, profiles):
    client.force_login(world.caseworker_a1)
    data = form_data(
        world,
        member_data(0, "户主", "", income_wages="-5"),
        member_data(1, "户主", "1977-08-09", disability_type="physical"),
    )
    response = client.post(URL, data)
    assert response.status_code == 400
    html = text_of(response)
    assert 'data-testid="form-errors"' in html
    assert "该字段是必填项。" in html
    assert "确保该值大于或等于0" in html
    assert "残疾类别和残疾等级须同时填写" in html
    assert 'data-testid="evaluation-result"' not in html


def test_duplicate_member_names_are_refused(client, world, profiles):
    client.force_login(world.caseworker_a1)
    data = form_data(world, member_data(0, "张三", "1975-05-01"), member_data(1, "张三", "1977-08-09"))
    response = client.post(URL, data)
    assert response.status_code == 400
    assert "成员称呼不能重复：张三" in text_of(response)


def test_single_needs_a_subject(client, world, profiles):
    client.force_login(world.caseworker_a1)
    response = client.post(URL, form_data(world, program="dibao_single"))
    assert response.status_code == 400
    assert "单人户、特困试算请填写对象" in text_of(response)


def test_month_without_standards_is_explained(client, world, profiles):
    client.force_login(world.caseworker_a1)
    response = client.post(URL, form_data(world, month="2020-01"))
    assert response.status_code == 400
    html = text_of(response)
    assert 'data-testid="evaluation-error"' in html
    assert "长白朝鲜族自治县在2020年01月没有有效的政策参数“农村低保标准”" in html


def test_county_outside_the_jurisdiction_is_not_a_choice(client, world, profiles):
    client.force_login(world.caseworker_a1)
    response = client.post(URL, form_data(world, jurisdiction=str(world.county_b.pk)))
    assert response.status_code == 400
    assert "不是可用的选项" in text_of(response) or "选择一个有效的选项" in text_of(response)


def test_member_row_fragment_adds_the_next_row_and_counts_it(client, world, profiles):
    client.force_login(world.caseworker_a1)
    response = client.get(URL + "member-row/", {"members-TOTAL_FORMS": "2"})
    assert response.status_code == 200
    html = text_of(response)
    assert 'name="members-2-ref"' in html and 'value="成员3"' in html
    assert 'name="members-2-income_pension"' in html
    assert 'id="id_members-TOTAL_FORMS" hx-swap-oob="true"' in html and 'value="3"' in html
    limit = client.get(URL + "member-row/", {"members-TOTAL_FORMS": "20"})
    assert "一次最多测算 20 名成员" in text_of(limit)
    assert client.get(URL + "member-row/", {"members-TOTAL_FORMS": "x"}).status_code == 200


def test_a_removed_row_in_the_middle_is_skipped(client, world, profiles):
    """The page removes a row without renumbering; the formset skips the gap."""
    client.force_login(world.caseworker_a1)
    data = form_data(
        world, member_data(0, "户主", "1975-05-01", income_wages="900"), member_data(2, "配偶", "1977-08-09")
    )
    data["members-TOTAL_FORMS"] = "3"
    response = client.post(URL, data)
    assert response.status_code == 200
    assert '<dd class="fw-semibold" data-testid="amount">300.00 元</dd>' in text_of(response)


@pytest.mark.parametrize("role", ["assistant_a1", "auditor_a"])
def test_other_roles_are_refused(client, world, profiles, role):
    client.force_login(getattr(world, role))
    response = client.get(URL)
    assert response.status_code == 403
    assert "试算仅供乡镇经办、县级审核和县级管理员使用" in text_of(response)
    assert 'href="/eligibility/calculator/"' not in text_of(client.get("/"))


def test_anonymous_visitors_are_sent_to_sign_in(client, world):
    response = client.get(URL)
    assert response.status_code == 302
    assert "/login/" in response["Location"] or "login" in response["Location"]


def test_without_a_profile_the_page_says_so(client, world):
    client.force_login(world.caseworker_a1)
    response = client.get(URL)
    assert response.status_code == 200
    assert "尚无适用的政策参数档案" in text_of(response)


# --- a registered household --------------------------------------------------------------------------


@pytest.fixture
def registered(world, profiles):
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
    return f"/eligibility/households/{household.pk}/"


def test_household_page_offers_the_form(client, world, registered):
    household, _head, spouse = registered
    client.force_login(world.caseworker_a1)
    response = client.get(household_url(household))
    assert response.status_code == 200
    html = text_of(response)
    assert f'试算 · 家庭 <span class="id-number">{household.code}</span>' in html
    assert f'<option value="{spouse.pk}">朴春花（配偶）</option>' in html
    assert 'data-testid="evaluation-result"' not in html


def test_household_page_evaluates_with_names(client, world, registered):
    household, head, _spouse = registered
    client.force_login(world.reviewer_a)
    response = client.get(household_url(household), {"program": "dibao", "month": "2026-07"})
    assert response.status_code == 200
    html = text_of(response)
    assert '<dd class="fw-semibold" data-testid="amount">300.00 元</dd>' in html
    assert f"{head.name}：工资性收入：900.00" in html
    assert "朴春花" in html
    assert "长白朝鲜族自治县" in html


def test_household_page_for_a_subject(client, world, registered):
    household, _head, spouse = registered
    client.force_login(world.caseworker_a1)
    response = client.get(household_url(household), {"program": "tekun", "month": "2026-07", "subject": spouse.pk})
    assert response.status_code == 200
    assert 'data-testid="evaluation-result"' in text_of(response)
    missing = client.get(household_url(household), {"program": "tekun", "month": "2026-07"})
    assert missing.status_code == 400
    assert "单人户、特困试算请选择对象" in text_of(missing)


def test_household_page_is_404_outside_the_jurisdiction(client, world, registered):
    household, _head, _spouse = registered
    client.force_login(world.caseworker_a2)
    assert client.get(household_url(household)).status_code == 404
    assert client.get(household_url(household), {"program": "dibao", "month": "2026-07"}).status_code == 404


def test_household_page_without_a_profile(client, world, profiles):
    household = make_household(world.caseworker_b1, world.village_b1)
    client.force_login(world.caseworker_b1)
    response = client.get(household_url(household), {"program": "dibao", "month": "2026-07"})
    assert response.status_code == 400
    assert "抚松县没有适用的政策参数档案，无法测算" in text_of(response)


def test_household_page_month_without_standards(client, world, registered):
    household, _head, _spouse = registered
    client.force_login(world.caseworker_a1)
    response = client.get(household_url(household), {"program": "dibao", "month": "2020-01"})
    assert response.status_code == 400
    assert "没有有效的政策参数" in text_of(response)


def test_household_page_queries_do_not_grow(client, world, registered):
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
    client.force_login(world.caseworker_a1)
    counts = []
    for target in (household, bigger):
        client.get(household_url(target), {"program": "dibao", "month": "2026-07"})
        with CaptureQueriesContext(connection) as captured:
            response = client.get(household_url(target), {"program": "dibao", "month": "2026-07"})
        assert response.status_code == 200
        counts.append(len(captured))
    assert counts[0] == counts[1]
    assert counts[0] <= 25


# --- in a browser ------------------------------------------------------------------------------------


@pytest.fixture
def browser_page(live_server, monkeypatch):
    from playwright.sync_api import sync_playwright

    from tests.test_browser import CHROMIUM_ARGS

    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        context = browser.new_context(locale="zh-CN", viewport={"width": 1366, "height": 900})
        context.set_default_timeout(10_000)
        yield context.new_page()
        context.close()
        browser.close()


@pytest.mark.browser
def test_caseworker_runs_the_calculator_in_a_browser(browser_page, live_server, world, profiles):
    """Sign in, describe a household of two (the second member added with htmx), see 300.00 explained, and the
    print layout hides the navigation and the form."""
    from playwright.sync_api import expect

    from tests.factories import PASSWORD
    from tests.test_browser import SCREENSHOTS

    page = browser_page
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", "cw_a1")
    page.fill("#id_password", PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.get_by_role("link", name="试算").click()
    expect(page.get_by_role("heading", name="试算")).to_be_visible()
    page.select_option("#id_area_type", "rural")
    page.fill("#id_month", "2026-07")
    page.fill("#id_financial_assets", "5000")
    page.fill("#id_members-0-birth_date", "1975-05-01")
    page.locator("details summary").first.click()
    page.fill("#id_members-0-income_wages", "900")
    # when: a second member is added with htmx
    page.get_by_test_id("add-member").click()
    expect(page.locator("#id_members-1-ref")).to_have_value("成员2")
    assert page.input_value("#id_members-TOTAL_FORMS") == "2"
    page.fill("#id_members-1-ref", "配偶")
    page.fill("#id_members-1-birth_date", "1977-08-09")
    page.get_by_role("button", name="试算", exact=True).click()
    # then
    expect(page.get_by_test_id("amount")).to_have_text("300.00 元")
    expect(page.get_by_test_id("outcome")).to_have_text("符合条件")
    page.screenshot(path=str(SCREENSHOTS / "calculator-result.png"), full_page=True)
    page.emulate_media(media="print")
    assert not page.get_by_test_id("calculator-form").is_visible()
    assert not page.locator(".app-navbar").is_visible()
    assert page.get_by_test_id("steps").is_visible()
    page.screenshot(path=str(SCREENSHOTS / "calculator-print.png"), full_page=True)
    page.pdf(path=str(SCREENSHOTS / "calculator-print.pdf"), format="A4")


def test_other_programs_take_their_inputs_from_the_form(client, world, profiles):
    """急难型 bridge aid in 长白: one month of the URBAN standard (790 in July 2026), even for a rural household;
    inputs of other programs (the medical fields) are not sent with it."""
    client.force_login(world.caseworker_a1)
    data = form_data(world, program="temp_emergency", cause="pending_application", inpatient_cost="1000")
    html = text_of(client.post(URL, data))
    assert 'data-testid="evaluation-result" data-outcome="eligible"' in html
    assert '<dd class="fw-semibold" data-testid="amount">790.00 元</dd>' in html


def test_education_aid_uses_the_stage_field(client, world, profiles):
    client.force_login(world.caseworker_a1)
    data = form_data(world, program="education", stage="bachelor")
    response = client.post(URL, data)
    assert response.status_code == 200
    assert 'data-testid="evaluation-result"' in text_of(response)
