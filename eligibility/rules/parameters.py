"""Parameters of a jurisdiction as timelines, resolved for one month.

A :class:`ParameterSet` holds, for every parameter key, the approved values of the jurisdiction's
profile (with the national baseline filled in underneath) ordered by the month they take effect.
Values are effective at **month** resolution: a standard raised from 1 July applies to July and later.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


class MissingParameter(LookupError):
    """No value of ``key`` is in force in ``month`` for the jurisdiction."""

    def __init__(self, key: str, month: datetime.date, jurisdiction: str) -> None:
        super().__init__(f"{jurisdiction} 在 {month:%Y-%m} 没有有效的参数 {key}")
        self.key = key
        self.month = month
        self.jurisdiction = jurisdiction


@dataclass(frozen=True)
class ParamValue:
    """One version of one parameter: its value, from which month, where it comes from."""

    key: str
    value: Any  # Decimal, int, bool, str, or tuples/frozen mappings of those
    effective_from: datetime.date  # first day of a month
    version_id: str  # database id of the version row, or "<profile>:<key>@<YYYY-MM>" for file data
    clause: str  # "changbai-2021 §二(一)6"; "" when a local default
    profile: str  # profile code it was defined in ("national", "changbai" …)
    local_default: bool = False  # the document is silent: an explicit, documented default
    demo: bool = False  # an illustrative figure (demo data), not the jurisdiction's real value


def month_start(day: datetime.date) -> datetime.date:
    return day.replace(day=1)


def add_months(month: datetime.date, n: int) -> datetime.date:
    """Return the first day of the month ``n`` months after (n < 0: before) the month of ``month``."""
    index = month.year * 12 + month.month - 1 + n
    return datetime.date(index // 12, index % 12 + 1, 1)


@dataclass(frozen=True)
class ParameterSet:
    """The parameters of one jurisdiction, usable for any month; ``month`` is the month decided for."""

    jurisdiction: str  # profile code
    month: datetime.date
    timelines: Mapping[str, tuple[ParamValue, ...]]  # each sorted by effective_from ascending

    def at(self, key: str, month: datetime.date) -> ParamValue:
        """Return the version of ``key`` in force in ``month`` (the latest that started on or before it)."""
        month = month_start(month)
        found = None
        for version in self.timelines.get(key, ()):
            if version.effective_from <= month:
                found = version
            else:
                break
        if found is None:
            raise MissingParameter(key, month, self.jurisdiction)
        return found

    def get(self, key: str) -> ParamValue:
        """Return the version of ``key`` in force in the decided month."""
        return self.at(key, self.month)

    def last_year(self, key: str, reference_month: int = 12) -> ParamValue:
        """Return the value that was in force in ``reference_month`` of the previous calendar year
        ("上年度标准"); December by default, i.e. the standard the year ended with."""
        return self.at(key, datetime.date(self.month.year - 1, reference_month, 1))

    def has(self, key: str) -> bool:
        try:
            self.get(key)
        except MissingParameter:
            return False
        return True
