"""Impact preview (影响预览) of a draft parameter version, shown to the approving administrator before approval.

Enrolments do not exist yet (issue 5 builds them), so the preview evaluates the **registered active households**
of every county the draft's profile governs (directly, or through a child profile that inherits the key) for
低保 (``dibao``) in the draft's month twice: with the approved parameters, and with the approved parameters plus
the draft (inserted into its key's timeline at its month, merged exactly as approval would merge it). It reports
how many households become eligible, stop being eligible, get more, get less or are unchanged, the monthly budget
difference and the changed households. Nothing is written.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from types import MappingProxyType

from django.db.models import Q

from assistance.errors import ApplicationError
from assistance.models import Region
from cases.choices import HouseholdStatus
from cases.models import Household
from eligibility.models import ParameterStatus, ParameterVersion, PolicyProfile, ProfileJurisdiction
from eligibility.rules.decision import OUTCOME_LABELS, Outcome
from eligibility.rules.engine import evaluate
from eligibility.rules.facts import Request
from eligibility.rules.parameters import MissingParameter, ParameterSet, ParamValue
from eligibility.rules.profile_data import VersionLike, merge_timelines, parse_value
from eligibility.rules.schema import PARAMETERS
from eligibility.selectors import (
    StoredVersion,
    household_facts_many,
    profile_chain_for,
    stored_timelines,
)

PROGRAM = "dibao"
_FEN = Decimal("0.01")
# Changed households listed on the page (the counts and the budget cover all of them).
LIST_LIMIT = 200

# --- the draft inserted into a timeline (pure) ----------------------------------------------------------


def timeline_with_draft(
    layers: Sequence[tuple[str, Sequence[VersionLike]]], *, profile: str, draft: VersionLike
) -> tuple[ParamValue, ...]:
    """Return one key's merged timeline as it would be once ``draft`` of ``profile`` is approved.

    ``layers`` are the approved versions of the key per profile of the chain, root first (``profile`` among
    them). The draft replaces the approved version of its profile for the same month (approval supersedes it)
    and is merged like any approved version (``profile_data.merge_timelines``): a profile's versions replace its
    ancestors' from the month of its first version on.
    """
    if profile not in {code for code, _versions in layers}:
        raise ValueError(f"profile {profile} is not in the chain")
    merged_layers = []
    for code, versions in layers:
        if code == profile:
            versions = [v for v in versions if v.effective_from != draft.effective_from] + [draft]
        merged_layers.append((code, {"key": tuple(versions)}))
    return merge_timelines(merged_layers).get("key", ())


def parameters_with(params: ParameterSet, key: str, timeline: tuple[ParamValue, ...]) -> ParameterSet:
    """Return ``params`` with ``key``'s timeline replaced by ``timeline``."""
    timelines = dict(params.timelines)
    timelines[key] = timeline
    return ParameterSet(jurisdiction=params.jurisdiction, month=params.month, timelines=MappingProxyType(timelines))


# --- figures ----------------------------------------------------------------------------------------------

NEWLY_ELIGIBLE = "newly_eligible"
NO_LONGER_ELIGIBLE = "no_longer_eligible"
MORE = "more"
LESS = "less"
UNCHANGED = "unchanged"
CHANGE_LABELS = {
    NEWLY_ELIGIBLE: "新增符合条件",
    NO_LONGER_ELIGIBLE: "不再符合条件",
    MORE: "金额增加",
    LESS: "金额减少",
    UNCHANGED: "无变化",
}


def classify(before: Outcome, before_amount: Decimal, after: Outcome, after_amount: Decimal) -> str:
    was, is_ = before == Outcome.ELIGIBLE, after == Outcome.ELIGIBLE
    if is_ and not was:
        return NEWLY_ELIGIBLE
    if was and not is_:
        return NO_LONGER_ELIGIBLE
    if was and is_ and after_amount > before_amount:
        return MORE
    if was and is_ and after_amount < before_amount:
        return LESS
    return UNCHANGED


@dataclass(frozen=True)
class HouseholdChange:
    household_id: int
    code: str
    village: str
    county: str
    change: str
    before_outcome: Outcome
    before_amount: Decimal  # 0 when not eligible
    after_outcome: Outcome
    after_amount: Decimal

    @property
    def difference(self) -> Decimal:
        return self.after_amount - self.before_amount

    @property
    def change_label(self) -> str:
        return CHANGE_LABELS[self.change]

    @property
    def before_label(self) -> str:
        return OUTCOME_LABELS[self.before_outcome]

    @property
    def after_label(self) -> str:
        return OUTCOME_LABELS[self.after_outcome]


@dataclass(frozen=True)
class ImpactPreview:
    version_id: int
    key: str
    month: datetime.date
    counties: tuple[str, ...]  # names
    evaluated: int
    counts: Mapping[str, int]  # by change kind (every kind present)
    budget_before: Decimal
    budget_after: Decimal
    changes: tuple[HouseholdChange, ...]  # every changed household, by county and code
    needs_information: int = 0  # households lacking facts after the change (counted as not eligible)
    skipped_counties: tuple[str, ...] = field(default=())  # counties the draft does not reach (own version)

    @property
    def budget_difference(self) -> Decimal:
        return self.budget_after - self.budget_before

    @property
    def changed(self) -> int:
        return len(self.changes)

    def listed(self, limit: int = LIST_LIMIT) -> tuple[HouseholdChange, ...]:
        return self.changes[:limit]

    def rows(self) -> list[tuple[str, str, int]]:
        return [(kind, CHANGE_LABELS[kind], self.counts[kind]) for kind in CHANGE_LABELS]


# --- the preview ----------------------------------------------------------------------------------------


def _governed_counties(profile: PolicyProfile) -> list[tuple[Region, int]]:
    """Counties governed by ``profile`` or a descendant profile, with the governing profile's id. Two queries."""
    parents = dict(PolicyProfile.objects.values_list("id", "parent_id"))

    def descends(pk: int | None) -> bool:
        seen = 0
        while pk is not None and seen <= len(parents):
            if pk == profile.pk:
                return True
            pk, seen = parents.get(pk), seen + 1
        return False

    links = ProfileJurisdiction.objects.select_related("county").order_by("county__path")
    return [(link.county, link.profile_id) for link in links if descends(link.profile_id)]


def _key_layers(chain: list[tuple[int, str]], key: str) -> list[tuple[str, list[StoredVersion]]]:
    """The approved versions of ``key`` per profile of ``chain`` (root first), as ``stored_timelines`` reads
    them. One query."""
    definition = PARAMETERS[key]
    rows = (
        ParameterVersion.objects.filter(
            profile_id__in=[pk for pk, _code in chain], key=key, status=ParameterStatus.APPROVED
        )
        .order_by("effective_from", "id")
        .values_list("id", "profile_id", "effective_from", "value", "clause", "local_default", "is_demo")
    )
    by_profile: dict[int, list[StoredVersion]] = {pk: [] for pk, _code in chain}
    for row_id, profile_id, month, value, clause, local_default, demo in rows:
        by_profile[profile_id].append(
            StoredVersion(key, parse_value(definition, value), month, row_id, clause, local_default, demo)
        )
    return [(code, by_profile[pk]) for pk, code in chain]


def _as_stored(version: ParameterVersion) -> StoredVersion:
    definition = PARAMETERS.get(version.key)
    if definition is None:
        raise ApplicationError(f"未知参数：{version.key}", code="unknown_key", status=400)
    return StoredVersion(
        version.key,
        parse_value(definition, version.value),
        version.effective_from,
        version.pk,
        version.clause,
        version.local_default,
        version.is_demo,
    )


def _households(counties: Iterable[Region]) -> list[Household]:
    q = Q(pk__in=[])
    for county in counties:
        q |= Q(hukou_region__path__startswith=county.path)
    return list(
        Household.objects.filter(q, status=HouseholdStatus.ACTIVE)
        .select_related("hukou_region")
        .order_by("hukou_region__path", "code")
    )


def _decide(household_facts_, month: datetime.date, params: ParameterSet) -> tuple[Outcome, Decimal]:
    decision = evaluate(Request(program=PROGRAM, month=month, household=household_facts_), params)
    amount = decision.amount if decision.outcome == Outcome.ELIGIBLE else Decimal("0.00")
    return decision.outcome, amount


def impact_preview(*, version: ParameterVersion) -> ImpactPreview:
    """Evaluate the registered active households the draft ``version`` reaches for 低保 in its month, with the
    approved parameters and with the draft applied. The caller checks the actor may see the version.

    Raise :class:`ApplicationError` (400) for a version that is not a draft, or when a parameter the rules need
    has no value in force in the month (``missing_parameter``).
    """
    if version.status != ParameterStatus.DRAFT:
        raise ApplicationError("只有待审批的参数版本可以预览影响", code="not_draft", status=400)
    draft = _as_stored(version)
    month = version.effective_from
    profile = version.profile
    by_profile: dict[int, list[Region]] = {}
    for county, governing in _governed_counties(profile):
        by_profile.setdefault(governing, []).append(county)

    counts = dict.fromkeys(CHANGE_LABELS, 0)
    changes: list[HouseholdChange] = []
    budget_before = budget_after = Decimal("0")
    evaluated = needs_information = 0
    county_names: list[str] = []
    skipped: list[str] = []
    for counties in by_profile.values():
        chain = profile_chain_for(counties[0])
        before = ParameterSet(
            jurisdiction=chain[-1][1], month=month, timelines=MappingProxyType(stored_timelines(chain))
        )
        timeline = timeline_with_draft(_key_layers(chain, version.key), profile=profile.code, draft=draft)
        after = parameters_with(before, version.key, timeline)
        if before.timelines.get(version.key, ()) == timeline:
            # A descendant profile sets the key itself from before the draft's month: the draft reaches nobody here.
            skipped.extend(c.name for c in counties)
            continue
        county_names.extend(c.name for c in counties)
        county_of = {c.path: c.name for c in counties}
        households = _households(counties)
        facts_of = household_facts_many(households=households, month=month)
        for household in households:
            facts_ = facts_of[household.pk]
            try:
                was, was_amount = _decide(facts_, month, before)
                now, now_amount = _decide(facts_, month, after)
            except MissingParameter as error:
                label = PARAMETERS[error.key].label if error.key in PARAMETERS else error.key
                raise ApplicationError(
                    f"{error.jurisdiction}在{error.month:%Y年%m月}没有有效的政策参数“{label}”（{error.key}），"
                    "无法预览影响",
                    code="missing_parameter",
                    status=400,
                ) from None
            evaluated += 1
            needs_information += now == Outcome.NEEDS_INFORMATION
            budget_before += was_amount
            budget_after += now_amount
            kind = classify(was, was_amount, now, now_amount)
            counts[kind] += 1
            if kind != UNCHANGED:
                village = household.hukou_region
                county = next((name for path, name in county_of.items() if village.path.startswith(path)), "")
                changes.append(
                    HouseholdChange(
                        household_id=household.pk,
                        code=household.code,
                        village=village.name,
                        county=county,
                        change=kind,
                        before_outcome=was,
                        before_amount=was_amount,
                        after_outcome=now,
                        after_amount=now_amount,
                    )
                )
    return ImpactPreview(
        version_id=version.pk,
        key=version.key,
        month=month,
        counties=tuple(county_names),
        evaluated=evaluated,
        counts=MappingProxyType(counts),
        budget_before=budget_before,
        budget_after=budget_after,
        changes=tuple(changes),
        needs_information=needs_information,
        skipped_counties=tuple(skipped),
    )
