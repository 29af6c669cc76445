"""The policy profiles as data files: validation, inheritance, month-resolved lookups and coverage."""

from __future__ import annotations

import datetime
import json
import shutil
from decimal import Decimal
from pathlib import Path

import pytest

from assistance.demo.regions import COUNTIES, STANDARD_MONTHS
from eligibility.rules.parameters import MissingParameter
from eligibility.rules.profile_data import (
    PROFILES_DIR,
    ProfileError,
    dump_value,
    load_documents,
    parameter_set,
    parse_value,
    profile_for_region,
)
from eligibility.rules.profile_data import coverage_report as coverage
from eligibility.rules.schema import PARAMETERS

LOCAL = ("changbai", "nantong", "jiuhuashan", "maiji", "wujin")


def month(text: str) -> datetime.date:
    year, mon = text.split("-")
    return datetime.date(int(year), int(mon), 1)


@pytest.fixture(scope="module")
def documents():
    return load_documents()


# --- the shipped files --------------------------------------------------------------------------------


def test_shipped_profiles_load(documents):
    assert set(documents) == {"national", *LOCAL}
    assert documents["national"].parent is None
    assert all(documents[code].parent == "national" for code in LOCAL)


def test_national_sets_every_schema_key(documents):
    assert documents["national"].keys == frozenset(PARAMETERS)


def test_region_codes_map_to_profiles(documents):
    assert profile_for_region(documents, "220623") == "changbai"
    assert profile_for_region(documents, "320613") == "nantong"
    assert profile_for_region(documents, "320612") == "nantong"
    assert profile_for_region(documents, "341799") == "jiuhuashan"
    assert profile_for_region(documents, "620503") == "maiji"
    assert profile_for_region(documents, "320412") == "wujin"
    assert profile_for_region(documents, "110101") is None


def test_every_county_of_the_demo_has_a_profile_with_its_demo_standards(documents):
    """The demo standards in the profiles are those seed_demo records (assistance/demo/regions.py)."""
    for county in COUNTIES:
        code = profile_for_region(documents, county.county.code)
        assert code is not None, county.slug
        for area_type, amounts in county.standards.items():
            for effective, amount in zip(STANDARD_MONTHS, amounts, strict=True):
                value = parameter_set(documents, code, effective).get(f"dibao.standard.{area_type}")
                assert value.value == amount, (county.slug, area_type, effective)
                assert value.effective_from == effective
                assert value.local_default and value.clause == ""  # demo: no clause behind the figure


def test_local_clauses_cite_the_profiles_own_document(documents):
    """A local override cites its own document's sections, or says it is a local default or demo data."""
    for code in LOCAL:
        document = documents[code]
        for version in document.versions:
            if version.local_default or version.demo:
                assert version.note, (code, version.key)
                continue
            assert version.clause.startswith(f"{document.document} §"), (code, version.key, version.clause)


def test_demo_standards_have_two_versions_per_profile(documents):
    for code in ("national", *LOCAL):
        for key in ("dibao.standard.urban", "dibao.standard.rural", "reference.disposable_income_last_year"):
            versions = documents[code].versions_of(key)
            assert [v.effective_from for v in versions] == list(STANDARD_MONTHS), (code, key)
            assert all(v.demo for v in versions)
            assert versions[1].value > versions[0].value  # a raise on 1 July 2026


def test_no_coverage_gaps_in_the_shipped_files(documents):
    assert coverage(documents, datetime.date(2026, 1, 1), months=18) == []
    assert coverage(documents, datetime.date(2026, 11, 1)) == []


def test_coverage_reports_months_before_the_first_standard(documents):
    gaps = coverage(documents, datetime.date(2025, 5, 1), months=3)
    assert ("maiji", "dibao.standard.urban", month("2025-05")) in gaps
    assert ("maiji", "dibao.standard.urban", month("2025-07")) not in gaps


def test_coverage_reports_a_missing_last_year_standard(documents):
    """Changbai pays 特困 on last year's standard: in 2025 there is none (the first is from July 2025)."""
    gaps = coverage(documents, datetime.date(2025, 7, 1), months=12)
    assert ("changbai", "dibao.standard.rural", month("2025-12")) in gaps
    assert not [g for g in gaps if g[0] == "changbai" and g[2] >= month("2026-01")]
    assert not [g for g in gaps if g[0] == "maiji"]  # Maiji uses the current standard


def test_every_value_round_trips_through_its_json_form(documents):
    for document in documents.values():
        for version in document.versions:
            definition = PARAMETERS[version.key]
            assert parse_value(definition, dump_value(definition, version.value)) == version.value


# --- resolution: inheritance, versions, months --------------------------------------------------------


def test_local_versions_override_the_baseline(documents):
    params = parameter_set(documents, "changbai", datetime.date(2026, 7, 1))
    floor = params.get("dibao.floor_per_person")
    assert floor.value == Decimal("100")
    assert floor.profile == "changbai"
    assert floor.clause == "changbai-2021 §二(一)6"
    assert floor.version_id == "changbai:dibao.floor_per_person@2021-01"
    assert not floor.local_default


def test_keys_the_local_profile_never_sets_come_from_the_baseline(documents):
    params = parameter_set(documents, "changbai", datetime.date(2026, 7, 1))
    elderly = params.get("tekun.elderly_age")
    assert (elderly.value, elderly.profile) == (60, "national")
    assert elderly.clause == "tekun-renyuan-rending-banfa-2021 第五条"
    assert elderly.version_id == "national:tekun.elderly_age@2021-07"


def test_local_defaults_carry_no_clause(documents):
    decrease = parameter_set(documents, "changbai", datetime.date(2026, 7, 1)).get("exit.yearly_decrease")
    assert decrease.value == Decimal("0.25")
    assert decrease.local_default and decrease.clause == ""


def test_the_1_july_raise(documents):
    june = parameter_set(documents, "changbai", datetime.date(2026, 6, 30))
    july = parameter_set(documents, "changbai", datetime.date(2026, 7, 1))
    assert june.month == datetime.date(2026, 6, 1)
    assert june.get("dibao.standard.rural").value == Decimal("575")
    assert july.get("dibao.standard.rural").value == Decimal("600")
    assert july.get("dibao.standard.urban").value == Decimal("790")


def test_last_years_standard_is_decembers(documents):
    """上年度标准 is the one in force in December of the previous year — not January's, not this July's."""
    july = parameter_set(documents, "changbai", datetime.date(2026, 7, 1))
    assert july.last_year("dibao.standard.rural").value == Decimal("575")
    january = parameter_set(documents, "changbai", datetime.date(2027, 1, 1))
    assert january.last_year("dibao.standard.rural").value == Decimal("600")
    with pytest.raises(MissingParameter):
        parameter_set(documents, "changbai", datetime.date(2025, 9, 1)).last_year("dibao.standard.rural")


def test_a_later_national_version_applies_where_no_local_one_exists(documents):
    """National single.groups gains a group from the 2022 notice; Changbai (no override) follows it."""
    before = parameter_set(documents, "changbai", datetime.date(2022, 9, 1)).get("single.groups")
    after = parameter_set(documents, "changbai", datetime.date(2022, 10, 1)).get("single.groups")
    assert "unemployed_severe_disabled_adult" not in before.value
    assert "unemployed_severe_disabled_adult" in after.value
    assert after.clause == "doudi-baozhang-tongzhi-2022 一(一)"


def test_unknown_profile_raises_key_error(documents):
    with pytest.raises(KeyError):
        parameter_set(documents, "beijing", datetime.date(2026, 7, 1))


def test_map_values_are_read_only(documents):
    recheck = parameter_set(documents, "jiuhuashan", datetime.date(2026, 7, 1)).get("dibao.recheck_months")
    assert dict(recheck.value) == {"A": 12, "B": 12, "C": 6}
    with pytest.raises(TypeError):
        recheck.value["A"] = 1


# --- validation with bad fixtures ---------------------------------------------------------------------


def _national() -> dict:
    return json.loads((PROFILES_DIR / "national.json").read_text(encoding="utf-8"))


def _child(**overrides) -> dict:
    data = {
        "profile": "demo",
        "name": "演示县",
        "parent": "national",
        "document": "demo-2024",
        "jurisdiction_codes": ["999901"],
        "parameters": [
            {"key": "dibao.floor_per_person", "effective_from": "2024-01", "value": "50", "clause": "demo-2024 §一"}
        ],
    }
    data.update(overrides)
    return data


def _write(directory: Path, name: str, data) -> None:
    text = data if isinstance(data, str) else json.dumps(data, ensure_ascii=False)
    (directory / f"{name}.json").write_text(text, encoding="utf-8")


@pytest.fixture
def profiles(tmp_path) -> Path:
    """A directory with the shipped national baseline and one small local profile."""
    shutil.copy(PROFILES_DIR / "national.json", tmp_path / "national.json")
    _write(tmp_path, "demo", _child())
    return tmp_path


def test_fixture_directory_loads(profiles):
    documents = load_documents(profiles)
    assert set(documents) == {"national", "demo"}


def test_inheritance_follows_the_child_from_its_first_month(tmp_path):
    """Parent versions before the child's first month still apply; from it on the child's, even when the
    parent changes later."""
    national = _national()
    national["parameters"] = [p for p in national["parameters"] if p["key"] != "dibao.floor_per_person"] + [
        {
            "key": "dibao.floor_per_person",
            "effective_from": "2021-07",
            "value": "10",
            "local_default": True,
            "note": "a",
        },
        {
            "key": "dibao.floor_per_person",
            "effective_from": "2025-01",
            "value": "30",
            "local_default": True,
            "note": "b",
        },
    ]
    _write(tmp_path, "national", national)
    _write(tmp_path, "demo", _child())
    documents = load_documents(tmp_path)

    def floor(text: str):
        return parameter_set(documents, "demo", month(text)).get("dibao.floor_per_person")

    assert (floor("2023-12").value, floor("2023-12").profile) == (Decimal("10"), "national")
    assert (floor("2024-01").value, floor("2024-01").profile) == (Decimal("50"), "demo")
    assert (floor("2026-01").value, floor("2026-01").version_id) == (
        Decimal("50"),
        "demo:dibao.floor_per_person@2024-01",
    )
    assert parameter_set(documents, "national", month("2026-01")).get("dibao.floor_per_person").value == Decimal("30")


def test_grandchild_inherits_through_its_parent(profiles):
    _write(
        profiles,
        "town",
        _child(
            profile="town",
            parent="demo",
            jurisdiction_codes=["999902"],
            parameters=[{"key": "exit.months", "effective_from": "2024-06", "value": 3, "clause": "town-2024 §二"}],
        ),
    )
    params = parameter_set(load_documents(profiles), "town", month("2026-01"))
    assert params.get("exit.months").value == 3
    assert params.get("dibao.floor_per_person").profile == "demo"
    assert params.get("tekun.elderly_age").profile == "national"


def _error(directory: Path) -> str:
    with pytest.raises(ProfileError) as caught:
        load_documents(directory)
    return str(caught.value)


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"region": "x"}, "未知的键 'region'"),
        ({"parent": "nowhere"}, "parent 'nowhere' 不存在"),
        ({"jurisdiction_codes": ["22062"]}, "jurisdiction_codes"),
        ({"profile": "Demo"}, "profile"),
        ({"parameters": {}}, "parameters 必须是列表"),
    ],
)
def test_bad_documents_are_rejected(profiles, change, expected):
    _write(profiles, "demo", _child(**change))
    message = _error(profiles)
    assert message.startswith("demo.json：")
    assert expected in message


def _param(**fields) -> dict:
    entry = {"key": "dibao.floor_per_person", "effective_from": "2024-01", "value": "50", "clause": "demo-2024 §一"}
    entry.update(fields)
    return {k: v for k, v in entry.items() if v is not None}


@pytest.mark.parametrize(
    ("entry", "expected"),
    [
        (_param(source="x"), "未知的键 'source'"),
        (_param(key="dibao.floor"), "'dibao.floor' 不在参数表"),
        (_param(value=100), "字符串形式的数字"),
        (_param(value="1OO"), "不是数字"),
        (_param(value="-5"), "非负"),
        (_param(value="NaN"), "非负的有限数"),
        (_param(effective_from="2024-13"), "月份不存在"),
        (_param(effective_from="2024-1"), "YYYY-MM"),
        (_param(effective_from="2024-01-01"), "YYYY-MM"),
        (_param(effective_from=None), "缺少 'effective_from'"),
        (_param(clause=None), "既没有条款依据"),
        (_param(clause=None, local_default=True), "须在 note 中说明"),
        (_param(clause=None, demo="yes"), "local_default 和 demo 必须是 true 或 false"),
        (_param(key="exit.months", value="6"), "非负整数"),
        (_param(key="exit.months", value=True), "非负整数"),
        (_param(key="exit.enabled", value=1), "true 或 false"),
        (_param(key="dibao.rounding", value="cent"), "fen/jiao/yuan"),
        (_param(key="income.exempt_kinds", value=["basic_pension", "lottery"]), "'lottery' 不在"),
        (_param(key="income.exempt_kinds", value="basic_pension"), "字符串列表"),
        (_param(key="income.exempt_kinds", value=["basic_pension", "basic_pension"]), "重复"),
        (_param(key="dibao.recheck_months", value=[12, 6]), "对象"),
        (_param(key="dibao.recheck_months", value={"A": 1.5}), "整数或字符串"),
    ],
)
def test_bad_parameters_are_rejected_naming_file_and_key(profiles, entry, expected):
    _write(profiles, "demo", _child(parameters=[entry]))
    message = _error(profiles)
    assert message.startswith("demo.json：parameters[0]")
    assert expected in message


def test_a_float_anywhere_is_rejected(profiles):
    text = json.dumps(_child(), ensure_ascii=False).replace('"value": "50"', '"value": 50.0')
    _write(profiles, "demo", text)
    message = _error(profiles)
    assert message.startswith("demo.json：parameters[0]（dibao.floor_per_person）")
    assert "不得写成浮点数" in message


def test_two_versions_in_one_month_are_rejected(profiles):
    _write(profiles, "demo", _child(parameters=[_param(), _param(value="60")]))
    assert "在 2024-01 有两个版本" in _error(profiles)


def test_national_must_set_every_key(profiles):
    national = _national()
    national["parameters"] = [p for p in national["parameters"] if p["key"] != "tekun.funeral_months"]
    _write(profiles, "national", national)
    message = _error(profiles)
    assert "national.json" in message and "tekun.funeral_months" in message


def test_a_baseline_is_required(tmp_path):
    _write(tmp_path, "demo", _child())
    assert "缺少全国基准档案" in _error(tmp_path)


def test_only_the_baseline_may_lack_a_parent(profiles):
    _write(profiles, "demo", _child(parent=None))
    assert "只有全国基准档案可以没有 parent" in _error(profiles)


def test_parent_cycles_are_rejected(profiles):
    _write(profiles, "demo", _child(parent="town"))
    _write(profiles, "town", _child(profile="town", parent="demo", jurisdiction_codes=["999902"]))
    assert "循环" in _error(profiles)


def test_a_region_in_two_profiles_is_rejected(profiles):
    _write(profiles, "town", _child(profile="town", jurisdiction_codes=["999901"]))
    assert "999901 已属于档案 demo" in _error(profiles)


def test_the_file_name_must_match_the_profile_code(profiles):
    _write(profiles, "other", _child(profile="town", jurisdiction_codes=["999902"]))
    assert "应与文件名一致" in _error(profiles)


def test_invalid_json_is_reported_with_the_file(profiles):
    _write(profiles, "demo", '{"profile": "demo",')
    message = _error(profiles)
    assert message.startswith("demo.json：不是合法的 JSON")
