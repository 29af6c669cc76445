"""The entry point of the rules: ``evaluate(request, params) -> Decision``.

Dispatches on ``request.program``:

- ``dibao`` — 低保 by household (``dibao``; an enrolled household whose income rose goes to ``graduated_exit``);
- ``dibao_single`` — 低保 单人户 (``single``);
- ``tekun`` — 特困 (``tekun``);
- ``low_income`` — 低保边缘 / 低收入 / 刚性支出困难 status (``low_income``);
- ``temp_emergency`` / ``temp_expenditure`` — 临时救助 急难型 / 支出型 (``temporary``);
- ``medical`` — 医疗救助 (``medical``); ``education`` — 教育救助 (``education``).

The parameters are resolved for ``request.month`` whatever month ``params`` was built for. Missing facts give a
needs-information decision; a parameter missing from the profile raises ``MissingParameter`` (a profile or
data problem, not the applicant's); an unknown program raises ``ValueError``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

from eligibility.rules.decision import Decision
from eligibility.rules.facts import Request
from eligibility.rules.parameters import ParameterSet, month_start

PROGRAMS: dict[str, str] = {
    "dibao": "最低生活保障（按户）",
    "dibao_single": "最低生活保障（单人户）",
    "tekun": "特困人员救助供养",
    "low_income": "低收入人口认定（低保边缘、低收入、刚性支出困难）",
    "temp_emergency": "临时救助（急难型）",
    "temp_expenditure": "临时救助（支出型）",
    "medical": "医疗救助",
    "education": "教育救助",
}


def _rule(program: str) -> Callable[[Request, ParameterSet], Decision]:
    # Imported lazily so that one program's module cannot break the others (and 特困 lives elsewhere).
    if program == "dibao":
        from eligibility.rules.dibao import evaluate_dibao

        return evaluate_dibao
    if program == "dibao_single":
        from eligibility.rules.single import evaluate_single

        return evaluate_single
    if program == "low_income":
        from eligibility.rules.low_income import evaluate_low_income

        return evaluate_low_income
    if program == "tekun":
        from eligibility.rules.tekun import evaluate_tekun

        return evaluate_tekun
    if program == "temp_emergency":
        from eligibility.rules.temporary import evaluate_emergency

        return evaluate_emergency
    if program == "temp_expenditure":
        from eligibility.rules.temporary import evaluate_expenditure

        return evaluate_expenditure
    if program == "medical":
        from eligibility.rules.medical import evaluate_medical

        return evaluate_medical
    if program == "education":
        from eligibility.rules.education import evaluate_education

        return evaluate_education
    raise ValueError(f"未知的救助项目：{program!r}（可选：{'、'.join(f'{k}（{v}）' for k, v in PROGRAMS.items())}）")


def evaluate(request: Request, params: ParameterSet) -> Decision:
    """Decide ``request`` with the jurisdiction's parameters; see the module docstring for what may raise."""
    rule = _rule(request.program)
    month = month_start(request.month)
    if params.month != month:
        params = dataclasses.replace(params, month=month)
    return rule(request, params)
