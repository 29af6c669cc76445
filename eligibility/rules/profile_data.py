"""Policy profiles as data files: the national baseline and the local profiles that override it.

Each ``eligibility/profiles/<code>.json`` holds one profile::

    {"profile": "changbai", "name": "长白朝鲜族自治县", "parent": "national", "document": "changbai-2021",
     "jurisdiction_codes": ["220623"], "note": "…",
     "parameters": [{"key": "dibao.floor_per_person", "effective_from": "2021-01", "value": "100",
                     "clause": "changbai-2021 §二(一)6"}, …]}

Every version carries the clause it implements, or ``"local_default": true`` (the document is silent: an
explicit, documented default) or ``"demo": true`` (an illustrative figure, e.g. a demo standard). A local
profile sets only what its document sets; everything else comes from its parent (in the end the national
baseline, which has a value for every key of :data:`~eligibility.rules.schema.PARAMETERS`).

Pure: no Django. :func:`load_documents` reads and validates the files, :func:`parameter_set` resolves one
profile with its ancestors into a :class:`~eligibility.rules.parameters.ParameterSet`,
:func:`coverage_report` lists the months a key has no value. :func:`parse_value` / :func:`dump_value`
convert a value between its JSON form and the rules' form (also for values stored in the database).
"""

from __future__ import annotations

import datetime
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from types import MappingProxyType
from typing import Any, Protocol

from eligibility.rules.parameters import ParameterSet, ParamValue, add_months
from eligibility.rules.schema import PARAMETERS, ParamDef

PROFILES_DIR = Path(__file__).resolve().parent.parent / "profiles"
ROOT_PROFILE = "national"

_DOCUMENT_KEYS = frozenset({"profile", "name", "parent", "document", "jurisdiction_codes", "note", "parameters"})
_REQUIRED_DOCUMENT_KEYS = ("profile", "name", "parent", "document", "jurisdiction_codes", "parameters")
_VERSION_KEYS = frozenset({"key", "effective_from", "value", "clause", "local_default", "demo", "note"})
_MONTH_RE = re.compile(r"^(\d{4})-(\d{2})$")
_CODE_RE = re.compile(r"^[a-z][a-z0-9_-]*$")
_REGION_RE = re.compile(r"^\d{6}$")


@dataclass(frozen=True)
class FloatLiteral:
    """A JSON number with a fraction or exponent, kept as written so the validator can name its key."""

    text: str

    def __repr__(self) -> str:
        return self.text


class ProfileError(ValueError):
    """A profile file is malformed; the message names the file and the offending key."""


@dataclass(frozen=True)
class ProfileVersion:
    """One version of one parameter as written in a profile file."""

    key: str
    value: Any
    effective_from: datetime.date  # first day of a month
    clause: str = ""
    local_default: bool = False
    demo: bool = False
    note: str = ""

    def param_value(self, profile: str) -> ParamValue:
        """Return the version as the rules read it (``profile`` = the profile that defines it)."""
        is_default = self.local_default or self.demo
        return ParamValue(
            key=self.key,
            value=self.value,
            effective_from=self.effective_from,
            version_id=version_id(profile, self.key, self.effective_from),
            clause="" if is_default else self.clause,
            profile=profile,
            local_default=is_default,
            demo=self.demo,
        )


@dataclass(frozen=True)
class ProfileDocument:
    """One profile file: who it applies to, what it inherits from and the versions it sets."""

    code: str
    name: str
    parent: str | None
    document: str  # the policy document it implements ("changbai-2021"; "" for the baseline)
    jurisdiction_codes: tuple[str, ...]  # county-level region codes it applies to
    versions: tuple[ProfileVersion, ...]  # sorted by key, then month
    note: str = ""
    source: str = ""  # file name, for messages

    def versions_of(self, key: str) -> tuple[ProfileVersion, ...]:
        return tuple(v for v in self.versions if v.key == key)

    @property
    def keys(self) -> frozenset[str]:
        return frozenset(v.key for v in self.versions)


def version_id(profile: str, key: str, month: datetime.date) -> str:
    """Return the id of a file-defined version: ``"changbai:dibao.floor_per_person@2021-01"``."""
    return f"{profile}:{key}@{month:%Y-%m}"


def parse_month(raw: Any) -> datetime.date:
    """Parse ``"YYYY-MM"`` to the first day of that month; raise ``ValueError`` otherwise."""
    if not isinstance(raw, str) or not (match := _MONTH_RE.match(raw)):
        raise ValueError(f"月份格式应为 YYYY-MM：{raw!r}")
    year, month = int(match.group(1)), int(match.group(2))
    if not 1 <= month <= 12 or year < 1900:
        raise ValueError(f"月份不存在：{raw!r}")
    return datetime.date(year, month, 1)


def _decimal(raw: Any, definition: ParamDef) -> Decimal:
    if isinstance(raw, FloatLiteral | float):
        raise ValueError(f'{definition.key} 的值 {raw!r} 不得写成浮点数：金额和比例请写成字符串，如 "{raw!r}"')
    if not isinstance(raw, str):
        raise ValueError(f"{definition.key} 的值必须是字符串形式的数字（不得使用浮点数）：{raw!r}")
    try:
        value = Decimal(raw.strip())
    except InvalidOperation:
        raise ValueError(f"{definition.key} 的值不是数字：{raw!r}") from None
    if not value.is_finite() or value < 0:
        raise ValueError(f"{definition.key} 的值必须是非负的有限数：{raw!r}")
    return value


def parse_value(definition: ParamDef, raw: Any) -> Any:
    """Convert a JSON value to the rules' type for ``definition``; raise ``ValueError`` (Chinese message).

    money/ratio: a string → ``Decimal`` (never a float); int: an integer ≥ 0; bool; choice: one of the
    choices; list: strings (within the choices, if any) → tuple; map: string keys to integers or strings →
    read-only mapping.
    """
    kind = definition.type
    if kind in ("money", "ratio"):
        return _decimal(raw, definition)
    if kind == "int":
        if isinstance(raw, bool) or not isinstance(raw, int) or raw < 0:
            raise ValueError(f"{definition.key} 的值必须是非负整数：{raw!r}")
        return raw
    if kind == "bool":
        if not isinstance(raw, bool):
            raise ValueError(f"{definition.key} 的值必须是 true 或 false：{raw!r}")
        return raw
    if kind == "choice":
        if raw not in definition.choices:
            raise ValueError(f"{definition.key} 的值必须是 {'/'.join(definition.choices)} 之一：{raw!r}")
        return raw
    if kind == "list":
        if not isinstance(raw, list | tuple) or not all(isinstance(item, str) and item for item in raw):
            raise ValueError(f"{definition.key} 的值必须是字符串列表：{raw!r}")
        if len(set(raw)) != len(raw):
            raise ValueError(f"{definition.key} 的列表有重复项：{raw!r}")
        unknown = [item for item in raw if definition.choices and item not in definition.choices]
        if unknown:
            raise ValueError(f"{definition.key} 的列表项 {unknown[0]!r} 不在 {'/'.join(definition.choices)} 之中")
        return tuple(raw)
    if kind == "map":
        if not isinstance(raw, Mapping):
            raise ValueError(f"{definition.key} 的值必须是对象（键值对）：{raw!r}")
        for name, item in raw.items():
            if not isinstance(name, str) or not name:
                raise ValueError(f"{definition.key} 的键必须是非空字符串：{name!r}")
            if isinstance(item, bool) or not isinstance(item, int | str):
                raise ValueError(f"{definition.key}.{name} 的值必须是整数或字符串：{item!r}")
        return MappingProxyType(dict(raw))
    raise ValueError(f"{definition.key} 的类型未知：{kind}")


def dump_value(definition: ParamDef, value: Any) -> Any:
    """Convert a rules value back to its JSON form (the inverse of :func:`parse_value`)."""
    if definition.type in ("money", "ratio"):
        return str(value)
    if definition.type == "list":
        return list(value)
    if definition.type == "map":
        return dict(value)
    return value


def _fail(source: str, message: str) -> ProfileError:
    return ProfileError(f"{source}：{message}")


def _parse_version(source: str, index: int, raw: Any) -> ProfileVersion:
    where = f"parameters[{index}]"
    if not isinstance(raw, Mapping):
        raise _fail(source, f"{where} 必须是对象")
    unknown = sorted(set(raw) - _VERSION_KEYS)
    if unknown:
        raise _fail(source, f"{where} 有未知的键 {unknown[0]!r}")
    key = raw.get("key")
    if not isinstance(key, str) or key not in PARAMETERS:
        raise _fail(source, f"{where} 的参数 {key!r} 不在参数表（schema.PARAMETERS）中")
    where = f"{where}（{key}）"
    for required in ("effective_from", "value"):
        if required not in raw:
            raise _fail(source, f"{where} 缺少 {required!r}")
    try:
        month = parse_month(raw["effective_from"])
        value = parse_value(PARAMETERS[key], raw["value"])
    except ValueError as error:
        raise _fail(source, f"{where}：{error}") from None
    clause = raw.get("clause", "")
    local_default = raw.get("local_default", False)
    demo = raw.get("demo", False)
    note = raw.get("note", "")
    if not isinstance(clause, str) or not isinstance(note, str):
        raise _fail(source, f"{where} 的 clause 和 note 必须是字符串")
    if not isinstance(local_default, bool) or not isinstance(demo, bool):
        raise _fail(source, f"{where} 的 local_default 和 demo 必须是 true 或 false")
    if not clause.strip() and not local_default and not demo:
        raise _fail(source, f"{where} 既没有条款依据（clause），也没有标明 local_default 或 demo")
    if (local_default or demo) and not note.strip():
        raise _fail(source, f"{where} 是本地默认值或演示数据，须在 note 中说明")
    return ProfileVersion(key, value, month, clause.strip(), local_default, demo, note.strip())


def parse_document(source: str, raw: Any) -> ProfileDocument:
    """Validate one profile's JSON object (``source`` names it in messages) and return the document."""
    if not isinstance(raw, Mapping):
        raise _fail(source, "文件内容必须是一个 JSON 对象")
    unknown = sorted(set(raw) - _DOCUMENT_KEYS)
    if unknown:
        raise _fail(source, f"有未知的键 {unknown[0]!r}")
    for required in _REQUIRED_DOCUMENT_KEYS:
        if required not in raw:
            raise _fail(source, f"缺少 {required!r}")
    code, name, parent, document = raw["profile"], raw["name"], raw["parent"], raw["document"]
    if not isinstance(code, str) or not _CODE_RE.match(code):
        raise _fail(source, f"profile 应为小写字母开头的代码：{code!r}")
    if not isinstance(name, str) or not name.strip():
        raise _fail(source, "name 不能为空")
    if parent is not None and (not isinstance(parent, str) or not parent):
        raise _fail(source, f"parent 应为上级档案代码或 null：{parent!r}")
    if parent == code:
        raise _fail(source, "parent 不能是自己")
    if not isinstance(document, str):
        raise _fail(source, "document 必须是字符串")
    codes = raw["jurisdiction_codes"]
    if not isinstance(codes, list) or not all(isinstance(c, str) and _REGION_RE.match(c) for c in codes):
        raise _fail(source, f"jurisdiction_codes 应为6位区划代码的列表：{codes!r}")
    if len(set(codes)) != len(codes):
        raise _fail(source, "jurisdiction_codes 有重复")
    note = raw.get("note", "")
    if not isinstance(note, str):
        raise _fail(source, "note 必须是字符串")
    parameters = raw["parameters"]
    if not isinstance(parameters, list):
        raise _fail(source, "parameters 必须是列表")
    versions = [_parse_version(source, i, item) for i, item in enumerate(parameters)]
    seen: set[tuple[str, datetime.date]] = set()
    for v in versions:
        if (v.key, v.effective_from) in seen:
            raise _fail(source, f"参数 {v.key} 在 {v.effective_from:%Y-%m} 有两个版本")
        seen.add((v.key, v.effective_from))
    versions.sort(key=lambda v: (v.key, v.effective_from))
    return ProfileDocument(
        code=code,
        name=name.strip(),
        parent=parent,
        document=document,
        jurisdiction_codes=tuple(codes),
        versions=tuple(versions),
        note=note.strip(),
        source=source,
    )


def validate_documents(documents: Mapping[str, ProfileDocument]) -> None:
    """Check the documents together: parents exist without cycles, one root (the national baseline) with
    every schema key, each region code in at most one profile. Raise :class:`ProfileError`."""
    if ROOT_PROFILE not in documents:
        raise ProfileError(f"缺少全国基准档案 {ROOT_PROFILE}.json")
    root = documents[ROOT_PROFILE]
    if root.parent is not None:
        raise _fail(root.source, "全国基准档案的 parent 必须是 null")
    missing = sorted(set(PARAMETERS) - root.keys)
    if missing:
        raise _fail(root.source, f"全国基准档案缺少参数 {missing[0]!r}（共缺 {len(missing)} 个）")
    region_owner: dict[str, str] = {}
    for code, document in documents.items():
        if code != ROOT_PROFILE and document.parent is None:
            raise _fail(document.source, "只有全国基准档案可以没有 parent")
        chain = [code]
        parent = document.parent
        while parent is not None:
            if parent not in documents:
                raise _fail(document.source, f"parent {parent!r} 不存在")
            if parent in chain:
                raise _fail(document.source, f"parent 形成循环：{' → '.join([*chain, parent])}")
            chain.append(parent)
            parent = documents[parent].parent
        for region in document.jurisdiction_codes:
            if region in region_owner:
                raise _fail(document.source, f"区划代码 {region} 已属于档案 {region_owner[region]}")
            region_owner[region] = code


def load_documents(directory: Path | None = None) -> dict[str, ProfileDocument]:
    """Read and validate every ``*.json`` profile in ``directory`` (default: ``eligibility/profiles``).

    Raise :class:`ProfileError` (a ``ValueError``) naming the file and key at the first problem.
    """
    directory = PROFILES_DIR if directory is None else Path(directory)
    documents: dict[str, ProfileDocument] = {}
    for path in sorted(directory.glob("*.json")):
        try:
            raw = json.loads(path.read_text(encoding="utf-8"), parse_float=FloatLiteral)
        except json.JSONDecodeError as error:
            raise _fail(path.name, f"不是合法的 JSON：{error}") from None
        document = parse_document(path.name, raw)
        if document.code != path.stem:
            raise _fail(path.name, f"profile {document.code!r} 应与文件名一致")
        documents[document.code] = document
    validate_documents(documents)
    return documents


def ancestry(documents: Mapping[str, ProfileDocument], profile: str) -> list[ProfileDocument]:
    """Return the profile's chain from the root down to itself; raise ``KeyError`` for an unknown profile."""
    if profile not in documents:
        raise KeyError(profile)
    chain = []
    code: str | None = profile
    while code is not None:
        chain.append(documents[code])
        code = documents[code].parent
    return chain[::-1]


class VersionLike(Protocol):
    """What :func:`merge_timelines` needs of a version: a file's :class:`ProfileVersion` or a stored row."""

    effective_from: datetime.date

    def param_value(self, profile: str) -> ParamValue: ...


def merge_timelines(
    layers: Iterable[tuple[str, Mapping[str, tuple[VersionLike, ...]]]],
) -> dict[str, tuple[ParamValue, ...]]:
    """Merge timelines from the root down: a layer's versions of a key replace the layers above from the
    month of its first version on (earlier parent versions still apply before it)."""
    merged: dict[str, tuple[ParamValue, ...]] = {}
    for profile, by_key in layers:
        for key, versions in by_key.items():
            if not versions:
                continue
            own = tuple(v.param_value(profile) for v in sorted(versions, key=lambda v: v.effective_from))
            first = own[0].effective_from
            inherited = tuple(p for p in merged.get(key, ()) if p.effective_from < first)
            merged[key] = inherited + own
    return merged


def timelines_for(documents: Mapping[str, ProfileDocument], profile: str) -> dict[str, tuple[ParamValue, ...]]:
    """Return every key's merged timeline for ``profile`` (see :func:`merge_timelines`)."""
    layers = []
    for document in ancestry(documents, profile):
        by_key: dict[str, list[ProfileVersion]] = {}
        for v in document.versions:
            by_key.setdefault(v.key, []).append(v)
        layers.append((document.code, {k: tuple(vs) for k, vs in by_key.items()}))
    return merge_timelines(layers)


def parameter_set(documents: Mapping[str, ProfileDocument], profile: str, month: datetime.date) -> ParameterSet:
    """Return the parameters of ``profile`` (with its ancestors underneath) for deciding ``month``.

    Raise ``KeyError`` for an unknown profile. Missing values surface as ``MissingParameter`` on lookup.
    """
    timelines = timelines_for(documents, profile)
    return ParameterSet(jurisdiction=profile, month=month.replace(day=1), timelines=MappingProxyType(timelines))


def profile_for_region(documents: Mapping[str, ProfileDocument], region_code: str) -> str | None:
    """Return the code of the profile that applies to a county code, or ``None``."""
    for code, document in documents.items():
        if region_code in document.jurisdiction_codes:
            return code
    return None


def coverage_report(
    documents: Mapping[str, ProfileDocument], start_month: datetime.date, months: int = 18
) -> list[tuple[str, str, datetime.date]]:
    """List ``(profile, key, month)`` for every key without a value in force in a month of the window
    ``start_month`` … ``start_month + months - 1``, for every profile. Empty when fully covered.

    Also checks "last year's" lookups: where ``tekun.basic_uses_last_year_standard`` is on in a month,
    the 低保 standards must have a value in December of the previous year (reported for that month).
    """
    gaps: list[tuple[str, str, datetime.date]] = []
    start = start_month.replace(day=1)
    window = [add_months(start, i) for i in range(months)]
    for code in sorted(documents):
        params = parameter_set(documents, code, start)
        for key in sorted(PARAMETERS):
            for month in window:
                if not _has_at(params, key, month):
                    gaps.append((code, key, month))
        for month in window:
            if (
                _has_at(params, "tekun.basic_uses_last_year_standard", month)
                and params.at("tekun.basic_uses_last_year_standard", month).value
            ):
                december = datetime.date(month.year - 1, 12, 1)
                for key in ("dibao.standard.urban", "dibao.standard.rural"):
                    if not _has_at(params, key, december):
                        gaps.append((code, key, month))
    return gaps


def _has_at(params: ParameterSet, key: str, month: datetime.date) -> bool:
    versions = params.timelines.get(key, ())
    return bool(versions) and versions[0].effective_from <= month
