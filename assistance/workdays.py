"""The working-day calendar (工作日日历) that deadlines are counted in.

Sources, in order of precedence:

1. ``CalendarOverride`` rows an administrator recorded (a date the library does not know yet, or one a
   later notice changed) — an override always wins;
2. the ``chinesecalendar`` library: the State Council's yearly holiday arrangement including the make-up
   working days (调休), e.g. Sunday 2025-09-28 and Saturday 2025-10-11 are working days.

A date neither source knows raises :class:`ApplicationError` (code ``calendar_not_covered``) with a
Chinese message for the administrator. There is deliberately no fallback to "Monday to Friday": a
deadline counted on a guessed calendar would be wrong around every holiday.

Counting (national rules say "within N working days of" an event, e.g. 低保审核确认办法 第十五条
"受理之日起 3 个工作日内"): the event's own day is day 0 and is never counted; day 1 is the first working
day after it, whether or not the event's day was itself a working day. So the deadline for "within N
working days of D" is ``add_working_days(D, N)`` (the last permitted day, inclusive), and
``working_days_between(D, X)`` is how many of those days have been used by day X.

Each public function loads the overrides it needs with one query; :class:`WorkingCalendar` lets a
caller that asks many questions (an inbox of cases) load them once.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import chinese_calendar

from assistance.errors import ApplicationError

ONE_DAY = dt.timedelta(days=1)


def _not_covered(day: dt.date) -> ApplicationError:
    return ApplicationError(
        f"日历未覆盖 {day.year} 年，请管理员在管理后台补录节假日安排",
        code="calendar_not_covered",
        extra={"day": day.isoformat(), "year": day.year},
    )


def library_is_working_day(day: dt.date) -> bool | None:
    """Return the library's answer for ``day``, or None when the library does not cover its year."""
    try:
        return chinese_calendar.is_workday(day)
    except NotImplementedError:  # the library raises this for years outside its data
        return None


def library_covers_year(year: int) -> bool:
    """Return whether the installed ``chinesecalendar`` has the holiday arrangement of ``year``."""
    return library_is_working_day(dt.date(year, 1, 1)) is not None


class WorkingCalendar:
    """The calendar with a fixed set of overrides (``{date: is_working_day}``).

    Pure: no database access after construction. Build it with :meth:`load` for the dates a caller
    needs, or pass ``overrides`` directly (tests, batch jobs).
    """

    def __init__(self, overrides: dict[dt.date, bool] | None = None) -> None:
        self.overrides = dict(overrides or {})

    @classmethod
    def load(cls, start: dt.date | None = None, end: dt.date | None = None) -> WorkingCalendar:
        """Load the overrides dated from ``start`` to ``end`` (inclusive; None = unbounded) in one query."""
        from assistance.models import CalendarOverride

        rows = CalendarOverride.objects.all()
        if start is not None:
            rows = rows.filter(day__gte=start)
        if end is not None:
            rows = rows.filter(day__lte=end)
        return cls(dict(rows.values_list("day", "is_working_day")))

    def is_working_day(self, day: dt.date) -> bool:
        """Return whether ``day`` is a working day; raise ApplicationError if no source knows it."""
        if day in self.overrides:
            return self.overrides[day]
        answer = library_is_working_day(day)
        if answer is None:
            raise _not_covered(day)
        return answer

    def add_working_days(self, day: dt.date, n: int) -> dt.date:
        """Return the n-th working day after ``day`` (``day`` itself never counts; n = 0 returns ``day``)."""
        if n < 0:
            raise ValueError("n must be ≥ 0")
        current = day
        remaining = n
        while remaining:
            current += ONE_DAY
            if self.is_working_day(current):
                remaining -= 1
        return current

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
    """Return whether ``day`` is a working day (override, else the official calendar).

    Raises ApplicationError ``calendar_not_covered`` if neither knows the date.
    """
    return WorkingCalendar.load(day, day).is_working_day(day)


def add_working_days(day: dt.date, n: int) -> dt.date:
    """Return the n-th working day after ``day``: the deadline of "within n working days of ``day``".

    ``day`` itself is day 0 and never counts, even when it is a working day; n = 0 returns ``day``.
    Raises ApplicationError ``calendar_not_covered`` if the count runs into an unknown date, and
    ValueError for a negative n (a programming error).
    """
    # Overrides are a short list; loading every one from ``day`` on is one small query.
    return WorkingCalendar.load(day + ONE_DAY).add_working_days(day, n)


def working_days_between(start: dt.date, end: dt.date) -> int:
    """Return the number of working days after ``start`` up to and including ``end``.

    ``working_days_between(d, add_working_days(d, n)) == n``; 0 when ``end`` ≤ ``start``.
    Raises ApplicationError ``calendar_not_covered`` if a date in between is unknown.
    """
    if end <= start:
        return 0
    return WorkingCalendar.load(start + ONE_DAY, end).working_days_between(start, end)


@dataclass(frozen=True)
class YearCoverage:
    """Whether every day of ``year`` is known, and from where."""

    year: int
    by_library: bool
    override_days: int
    missing_days: int
    first_missing: dt.date | None

    @property
    def covered(self) -> bool:
        return self.missing_days == 0

    def __bool__(self) -> bool:
        return self.covered

    def describe(self) -> str:
        """Return a one-line Chinese summary for the operator."""
        if self.by_library:
            return f"{self.year} 年日历已覆盖（chinesecalendar 官方节假日安排，另有补录 {self.override_days} 天）"
        if self.covered:
            return f"{self.year} 年日历已覆盖（全部 {self.override_days} 天为管理员补录）"
        return (
            f"日历未覆盖 {self.year} 年：缺 {self.missing_days} 天（最早 {self.first_missing:%Y-%m-%d}），"
            "请升级 chinesecalendar 或由管理员在管理后台补录节假日安排"
        )


def calendar_coverage(year: int) -> YearCoverage:
    """Return whether every day of ``year`` is known (library or overrides); truthy when covered."""
    first, last = dt.date(year, 1, 1), dt.date(year, 12, 31)
    overrides = WorkingCalendar.load(first, last).overrides
    by_library = library_covers_year(year)
    missing: list[dt.date] = []
    if not by_library:
        day = first
        while day <= last:
            if day not in overrides:
                missing.append(day)
            day += ONE_DAY
    return YearCoverage(
        year=year,
        by_library=by_library,
        override_days=len(overrides),
        missing_days=len(missing),
        first_missing=missing[0] if missing else None,
    )
