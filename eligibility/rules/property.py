"""The property test (家庭财产, dibao-shenhe-queren-banfa-2021 第十四条) shared by 低保, 单人户 and 低收入.

- Financial assets (cash, deposits, securities, insurance cash value, claims …) per head at most
  ``property.financial_months`` months of the 低保 standard (changbai-2021 §二(一)7: 24 months). Compared as
  ``assets ≤ months × standard × members`` so no division rounds.
- Vehicles by ``property.vehicle_rule``: ``ignore``; ``none_allowed`` (any vehicle not exempt as necessary
  for production or living fails); ``value_limit`` (their total value above ``property.vehicle_value_limit``
  fails). Huangli's integrity campaign checks exactly these “车子、房子、票子” (huangli-2022 三(三)3).
- Homes: more than ``property.max_homes`` homes that are not exempt fails.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from eligibility.rules.decision import Explainer
from eligibility.rules.facts import Household
from eligibility.rules.parameters import ParamValue


@dataclass(frozen=True)
class PropertyResult:
    passed: bool
    failures: tuple[str, ...]  # Chinese, one per failed condition


def property_test(household: Household, size: int, standard: ParamValue, ex: Explainer) -> PropertyResult:
    """Check the household's property against the profile; record one step per condition."""
    failures: list[str] = []
    months_p = ex.param("property.financial_months")
    limit = Decimal(months_p.value) * standard.value * size
    ok = household.financial_assets <= limit
    ex.step(
        "property.financial",
        "人均金融资产不超过规定月数的低保标准",
        inputs={"金融资产合计": household.financial_assets, "家庭人口": size, "低保标准": standard.value},
        params=[months_p, standard],
        output={"上限合计": limit, "符合": ok},
    )
    if not ok:
        failures.append(
            f"金融资产 {household.financial_assets} 元超过上限 {limit} 元（人均 {months_p.value} 个月低保标准）"
        )

    rule_p = ex.param("property.vehicle_rule")
    counted = [v for v in household.vehicles if not v.exempt]
    exempt_count = len(household.vehicles) - len(counted)
    vehicle_inputs = {"机动车": len(household.vehicles), "其中豁免（生产生活必需）": exempt_count}
    if rule_p.value == "ignore":
        if household.vehicles:
            ex.step(
                "property.vehicles",
                "机动车条件",
                inputs=vehicle_inputs,
                params=[rule_p],
                output=True,
                applied=False,
                reason="本辖区未把机动车作为单独的财产条件",
            )
    elif rule_p.value == "none_allowed":
        ok = not counted
        ex.step("property.vehicles", "不得拥有非豁免机动车", inputs=vehicle_inputs, params=[rule_p], output=ok)
        if not ok:
            failures.append(f"拥有 {len(counted)} 辆非豁免机动车")
    else:
        limit_p = ex.param("property.vehicle_value_limit")
        value = sum((v.value for v in counted), Decimal("0"))
        ok = value <= limit_p.value
        ex.step(
            "property.vehicles",
            "非豁免机动车价值不超过上限",
            inputs={**vehicle_inputs, "非豁免车辆价值合计": value},
            params=[rule_p, limit_p],
            output=ok,
        )
        if not ok:
            failures.append(f"机动车价值 {value} 元超过上限 {limit_p.value} 元")

    homes_p = ex.param("property.max_homes")
    counted_homes = [h for h in household.homes if not h.exempt]
    ok = len(counted_homes) <= homes_p.value
    if household.homes:
        ex.step(
            "property.homes",
            "住房套数不超过上限（豁免住房不计）",
            inputs={"住房": len(household.homes), "非豁免住房": len(counted_homes)},
            params=[homes_p],
            output=ok,
        )
    if not ok:
        failures.append(f"拥有 {len(counted_homes)} 套非豁免住房，超过 {homes_p.value} 套")

    ex.step(
        "property.result",
        "家庭财产状况符合规定（dibao-shenhe-queren-banfa-2021 第十四条）",
        output=not failures,
        reason="；".join(failures),
    )
    return PropertyResult(not failures, tuple(failures))
