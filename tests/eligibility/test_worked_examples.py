"""Worked examples: every ``eligibility/examples/**/*.yaml`` evaluated against the shipped profiles.

Each file is one example (see the format in ``eligibility/examples/README.md``). Unknown keys anywhere — in
the file, in ``expected`` or in the request — fail; so do duplicate YAML keys. The request goes through
``request_from_dict`` and ``engine.evaluate`` with the profile's parameters for the request's month; the
outcome, amount and optional category, re-check interval, missing facts, 渐退 schedule and details must match,
and every expected clause must be cited by a parameter the decision used.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from pathlib import Path

import pytest
import yaml

from eligibility.rules.engine import evaluate
from eligibility.rules.profile_data import load_documents, parameter_set
from eligibility.rules.serialization import request_from_dict, to_json

EXAMPLES = Path(__file__).resolve().parents[2] / "eligibility" / "examples"
PATHS = sorted(EXAMPLES.glob("**/*.yaml"))
TOP_KEYS = {"id", "proves", "description", "jurisdiction", "request", "expected"}
EXPECTED_KEYS = {
    "outcome",
    "amount",
    "category",
    "recheck_months",
    "missing_facts",
    "exit_schedule",
    "clauses",
    "details",
}
REQUIRED_EXPECTED = {"outcome", "amount", "clauses"}
MY_PROGRAMS = ("dibao", "dibao_single", "low_income")


class _StrictLoader(yaml.SafeLoader):
    """Safe YAML that rejects duplicate keys (PyYAML silently keeps the last one)."""


def _mapping(loader: _StrictLoader, node: yaml.MappingNode, deep: bool = False) -> dict:
    seen = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if key in seen:
            raise yaml.constructor.ConstructorError(None, None, f"重复的键 {key!r}", key_node.start_mark)
        seen.add(key)
    return loader.construct_mapping(node, deep=deep)


_StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping)


def load_example(path: Path) -> dict:
    data = yaml.load(path.read_text(encoding="utf-8"), Loader=_StrictLoader)  # a SafeLoader subclass
    assert isinstance(data, dict), f"{path.name}: 应为一个对象"
    unknown = set(data) - TOP_KEYS
    assert not unknown, f"{path.name}: 未知的键 {sorted(unknown)}"
    missing = TOP_KEYS - set(data)
    assert not missing, f"{path.name}: 缺少 {sorted(missing)}"
    expected = data["expected"]
    unknown = set(expected) - EXPECTED_KEYS
    assert not unknown, f"{path.name}: expected 中未知的键 {sorted(unknown)}"
    missing = REQUIRED_EXPECTED - set(expected)
    assert not missing, f"{path.name}: expected 缺少 {sorted(missing)}"
    return data


@pytest.fixture(scope="module")
def documents():
    return load_documents()


def run(data: dict, documents):
    request = request_from_dict(data["request"])
    params = parameter_set(documents, data["jurisdiction"], request.month)
    return request, evaluate(request, params)


def _cited(decision) -> set[str]:
    return {p.clause for step in decision.steps for p in step.params if p.clause}


@pytest.mark.parametrize("path", PATHS, ids=[str(p.relative_to(EXAMPLES)) for p in PATHS])
def test_worked_example(path: Path, documents):
    # given
    data = load_example(path)
    expected = data["expected"]
    assert data["id"] == path.stem, "id 应与文件名一致"
    assert data["request"]["program"] == path.parent.name, "示例应放在其救助项目的目录下"
    assert data["proves"] and all(isinstance(c, str) and c for c in data["proves"])
    assert isinstance(data["description"], str) and data["description"].strip()
    # when
    _, decision = run(data, documents)
    # then
    summary = f"{decision.outcome} {decision.amount} {decision.missing_facts} {dict(decision.details)}"
    assert decision.outcome.value == expected["outcome"], summary
    assert decision.amount == Decimal(str(expected["amount"])), summary
    if "category" in expected:
        assert decision.category == expected["category"]
    if "recheck_months" in expected:
        assert decision.recheck_months == expected["recheck_months"]
    if "missing_facts" in expected:
        assert len(decision.missing_facts) == len(expected["missing_facts"]), decision.missing_facts
        for fragment in expected["missing_facts"]:
            assert any(fragment in fact for fact in decision.missing_facts), (fragment, decision.missing_facts)
    if "exit_schedule" in expected:
        got = {f"{month:%Y-%m}": amount for month, amount in decision.exit_schedule}
        want = {str(month): Decimal(str(amount)) for month, amount in expected["exit_schedule"].items()}
        assert got == want
    if "details" in expected:
        details = dict(decision.details)
        for key, value in expected["details"].items():
            assert key in details, f"details 缺少 {key}"
            assert to_json(details[key]) == value, (key, details[key])
    cited = _cited(decision)
    for clause in expected["clauses"]:
        assert clause in cited, f"条款 {clause} 不在所用参数的依据中：{sorted(cited)}"
    shown = " ".join(s.label + s.reason for s in decision.steps)
    for clause in data["proves"]:
        assert clause in cited or clause in shown, f"proves 中的 {clause} 在说明中没有出现"
    assert all(amount >= 0 for _, amount in decision.exit_schedule)


def test_examples_cover_programs_profiles_and_boundary(documents):
    """At least 40 examples for 低保 / 单人户 / 低收入 over all six profiles, with a 30 June / 1 July pair."""
    examples = [load_example(p) for p in PATHS]
    mine = [e for e in examples if e["request"]["program"] in MY_PROGRAMS]
    assert len(mine) >= 40
    assert {e["jurisdiction"] for e in mine} == set(documents)
    for program in MY_PROGRAMS:
        assert {e["jurisdiction"] for e in mine if e["request"]["program"] == program} >= {"national", "changbai"}
    by_household = defaultdict(dict)
    for e in mine:
        key = (e["jurisdiction"], e["request"]["program"], repr(e["request"]["household"]))
        by_household[key][e["request"]["month"]] = Decimal(str(e["expected"]["amount"]))
    pairs = [m for m in by_household.values() if "2026-06" in m and "2026-07" in m and m["2026-06"] != m["2026-07"]]
    assert pairs, "需要同一家庭在2026-06和2026-07金额不同的示例（7月1日调标）"


def test_examples_exercise_every_rule_and_rounding_mode(documents):
    """Every rule step, each rounding mode and each 渐退 variant appears (applied) in some example."""
    applied, not_applied, rounding, exit_modes = set(), set(), set(), set()
    for path in PATHS:
        data = load_example(path)
        if data["request"]["program"] not in MY_PROGRAMS:
            continue
        _, decision = run(data, documents)
        for step in decision.steps:
            (applied if step.applied else not_applied).add(step.rule_id)
            for p in step.params:
                if p.key == "dibao.rounding":
                    rounding.add(p.value)
                if p.key == "exit.amount_mode" and decision.exit_schedule:
                    exit_modes.add((data["jurisdiction"], p.value, len(decision.exit_schedule)))
    assert rounding == {"fen", "jiao", "yuan"}
    assert {
        "household.member_excluded",
        "income.exempt",
        "income.deductions",
        "income.rigid_deduction",
        "property.financial",
        "property.vehicles",
        "property.homes",
        "dibao.floor",
        "dibao.supplement",
        "dibao.category",
        "exit.schedule",
        "single.groups",
        "single.medical_cost",
        "single.cap",
        "low_income.edge",
        "low_income.multiple",
        "low_income.rigid",
    } <= applied
    assert {
        "dibao.supplement.stacking",
        "income.rigid_deduction",
        "exit.income_limit",
        "exit.cause",
        "single.whole_household",
        "dibao.floor",
    } <= not_applied
    assert {mode for _, mode, _ in exit_modes} == {"unchanged", "yearly_decrease"}
    assert {months for _, _, months in exit_modes} >= {6, 18, 24}
