"""The clocks of an application: each statutory time limit, counted in working days (assistance.workdays).

Pure given its inputs (the application's dates, the procedure parameters in force when it was accepted,
a :class:`~assistance.workdays.WorkingCalendar` and today); ``cases.services.workflow`` stores the earliest
open deadline on the application (``due_on``) after every transition so that inboxes sort without
recomputing, and the case page shows every clock.

Time limits (each cites its clause; the numbers come from the profile's ``procedure.*`` parameters):

- 启动调查 — investigation starts within 3 working days of acceptance (dibao-shenhe-queren-banfa-2021 第十五条);
- 办理时限 — 低保: the whole procedure within 30 working days of acceptance, 45 when extended with a recorded
  reason (第二十二条), 20 where confirmation is delegated to the town (doudi-baozhang-tongzhi-2022);
  特困: the profile's total where it sets one (jiuhuashan-2021 §二(五)18: 20);
- 乡镇初审 — 特困: the town's opinion within 15 working days of acceptance (tekun-renyuan-rending-banfa-2021 第十三条);
- 县级意见 — 低保: the county's opinion within 10 working days of receiving the file (第二十条); 特困: the county's
  decision within 15 working days (第十六条);
- 书面告知 — a refusal is notified in writing with reasons within 3 working days of the decision (第二十一条).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from assistance.workdays import WorkingCalendar
from cases.choices import ApplicationStatus, ProgramCode
from eligibility.rules.parameters import ParameterSet

DUE_SOON_DAYS = 2  # working days left at which a clock turns amber


@dataclass(frozen=True)
class Clock:
    key: str
    label: str
    clause: str
    start: dt.date
    days: int
    due: dt.date
    provisional: bool  # the count ran through a year whose holidays are not yet declared
    done_on: dt.date | None
    left: int  # working days left until ``due`` (negative: overdue by that many), as of today

    @property
    def open(self) -> bool:
        return self.done_on is None

    @property
    def state(self) -> str:
        """``done`` / ``late`` (done after the due date) / ``overdue`` / ``due_soon`` / ``running``."""
        if self.done_on is not None:
            return "late" if self.done_on > self.due else "done"
        if self.left < 0:
            return "overdue"
        if self.left <= DUE_SOON_DAYS:
            return "due_soon"
        return "running"

    @property
    def state_label(self) -> str:
        return {
            "done": "按时完成",
            "late": "超时完成",
            "overdue": f"已超期 {-self.left} 个工作日",
            "due_soon": "今日到期" if self.left == 0 else f"剩 {self.left} 个工作日",
            "running": f"剩 {self.left} 个工作日",
        }[self.state]


_DIBAO = {ProgramCode.DIBAO, ProgramCode.DIBAO_SINGLE}


def _param(params: ParameterSet, key: str, default):
    return params.get(key).value if params.has(key) else default


def application_clocks(application, params: ParameterSet, calendar: WorkingCalendar, today: dt.date) -> list[Clock]:
    """Return the clocks of ``application`` (open and done) in the order they start."""
    a = application
    if a.accepted_on is None or a.program == ProgramCode.TEMP_EMERGENCY:
        return []
    clocks: list[Clock] = []

    def add(key: str, label: str, clause: str, start: dt.date | None, days: int, done_on: dt.date | None) -> None:
        if start is None or days <= 0:
            return
        deadline = calendar.deadline(start, days)
        if done_on is None:
            if today <= deadline.due:
                left = calendar.working_days_between(today, deadline.due)
            else:
                left = -calendar.working_days_between(deadline.due, today)
        else:
            left = 0
        clocks.append(Clock(key, label, clause, start, days, deadline.due, deadline.provisional, done_on, left))

    # decided_on is also the day a withdrawn case closed.
    final = (ApplicationStatus.CONFIRMED, ApplicationStatus.REFUSED, ApplicationStatus.WITHDRAWN)
    closed = a.decided_on if a.status in final else None

    add(
        "investigation_start",
        "启动调查核实",
        "dibao-shenhe-queren-banfa-2021 第十五条",
        a.accepted_on,
        _param(params, "procedure.investigation_start_days", 3),
        a.investigation_started_on or closed,
    )
    if a.program in _DIBAO:
        if a.extended:
            days, clause = (
                _param(params, "procedure.dibao_days_extended", 45),
                "dibao-shenhe-queren-banfa-2021 第二十二条（延长）",
            )
        elif a.decided_by_town:
            # The 2022 notice's 20 working days are for cases the town confirms; a close relative of staff is
            # confirmed by the county even where confirmation is delegated (第二十条), within the county's limit.
            days, clause = (
                _param(params, "procedure.dibao_days_delegated", 20),
                "doudi-baozhang-tongzhi-2022（下放乡镇）",
            )
        else:
            days, clause = _param(params, "procedure.dibao_days", 30), "dibao-shenhe-queren-banfa-2021 第二十二条"
        if a.extended and a.delegated:
            days = max(days, _param(params, "procedure.dibao_days_delegated", 20))
        add("procedure", "办理时限（受理至审核确认）", clause, a.accepted_on, days, closed)
        add(
            "county_opinion",
            "审核确认意见",
            "dibao-shenhe-queren-banfa-2021 第二十条",
            a.submitted_on,
            _param(params, "procedure.county_opinion_days", 10),
            closed,
        )
    elif a.program == ProgramCode.TEKUN:
        add(
            "tekun_town",
            "乡镇初审意见",
            "tekun-renyuan-rending-banfa-2021 第十三条",
            a.accepted_on,
            _param(params, "procedure.tekun_town_days", 15),
            a.town_reviewed_on or closed,
        )
        add(
            "tekun_county",
            "县级认定决定",
            "tekun-renyuan-rending-banfa-2021 第十六条",
            a.submitted_on,
            _param(params, "procedure.tekun_county_days", 15),
            closed,
        )
        add(
            "procedure",
            "办理时限（受理至认定）",
            "jiuhuashan-2021 §二(五)18",
            a.accepted_on,
            _param(params, "procedure.tekun_days", 0),
            closed,
        )
    if a.status == ApplicationStatus.REFUSED and a.decided_on:
        add(
            "refusal_notice",
            "书面告知不予确认理由",
            "dibao-shenhe-queren-banfa-2021 第二十一条",
            a.decided_on,
            _param(params, "procedure.refusal_notice_days", 3),
            a.refusal_notified_on,
        )
    return clocks


def next_due(clocks: list[Clock]) -> tuple[dt.date | None, bool]:
    """Return the earliest due date among open clocks and whether it is provisional."""
    open_clocks = [c for c in clocks if c.open]
    if not open_clocks:
        return None, False
    first = min(open_clocks, key=lambda c: c.due)
    return first.due, first.provisional
