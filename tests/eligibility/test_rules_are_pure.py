"""The rules engine (``eligibility/rules``) is pure Python: no Django, no database, no project app imported."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

RULES = Path(__file__).resolve().parents[2] / "eligibility" / "rules"
MODULES = sorted(RULES.glob("*.py"))
ALLOWED_THIRD_PARTY: set[str] = {"numpy"}  # the batch path (batch.py) computes over numpy columns


def _imports(path: Path) -> list[tuple[str, int]]:
    """Every module a file imports (absolute names; relative imports resolved inside the package)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.extend((alias.name, node.lineno) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                found.append((f"eligibility.rules.{node.module or ''}", node.lineno))
            else:
                found.append((node.module or "", node.lineno))
        elif isinstance(node, ast.Call) and getattr(node.func, "id", "") == "__import__":
            found.append(("__import__", node.lineno))
    return found


def test_there_are_rule_modules():
    assert {p.stem for p in MODULES} >= {"engine", "dibao", "single", "graduated_exit", "low_income", "income"}


@pytest.mark.parametrize("path", MODULES, ids=[p.name for p in MODULES])
def test_rule_module_imports_only_the_standard_library_and_the_rules_package(path: Path):
    for name, line in _imports(path):
        top = name.split(".")[0]
        assert name != "__import__", f"{path.name}:{line} 动态导入"
        assert top != "django" and top != "rest_framework", f"{path.name}:{line} 导入了 {name}"
        if top == "eligibility":
            assert name.startswith("eligibility.rules"), f"{path.name}:{line} 导入了规则包以外的 {name}"
        else:
            assert top in sys.stdlib_module_names or top in ALLOWED_THIRD_PARTY or top == "__future__", (
                f"{path.name}:{line} 导入了非标准库模块 {name}"
            )


def test_importing_and_running_the_rules_loads_no_django():
    """In a fresh interpreter without Django settings, evaluate a request; django must never be imported."""
    code = """
import sys, datetime
from eligibility.rules.engine import evaluate
from eligibility.rules.profile_data import load_documents, parameter_set
from eligibility.rules.serialization import request_from_dict, decision_to_dict
docs = load_documents()
for program in ("dibao", "dibao_single", "low_income", "tekun"):
    request = request_from_dict({"program": program, "month": "2026-07", "subject": "m1", "household": {
        "area_type": "rural", "members": [{"ref": "m1", "birth_date": "1950-01-01"}]}})
    decision_to_dict(evaluate(request, parameter_set(docs, "changbai", request.month)))
loaded = sorted(m for m in sys.modules if m == "django" or m.startswith(("django.", "rest_framework")))
print(",".join(loaded))
"""
    root = Path(__file__).resolve().parents[2]
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=root, capture_output=True, text=True, timeout=60, env={"PATH": ""}
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "", f"规则引擎加载了 Django：{result.stdout}"
