"""A decision and its explanation: every step, with its inputs, the parameters it used (value, effective
month, version, clause) and its output — and the exceptions considered but not applied, with why."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from typing import Any

from eligibility.rules.parameters import ParameterSet, ParamValue


class Outcome(StrEnum):
    ELIGIBLE = "eligible"  # 符合条件
    INELIGIBLE = "ineligible"  # 不符合条件
    NEEDS_INFORMATION = "needs_information"  # 信息不全，列出缺少的事实


OUTCOME_LABELS = {
    Outcome.ELIGIBLE: "符合条件",
    Outcome.INELIGIBLE: "不符合条件",
    Outcome.NEEDS_INFORMATION: "信息不全",
}


@dataclass(frozen=True)
class ParamUse:
    key: str
    value: Any
    effective_from: datetime.date
    version_id: str
    clause: str
    profile: str
    local_default: bool
    demo: bool = False

    @classmethod
    def of(cls, v: ParamValue) -> ParamUse:
        return cls(v.key, v.value, v.effective_from, v.version_id, v.clause, v.profile, v.local_default, v.demo)


@dataclass(frozen=True)
class Step:
    rule_id: str  # stable, e.g. "dibao.per_capita_income"
    label: str  # Chinese, shown to the applicant
    inputs: tuple[tuple[str, Any], ...]
    params: tuple[ParamUse, ...]
    output: Any
    applied: bool = True  # False: an exception considered but not applied
    reason: str = ""  # why (especially when not applied)


@dataclass(frozen=True)
class Decision:
    program: str
    jurisdiction: str
    month: datetime.date
    outcome: Outcome
    amount: Decimal = Decimal("0")  # monthly (or one-off, per program), yuan, rounded per profile
    category: str = ""
    recheck_months: int | None = None
    exit_schedule: tuple[tuple[datetime.date, Decimal], ...] = ()  # (month, amount) of a graduated exit
    missing_facts: tuple[str, ...] = ()
    steps: tuple[Step, ...] = ()
    details: tuple[tuple[str, Any], ...] = ()  # program-specific figures (per-person amounts, …)

    @property
    def considered_not_applied(self) -> tuple[Step, ...]:
        return tuple(s for s in self.steps if not s.applied)

    @property
    def versions_used(self) -> tuple[str, ...]:
        """Every parameter version the decision read: enough to reproduce it exactly."""
        seen: dict[str, None] = {}
        for step in self.steps:
            for p in step.params:
                seen.setdefault(p.version_id, None)
        return tuple(seen)


@dataclass
class Explainer:
    """Collects the steps of one evaluation (local to one call; never shared)."""

    params: ParameterSet
    steps: list[Step] = field(default_factory=list)

    def param(self, key: str) -> ParamValue:
        return self.params.get(key)

    def step(
        self,
        rule_id: str,
        label: str,
        *,
        inputs: dict[str, Any] | None = None,
        params: list[ParamValue] | tuple[ParamValue, ...] = (),
        output: Any = None,
        applied: bool = True,
        reason: str = "",
    ) -> Any:
        self.steps.append(
            Step(
                rule_id=rule_id,
                label=label,
                inputs=tuple((inputs or {}).items()),
                params=tuple(ParamUse.of(p) for p in params),
                output=output,
                applied=applied,
                reason=reason,
            )
        )
        return output
