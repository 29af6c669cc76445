"""Writes to the policy profiles and their parameter versions. Each one is audited in its transaction.

Four eyes: a county administrator proposes a value as a draft (:func:`parameter_propose`); a *different*
administrator of a county the profile governs, or a superuser, approves it (:func:`parameter_approve`) or rejects
it (:func:`parameter_reject`). The national baseline is changed by superusers only. Rows are never edited in
place: approving a new value for a month that already has one marks the old row superseded.

:func:`profiles_load` writes the profile files (``eligibility/profiles/*.json``) as approved versions, as the
system actor, idempotently.
"""

from __future__ import annotations

import datetime
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from assistance.errors import ApplicationError, PermissionRefused
from assistance.models import Region, Staff
from assistance.roles import RegionLevel
from assistance.services import can_administer_region, full_clean_or_raise
from audit.services import audit_record, model_snapshot
from eligibility.models import ParameterStatus, ParameterVersion, PolicyProfile, ProfileJurisdiction
from eligibility.rules.profile_data import ProfileDocument, ProfileError, dump_value, parse_value, validate_documents
from eligibility.rules.schema import PARAMETERS

# --- permissions -------------------------------------------------------------------------------------


def _privileged(actor: Staff) -> bool:
    """A superuser, or the system actor (loading the profile files)."""
    return bool(actor.is_superuser or getattr(actor, "is_system", False))


def profile_counties(profile: PolicyProfile) -> list[Region]:
    """Return the counties the profile governs directly (none for the national baseline)."""
    return list(Region.objects.filter(policy_profiles=profile).order_by("path"))


def can_administer_profile(actor: Staff, profile: PolicyProfile) -> bool:
    """A superuser administers every profile; a county administrator the profiles of their counties."""
    if _privileged(actor):
        return True
    return any(can_administer_region(actor, county) for county in profile_counties(profile))


def _require_profile_admin(actor: Staff, profile: PolicyProfile, doing: str) -> None:
    if can_administer_profile(actor, profile):
        return
    if profile.parent_id is None:
        raise PermissionRefused(f"全国基准参数只有系统管理员可以{doing}")
    raise PermissionRefused(f"只有该档案适用县（市、区）的管理员可以{doing}参数")


def _audit_region(actor: Staff, profile: PolicyProfile) -> Region | None:
    """File the event under a county of the profile (the actor's own if they administer one)."""
    counties = profile_counties(profile)
    for county in counties:
        if not _privileged(actor) and can_administer_region(actor, county):
            return county
    return counties[0] if counties else None


def _current_month() -> datetime.date:
    return timezone.localdate().replace(day=1)


# --- values ------------------------------------------------------------------------------------------


def parameter_json_value(key: str, raw: Any) -> Any:
    """Validate ``raw`` against the parameter's schema type and return its stored (JSON) form.

    Money and ratios may be given as ``Decimal``/``int`` or as strings and are stored as strings; lists and
    maps as JSON arrays and objects. Raise :class:`ApplicationError` (400) with the reason.
    """
    definition = PARAMETERS.get(key)
    if definition is None:
        raise ApplicationError(f"参数 {key} 不在参数表中", code="unknown_parameter", fields={"key": ["请选择参数"]})
    if definition.type in ("money", "ratio") and isinstance(raw, Decimal | int) and not isinstance(raw, bool):
        raw = str(raw)
    try:
        return dump_value(definition, parse_value(definition, raw))
    except ValueError as error:
        message = f"{definition.label}的取值不符合要求：{error}"
        raise ApplicationError(message, code="invalid", fields={"value": [str(error)]}) from None


def _check_month(effective_from: Any) -> datetime.date:
    if not isinstance(effective_from, datetime.date) or isinstance(effective_from, datetime.datetime):
        raise ApplicationError("请填写起始月份", code="invalid", fields={"effective_from": ["这是必填项"]})
    if effective_from.day != 1:
        message = "起始月份须为当月1日：参数按月生效"
        raise ApplicationError(message, code="invalid", fields={"effective_from": [message]})
    return effective_from


def _refuse_past(actor: Staff, month: datetime.date, doing: str) -> None:
    if month < _current_month() and not _privileged(actor):
        message = (
            f"起始月份 {month:%Y年%m月} 已过，不能{doing}：已作出的决定须保持所用的参数；补录历史参数请联系系统管理员"
        )
        raise ApplicationError(message, code="month_in_past", fields={"effective_from": [message]})


def _locked(version: ParameterVersion) -> ParameterVersion:
    return ParameterVersion.objects.select_for_update().select_related("profile").get(pk=version.pk)


def _require_draft(version: ParameterVersion, doing: str) -> None:
    if not version.can_decide():
        raise ApplicationError(f"该参数版本{version.get_status_display()}，不能{doing}", code="not_draft", status=409)


# --- proposing, approving, rejecting -----------------------------------------------------------------


@transaction.atomic
def parameter_propose(
    *,
    actor: Staff,
    profile: PolicyProfile,
    key: str,
    effective_from: datetime.date,
    value: Any,
    clause: str = "",
    local_default: bool = False,
    note: str = "",
    is_demo: bool = False,
) -> ParameterVersion:
    """Propose a new value of ``key`` for ``profile`` from the month ``effective_from`` (the 1st) as a draft.

    The value is validated against the parameter's type. It needs a clause, or ``local_default``/``is_demo``
    with a note saying why. Months already past are refused unless the actor is a superuser. One draft per
    profile, key and month at a time (409). Callers handle :class:`ApplicationError` (400, 403, 409).
    """
    _require_profile_admin(actor, profile, "提出")
    if key not in PARAMETERS:
        raise ApplicationError(f"参数 {key} 不在参数表中", code="unknown_parameter", fields={"key": ["请选择参数"]})
    month = _check_month(effective_from)
    _refuse_past(actor, month, "提出调整")
    stored = parameter_json_value(key, value)
    clause, note = (clause or "").strip(), (note or "").strip()
    if not clause and not local_default and not is_demo:
        message = "请填写条款依据（如 changbai-2021 §二(一)6）；文件未作规定的，请勾选“本地默认值”并说明理由"
        raise ApplicationError(message, code="invalid", fields={"clause": [message]})
    if (local_default or is_demo) and not note:
        message = "本地默认值或演示数据须在说明中写明理由"
        raise ApplicationError(message, code="invalid", fields={"note": [message]})
    pending = ParameterVersion.objects.filter(
        profile=profile, key=key, effective_from=month, status=ParameterStatus.DRAFT
    ).exists()
    if pending:
        message = f"{PARAMETERS[key].label}自{month:%Y年%m月}起已有待审批的版本：请先批准或驳回该版本"
        raise ApplicationError(message, code="duplicate_draft", fields={"effective_from": [message]}, status=409)
    version = ParameterVersion(
        profile=profile,
        key=key,
        effective_from=month,
        value=stored,
        clause=clause,
        local_default=bool(local_default),
        is_demo=bool(is_demo),
        note=note,
        status=ParameterStatus.DRAFT,
        recorded_by=actor,
    )
    full_clean_or_raise(version, exclude=["recorded_by"], validate_constraints=False)
    try:
        with transaction.atomic():
            version.save()
    except IntegrityError:
        # Another administrator proposed the same month at the same moment; theirs won.
        raise ApplicationError("该参数在该月份已有待审批的版本", code="duplicate_draft", status=409) from None
    audit_record(
        actor=actor,
        action="parameter.propose",
        target=version,
        after=model_snapshot(version),
        region=_audit_region(actor, profile),
    )
    return version


@transaction.atomic
def parameter_approve(*, actor: Staff, version: ParameterVersion) -> ParameterVersion:
    """Approve a draft: it is in force from its month on. The proposer may not approve it (four eyes).

    An approved version of the same profile, key and month is marked superseded by this one. Months already
    past are refused unless the actor is a superuser. Callers handle :class:`ApplicationError`.
    """
    version = _locked(version)
    _require_draft(version, "批准")
    _require_profile_admin(actor, version.profile, "批准")
    if version.recorded_by_id == actor.pk:
        raise PermissionRefused("参数调整须由另一名管理员批准：提出人不能批准自己提出的版本", code="four_eyes")
    _refuse_past(actor, version.effective_from, "批准")
    region = _audit_region(actor, version.profile)
    before = model_snapshot(version)
    previous = (
        ParameterVersion.objects.select_for_update()
        .filter(
            profile=version.profile_id,
            key=version.key,
            effective_from=version.effective_from,
            status=ParameterStatus.APPROVED,
        )
        .first()
    )
    if previous is not None:
        previous_before = model_snapshot(previous)
        previous.status = ParameterStatus.SUPERSEDED
        previous.superseded_by = version
        previous.save(update_fields=["status", "superseded_by"])
        audit_record(
            actor=actor,
            action="parameter.supersede",
            target=previous,
            before=previous_before,
            after=model_snapshot(previous),
            region=region,
        )
    version.status = ParameterStatus.APPROVED
    version.approved_by = actor
    version.approved_at = timezone.now()
    try:
        with transaction.atomic():
            version.save(update_fields=["status", "approved_by", "approved_at"])
    except IntegrityError:
        # Another version of the same month was approved at the same moment (one approved per month).
        raise ApplicationError(
            "同一参数同一月份的另一版本刚刚被批准，请刷新后重新审批", code="concurrent_approval", status=409
        ) from None
    audit_record(
        actor=actor,
        action="parameter.approve",
        target=version,
        before=before,
        after=model_snapshot(version),
        region=region,
    )
    return version


@transaction.atomic
def parameter_reject(*, actor: Staff, version: ParameterVersion, reason: str) -> ParameterVersion:
    """Reject a draft with a reason (its proposer may reject it too: a withdrawal). It never takes effect."""
    version = _locked(version)
    _require_draft(version, "驳回")
    _require_profile_admin(actor, version.profile, "驳回")
    reason = (reason or "").strip()
    if not reason:
        raise ApplicationError("请填写驳回理由", code="invalid", fields={"reason": ["这是必填项"]})
    if len(reason) > 500:
        raise ApplicationError("驳回理由不能超过500字", code="invalid", fields={"reason": ["不能超过500字"]})
    before = model_snapshot(version)
    version.status = ParameterStatus.REJECTED
    version.rejected_by = actor
    version.rejected_at = timezone.now()
    version.rejection_reason = reason
    version.save(update_fields=["status", "rejected_by", "rejected_at", "rejection_reason"])
    audit_record(
        actor=actor,
        action="parameter.reject",
        target=version,
        before=before,
        after=model_snapshot(version),
        region=_audit_region(actor, version.profile),
        note=reason,
    )
    return version


# --- loading the profile files -----------------------------------------------------------------------


@dataclass
class ProfilesLoadResult:
    """What :func:`profiles_load` wrote (all zero/empty on a second run)."""

    profiles_created: list[str] = field(default_factory=list)
    profiles_updated: list[str] = field(default_factory=list)
    links_created: list[tuple[str, str]] = field(default_factory=list)  # (profile code, county code)
    versions_created: Counter = field(default_factory=Counter)  # by profile code
    standards_created: Counter = field(default_factory=Counter)  # dibao.standard.* versions, by profile code
    versions_superseded: int = 0
    missing_regions: list[tuple[str, str]] = field(default_factory=list)  # (profile code, county code) not in the db

    @property
    def changed(self) -> bool:
        return bool(
            self.profiles_created
            or self.profiles_updated
            or self.links_created
            or sum(self.versions_created.values())
            or self.versions_superseded
        )


def _parents_first(documents: Mapping[str, ProfileDocument]) -> list[ProfileDocument]:
    ordered: list[ProfileDocument] = []
    placed: set[str] = set()

    def place(code: str) -> None:
        if code in placed:
            return
        document = documents[code]
        if document.parent is not None:
            place(document.parent)
        placed.add(code)
        ordered.append(document)

    for code in sorted(documents):
        place(code)
    return ordered


def _same_content(row: ParameterVersion, stored: Any, version) -> bool:
    return (
        row.value == stored
        and row.clause == version.clause
        and row.local_default == version.local_default
        and row.is_demo == version.demo
        and row.note == version.note
    )


@transaction.atomic
def profiles_load(*, actor: Staff, documents: Mapping[str, ProfileDocument]) -> ProfilesLoadResult:
    """Write the profile documents (see ``eligibility.rules.profile_data.load_documents``) as approved versions.

    Idempotent: a profile, a county link or a version already loaded with the same content is skipped, so a
    second run writes nothing and records no audit event. A file version whose content was never loaded is
    written approved (recorded and approved by ``actor``: the file was reviewed with the code) and supersedes
    the approved row of that month, if any. Versions proposed in the console are left alone unless a file
    changes the same month. Counties are linked by region code where the region exists (run again after
    creating regions); a county already governed by another profile is refused (409). Only a superuser or the
    system actor may load. Callers handle :class:`ApplicationError`.
    """
    if not _privileged(actor):
        raise PermissionRefused("只有系统管理员可以导入政策参数档案")
    try:
        validate_documents(documents)
    except ProfileError as error:
        raise ApplicationError(f"政策参数档案有误：{error}", code="invalid_profile") from None
    result = ProfilesLoadResult()
    profiles = {p.code: p for p in PolicyProfile.objects.all()}
    codes = {c for d in documents.values() for c in d.jurisdiction_codes}
    regions = {r.code: r for r in Region.objects.filter(code__in=codes)}
    links = {
        county_id: profile_id
        for profile_id, county_id in ProfileJurisdiction.objects.values_list("profile_id", "county_id")
    }
    loaded: dict[tuple[int, str, datetime.date], list[ParameterVersion]] = {}
    for row in ParameterVersion.objects.filter(
        profile__code__in=list(documents),
        status__in=[ParameterStatus.APPROVED, ParameterStatus.SUPERSEDED],
    ).order_by("id"):
        loaded.setdefault((row.profile_id, row.key, row.effective_from), []).append(row)
    for document in _parents_first(documents):
        profile = _load_profile(actor, document, profiles, result)
        for code in document.jurisdiction_codes:
            region = regions.get(code)
            if region is None:
                result.missing_regions.append((document.code, code))
                continue
            _link_county(actor, profile, region, links, result)
        # Where the profile's version events are filed: looked up once per profile (not per version), when needed.
        region, looked_up = None, False
        for version in document.versions:
            stored = dump_value(PARAMETERS[version.key], version.value)
            rows = loaded.get((profile.pk, version.key, version.effective_from), [])
            if any(_same_content(row, stored, version) for row in rows):
                continue
            if not looked_up:
                region, looked_up = _audit_region(actor, profile), True
            _load_version(actor, profile, version, stored, rows, result, region)
    return result


def _load_profile(
    actor: Staff, document: ProfileDocument, profiles: dict[str, PolicyProfile], result: ProfilesLoadResult
) -> PolicyProfile:
    parent = profiles[document.parent] if document.parent is not None else None
    profile = profiles.get(document.code)
    wanted = {"name": document.name, "document": document.document, "parent_id": parent.pk if parent else None}
    if profile is None:
        profile = PolicyProfile(code=document.code, **wanted)
        full_clean_or_raise(profile)
        profile.save()
        profiles[document.code] = profile
        result.profiles_created.append(document.code)
        audit_record(actor=actor, action="profile.create", target=profile, after=model_snapshot(profile))
    elif any(getattr(profile, name) != value for name, value in wanted.items()):
        before = model_snapshot(profile)
        for name, value in wanted.items():
            setattr(profile, name, value)
        full_clean_or_raise(profile)
        profile.save()
        result.profiles_updated.append(document.code)
        audit_record(actor=actor, action="profile.update", target=profile, before=before, after=model_snapshot(profile))
    return profile


def _link_county(
    actor: Staff, profile: PolicyProfile, county: Region, links: dict[int, int], result: ProfilesLoadResult
) -> None:
    owner = links.get(county.pk)
    if owner == profile.pk:
        return
    if county.level != RegionLevel.COUNTY:
        raise ApplicationError(f"档案 {profile.code} 的适用区划 {county.code} 不是县级区划", code="invalid_profile")
    if owner is not None:
        other = PolicyProfile.objects.get(pk=owner)
        raise ApplicationError(
            f"{county.name}（{county.code}）已适用档案 {other.code}，不能再适用 {profile.code}",
            code="county_has_profile",
            status=409,
        )
    link = ProfileJurisdiction.objects.create(profile=profile, county=county)
    links[county.pk] = profile.pk
    result.links_created.append((profile.code, county.code))
    audit_record(
        actor=actor,
        action="profile.link_county",
        target=profile,
        changes={"county": {"before": None, "after": county.code}},
        region=county,
        note=f"link {link.pk}",
    )


def _load_version(
    actor: Staff,
    profile: PolicyProfile,
    version,
    stored: Any,
    rows: list[ParameterVersion],
    result: ProfilesLoadResult,
    region: Region | None,
) -> None:
    now = timezone.now()
    row = ParameterVersion(
        profile=profile,
        key=version.key,
        effective_from=version.effective_from,
        value=stored,
        clause=version.clause,
        local_default=version.local_default,
        is_demo=version.demo,
        note=version.note,
        status=ParameterStatus.APPROVED,
        recorded_by=actor,
        approved_by=actor,
        approved_at=now,
    )
    previous = next((r for r in rows if r.status == ParameterStatus.APPROVED), None)
    if previous is not None:
        # The file changed this month's value: the new row replaces the approved one (marked first, so the
        # one-approved-per-month index holds; it then points at its replacement).
        before = model_snapshot(previous)
        previous.status = ParameterStatus.SUPERSEDED
        previous.save(update_fields=["status"])
        row.save()
        previous.superseded_by = row
        previous.save(update_fields=["superseded_by"])
        audit_record(
            actor=actor,
            action="parameter.supersede",
            target=previous,
            before=before,
            after=model_snapshot(previous),
            region=region,
        )
        result.versions_superseded += 1
    else:
        row.save()
    rows.append(row)
    result.versions_created[profile.code] += 1
    if version.key.startswith("dibao.standard."):
        result.standards_created[profile.code] += 1
    audit_record(actor=actor, action="parameter.load", target=row, after=model_snapshot(row), region=region)
