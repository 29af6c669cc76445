"""The working-day calendar (工作日日历) that deadlines are counted in.

How a date is resolved, in order of precedence:

1. a ``CalendarOverride`` row an administrator recorded (a date of a year the library does not know yet,
   or one a later notice changed) — an override always wins;
2. the ``chinesecalendar`` library, for the years it covers: the State Council's yearly holiday
   arrangement including the make-up working days (调休), e.g. Sunday 2025-09-28 and Saturday 2025-10-11
   are working days;
3. a year an administrator declared complete (``CalendarYear``: the whole arrangement has been entered as
   overrides): Monday to Friday is working, Saturday and Sunday are rest days;
4. otherwise the day is PROVISIONAL (暂定): Monday to Friday is working except the fixed-date statutory
   holidays, Saturday and Sunday are rest days. See :data:`FIXED_DATE_HOLIDAYS`.

A date is therefore always resolvable and no function here raises for an unknown year. A deadline that
was counted over a provisional day is marked ``provisional`` (:class:`Deadline`) so the caller can show
that it may still move when the State Council's notice is entered.

Counting (national rules say "within N working days of" an event, e.g. 低保审核确认办法 第十五条
"受理之日起 3 个工作日内"): the event's own day is day 0 and is never counted; day 1 is the first working
day after it, whether or not the event's day was itself a working day. So the deadline for "within N
working days of D" is ``deadline(D, N).due`` (the last permitted day, inclusive), and
``working_days_between(D, X)`` is how many of those days have been used by day X.

Each public function loads what it needs with two queries (overrides, declared years);
:class:`WorkingCalendar` lets a caller that asks many questions (an inbox of cases) load them once.
"""

from __future__ import annotations

import datetime as dt
import enum
import functools
from collections.abc import Iterable
from dataclasses import dataclass

import chinese_calendar

ONE_DAY = dt.timedelta(days=1)

# 《全国年节及纪念日放假办法》（2024 年修订）第二条: the holidays for all citizens that fall on a fixed date of
# the Gregorian calendar — 元旦 1 January (1 day), 劳动节 1–2 May (2 days), 国庆节 1–3 October (3 days).
# The other four — 春节 (除夕 to 初三), 清明节, 端午节, 中秋节 — follow the lunar calendar or the solar term,
# and which weekdays the State Council joins to them (调休, 补假) is only known from its yearly notice, so
# the provisional rule cannot know them: a provisional deadline may still move by several days.
FIXED_DATE_HOLIDAYS: dict[tuple[int, int], str] = {
    (1, 1): "元旦",
    (5, 1): "劳动节",
    (5, 2): "劳动节",
    (10, 1): "国庆节",
    (10, 2): "国庆节",
    (10, 3): "国庆节",
}


def fixed_date_holidays(year: int) -> list[tuple[dt.date, str]]:
    """Return the fixed-date statutory holidays of ``year`` with their Chinese names, in date order."""
    return [(dt.date(year, month, day), name) for (month, day), name in FIXED_DATE_HOLIDAYS.items()]


def library_is_working_day(day: dt.date) -> bool | None:
    """Return the library's answer for ``day``, or None when the library does not cover its year."""
    if not library_covers_year(day.year):
        return None
    return chinese_calendar.is_workday(day)


@functools.cache
def library_covers_year(year: int) -> bool:
    """Return whether the installed ``chinesecalendar`` has the holiday arrangement of ``year``."""
    try:
        chinese_calendar.is_workday(dt.date(year, 1, 1))
    except NotImplementedError:  # the library raises this for years outside its data
        return False
    return True


class DaySource(enum.Enum):
    """Where the answer for one day came from."""

    OVERRIDE = "override"  # a CalendarOverride row
    LIBRARY = "library"  # chinesecalendar
    DECLARED = "declared"  # a CalendarYear: Monday to Friday, the holidays being overrides
    PROVISIONAL = "provisional"  # Monday to Friday less the fixed-date statutory holidays


@dataclass(frozen=True)
class Deadline:
    """The last permitted day of "within n working days of" an event.

    ``provisional`` is True when a day counted on the way (from the day after the event to ``due``) was
    resolved by the provisional rule: the holiday arrangement of its year is not known yet, so ``due`` may
    move later once it is entered.
    """

    due: dt.date
    provisional: bool


class WorkingCalendar:
    """The calendar with a fixed set of overrides (``{date: is_working_day}``) and declared years.

    Pure: no database access after construction. Build it with :meth:`load` for the dates a caller
    needs, or pass ``overrides`` and ``declared_years`` directly (tests, batch jobs).
    """

    def __init__(self, overrides: dict[dt.date, bool] | None = None, *, declared_years: Iterable[int] = ()) -> None:
        self.overrides = dict(overrides or {})
        self.declared_years = frozenset(declared_years)

    @classmethod
    def load(cls, start: dt.date | None = None, end: dt.date | None = None) -> WorkingCalendar:
        """Load the overrides dated from ``start`` to ``end`` (inclusive; None = unbounded) and the declared
        years among theirs, in two queries."""
        from assistance.models import CalendarOverride, CalendarYear

        rows = CalendarOverride.objects.all()
        years = CalendarYear.objects.all()
        if start is not None:
            rows = rows.filter(day__gte=start)
            years = years.filter(year__gte=start.year)
        if end is not None:
            rows = rows.filter(day__lte=end)
            years = years.filter(year__lte=end.year)
        return cls(
            dict(rows.values_list("day", "is_working_day")),
            declared_years=years.values_list("year", flat=True),
        )

    def resolve(self, day: dt.date) -> tuple[bool, DaySource]:
        """Return whether ``day`` is a working day and which source said so."""
        if day in self.overrides:
            return self.overrides[day], DaySource.OVERRIDE
        if library_covers_year(day.year):
            return chinese_calendar.is_workday(day), DaySource.LIBRARY
        weekday = day.weekday() < 5  # Monday = 0 … Friday = 4
        if day.year in self.declared_years:
            return weekday, DaySource.DECLARED
        return weekday and (day.month, day.day) not in FIXED_DATE_HOLIDAYS, DaySource.PROVISIONAL

    def is_working_day(self, day: dt.date) -> bool:
        """Return whether ``day`` is a working day (never raises; see :meth:`is_provisional`)."""
        return self.resolve(day)[0]

    def is_provisional(self, day: dt.date) -> bool:
        """Return whether the answer for ``day`` is only the provisional rule (its year is not known yet)."""
        return self.resolve(day)[1] is DaySource.PROVISIONAL

    def deadline(self, day: dt.date, n: int) -> Deadline:
        """Return the n-th working day after ``day``, and whether any day counted was provisional.

        ``day`` itself is day 0 and never counts (n = 0 returns ``day``, not provisional). Raises
        ValueError for a negative n (a programming error).
        """
        if n < 0:
            raise ValueError("n must be ≥ 0")
        current = day
        remaining = n
        provisional = False
        while remaining:
            current += ONE_DAY
            working, source = self.resolve(current)
            provisional = provisional or source is DaySource.PROVISIONAL
            if working:
                remaining -= 1
        return Deadline(due=current, provisional=provisional)

    def add_working_days(self, day: dt.date, n: int) -> dt.date:
        """Return the n-th working day after ``day`` (``day`` itself never counts; n = 0 returns ``day``)."""
        return self.deadline(day, n).due

    def working_days_between(self, start: dt.date, end: dt.date) -> int:
        """Return the number of working days after ``start`` up to and including ``end`` (0 if end ≤ start)."""
        count = 0
        current = start + ONE_DAY
        while current <= end:
            if self.is_working_day(current):
                count += 1
            current += ONE_DAY
        return count


def is_working_day(day: dt.date) -> bool:
    """Return whether ``day`` is a working day (override, library, declared year, else provisional)."""
    return WorkingCalendar.load(day, day).is_working_day(day)


def deadline(day: dt.date, n: int) -> Deadline:
    """Return the deadline of "within n working days of ``day``" and whether it is provisional.

    ``day`` itself is day 0 and never counts, even when it is a working day; n = 0 returns ``day``.
    Raises ValueError for a negative n (a programming error).
    """
    # Overrides are a short list; loading every one from ``day`` on is one small query.
    return WorkingCalendar.load(day + ONE_DAY).deadline(day, n)


def add_working_days(day: dt.date, n: int) -> dt.date:
    """Return the n-th working day after ``day``: the deadline of "within n working days of ``day``".

    Same as ``deadline(day, n).due``; use :func:`deadline` to learn whether it is provisional.
    Raises ValueError for a negative n (a programming error).
    """
    return deadline(day, n).due


def working_days_between(start: dt.date, end: dt.date) -> int:
    """Return the number of working days after ``start`` up to and including ``end``.

    ``working_days_between(d, add_working_days(d, n)) == n``; 0 when ``end`` ≤ ``start``. Days of a year
    not known yet are counted by the provisional rule.
    """
    if end <= start:
        return 0
    return WorkingCalendar.load(start + ONE_DAY, end).working_days_between(start, end)


class CoverageState(enum.Enum):
    """How the days of one year are known."""

    LIBRARY = "library"  # chinesecalendar has the year's official arrangement
    DECLARED = "declared"  # an administrator entered the arrangement and declared the year (CalendarYear)
    PROVISIONAL = "provisional"  # nobody knows it yet: Monday to Friday less the fixed-date holidays


@dataclass(frozen=True)
class YearCoverage:
    """How the days of ``year`` are known (see :class:`CoverageState`); truthy unless provisional."""

    year: int
    state: CoverageState
    override_days: int
    source: str = ""  # the declared year's notice
    # Of a declared year: fixed-date statutory holidays on Monday–Friday with no rest-day override — the
    # declaration is then incomplete (those days would count as working days).
    unrecorded_holidays: tuple[tuple[dt.date, str], ...] = ()

    @property
    def by_library(self) -> bool:
        return self.state is CoverageState.LIBRARY

    @property
    def declared(self) -> bool:
        return self.state is CoverageState.DECLARED

    @property
    def provisional(self) -> bool:
        return self.state is CoverageState.PROVISIONAL

    @property
    def covered(self) -> bool:
        """Whether the year's holiday arrangement is known (by the library or an administrator)."""
        return not self.provisional

    def __bool__(self) -> bool:
        return self.covered

    def describe(self) -> str:
        """Return a one-line Chinese summary for the operator."""
        if self.by_library:
            return f"{self.year} 年日历已覆盖（chinesecalendar 官方节假日安排，另有补录 {self.override_days} 天）"
        if self.declared:
            text = (
                f"{self.year} 年日历已由管理员补录（依据：{self.source}；"
                f"补录 {self.override_days} 天，其余按周一至周五）"
            )
            if self.unrecorded_holidays:
                missing = "、".join(f"{day:%Y-%m-%d}（{name}）" for day, name in self.unrecorded_holidays)
                text += f"；但以下法定节假日未补录为休息日：{missing}"
            return text
        return (
            f"{self.year} 年节假日安排尚未公布或尚未补录：暂按周一至周五及固定日期法定节假日计算，"
            f"待国务院公布后补录（已补录 {self.override_days} 天）"
        )


def unrecorded_fixed_holidays(year: int, overrides: dict[dt.date, bool]) -> list[tuple[dt.date, str]]:
    """Return the fixed-date statutory holidays of ``year`` on Monday–Friday not recorded as rest days."""
    return [
        (day, name) for day, name in fixed_date_holidays(year) if day.weekday() < 5 and overrides.get(day) is not False
    ]


def calendar_coverage(year: int) -> YearCoverage:
    """Return how the days of ``year`` are known: by the library, declared by an administrator, or
    provisional. Truthy unless provisional."""
    from assistance.models import CalendarOverride, CalendarYear

    overrides = dict(CalendarOverride.objects.filter(day__year=year).values_list("day", "is_working_day"))
    if library_covers_year(year):
        return YearCoverage(year=year, state=CoverageState.LIBRARY, override_days=len(overrides))
    declared = CalendarYear.objects.filter(year=year).first()
    if declared is None:
        return YearCoverage(year=year, state=CoverageState.PROVISIONAL, override_days=len(overrides))
    return YearCoverage(
        year=year,
        state=CoverageState.DECLARED,
        override_days=len(overrides),
        source=declared.source,
        unrecorded_holidays=tuple(unrecorded_fixed_holidays(year, overrides)),
    )
