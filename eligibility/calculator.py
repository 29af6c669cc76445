"""The what-if calculator (试算): who may use it, which jurisdiction a request means, evaluating a described
or registered household, and the decision put readably in Chinese for the page and the API.

Nothing here writes: a what-if evaluation stores nothing. Bad input of any kind (an unknown program or
jurisdiction, a month without standards, a malformed request) becomes an :class:`ApplicationError` (400) with
a Chinese message, so the API's handler and the pages' middleware answer it — never a 500.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from typing import Any

from django.db.models import Q

from assistance.errors import ApplicationError, PermissionRefused
from assistance.models import Region
from assistance.roles import RegionLevel, capabilities_for
from assistance.scoping import scope_regions
from cases.choices import DisabilityType, EducationStage, ExpenseKind, IncomeKind
from cases.models import Household, Member
from eligibility.models import PolicyProfile, ProfileJurisdiction
from eligibility.rules import schema
from eligibility.rules.decision import OUTCOME_LABELS, Decision, Outcome, ParamUse, Step
from eligibility.rules.dibao import CATEGORY_LABELS, GROUP_LABELS
from eligibility.rules.engine import PROGRAMS, evaluate
from eligibility.rules.facts import Request
from eligibility.rules.parameters import MissingParameter, ParameterSet
from eligibility.rules.rounding import LABELS as ROUNDING_LABELS
from eligibility.rules.schema import PARAMETERS
from eligibility.rules.serialization import request_from_dict
from eligibility.rules.single import GROUP_LABELS as SINGLE_GROUP_LABELS
from eligibility.selectors import household_facts, parameter_set_for, parameter_set_for_profile

# The programs the calculator offers: the rules engine's dispatch.
PROGRAM_LABELS: dict[str, str] = PROGRAMS
SUBJECT_PROGRAMS = ("dibao_single", "tekun")
INCOME_RISE_CAUSES = {"work": "就业、务工或经营收入增加", "other": "其他原因"}
AREA_LABELS = {"urban": "城市", "rural": "农村"}


# --- who may use it, and where -----------------------------------------------------------------------


def can_use_calculator(user) -> bool:
    """Town caseworkers, county reviewers and county administrators (and superusers) may run 试算."""
    if not user.is_authenticated:
        return False
    return user.is_superuser or capabilities_for(user).use_calculator


def require_calculator(user) -> None:
    if not can_use_calculator(user):
        raise PermissionRefused("试算仅供乡镇经办、县级审核和县级管理员使用")


@dataclass(frozen=True)
class Jurisdiction:
    """Whose parameters a what-if uses: a profile, reached through a county or by its code."""

    profile: str
    name: str
    county: Region | None = None

    @property
    def label(self) -> str:
        return self.county.name if self.county is not None else self.name


def _counties_q(actor) -> Q:
    """Counties of the actor's jurisdiction: the county each of their regions lies in, or every county under a
    city or province they hold (everything for a superuser)."""
    if actor.is_superuser:
        return Q()
    q = Q(pk__in=[])
    for region in scope_regions(actor):
        codes = region.ancestor_codes()
        if len(codes) >= 3:  # at or below county level: the county it lies in
            q |= Q(path="/" + "/".join(codes[:3]) + "/")
        else:
            q |= Q(path__startswith=region.path)
    return q


def calculator_counties_for(actor) -> list[Region]:
    """The counties of the actor's jurisdiction, in path order. One query."""
    return list(Region.objects.filter(_counties_q(actor), level=RegionLevel.COUNTY).order_by("path"))


def calculator_jurisdiction_choices(actor) -> list[tuple[str, str]]:
    """``[(county id, "county name（profile name）")]`` of the actor's counties a profile governs. Two queries."""
    counties = calculator_counties_for(actor)
    links = dict(ProfileJurisdiction.objects.filter(county__in=counties).values_list("county_id", "profile__name"))
    return [(str(c.pk), f"{c.name}（{links[c.pk]}政策）") for c in counties if c.pk in links]


def resolve_jurisdiction(*, actor, value: Any) -> Jurisdiction:
    """Return the jurisdiction ``value`` names: a county's region id (of the actor's counties) or a profile code.

    Raise :class:`ApplicationError` (400, ``unknown_jurisdiction``) otherwise.
    """
    text = str(value).strip() if isinstance(value, str | int) and not isinstance(value, bool) else ""
    if text.isdigit() and text.isascii():
        county = None
        if int(text) < 2**63:  # a bigger number is no id (and would overflow the database's bigint)
            county = Region.objects.filter(_counties_q(actor), level=RegionLevel.COUNTY, pk=int(text)).first()
        if county is None:
            raise ApplicationError(
                "未找到该县（市、区），或不在您的管辖范围内",
                code="unknown_jurisdiction",
                fields={"jurisdiction": ["请填写您管辖范围内县（市、区）的区划编号，或政策参数档案代码"]},
            )
        profile = PolicyProfile.objects.filter(
            pk__in=ProfileJurisdiction.objects.filter(county=county).values("profile_id")
        ).first()
        if profile is None:
            raise ApplicationError(
                f"{county.name}没有适用的政策参数档案，无法测算",
                code="no_profile",
                fields={"jurisdiction": ["该县（市、区）没有适用的政策参数档案"]},
            )
        return Jurisdiction(profile=profile.code, name=profile.name, county=county)
    profile = PolicyProfile.objects.filter(code=text).first() if text and len(text) <= 40 else None
    if profile is None:
        raise ApplicationError(
            "未知的地区或政策参数档案",
            code="unknown_jurisdiction",
            fields={"jurisdiction": ["请填写县（市、区）的区划编号，或政策参数档案代码（如 changbai、national）"]},
        )
    return Jurisdiction(profile=profile.code, name=profile.name)


# --- evaluating ----------------------------------------------------------------------------------------


def _parameters(jurisdiction: Jurisdiction, month: datetime.date) -> ParameterSet:
    if jurisdiction.county is not None:
        return parameter_set_for(county=jurisdiction.county, month=month)
    return parameter_set_for_profile(code=jurisdiction.profile, month=month)


def _missing_parameter(error: MissingParameter, jurisdiction: Jurisdiction) -> ApplicationError:
    definition = PARAMETERS.get(error.key)
    label = definition.label if definition else error.key
    message = (
        f"{jurisdiction.label}在{error.month:%Y年%m月}没有有效的政策参数“{label}”（{error.key}），无法测算；"
        "请选择已有标准的月份，或请县级管理员补录该参数"
    )
    return ApplicationError(
        message, code="missing_parameter", extra={"key": error.key, "month": f"{error.month:%Y-%m}"}
    )


def evaluate_request(request: Request, jurisdiction: Jurisdiction) -> Decision:
    """Evaluate ``request`` with the jurisdiction's parameters; an unknown program or a missing parameter
    becomes an ApplicationError with a Chinese message."""
    if request.program not in PROGRAM_LABELS:
        raise ApplicationError(
            f"不支持的救助项目：{str(request.program)[:40]}",
            code="unknown_program",
            fields={"program": [f"可选：{'、'.join(f'{k}（{v}）' for k, v in PROGRAM_LABELS.items())}"]},
        )
    try:
        return evaluate(request, _parameters(jurisdiction, request.month))
    except MissingParameter as error:
        raise _missing_parameter(error, jurisdiction) from None


def parse_request(data: Any) -> Request:
    """Return the request ``data`` describes (``request_from_dict``'s format); raise a 400 if it does not."""
    if not isinstance(data, Mapping):
        raise ApplicationError(
            "request 应为 JSON 对象（{…}）", code="invalid_request", fields={"request": ["应为对象"]}
        )
    program = data.get("program")
    if isinstance(program, str) and program not in PROGRAM_LABELS:
        raise ApplicationError(
            f"不支持的救助项目：{program[:40]}",
            code="unknown_program",
            fields={"request.program": [f"可选：{'、'.join(PROGRAM_LABELS)}"]},
        )
    try:
        return request_from_dict(dict(data))
    except (ValueError, TypeError, LookupError, ArithmeticError) as error:
        # request_from_dict names the offending key in Chinese; the other kinds are a safety net.
        message = str(error)[:300] or "request 的内容有误"
        raise ApplicationError(message, code="invalid_request", fields={"request": [message]}) from None


def evaluate_what_if(*, jurisdiction: Jurisdiction, data: Any) -> Decision:
    """Evaluate a household described in ``data`` (nothing stored)."""
    return evaluate_request(parse_request(data), jurisdiction)


def household_jurisdiction(household: Household) -> Jurisdiction:
    """The jurisdiction of a registered household: its 户籍 county and the profile governing it."""
    codes = household.hukou_region.ancestor_codes()
    county = Region.objects.filter(code__in=codes, level=RegionLevel.COUNTY).first()
    if county is None:
        raise ApplicationError("该家庭的户籍地不属于任何县（市、区），无法测算", code="no_profile")
    profile = PolicyProfile.objects.filter(
        pk__in=ProfileJurisdiction.objects.filter(county=county).values("profile_id")
    ).first()
    if profile is None:
        raise ApplicationError(f"{county.name}没有适用的政策参数档案，无法测算", code="no_profile")
    return Jurisdiction(profile=profile.code, name=profile.name, county=county)


def evaluate_household(
    *, household: Household, program: str, month: datetime.date, subject: Member | None = None
) -> tuple[Jurisdiction, Decision]:
    """Evaluate a registered household (fetched through a scoped selector) with its county's parameters.

    ``subject`` must be an active member of the household (the caller resolves it within the household).
    """
    month = month.replace(day=1)
    if subject is not None and (subject.household_id != household.pk or not subject.is_active):
        raise ApplicationError("对象须为本户在册成员", code="invalid", fields={"subject": ["请选择本户在册成员"]})
    if program in SUBJECT_PROGRAMS and subject is None:
        raise ApplicationError("单人户、特困测算须指明对象", code="invalid", fields={"subject": ["请选择本户在册成员"]})
    jurisdiction = household_jurisdiction(household)
    request = Request(
        program=program,
        month=month,
        household=household_facts(household=household, month=month),
        subject=str(subject.pk) if subject is not None else None,
    )
    return jurisdiction, evaluate_request(request, jurisdiction)


# --- presenting ----------------------------------------------------------------------------------------

# Chinese words for the codes that appear in parameter values and step inputs. "other" is left out of the shared
# vocabulary (an income kind and an expense kind share it); lists of one vocabulary use their own.
_CHOICE_WORDS: dict[str, dict[str, str]] = {
    "property.vehicle_rule": {
        "ignore": "不审核机动车",
        "none_allowed": "不得拥有非豁免机动车",
        "value_limit": "机动车价值不超过上限",
    },
    "dibao.supplement.stacking": {"stack": "逐类叠加增发", "highest": "只按一类增发"},
    "dibao.rounding": ROUNDING_LABELS,
    "tekun.rounding": ROUNDING_LABELS,
    "dibao.category.scheme": {
        "none": "不分类（按收入是否稳定定核查周期）",
        "abc": "A、B、C三类",
        "maiji": "城市全额/差额、农村一至四类",
    },
    "exit.cause": {"any": "不限原因", "work": "限于就业增收"},
    "exit.amount_mode": {"unchanged": "保持不变", "yearly_decrease": "逐年递减"},
}
_INCOME_WORDS = dict(IncomeKind.choices)
_EXPENSE_WORDS = dict(ExpenseKind.choices)
_LIST_WORDS: dict[tuple[str, ...], dict[str, str]] = {
    schema.INCOME_KINDS: _INCOME_WORDS,
    schema.EXPENSE_KINDS: _EXPENSE_WORDS,
    schema.EDUCATION_STAGES: dict(EducationStage.choices),
    schema.SUPPLEMENT_GROUPS: GROUP_LABELS,
    schema.SINGLE_GROUPS: SINGLE_GROUP_LABELS,
}
_SHARED_WORDS: dict[str, str] = {
    **{k: v for k, v in _INCOME_WORDS.items() if k != "other"},
    **{k: v for k, v in _EXPENSE_WORDS.items() if k != "other"},
    **dict(DisabilityType.choices),
    **GROUP_LABELS,
    **{k: v for k, v in CATEGORY_LABELS.items() if len(k) > 1},
    "*": "任意类别",
}


def _amount(value: Decimal) -> str:
    return f"{value:,.2f}"


def format_value(value: Any, names: Mapping[str, str] | None = None, unit: str = "", words=None) -> str:
    """Return a value of a step or parameter as Chinese text: member refs by name (``names``), codes by their
    Chinese words (``words``, by default the shared vocabulary), money and ratios as exact decimals."""
    names = names or {}
    words = _SHARED_WORDS if words is None else words

    def word(text: Any) -> str:
        text = str(text)
        return names.get(text) or words.get(text, text)

    if value is None:
        return "—"
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, Fraction):
        value = (Decimal(value.numerator) / Decimal(value.denominator)).quantize(Decimal("0.01"))
    if isinstance(value, Decimal | int | float):
        return f"{value} {unit}".strip() if unit else f"{value}"
    if isinstance(value, datetime.date):
        return f"{value:%Y年%m月}" if value.day == 1 else f"{value:%Y年%m月%d日}"
    if isinstance(value, str):
        return word(value)
    if isinstance(value, Mapping):
        if not value:
            return "无"
        return "；".join(f"{word(k)}：{format_value(v, names, words=words)}" for k, v in value.items())
    if isinstance(value, list | tuple | set | frozenset):
        if not value:
            return "无"
        return "、".join(format_value(v, names, words=words) for v in value)
    return str(value)


def _param_value(p: ParamUse, names: Mapping[str, str]) -> str:
    definition = PARAMETERS.get(p.key)
    if definition is None:
        return format_value(p.value, names)
    if definition.type == "choice":
        return _CHOICE_WORDS.get(p.key, {}).get(str(p.value), str(p.value))
    if definition.type == "list":
        return format_value(p.value, words=_LIST_WORDS.get(definition.choices, _SHARED_WORDS))
    return format_value(p.value, unit=definition.unit)


@dataclass(frozen=True)
class ParamLine:
    key: str
    label: str
    value: str
    effective_from: str
    source: str  # the clause, or 本地默认
    profile: str
    version_id: str
    local_default: bool
    demo: bool


@dataclass(frozen=True)
class StepLine:
    number: int
    rule_id: str
    label: str
    inputs: list[tuple[str, str]]
    params: list[ParamLine]
    output: str
    applied: bool
    reason: str


@dataclass
class Presentation:
    """A decision as the page and the API's ``explanation`` show it."""

    program: str
    program_label: str
    jurisdiction: Jurisdiction
    month: datetime.date
    outcome: str
    outcome_label: str
    amount: str
    category: str
    recheck_months: int | None
    exit_schedule: list[tuple[str, str]]
    missing_facts: list[str]
    reasons: list[str]
    steps: list[StepLine]
    not_applied: list[StepLine]
    versions_used: list[str]
    demo_used: bool
    names: dict[str, str] = field(default_factory=dict)

    @property
    def eligible(self) -> bool:
        return self.outcome == Outcome.ELIGIBLE

    def summary(self) -> str:
        head = f"{self.jurisdiction.label} · {self.month:%Y年%m月} · {self.program_label}：{self.outcome_label}"
        parts = [head]
        if self.outcome == Outcome.ELIGIBLE and self.program != "low_income":
            parts.append(f"每月 {self.amount} 元")
        if self.category:
            parts.append(f"类别 {self.category}")
        if self.recheck_months:
            parts.append(f"每 {self.recheck_months} 个月核查一次")
        if self.exit_schedule:
            parts.append(f"渐退 {len(self.exit_schedule)} 个月")
        if self.missing_facts:
            parts.append("缺少：" + "、".join(self.missing_facts))
        if self.reasons:
            parts.append("原因：" + "；".join(self.reasons))
        return "；".join(parts)

    def lines(self) -> list[str]:
        """The explanation as numbered Chinese sentences (the API's ``explanation``)."""
        result = [self.summary()]
        for step in self.steps:
            text = f"{step.number}. {step.label}"
            if step.inputs:
                text += "（" + "；".join(f"{k}：{v}" for k, v in step.inputs) + "）"
            text += f" → {step.output}"
            if not step.applied:
                text += f"【考虑但未适用：{step.reason or '条件不满足'}】"
            elif step.reason:
                text += f"【{step.reason}】"
            if step.params:
                text += "。依据：" + "；".join(
                    f"{p.label} {p.value}（自{p.effective_from}起，{p.source}）" for p in step.params
                )
            result.append(text)
        if self.demo_used:
            result.append("注：标注“演示数据”的参数是演示用的示意值，不是当地实际标准。")
        return result


STATUS_LABELS = {"dibao_edge": "低保边缘家庭", "low_income": "低收入家庭", "rigid_expense": "刚性支出困难家庭"}


def _category_label(category: str) -> str:
    from eligibility.rules.tekun import MODE_LABELS

    labels = {**CATEGORY_LABELS, **MODE_LABELS, **STATUS_LABELS}
    return labels.get(category, category)


def _param_line(p: ParamUse, names: Mapping[str, str]) -> ParamLine:
    definition = PARAMETERS.get(p.key)
    demo = p.demo
    if p.clause:
        source = p.clause
    elif demo:
        source = "演示数据"
    else:
        source = "本地默认（文件未作规定）" if p.local_default else "—"
    return ParamLine(
        key=p.key,
        label=definition.label if definition else p.key,
        value=_param_value(p, names),
        effective_from=f"{p.effective_from:%Y年%m月}",
        source=source,
        profile=p.profile,
        version_id=p.version_id,
        local_default=p.local_default,
        demo=demo,
    )


def _step_line(number: int, step: Step, names: Mapping[str, str]) -> StepLine:
    return StepLine(
        number=number,
        rule_id=step.rule_id,
        label=step.label,
        inputs=[(names.get(str(k), str(k)), format_value(v, names)) for k, v in step.inputs],
        params=[_param_line(p, names) for p in step.params],
        output=format_value(step.output, names),
        applied=step.applied,
        reason=step.reason,
    )


def present(decision: Decision, jurisdiction: Jurisdiction, names: Mapping[str, str] | None = None) -> Presentation:
    """Return ``decision`` ready to show; ``names`` maps member refs to names (a registered household's).

    No query: each parameter use says whether it is a demo figure.
    """
    names = dict(names or {})
    steps = [_step_line(i, s, names) for i, s in enumerate(decision.steps, start=1)]
    details = dict(decision.details)
    reasons = details.get("reasons") or ()
    return Presentation(
        program=decision.program,
        program_label=PROGRAM_LABELS.get(decision.program, decision.program),
        jurisdiction=jurisdiction,
        month=decision.month,
        outcome=str(decision.outcome),
        outcome_label=OUTCOME_LABELS.get(decision.outcome, str(decision.outcome)),
        amount=_amount(decision.amount),
        category=_category_label(decision.category) if decision.category else "",
        recheck_months=decision.recheck_months,
        exit_schedule=[(f"{m:%Y年%m月}", _amount(a)) for m, a in decision.exit_schedule],
        missing_facts=list(decision.missing_facts),
        reasons=[format_value(r, names) for r in (reasons if isinstance(reasons, list | tuple) else [reasons])],
        steps=steps,
        not_applied=[s for s in steps if not s.applied],
        versions_used=list(decision.versions_used),
        demo_used=any(p.demo for s in steps for p in s.params),
        names=names,
    )
