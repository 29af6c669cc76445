"""Reads for the rules engine: the parameters in force for a county, and the facts of a household."""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from types import MappingProxyType
from typing import Any

from django.db.models import Exists, OuterRef, Q

from assistance.errors import ApplicationError
from assistance.models import Region
from cases.choices import INCOME_TREATMENT, AssetKind, ExpenseKind, IncomeTreatment
from cases.models import Asset, Household, LegalSupporter, Member, MemberIncome, RigidExpense
from eligibility.models import ParameterStatus, ParameterVersion, PolicyProfile, ProfileJurisdiction
from eligibility.rules import facts
from eligibility.rules.parameters import ParameterSet, ParamValue
from eligibility.rules.parameters import add_months as _add_months
from eligibility.rules.profile_data import merge_timelines, parse_value
from eligibility.rules.schema import PARAMETERS

# --- parameters --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class StoredVersion:
    """An approved database row in the shape ``profile_data.merge_timelines`` merges (``version_id`` = row id)."""

    key: str
    value: Any  # the rules' type (Decimal, tuple …)
    effective_from: datetime.date
    row_id: int
    clause: str
    local_default: bool
    demo: bool

    def param_value(self, profile: str) -> ParamValue:
        # As for a file version: a local default or demo figure cites no clause.
        is_default = self.local_default or self.demo
        return ParamValue(
            key=self.key,
            value=self.value,
            effective_from=self.effective_from,
            version_id=str(self.row_id),
            clause="" if is_default else self.clause,
            profile=profile,
            local_default=is_default,
            demo=self.demo,
        )


def _path_prefixes(path: str) -> list[str]:
    """Return ``/a/``, ``/a/b/`` … for the path ``/a/b/…/`` (the region and every ancestor)."""
    parts = [p for p in path.split("/") if p]
    return ["/" + "/".join(parts[: i + 1]) + "/" for i in range(len(parts))]


def profile_chain_for(region: Region) -> list[tuple[int, str]]:
    """Return ``[(id, code)]`` of the profile governing ``region``'s county and its ancestors, root first.

    One query. Raise :class:`ApplicationError` (400) when no profile governs the county.
    """
    governs = ProfileJurisdiction.objects.filter(profile=OuterRef("pk"), county__path__in=_path_prefixes(region.path))
    rows = list(
        PolicyProfile.objects.annotate(governs=Exists(governs)).values_list("id", "code", "parent_id", "governs")
    )
    by_id = {pk: (code, parent_id) for pk, code, parent_id, _ in rows}
    own = [pk for pk, _code, _parent, governing in rows if governing]
    if not own:
        raise ApplicationError(
            f"{region.name}（{region.code}）没有适用的政策参数档案，无法测算", code="no_profile", status=400
        )
    chain: list[tuple[int, str]] = []
    pk: int | None = own[0]
    while pk is not None and len(chain) <= len(by_id):
        code, parent_id = by_id[pk]
        chain.append((pk, code))
        pk = parent_id
    return chain[::-1]


def stored_timelines(chain: list[tuple[int, str]]) -> dict[str, tuple[ParamValue, ...]]:
    """Merge the approved versions of the profiles in ``chain`` (root first) exactly as the files are merged:
    a profile's versions of a key replace its ancestors' from the month of its first version on. One query."""
    rows = (
        ParameterVersion.objects.filter(profile_id__in=[pk for pk, _ in chain], status=ParameterStatus.APPROVED)
        .order_by("effective_from", "id")
        .values_list("id", "profile_id", "key", "effective_from", "value", "clause", "local_default", "is_demo")
    )
    by_profile: dict[int, dict[str, list[StoredVersion]]] = {pk: {} for pk, _ in chain}
    for row_id, profile_id, key, month, value, clause, local_default, demo in rows:
        definition = PARAMETERS.get(key)
        if definition is None:
            continue  # a key dropped from the schema: no rule reads it (coverage_check reports it)
        version = StoredVersion(key, parse_value(definition, value), month, row_id, clause, local_default, demo)
        by_profile[profile_id].setdefault(key, []).append(version)
    layers = [(code, {k: tuple(vs) for k, vs in by_profile[pk].items()}) for pk, code in chain]
    return merge_timelines(layers)


def parameter_set_for(*, county: Region, month: datetime.date) -> ParameterSet:
    """Return the approved parameters governing ``county`` (a town or village resolves to its county) for
    deciding ``month``; ``version_id`` of each value is its database row id. Two queries.

    Raise :class:`ApplicationError` (400, ``no_profile``) when no profile governs the county; a key without a
    value in force raises ``MissingParameter`` on lookup.
    """
    chain = profile_chain_for(county)
    timelines = stored_timelines(chain)
    return ParameterSet(jurisdiction=chain[-1][1], month=month.replace(day=1), timelines=MappingProxyType(timelines))


def parameter_set_for_profile(*, code: str, month: datetime.date) -> ParameterSet:
    """Return the approved parameters of the profile ``code`` (with its ancestors) for deciding ``month``:
    what the what-if calculator uses when asked by profile code rather than county. Two queries.

    Raise :class:`ApplicationError` (400, ``unknown_jurisdiction``) when no profile has that code.
    """
    rows = {
        pk: (profile_code, parent_id)
        for pk, profile_code, parent_id in PolicyProfile.objects.values_list("id", "code", "parent_id")
    }
    own = next((pk for pk, (profile_code, _parent) in rows.items() if profile_code == code), None)
    if own is None:
        raise ApplicationError(f"没有代码为“{code}”的政策参数档案", code="unknown_jurisdiction", status=400)
    chain: list[tuple[int, str]] = []
    pk: int | None = own
    while pk is not None and len(chain) <= len(rows):
        chain.append((pk, rows[pk][0]))
        pk = rows[pk][1]
    chain.reverse()
    timelines = stored_timelines(chain)
    return ParameterSet(jurisdiction=code, month=month.replace(day=1), timelines=MappingProxyType(timelines))


# --- registry → facts ------------------------------------------------------------------------------------

# Months of income records averaged into a person's monthly income (the six months before the month decided).
INCOME_MONTHS = 6
# Months of rigid expenses counted (the twelve months before the month decided;
# gangxing-zhichu-kunnan-jiating-rending-2024: rigid spending of the last 12 months).
EXPENSE_MONTHS = 12
FINANCIAL_ASSET_KINDS = (
    AssetKind.DEPOSIT,
    AssetKind.SECURITIES,
    AssetKind.INSURANCE,
    AssetKind.CLAIM,
    AssetKind.INTERNET_FINANCE,
)
_FEN = Decimal("0.01")


def _month_index(day: datetime.date) -> int:
    return day.year * 12 + day.month - 1


def _month_end(month: datetime.date) -> datetime.date:
    return _add_months(month, 1) - datetime.timedelta(days=1)


def household_facts(*, household: Household, month: datetime.date) -> facts.Household:
    """Return the registry's facts about ``household`` for deciding ``month``, as the rules engine reads them.

    The caller has fetched ``household`` through a scoped selector (``cases.selectors.household_get_for``).
    Five queries, whatever the size of the household (members, incomes, property, expenses, supporters):

    - members: the active members, each ``Person.ref`` being the member's id as a string; deceased,
      imprisoned and missing as of the last day of ``month``;
    - incomes: per member and kind, the average monthly amount over the months among the six before
      ``month`` in which the household has any income record (a kind not recorded in such a month
      counts as 0 for it); no records in those six months → no incomes;
    - ``last_year_total_income``: every income kind except deductions (job costs, transfer expenses)
      recorded in the previous calendar year, scaled to twelve months by the number of months recorded;
      ``None`` when that year has no records;
    - property: financial assets (deposits, securities, insurance, claims, internet finance) not
      exempted, summed; vehicles and homes one by one with their exemption; the registry holds current
      property only, so it is the same for every month;
    - rigid expenses of the twelve months before ``month`` by kind, an expense reaching outside that
      window counted pro rata by months (to the fen, half up); a member's own medical expenses that
      started in the calendar year of ``month`` and not after it are their ``medical_self_paid_this_year``;
    - supporters: every legal supporter recorded for the household.

    Not in the registry (left at their defaults): why income rose (``income_rise_cause``), current
    enrolments (``current``) and centralised 特困 support.
    """
    return household_facts_many(households=[household], month=month)[household.pk]


def household_facts_many(*, households: Sequence[Household], month: datetime.date) -> dict[int, facts.Household]:
    """:func:`household_facts` for many households at once, keyed by household id: five queries whatever
    their number and size (the impact preview evaluates a whole county with it)."""
    month = month.replace(day=1)
    month_end = _month_end(month)
    income_from = _add_months(month, -INCOME_MONTHS)
    last_year_from = datetime.date(month.year - 1, 1, 1)
    last_year_to = datetime.date(month.year - 1, 12, 1)
    expense_from = _add_months(month, -EXPENSE_MONTHS)
    ids = [h.pk for h in households]

    members: dict[int, list[Member]] = {pk: [] for pk in ids}
    for member in (
        Member.objects.filter(household_id__in=ids, is_active=True).select_related("serious_illness").order_by("id")
    ):
        members[member.household_id].append(member)
    incomes: dict[int, list[tuple]] = {pk: [] for pk in ids}
    for row in (
        MemberIncome.objects.filter(member__household_id__in=ids, member__is_active=True, month__lt=month)
        .filter(Q(month__gte=income_from) | Q(month__gte=last_year_from, month__lte=last_year_to))
        .values_list("member__household_id", "member_id", "month", "kind", "amount")
    ):
        incomes[row[0]].append(row[1:])
    assets: dict[int, list[Asset]] = {pk: [] for pk in ids}
    for asset in Asset.objects.filter(household_id__in=ids).order_by("id"):
        assets[asset.household_id].append(asset)
    expenses: dict[int, list[RigidExpense]] = {pk: [] for pk in ids}
    for expense in RigidExpense.objects.filter(
        household_id__in=ids, period_end__gte=expense_from, period_start__lte=month_end
    ).order_by("id"):
        expenses[expense.household_id].append(expense)
    supporters: dict[int, list[LegalSupporter]] = {pk: [] for pk in ids}
    for supporter in LegalSupporter.objects.filter(household_id__in=ids).order_by("id"):
        supporters[supporter.household_id].append(supporter)

    deductions = {
        kind for kind, (treatment, _basis) in INCOME_TREATMENT.items() if treatment == IncomeTreatment.DEDUCTIBLE
    }
    window_first, window_last = _month_index(expense_from), _month_index(month) - 1
    result: dict[int, facts.Household] = {}
    for household in households:
        rows = incomes[household.pk]
        recent = [row for row in rows if row[1] >= income_from]
        recorded_months = {row[1] for row in recent}
        totals: dict[int, dict[str, Decimal]] = {}
        for member_id, _month, kind, amount in recent:
            per_kind = totals.setdefault(member_id, {})
            per_kind[kind] = per_kind.get(kind, Decimal("0")) + amount

        def average(total: Decimal, months: int = len(recorded_months)) -> Decimal:
            return (total / months).quantize(_FEN, ROUND_HALF_UP)

        last_year = [row for row in rows if last_year_from <= row[1] <= last_year_to]
        last_year_total = None
        if last_year:
            gross = sum((row[3] for row in last_year if row[2] not in deductions), Decimal("0"))
            recorded = len({row[1] for row in last_year})
            last_year_total = (gross * 12 / recorded).quantize(_FEN, ROUND_HALF_UP)

        rigid: dict[str, Decimal] = {}
        medical_this_year: dict[int, Decimal] = {}
        for expense in expenses[household.pk]:
            first, last = _month_index(expense.period_start), _month_index(expense.period_end)
            overlap = min(last, window_last) - max(first, window_first) + 1
            if overlap > 0:
                share = expense.amount if overlap == last - first + 1 else expense.amount * overlap / (last - first + 1)
                rigid[expense.kind] = rigid.get(expense.kind, Decimal("0")) + share.quantize(_FEN, ROUND_HALF_UP)
            if (
                expense.kind == ExpenseKind.MEDICAL
                and expense.member_id is not None
                and expense.period_start.year == month.year
                and expense.period_start <= month_end
            ):
                medical_this_year[expense.member_id] = (
                    medical_this_year.get(expense.member_id, Decimal("0")) + expense.amount
                )

        people = tuple(
            facts.Person(
                ref=str(m.pk),
                birth_date=m.birth_date,
                sex=m.sex,
                relation=m.relation,
                disability_type=m.disability_type,
                disability_grade=m.disability_grade,
                serious_illness=m.serious_illness_id is not None and m.serious_illness.is_active,
                labour_ability=m.labour_ability,
                selfcare_level=m.selfcare_level,
                education_stage=m.education_stage,
                in_school=m.in_school,
                employment=m.employment,
                deceased=m.deceased_on is not None and m.deceased_on <= month_end,
                imprisoned=m.imprisoned_from is not None
                and m.imprisoned_from <= month_end
                and (m.imprisoned_until is None or m.imprisoned_until >= month_end),
                missing=m.missing_since is not None and m.missing_since <= month_end,
                incomes=tuple((kind, average(total)) for kind, total in sorted(totals.get(m.pk, {}).items())),
                medical_self_paid_this_year=medical_this_year.get(m.pk, Decimal("0")),
            )
            for m in members[household.pk]
        )
        own_assets = assets[household.pk]
        result[household.pk] = facts.Household(
            area_type=household.area_type,
            members=people,
            financial_assets=sum(
                (a.value for a in own_assets if a.kind in FINANCIAL_ASSET_KINDS and not a.is_exempt), Decimal("0")
            ),
            vehicles=tuple(
                facts.Vehicle(value=a.value, purchase_price=a.vehicle_purchase_price, exempt=a.is_exempt)
                for a in own_assets
                if a.kind == AssetKind.VEHICLE
            ),
            homes=tuple(
                facts.Home(value=a.value, floor_area=a.floor_area, only_home=a.is_only_home, exempt=a.is_exempt)
                for a in own_assets
                if a.kind == AssetKind.REAL_ESTATE
            ),
            rigid_expenses_12m=tuple(sorted(rigid.items())),
            supporters=tuple(
                facts.Supporter(
                    supports=str(s.supported_member_id),
                    relation=s.relation,
                    birth_date=s.birth_date,
                    disability_type=s.disability_type,
                    disability_grade=s.disability_grade,
                    annual_income=s.annual_income,
                    is_tekun=s.is_tekun,
                    is_dibao=s.is_dibao,
                    in_prison=s.in_prison,
                    missing=s.is_missing,
                    lacks_legal_capacity=s.lacks_legal_capacity,
                )
                for s in supporters[household.pk]
            ),
            last_year_total_income=last_year_total,
        )
    return result
