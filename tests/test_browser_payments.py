"""The month's money in a real browser (Chromium through Playwright), with the demo users of 长白 (``seed_demo``):
the county reviewer opens next month's 低保 roll (generated and checked by the administrator in the demo),
approves it, exports the bank file, imports the bank's result with two failures and sees the roll reconciled and
the failures listed; once the town has corrected one account, the administrator generates the 补发 roll and the
failed line is carried onto it.

The bank is simulated by ``payments.demo_bank`` (what ``manage.py demo_bank_result`` writes); the Celery worker by
calling the task in the test (the live server queues it after commit). Screenshots go to ``var/screenshots/``.
"""

from __future__ import annotations

import csv
import io

import pytest
from django.core.management import call_command

from assistance.models import Staff
from cases.services import household_update
from payments.choices import LineKind, LineStatus, RollStatus
from payments.demo_bank import simulated_result_file
from payments.models import CountyPaymentSetting, PaymentLine, PaymentRoll
from payments.services.export import template_for
from payments.tasks import process_result_import
from tests.test_browser_workflow import _session, browser, shot  # noqa: F401

pytestmark = pytest.mark.browser


@pytest.fixture
def demo(db, monkeypatch):
    """The 长白 demo with enough households for its recipients; queued tasks are recorded, not sent."""
    call_command("seed_demo", "--households", "40", "--counties", "changbai", verbosity=0)
    queued: list[int] = []
    monkeypatch.setattr(process_result_import, "delay", lambda job_id, *a, **k: queued.append(job_id))
    roll = PaymentRoll.objects.get(county__code="220623", program="dibao")
    assert roll.status == RollStatus.CHECKED and roll.line_count >= 3
    return {"roll": roll, "queued": queued}


def test_reviewer_approves_exports_and_reconciles_the_roll_in_the_browser(browser, live_server, demo, tmp_path):  # noqa: F811
    from playwright.sync_api import expect

    roll = demo["roll"]
    context, page = _session(browser, live_server, "changbai-reviewer")

    # the reviewer finds next month's roll on the payments page and opens it
    page.get_by_test_id("nav-payments").click()
    page.get_by_test_id("rolls-waiting").get_by_role("link", name=roll.code).click()
    expect(page.get_by_test_id("roll-status")).to_have_text("已核对")
    expect(page.get_by_test_id("town-totals")).to_contain_text("合计")
    shot(page, "pay-01-roll-checked")

    # approves it (four eyes: the administrator generated and checked it)
    page.get_by_test_id("roll-approve").click()
    expect(page.get_by_test_id("roll-status")).to_have_text("已审批")
    expect(page.get_by_test_id("roll-approved-by")).not_to_have_text("—")

    # exports the bank file in the county's template (农村信用社 CSV, gb18030, totals row)
    default = CountyPaymentSetting.objects.get(county=roll.county).bank_template
    with page.expect_download() as download_info:
        page.get_by_test_id("bank-export").get_by_role("button", name=default.name).click()
    exported = tmp_path / "bank.csv"
    download_info.value.save_as(exported)
    roll.refresh_from_db()
    template = template_for(roll)
    assert template == default and template.totals_row
    rows = list(csv.reader(io.StringIO(exported.read_bytes().decode(template.encoding))))
    assert len(rows) == 1 + roll.line_count + 1  # header, one row per line, the totals row
    assert rows[-1][0] == template.totals_label
    page.reload()
    expect(page.get_by_test_id("roll-status")).to_have_text("已导出")

    # the bank returns its result: two lines failed
    name, content = simulated_result_file(roll, template, failures=2)
    result = tmp_path / name
    result.write_bytes(content)
    page.get_by_label("回盘文件").set_input_files(str(result))
    page.get_by_test_id("bank-upload").get_by_role("button", name="上传").click()
    expect(page).to_have_url(f"{live_server.url}/jobs/{demo['queued'][0]}/")
    process_result_import(demo["queued"][0])  # the worker
    page.goto(f"{live_server.url}{roll.get_absolute_url()}")
    expect(page.get_by_test_id("roll-status")).to_have_text("已对账")
    expect(page.get_by_test_id("bank-balanced")).to_be_visible()
    failed_table = page.get_by_test_id("bank-failed")
    expect(failed_table).to_contain_text("待更正账户")
    roll.refresh_from_db()
    assert (roll.failed_count, roll.paid_count) == (2, roll.line_count - 2)
    assert roll.paid_fen + roll.failed_fen == roll.total_fen
    shot(page, "pay-02-roll-reconciled")
    context.close()

    # the town corrects one failed household's account
    failed = PaymentLine.objects.filter(roll=roll, status=LineStatus.FAILED).order_by("id").first()
    household = failed.household
    worker = Staff.objects.get(assignments__role="town_caseworker", assignments__region=household.hukou_region.parent)
    household_update(
        actor=worker, household=household, expected_version=household.version, bank_account_number="6228480000999988887"
    )

    # the administrator generates the 补发 roll: the corrected line is paid again there, and only that one
    context, page = _session(browser, live_server, "changbai-admin")
    page.goto(f"{live_server.url}/payments/backpay/")
    page.get_by_label("救助项目").select_option("dibao")
    page.get_by_test_id("backpay-generate").click()
    expect(page.get_by_test_id("roll-status")).to_have_text("草稿")
    expect(page.get_by_test_id("line-table")).to_contain_text("失败重发")
    adjustment = PaymentRoll.objects.get(kind="adjustment", county=roll.county)
    lines = list(PaymentLine.objects.filter(roll=adjustment))
    assert [(x.kind, x.carried_from_id, x.account_number) for x in lines] == [
        (LineKind.CARRY, failed.pk, "6228480000999988887")
    ]
    shot(page, "pay-03-backpay-carried")
    context.close()
