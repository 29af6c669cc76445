"""The working-day calendar: the official 2025/2026 holidays with their make-up working days (调休),
deadlines counted from the day after the event, administrator overrides winning over the library, years
an administrator declared complete, the provisional rule for a year nobody knows yet (deadlines always
compute and say whether they are provisional), and the superuser-only, audited calendar services.

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
from assistance.models import CalendarOverride, CalendarYear
from assistance.services import (
    calendar_override_delete,
    calendar_override_set,
    calendar_year_declare,
    calendar_year_undeclare,
    staff_create,
    staff_make_superuser,
)
from assistance.workdays import (
    CoverageState,
    Deadline,
    WorkingCalendar,
    add_working_days,
    calendar_coverage,
    deadline,
    is_working_day,
    working_days_between,
)
from audit.models import AuditEvent

D = dt.date
UNCOVERED_YEAR = 2031  # far beyond the library's data (it raises NotImplementedError from 2027 on)
NOTICE = "国务院办公厅关于2031年部分节假日安排的通知（测试）"


@pytest.fixture
def root(world):
    from assistance.services import system_actor

    staff = staff_create(actor=system_actor(), username="root", display_name="系统管理员", password="x-pass-12345")
    return staff_make_superuser(actor=system_actor(), staff=staff)


def record_fixed_holidays(actor, year: int) -> None:
    """Record 元旦, 劳动节 and 国庆节 of ``year`` as rest days (what every notice contains)."""
    for month, day in ((1, 1), (5, 1), (5, 2), (10, 1), (10, 2), (10, 3)):
        calendar_override_set(actor=actor, day=D(year, month, day), is_working_day=False, note=NOTICE)


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
def test_at_most_two_queries_per_call(django_assert_max_num_queries):
    """One query for the overrides, one for the declared years — however far the count runs."""
    with django_assert_max_num_queries(2):
        add_working_days(D(2025, 9, 15), 30)
    with django_assert_max_num_queries(2):
        working_days_between(D(2025, 1, 1), D(2031, 12, 31))
    with django_assert_max_num_queries(2):
        deadline(D(2026, 12, 20), 300)
    with django_assert_max_num_queries(2):
        is_working_day(D(UNCOVERED_YEAR, 3, 3))


def test_working_calendar_is_pure():
    """With overrides and declared years given, no database is needed (batch jobs load them once)."""
    calendar = WorkingCalendar({D(2025, 10, 9): False})
    assert calendar.add_working_days(D(2025, 9, 30), 3) == D(2025, 10, 13)
    declared = WorkingCalendar(overrides={D(UNCOVERED_YEAR, 1, 4): True}, declared_years={UNCOVERED_YEAR})
    assert declared.is_working_day(D(UNCOVERED_YEAR, 1, 4))  # a Saturday made a working day
    assert not declared.is_provisional(D(UNCOVERED_YEAR, 1, 4))


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


# --- a year nobody knows yet: the provisional rule -----------------------------------------------------


def test_provisional_day_rules():
    """《全国年节及纪念日放假办法》第二条: the fixed-date holidays are rest days; other weekdays work."""
    calendar = WorkingCalendar()
    y = UNCOVERED_YEAR
    assert not calendar.is_working_day(D(y, 1, 1))  # 元旦, a Wednesday
    assert calendar.is_working_day(D(y, 1, 2))  # an ordinary Thursday
    assert not calendar.is_working_day(D(y, 5, 1))  # 劳动节, Thursday
    assert not calendar.is_working_day(D(y, 5, 2))  # 劳动节, Friday
    assert all(not calendar.is_working_day(D(y, 10, d)) for d in (1, 2, 3))  # 国庆节, Wednesday–Friday
    assert not calendar.is_working_day(D(y, 1, 4))  # Saturday
    assert not calendar.is_working_day(D(y, 1, 5))  # Sunday
    assert calendar.is_working_day(D(y, 3, 3))  # Monday
    # every one of them is only provisional; a library year is not
    assert all(calendar.is_provisional(D(y, 1, d)) for d in (1, 2, 4))
    assert not calendar.is_provisional(D(2026, 1, 1))


@pytest.mark.django_db
def test_uncovered_year_is_provisional_not_an_error():
    assert is_working_day(D(UNCOVERED_YEAR, 3, 3))  # a Monday
    assert not is_working_day(D(UNCOVERED_YEAR, 10, 3))  # 国庆节
    assert add_working_days(D(2026, 12, 28), 10) == D(2027, 1, 12)  # 29–31 Dec, then 4–8 and 11–12 Jan


@pytest.mark.django_db
def test_deadline_into_an_unknown_year_is_provisional():
    """30 working days from Sunday 20 December 2026: 9 in December (library), then 2027 provisionally —
    Friday 1 January (元旦) off, 4–29 January is 20 more, Monday 1 February is day 30."""
    assert chinese_calendar.get_holiday_detail(D(2026, 12, 31)) == (False, None)
    with pytest.raises(NotImplementedError):  # guard: a library release covering 2027 changes this test
        chinese_calendar.is_workday(D(2027, 1, 4))
    result = deadline(D(2026, 12, 20), 30)
    assert result == Deadline(due=D(2027, 2, 1), provisional=True)
    assert add_working_days(D(2026, 12, 20), 30) == result.due
    assert working_days_between(D(2026, 12, 20), result.due) == 30


@pytest.mark.django_db
def test_deadline_within_a_known_year_is_not_provisional():
    assert deadline(D(2026, 12, 1), 5) == Deadline(due=D(2026, 12, 8), provisional=False)
    # ending on 31 December: 1 January is never looked at
    assert deadline(D(2026, 12, 24), 5) == Deadline(due=D(2026, 12, 31), provisional=False)
    assert deadline(D(2026, 12, 31), 0) == Deadline(due=D(2026, 12, 31), provisional=False)
    assert deadline(D(UNCOVERED_YEAR, 3, 3), 0).provisional is False  # no day counted


@pytest.mark.django_db
def test_overrides_cover_dates_the_library_does_not_know(world, root):
    # given the first days of 2027 recorded from the State Council notice
    for day in (1, 2, 3):  # 元旦 Friday and the weekend
        calendar_override_set(actor=root, day=D(2027, 1, day), is_working_day=False, note="元旦")
    calendar_override_set(actor=root, day=D(2027, 1, 4), is_working_day=True, note="周一")
    # then a deadline reaching only into them is not provisional (2026-12-31 is a Thursday working day)
    assert deadline(D(2026, 12, 30), 2) == Deadline(due=D(2027, 1, 4), provisional=False)
    # one more day needs 5 January, which nobody recorded: provisional
    assert deadline(D(2026, 12, 30), 3) == Deadline(due=D(2027, 1, 5), provisional=True)


# --- a year an administrator declared ------------------------------------------------------------------


@pytest.mark.django_db
def test_declared_year_follows_monday_to_friday_and_its_overrides(world, root):
    # given the whole (test) arrangement of 2031 entered: the fixed holidays, a lunar holiday on Wednesday
    # 22 January and its make-up working Saturday 18 January; then declared
    record_fixed_holidays(root, UNCOVERED_YEAR)
    calendar_override_set(actor=root, day=D(UNCOVERED_YEAR, 1, 22), is_working_day=False, note=NOTICE)
    calendar_override_set(actor=root, day=D(UNCOVERED_YEAR, 1, 18), is_working_day=True, note=NOTICE)
    calendar_year_declare(actor=root, year=UNCOVERED_YEAR, source=NOTICE)
    calendar = WorkingCalendar.load(D(UNCOVERED_YEAR, 1, 1), D(UNCOVERED_YEAR, 12, 31))
    # then
    assert calendar.declared_years == {UNCOVERED_YEAR}
    assert not calendar.is_working_day(D(UNCOVERED_YEAR, 1, 1))
    assert calendar.is_working_day(D(UNCOVERED_YEAR, 1, 2))
    assert not calendar.is_working_day(D(UNCOVERED_YEAR, 1, 11))  # an ordinary Saturday
    assert calendar.is_working_day(D(UNCOVERED_YEAR, 1, 18))  # the make-up Saturday
    assert not calendar.is_working_day(D(UNCOVERED_YEAR, 1, 22))
    assert not any(calendar.is_provisional(D(UNCOVERED_YEAR, 1, d)) for d in range(1, 32))
    # 16, 17, 18 (Sat), 20, 21, 23 January
    assert deadline(D(UNCOVERED_YEAR, 1, 15), 6) == Deadline(due=D(UNCOVERED_YEAR, 1, 23), provisional=False)
    # when the declaration is withdrawn, the days without an override are provisional again
    calendar_year_undeclare(actor=root, calendar_year=CalendarYear.objects.get(year=UNCOVERED_YEAR))
    assert deadline(D(UNCOVERED_YEAR, 1, 15), 6) == Deadline(due=D(UNCOVERED_YEAR, 1, 23), provisional=True)


@pytest.mark.django_db
def test_calendar_coverage(world, root):
    assert calendar_coverage(2026).state is CoverageState.LIBRARY
    assert calendar_coverage(2025)
    # a year nobody knows is provisional (falsy)
    coverage = calendar_coverage(UNCOVERED_YEAR)
    assert coverage.state is CoverageState.PROVISIONAL and coverage.provisional and not coverage
    assert coverage.describe() == (
        f"{UNCOVERED_YEAR} 年节假日安排尚未公布或尚未补录：暂按周一至周五及固定日期法定节假日计算，"
        "待国务院公布后补录（已补录 0 天）"
    )
    # recording days alone does not change that; declaring the year does
    record_fixed_holidays(root, UNCOVERED_YEAR)
    assert calendar_coverage(UNCOVERED_YEAR).provisional
    assert calendar_coverage(UNCOVERED_YEAR).override_days == 6
    calendar_year_declare(actor=root, year=UNCOVERED_YEAR, source=NOTICE)
    coverage = calendar_coverage(UNCOVERED_YEAR)
    assert coverage.state is CoverageState.DECLARED and coverage
    assert coverage.source == NOTICE and coverage.unrecorded_holidays == ()
    assert coverage.describe().startswith(f"{UNCOVERED_YEAR} 年日历已由管理员补录（依据：{NOTICE}")


@pytest.mark.django_db
def test_calendar_check_command(world, root, capsys):
    call_command("calendar_check", "--year", "2026")
    assert "2026 年日历已覆盖" in capsys.readouterr().out
    # a provisional year is a warning, not a failure
    call_command("calendar_check", "--year", str(UNCOVERED_YEAR))
    out = capsys.readouterr().out
    assert f"警告：{UNCOVERED_YEAR} 年节假日安排尚未公布或尚未补录" in out
    assert "暂按周一至周五及固定日期法定节假日计算，待国务院公布后补录" in out
    # a declared year is reported with its notice
    record_fixed_holidays(root, UNCOVERED_YEAR)
    calendar_year_declare(actor=root, year=UNCOVERED_YEAR, source=NOTICE)
    call_command("calendar_check", "--year", str(UNCOVERED_YEAR))
    assert f"依据：{NOTICE}" in capsys.readouterr().out
    # a declared year that lost 元旦 (its override removed afterwards) fails
    calendar_override_delete(actor=root, override=CalendarOverride.objects.get(day=D(UNCOVERED_YEAR, 1, 1)))
    with pytest.raises(CommandError, match=f"以下法定节假日未补录为休息日：{UNCOVERED_YEAR}-01-01（元旦）"):
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
@pytest.mark.parametrize("who", ["admin_a", "reviewer_a", "caseworker_a1", "auditor_a"])
def test_only_superusers_declare_years(world, root, who):
    record_fixed_holidays(root, UNCOVERED_YEAR)
    with pytest.raises(ApplicationError) as caught:
        calendar_year_declare(actor=getattr(world, who), year=UNCOVERED_YEAR, source=NOTICE)
    assert caught.value.status == 403
    assert caught.value.message == "节假日安排全国统一，只有系统管理员可以补录"
    declared = calendar_year_declare(actor=root, year=UNCOVERED_YEAR, source=NOTICE)
    with pytest.raises(ApplicationError) as caught:
        calendar_year_undeclare(actor=getattr(world, who), calendar_year=declared)
    assert caught.value.status == 403
    assert CalendarYear.objects.count() == 1


@pytest.mark.django_db
def test_declare_and_undeclare_are_audited(world, root):
    record_fixed_holidays(root, UNCOVERED_YEAR)
    declared = calendar_year_declare(actor=root, year=UNCOVERED_YEAR, source=f"  {NOTICE} ")
    assert declared.source == NOTICE and declared.declared_by == root
    event = AuditEvent.objects.get(action="calendar_year.declare")
    assert event.actor_id == root.pk
    assert event.changes["year"] == {"before": None, "after": UNCOVERED_YEAR}
    calendar_year_undeclare(actor=root, calendar_year=declared)
    assert not CalendarYear.objects.exists()
    assert AuditEvent.objects.filter(action="calendar_year.undeclare", actor_id=root.pk).count() == 1


@pytest.mark.django_db
def test_declare_refuses_a_year_the_library_covers(world, root):
    calendar_override_set(actor=root, day=D(2026, 1, 1), is_working_day=False, note="元旦")
    with pytest.raises(ApplicationError) as caught:
        calendar_year_declare(actor=root, year=2026, source=NOTICE)
    assert caught.value.code == "calendar_year_covered"
    assert caught.value.message == "2026 年的节假日安排已包含在 chinesecalendar 中，无需声明"
    assert not CalendarYear.objects.exists()
    assert not AuditEvent.objects.filter(action__startswith="calendar_year").exists()


@pytest.mark.django_db
def test_declare_refuses_an_empty_or_incomplete_year(world, root):
    # no override of the year at all (one of the year before does not count)
    calendar_override_set(actor=root, day=D(UNCOVERED_YEAR - 1, 12, 31), is_working_day=False, note=NOTICE)
    with pytest.raises(ApplicationError) as caught:
        calendar_year_declare(actor=root, year=UNCOVERED_YEAR, source=NOTICE)
    assert caught.value.code == "calendar_year_empty"
    assert caught.value.message == "请先补录该年的节假日和调休上班日"
    # 元旦 recorded but not 劳动节 and 国庆节 (all on weekdays in 2031)
    calendar_override_set(actor=root, day=D(UNCOVERED_YEAR, 1, 1), is_working_day=False, note=NOTICE)
    with pytest.raises(ApplicationError) as caught:
        calendar_year_declare(actor=root, year=UNCOVERED_YEAR, source=NOTICE)
    assert caught.value.code == "calendar_year_incomplete"
    assert f"{UNCOVERED_YEAR}-05-01（劳动节）" in caught.value.message
    assert f"{UNCOVERED_YEAR}-01-01" not in caught.value.message
    assert not CalendarYear.objects.exists()
    assert not AuditEvent.objects.filter(action__startswith="calendar_year").exists()


@pytest.mark.django_db
def test_declare_refuses_a_missing_source_and_a_second_declaration(world, root):
    record_fixed_holidays(root, UNCOVERED_YEAR)
    with pytest.raises(ApplicationError) as caught:
        calendar_year_declare(actor=root, year=UNCOVERED_YEAR, source=" ")
    assert caught.value.code == "source_required"
    calendar_year_declare(actor=root, year=UNCOVERED_YEAR, source=NOTICE)
    with pytest.raises(ApplicationError) as caught:
        calendar_year_declare(actor=root, year=UNCOVERED_YEAR, source=NOTICE)
    assert caught.value.code == "conflict" and caught.value.status == 409
    assert CalendarYear.objects.count() == 1


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


@pytest.mark.django_db
def test_superuser_declares_a_year_in_the_admin(client, world, root):
    client.force_login(root)
    url = reverse("admin:assistance_calendaryear_add")
    # refused while nothing of the year is recorded: the form is shown again with the message
    response = client.post(url, {"year": str(UNCOVERED_YEAR), "source": NOTICE})
    assert response.status_code == 200
    assert "请先补录该年的节假日和调休上班日" in response.content.decode()
    assert not CalendarYear.objects.exists()
    # accepted once the arrangement is entered
    record_fixed_holidays(root, UNCOVERED_YEAR)
    response = client.post(url, {"year": str(UNCOVERED_YEAR), "source": NOTICE})
    assert response.status_code == 302
    declared = CalendarYear.objects.get(year=UNCOVERED_YEAR)
    assert declared.declared_by == root
    changelist = client.get(reverse("admin:assistance_calendaryear_changelist"))
    assert changelist.status_code == 200
    assert changelist.context["cl"].result_list[0].override_days == 6
    # and withdraws it, through the service
    response = client.post(reverse("admin:assistance_calendaryear_delete", args=[declared.pk]), {"post": "yes"})
    assert response.status_code == 302
    assert not CalendarYear.objects.exists()
    assert AuditEvent.objects.filter(action="calendar_year.undeclare").exists()


@pytest.mark.django_db
def test_county_admin_may_only_look_at_declared_years(client, world, root):
    record_fixed_holidays(root, UNCOVERED_YEAR)
    declared = calendar_year_declare(actor=root, year=UNCOVERED_YEAR, source=NOTICE)
    client.force_login(world.admin_a)
    assert client.get(reverse("admin:assistance_calendaryear_changelist")).status_code == 200
    assert client.get(reverse("admin:assistance_calendaryear_change", args=[declared.pk])).status_code == 200
    assert client.get(reverse("admin:assistance_calendaryear_add")).status_code == 403
    response = client.post(reverse("admin:assistance_calendaryear_delete", args=[declared.pk]), {"post": "yes"})
    assert response.status_code == 403
    assert CalendarYear.objects.count() == 1
