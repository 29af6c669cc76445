"""JSON-ready forms of a request and a decision (the what-if calculator, worked examples, stored decisions).

:func:`request_from_dict` is strict: an unknown key anywhere, a malformed or negative amount, a float for money,
a bad date or month raises ``ValueError`` with a Chinese message naming the field. Facts that are merely
missing (no members, an unknown income kind, no 单人户 subject) are *not* errors here — the rules answer
needs-information for them.

Formats: money as strings ("560" or "560.50", at most two decimals; integers also accepted); dates
"YYYY-MM-DD"; months "YYYY-MM"; incomes and rigid expenses as ``{kind: amount}``.
:func:`decision_to_dict` gives Decimals as strings, dates as "YYYY-MM-DD" and months as "YYYY-MM".
"""

from __future__ import annotations

import dataclasses
import datetime
import re
from collections.abc import Callable, Mapping
from decimal import Decimal, InvalidOperation
from enum import Enum
from typing import Any

from eligibility.rules.decision import OUTCOME_LABELS, Decision, ParamUse, Step
from eligibility.rules.facts import CurrentEnrolment, Home, Household, Person, Request, Supporter, Vehicle
from eligibility.rules.schema import EDUCATION_STAGES

_MONTH_RE = re.compile(r"^\d{4}-\d{2}$")
_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
MAX_MONEY = Decimal("1000000000000")
DISABILITY_TYPES = ("", "visual", "hearing", "speech", "physical", "intellectual", "mental", "multiple")
EMPLOYMENTS = (
    "",
    "employed",
    "self_employed",
    "flexible",
    "farming",
    "unemployed",
    "retired",
    "student",
    "not_working",
)

Parser = Callable[[Any, str], Any]


def _fail(path: str, message: str) -> ValueError:
    return ValueError(f"{path}：{message}")


def parse_money(raw: Any, path: str) -> Decimal:
    """A non-negative amount in yuan with at most two decimals, given as a string or an integer."""
    if isinstance(raw, bool) or not isinstance(raw, str | int):
        raise _fail(path, f'金额应写成字符串（如 "560.50"），不能是 {type(raw).__name__}')
    try:
        value = Decimal(str(raw).strip())
    except InvalidOperation:
        raise _fail(path, f"金额格式不正确：{raw!r}") from None
    if not value.is_finite():
        raise _fail(path, f"金额格式不正确：{raw!r}")
    if value < 0:
        raise _fail(path, f"金额不能为负数：{raw!r}")
    if value >= MAX_MONEY or value != value.quantize(Decimal("0.01")):
        raise _fail(path, f"金额最多保留两位小数且不超过 {MAX_MONEY}：{raw!r}")
    return value


def _optional_money(raw: Any, path: str) -> Decimal | None:
    return None if raw is None else parse_money(raw, path)


def parse_month(raw: Any, path: str) -> datetime.date:
    if not isinstance(raw, str) or not _MONTH_RE.match(raw):
        raise _fail(path, f"月份应写成 YYYY-MM：{raw!r}")
    try:
        return datetime.date(int(raw[:4]), int(raw[5:]), 1)
    except ValueError:
        raise _fail(path, f"月份不存在：{raw!r}") from None


def parse_date(raw: Any, path: str) -> datetime.date:
    if not isinstance(raw, str) or not _DATE_RE.match(raw):
        raise _fail(path, f"日期应写成 YYYY-MM-DD：{raw!r}")
    try:
        return datetime.date.fromisoformat(raw)
    except ValueError:
        raise _fail(path, f"日期不存在：{raw!r}") from None


def _str(raw: Any, path: str) -> str:
    if not isinstance(raw, str):
        raise _fail(path, f"应为字符串：{raw!r}")
    return raw.strip()


def _ref(raw: Any, path: str) -> str:
    value = _str(raw, path)
    if not value:
        raise _fail(path, "不能为空")
    return value


def _optional_ref(raw: Any, path: str) -> str | None:
    return None if raw is None or raw == "" else _ref(raw, path)


def _bool(raw: Any, path: str) -> bool:
    if not isinstance(raw, bool):
        raise _fail(path, f"应为 true 或 false：{raw!r}")
    return raw


def _choice(*choices: str) -> Parser:
    def parse(raw: Any, path: str) -> str:
        value = _str(raw, path)
        if value not in choices:
            raise _fail(path, f"应为 {' / '.join(c or '（空）' for c in choices)} 之一：{raw!r}")
        return value

    return parse


def _grade(raw: Any, path: str) -> int | None:
    if raw is None:
        return None
    if isinstance(raw, bool) or not isinstance(raw, int) or not 1 <= raw <= 4:
        raise _fail(path, f"残疾等级应为 1–4 的整数：{raw!r}")
    return raw


def _amounts(raw: Any, path: str) -> tuple[tuple[str, Decimal], ...]:
    """``{kind: amount}``; the kind is any non-empty string (an unknown kind is a missing fact, not an error)."""
    if not isinstance(raw, Mapping):
        raise _fail(path, f"应为 {{类别: 金额}} 形式的对象：{raw!r}")
    return tuple((_ref(kind, f"{path}"), parse_money(amount, f"{path}.{kind}")) for kind, amount in raw.items())


def _object(raw: Any, path: str, spec: Mapping[str, Parser], required: tuple[str, ...] = ()) -> dict[str, Any]:
    if not isinstance(raw, Mapping):
        raise _fail(path, "应为对象")
    for key in raw:
        if key not in spec:
            raise _fail(f"{path}.{key}", f"未知的字段 {key!r}（可用字段：{'、'.join(spec)}）")
    for key in required:
        if key not in raw:
            raise _fail(f"{path}.{key}", "缺少必填字段")
    return {key: spec[key](value, f"{path}.{key}") for key, value in raw.items()}


def _list_of(cls: type, spec: Mapping[str, Parser], required: tuple[str, ...] = ()) -> Parser:
    def parse(raw: Any, path: str) -> tuple:
        if not isinstance(raw, list | tuple):
            raise _fail(path, "应为列表")
        return tuple(cls(**_object(item, f"{path}[{i}]", spec, required)) for i, item in enumerate(raw))

    return parse


PERSON_SPEC: dict[str, Parser] = {
    "ref": _ref,
    "birth_date": parse_date,
    "sex": _choice("", "M", "F"),
    "relation": _str,
    "disability_type": _choice(*DISABILITY_TYPES),
    "disability_grade": _grade,
    "serious_illness": _bool,
    "labour_ability": _choice("", "full", "partial", "none"),
    "selfcare_level": _choice("", "capable", "partial", "none"),
    "education_stage": _choice("none", *EDUCATION_STAGES),
    "in_school": _bool,
    "employment": _choice(*EMPLOYMENTS),
    "deceased": _bool,
    "imprisoned": _bool,
    "missing": _bool,
    "incomes": _amounts,
    "medical_self_paid_this_year": parse_money,
}
VEHICLE_SPEC: dict[str, Parser] = {"value": parse_money, "purchase_price": _optional_money, "exempt": _bool}
HOME_SPEC: dict[str, Parser] = {
    "value": parse_money,
    "floor_area": _optional_money,
    "only_home": _bool,
    "exempt": _bool,
}
SUPPORTER_SPEC: dict[str, Parser] = {
    "supports": _ref,
    "relation": _str,
    "birth_date": parse_date,
    "disability_type": _choice(*DISABILITY_TYPES),
    "disability_grade": _grade,
    "annual_income": parse_money,
    "is_tekun": _bool,
    "is_dibao": _bool,
    "in_prison": _bool,
    "missing": _bool,
    "lacks_legal_capacity": _bool,
}
CURRENT_SPEC: dict[str, Parser] = {
    "program": _ref,
    "monthly_amount": parse_money,
    "since": parse_month,
    "category": _str,
}
HOUSEHOLD_SPEC: dict[str, Parser] = {
    "area_type": _choice("", "urban", "rural"),
    "members": _list_of(Person, PERSON_SPEC, ("ref", "birth_date")),
    "financial_assets": parse_money,
    "vehicles": _list_of(Vehicle, VEHICLE_SPEC, ("value",)),
    "homes": _list_of(Home, HOME_SPEC, ("value",)),
    "rigid_expenses_12m": _amounts,
    "supporters": _list_of(Supporter, SUPPORTER_SPEC, ("supports", "relation", "birth_date")),
    "last_year_total_income": _optional_money,
    "income_rise_cause": _choice("", "work", "other"),
    "current": _list_of(CurrentEnrolment, CURRENT_SPEC, ("program", "monthly_amount", "since")),
    "centralised_support": _bool,
}


def _extra(raw: Any, path: str) -> tuple[tuple[str, object], ...]:
    if not isinstance(raw, Mapping):
        raise _fail(path, "应为对象")
    for key, value in raw.items():
        if isinstance(value, float) or (not isinstance(value, str | int | bool) and value is not None):
            raise _fail(f"{path}.{key}", f"应为字符串、整数或布尔值：{value!r}")
    return tuple(raw.items())


def _household(raw: Any, path: str) -> Household:
    fields = _object(raw, path, HOUSEHOLD_SPEC)
    fields.setdefault("area_type", "")
    fields.setdefault("members", ())
    refs = [p.ref for p in fields["members"]]
    duplicate = next((r for r in refs if refs.count(r) > 1), None)
    if duplicate:
        raise _fail(f"{path}.members", f"成员 ref {duplicate!r} 重复")
    return Household(**fields)


REQUEST_SPEC: dict[str, Parser] = {
    "program": _ref,
    "month": parse_month,
    "household": _household,
    "subject": _optional_ref,
    "extra": _extra,
}


# The inputs each of these programs reads from ``extra`` (strict: any other key is an error).
EXTRA_SPECS: dict[str, dict[str, Parser]] = {
    "temp_emergency": {
        "cause": _choice("accident", "illness", "disaster", "other", "pending_application"),
        "expense": parse_money,
    },
    "temp_expenditure": {"expense": parse_money},
    "medical": {
        "inpatient_cost": parse_money,
        "insurance_paid": parse_money,
        "paid_this_year": parse_money,
        "in_county": _bool,
    },
    "education": {"stage": _choice(*EDUCATION_STAGES)},
}


def request_from_dict(data: Any) -> Request:
    """Build a :class:`Request` from its JSON form; raise ``ValueError`` (Chinese, naming the field)."""
    fields = _object(data, "request", REQUEST_SPEC, ("program", "month", "household"))
    spec = EXTRA_SPECS.get(fields["program"])
    if spec is not None and "extra" in fields:
        fields["extra"] = tuple(_object(dict(fields["extra"]), "request.extra", spec).items())
    return Request(**fields)


def _month(day: datetime.date) -> str:
    return f"{day:%Y-%m}"


def to_json(value: Any) -> Any:
    """Turn a rules value into JSON data: Decimal → str, date → "YYYY-MM-DD", mappings and sequences recursively."""
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, bool | int | str) or value is None:
        return value
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(k): to_json(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [to_json(v) for v in value]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_json(getattr(value, f.name)) for f in dataclasses.fields(value)}
    return str(value)


def _param(p: ParamUse) -> dict[str, Any]:
    return {
        "key": p.key,
        "value": to_json(p.value),
        "effective_from": _month(p.effective_from),
        "version_id": p.version_id,
        "clause": p.clause,
        "profile": p.profile,
        "local_default": p.local_default,
        "demo": p.demo,
    }


def _step(s: Step) -> dict[str, Any]:
    return {
        "rule_id": s.rule_id,
        "label": s.label,
        "inputs": {str(k): to_json(v) for k, v in s.inputs},
        "params": [_param(p) for p in s.params],
        "output": to_json(s.output),
        "applied": s.applied,
        "reason": s.reason,
    }


def decision_to_dict(decision: Decision) -> dict[str, Any]:
    """Return the decision as JSON data (see the module docstring for the formats)."""
    return {
        "program": decision.program,
        "jurisdiction": decision.jurisdiction,
        "month": _month(decision.month),
        "outcome": decision.outcome.value,
        "outcome_label": OUTCOME_LABELS[decision.outcome],
        "amount": str(decision.amount),
        "category": decision.category,
        "recheck_months": decision.recheck_months,
        "exit_schedule": [{"month": _month(m), "amount": str(a)} for m, a in decision.exit_schedule],
        "missing_facts": list(decision.missing_facts),
        "steps": [_step(s) for s in decision.steps],
        "considered_not_applied": [s.rule_id for s in decision.considered_not_applied],
        "details": {str(k): to_json(v) for k, v in decision.details},
        "versions_used": list(decision.versions_used),
    }


def _money_out(value: Decimal) -> str:
    return str(value)


def request_to_dict(request: Request) -> dict[str, Any]:
    """The inverse of :func:`request_from_dict` (for fixtures and round-trip tests)."""

    def obj(value: Any, spec: Mapping[str, Parser]) -> dict[str, Any]:
        out = {}
        for name in spec:
            item = getattr(value, name)
            if isinstance(item, datetime.date):
                out[name] = _month(item) if spec[name] is parse_month else item.isoformat()
            elif isinstance(item, Decimal):
                out[name] = _money_out(item)
            elif name in ("incomes", "rigid_expenses_12m"):
                out[name] = {k: _money_out(v) for k, v in item}
            else:
                out[name] = item
        return out

    household = request.household
    data = obj(household, {k: v for k, v in HOUSEHOLD_SPEC.items() if k not in _LISTS})
    for name, spec in _LISTS.items():
        data[name] = [obj(item, spec) for item in getattr(household, name)]
    result: dict[str, Any] = {"program": request.program, "month": _month(request.month), "household": data}
    if request.subject is not None:
        result["subject"] = request.subject
    if request.extra:
        result["extra"] = {k: str(v) if isinstance(v, Decimal) else v for k, v in request.extra}
    return result


_LISTS: dict[str, Mapping[str, Parser]] = {
    "members": PERSON_SPEC,
    "vehicles": VEHICLE_SPEC,
    "homes": HOME_SPEC,
    "supporters": SUPPORTER_SPEC,
    "current": CURRENT_SPEC,
}
