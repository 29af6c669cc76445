"""The working-day calendar: the official 2025/2026 holidays with their make-up working days (调休),
deadlines counted from the day after the event, administrator overrides winning over the library, a
clear Chinese error for a year nobody knows, and the superuser-only, audited override service.

Dates checked against chinesecalendar 1.11.0 (``get_holiday_detail``):
- 2025 National Day + Mid-Autumn: 2025-10-01 (Wed) … 2025-10-08 (Wed) off; 2025-09-28 (Sun) and
  2025-10-11 (Sat) are make-up working days.
- 2026 Spring Festival: 2026-02-15 (Sun) … 2026-02-23 (Mon) off; 2026-02-14 (Sat) and 2026-02-28 (Sat)
  are make-up working days.
"""

from __future__ import annotations

import datetime as dt

import chinese_calendar
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from assistance.errors import ApplicationError
from assistance.models import CalendarOverride
from assistance.services import calendar_override_delete, calendar_override_set, staff_create, staff_make_superuser
from assistance.workdays import (
    WorkingCalendar,
    add_working_days,
    calendar_coverage,
    is_working_day,
    working_days_between,
)
from audit.models import AuditEvent

D = dt.date
UNCOVERED_YEAR = 2031  # far beyond the library's data (it raises NotImplementedError from 2027 on)


@pytest.fixture
def root(world):
    from assistance.services import system_actor

    staff = staff_create(actor=system_actor(), username="root", display_name="系统管理员", password="x-pass-12345")
    return staff_make_superuser(actor=system_actor(), staff=staff)


# --- the official calendar (no overrides) ------------------------------------------------------------


def test_library_dates_used_here_are_what_the_tests_assume():
    """Guard: if a library release changed these dates, the tests below would mislead."""
    assert chinese_calendar.get_holiday_detail(D(2025, 9, 28)) == (False, "National Day")
    assert chinese_calendar.get_holiday_detail(D(2025, 10, 1)) == (True, "National Day")
    assert chinese_calendar.get_holiday_detail(D(2025, 10, 6)) == (True, "Mid-autumn Festival")
    assert chinese_calendar.get_holiday_detail(D(2025, 10, 11)) == (False, "National Day")
    assert chinese_calendar.get_holiday_detail(D(2026, 2, 14)) == (False, "Spring Festival")
    assert chinese_calendar.get_holiday_detail(D(2026, 2, 15)) == (True, "Spring Festival")
    assert chinese_calendar.get_holiday_detail(D(2026, 2, 23)) == (True, "Spring Festival")
    assert chinese_calendar.get_holiday_detail(D(2026, 2, 28)) == (False, "Spring Festival")
    with pytest.raises(NotImplementedError):
        chinese_calendar.is_workday(D(UNCOVERED_YEAR, 3, 3))


@pytest.mark.django_db
def test_national_day_2025_and_its_make_up_days():
    assert is_working_day(D(2025, 9, 28))  # Sunday, 调休 working day
    assert all(not is_working_day(D(2025, 10, d)) for d in range(1, 9))  # 1–8 October off
    assert is_working_day(D(2025, 10, 9))
    assert is_working_day(D(2025, 10, 11))  # Saturday, 调休 working day
    assert not is_working_day(D(2025, 10, 12))  # an ordinary Sunday


@pytest.mark.django_db
def test_spring_festival_2026_and_its_make_up_days():
    assert is_working_day(D(2026, 2, 14))  # Saturday, 调休
    assert all(not is_working_day(D(2026, 2, d)) for d in range(15, 24))  # 15–23 February off
    assert is_working_day(D(2026, 2, 24))
    assert is_working_day(D(2026, 2, 28))  # Saturday, 调休


@pytest.mark.django_db
def test_counting_starts_the_day_after_the_event():
    """Day 0 is the event's day; n = 0 returns it unchanged, even when it is a holiday."""
    assert add_working_days(D(2025, 9, 29), 0) == D(2025, 9, 29)
    assert add_working_days(D(2025, 10, 3), 0) == D(2025, 10, 3)
    assert add_working_days(D(2025, 9, 29), 1) == D(2025, 9, 30)
    with pytest.raises(ValueError):
        add_working_days(D(2025, 9, 29), -1)


@pytest.mark.django_db
def test_three_working_days_across_national_day_2025():
    """第十五条: investigation within 3 working days of acceptance. Accepted Tue 30 September 2025 →
    9, 10 and 11 October (the Saturday make-up day counts)."""
    assert add_working_days(D(2025, 9, 30), 3) == D(2025, 10, 11)
    # Accepted on the make-up Sunday 28 September: 29, 30 September, then 9 October.
    assert add_working_days(D(2025, 9, 28), 3) == D(2025, 10, 9)
    # Accepted during the holiday: the first working day after it is day 1.
    assert add_working_days(D(2025, 10, 3), 1) == D(2025, 10, 9)


@pytest.mark.django_db
def test_ten_working_days_across_spring_festival_2026():
    """第二十条: county opinion within 10 working days of receiving the file. Received Wed 11 Feb 2026:
    12, 13, 14 (Sat, 调休), 24, 25, 26, 27, 28 (Sat, 调休) Feb, 2 and 3 March."""
    assert add_working_days(D(2026, 2, 11), 10) == D(2026, 3, 3)


@pytest.mark.django_db
def test_thirty_working_days_across_national_day_2025():
    """第二十二条: the whole procedure within 30 working days. Accepted Mon 15 Sep 2025: 12 working days
    to 30 Sep (with Sun 28 Sep), then 9, 10, 11 (Sat) Oct and 13 Oct onwards — day 30 is Fri 31 Oct."""
    assert add_working_days(D(2025, 9, 15), 30) == D(2025, 10, 31)
    # A plain Monday-to-Friday count would have said 27 October, which is only day 26.
    assert working_days_between(D(2025, 9, 15), D(2025, 10, 27)) == 26


@pytest.mark.django_db
def test_working_days_between_is_the_inverse_of_add():
    start = D(2025, 9, 20)
    for n in (0, 1, 3, 10, 20, 30, 45, 120):
        assert working_days_between(start, add_working_days(start, n)) == n
    assert working_days_between(D(2025, 10, 8), D(2025, 10, 1)) == 0  # end before start
    assert working_days_between(D(2025, 9, 30), D(2025, 10, 8)) == 0  # only holidays in between


@pytest.mark.django_db
def test_one_query_per_call(django_assert_num_queries):
    with django_assert_num_queries(1):
        add_working_days(D(2025, 9, 15), 30)
    with django_assert_num_queries(1):
        working_days_between(D(2025, 1, 1), D(2026, 12, 31))


def test_working_calendar_is_pure():
    """With overrides given, no database is needed (batch jobs load them once)."""
    calendar = WorkingCalendar({D(2025, 10, 9): False})
    assert calendar.add_working_days(D(2025, 9, 30), 3) == D(2025, 10, 13)


# --- overrides ---------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_override_wins_over_the_library(world, root):
    # given a notice that makes Thursday 9 October 2025 a rest day and Sunday 12 October a working day
    calendar_override_set(actor=root, day=D(2025, 10, 9), is_working_day=False, note="测试通知")
    calendar_override_set(actor=root, day=D(2025, 10, 12), is_working_day=True, note="测试通知")
    # then
    assert not is_working_day(D(2025, 10, 9))
    assert is_working_day(D(2025, 10, 12))
    assert add_working_days(D(2025, 9, 30), 3) == D(2025, 10, 12)  # 10, 11, 12 October
    # when the override of 9 October is removed the library's answer is back
    calendar_override_delete(actor=root, override=CalendarOverride.objects.get(day=D(2025, 10, 9)))
    assert is_working_day(D(2025, 10, 9))


@pytest.mark.django_db
def test_uncovered_year_raises_the_chinese_error():
    with pytest.raises(ApplicationError) as caught:
        is_working_day(D(UNCOVERED_YEAR, 3, 3))  # a Monday: no silent weekday fallback
    assert caught.value.message == f"日历未覆盖 {UNCOVERED_YEAR} 年，请管理员在管理后台补录节假日安排"
    assert caught.value.code == "calendar_not_covered"
    with pytest.raises(ApplicationError, match="日历未覆盖 2027 年"):
        add_working_days(D(2026, 12, 28), 10)  # runs past the library's last year


@pytest.mark.django_db
def test_overrides_cover_dates_the_library_does_not_know(world, root):
    # given the first working days of 2027 recorded from the State Council notice
    for day in (1, 2, 3):  # 元旦 Friday and the weekend
        calendar_override_set(actor=root, day=D(2027, 1, day), is_working_day=False, note="元旦")
    calendar_override_set(actor=root, day=D(2027, 1, 4), is_working_day=True, note="周一")
    # then a deadline reaching into them can be counted (2026-12-31 is a Thursday working day)
    assert add_working_days(D(2026, 12, 30), 2) == D(2027, 1, 4)
    with pytest.raises(ApplicationError, match="日历未覆盖 2027 年"):
        add_working_days(D(2026, 12, 30), 3)  # 5 January is not recorded


@pytest.mark.django_db
def test_calendar_coverage(world, root):
    assert calendar_coverage(2026).covered
    assert calendar_coverage(2025)
    coverage = calendar_coverage(UNCOVERED_YEAR)
    assert not coverage
    assert coverage.missing_days == 365
    assert coverage.first_missing == D(UNCOVERED_YEAR, 1, 1)
    assert coverage.describe().startswith(f"日历未覆盖 {UNCOVERED_YEAR} 年")
    calendar_override_set(actor=root, day=D(UNCOVERED_YEAR, 1, 1), is_working_day=False, note="元旦")
    assert calendar_coverage(UNCOVERED_YEAR).missing_days == 364
    assert calendar_coverage(UNCOVERED_YEAR).first_missing == D(UNCOVERED_YEAR, 1, 2)


@pytest.mark.django_db
def test_calendar_check_command(capsys):
    call_command("calendar_check", "--year", "2026")
    assert "2026 年日历已覆盖" in capsys.readouterr().out
    with pytest.raises(CommandError, match=f"日历未覆盖 {UNCOVERED_YEAR} 年"):
        call_command("calendar_check", "--year", str(UNCOVERED_YEAR))


# --- the service: permission and audit ---------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["admin_a", "reviewer_a", "caseworker_a1", "auditor_a"])
def test_only_superusers_record_overrides(world, who):
    with pytest.raises(ApplicationError) as caught:
        calendar_override_set(actor=getattr(world, who), day=D(2025, 10, 9), is_working_day=False, note="x")
    assert caught.value.status == 403
    assert caught.value.message == "节假日安排全国统一，只有系统管理员可以补录"
    assert not CalendarOverride.objects.exists()
    assert not AuditEvent.objects.filter(action__startswith="calendar_override").exists()


@pytest.mark.django_db
def test_set_and_delete_are_audited(world, root):
    override = calendar_override_set(actor=root, day=D(2027, 1, 1), is_working_day=False, note="元旦")
    created = AuditEvent.objects.get(action="calendar_override.create")
    assert created.actor_id == root.pk
    assert created.changes["is_working_day"] == {"before": None, "after": False}

    calendar_override_set(actor=root, day=D(2027, 1, 1), is_working_day=True, note="更正")
    assert CalendarOverride.objects.count() == 1
    updated = AuditEvent.objects.get(action="calendar_override.update")
    assert updated.changes["is_working_day"] == {"before": False, "after": True}

    calendar_override_delete(actor=root, override=override)
    assert not CalendarOverride.objects.exists()
    assert AuditEvent.objects.filter(action="calendar_override.delete", actor_id=root.pk).count() == 1


@pytest.mark.django_db
def test_a_note_is_required(world, root):
    with pytest.raises(ApplicationError) as caught:
        calendar_override_set(actor=root, day=D(2027, 1, 1), is_working_day=False, note="  ")
    assert caught.value.code == "note_required"
    assert not CalendarOverride.objects.exists()


# --- the admin console -------------------------------------------------------------------------------


@pytest.mark.django_db
def test_superuser_records_an_override_in_the_admin(client, world, root):
    client.force_login(root)
    url = reverse("admin:assistance_calendaroverride_add")
    response = client.post(url, {"day": "2027-01-01", "is_working_day": "", "note": "元旦"})
    assert response.status_code == 302
    override = CalendarOverride.objects.get(day=D(2027, 1, 1))
    assert override.recorded_by == root and not override.is_working_day
    assert AuditEvent.objects.filter(action="calendar_override.create").exists()
    # and removes it again, through the service
    response = client.post(reverse("admin:assistance_calendaroverride_delete", args=[override.pk]), {"post": "yes"})
    assert response.status_code == 302
    assert not CalendarOverride.objects.exists()
    assert AuditEvent.objects.filter(action="calendar_override.delete").exists()


@pytest.mark.django_db
def test_county_admin_may_only_look(client, world, root):
    calendar_override_set(actor=root, day=D(2027, 1, 1), is_working_day=False, note="元旦")
    client.force_login(world.admin_a)
    assert client.get(reverse("admin:assistance_calendaroverride_changelist")).status_code == 200
    assert client.get(reverse("admin:assistance_calendaroverride_add")).status_code == 403
    response = client.post(
        reverse("admin:assistance_calendaroverride_add"), {"day": "2027-01-04", "is_working_day": "on", "note": "x"}
    )
    assert response.status_code == 403
    assert CalendarOverride.objects.count() == 1
