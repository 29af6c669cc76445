"""The batch path: 低保 (new applications) and 特困 for many households at once, over numpy columns of integer fen.

The scalar rules (``dibao``, ``tekun``) explain one decision; this module computes the same outcomes and
amounts for a whole county (an impact preview, a re-check run, a benchmark) without explanations. It reads every
number from a :class:`ParameterSet` once (:class:`BatchParams`), and computes with integers only: money in fen,
per-capita figures kept as numerators over ``12 × members × share denominator`` and rounded once, half-up, to the
profile's step — so it agrees exactly with the scalar path's fractions (``tests/eligibility/test_batch_agreement.py``).

Columns (:class:`HouseholdColumns`) are household arrays (length N), person arrays (length P, grouped by
household, ``offsets`` = each household's first person) and supporter arrays (length S, the 特困 subject's legal
supporters). Build them from ``facts.Household`` with :func:`to_columns`, or directly (``bench/bench_rules_batch.py``
uses :func:`generate_columns`).

Enrolled households (``HouseholdColumns.enrolled``, set by ``to_columns(..., enrolled_in=program)`` or by the
caller): the recomputation of enrolments when a standard changes (提标, ``cases.services.recompute``). For them
the rigid-expense deduction at entry does not apply, and what the scalar path decides with an explanation of its
own goes to it: a 低保 household no longer below the standard (渐退, ``graduated_exit``) and a 特困 subject past
``minor_age`` still in school (the in-school continuation), and a deceased one (end and funeral payment).

What the batch path does not handle is flagged in ``HouseholdColumns.fallback`` ("needs scalar path", outcome
:data:`SCALAR`): a current enrolment when not in enrolled mode (re-checks and 渐退), unknown income, expense or
disability kinds, unassessable vocabularies, amounts with sub-fen digits, a household without members or with an
invalid area type, a 特困 subject not among the members. The caller decides those with ``engine.evaluate``.

Outcome codes: :data:`ELIGIBLE` 0, :data:`INELIGIBLE` 1, :data:`NEEDS_INFORMATION` 2, :data:`SCALAR` 3.
Not computed here: the 低保 category and re-check interval, 特困 funeral payments (enrolled subjects only).
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

import numpy as np

from eligibility.rules.facts import Household
from eligibility.rules.income import DEDUCTION_KINDS, EARNED_KINDS
from eligibility.rules.parameters import ParameterSet
from eligibility.rules.schema import EXPENSE_KINDS, INCOME_KINDS

ELIGIBLE, INELIGIBLE, NEEDS_INFORMATION, SCALAR = 0, 1, 2, 3
OUTCOME_NAMES = ("eligible", "ineligible", "needs_information", "scalar")

DISABILITY_TYPES = ("visual", "hearing", "speech", "physical", "intellectual", "mental", "multiple")  # code = index+1
LABOUR = {"": 0, "full": 1, "partial": 2, "none": 3}
SELFCARE = {"": 0, "capable": 1, "partial": 2, "none": 3}
SELFCARE_LEVELS = ("capable", "partial", "none")  # codes 1..3
HIGHER_EDUCATION = ("higher_vocational", "bachelor", "postgraduate")  # as dibao.HIGHER_EDUCATION
ADULT_AGE = 18  # as dibao.ADULT_AGE (民法典第十七条)
ELDERLY_SUPPLEMENT_AGE = 70  # as dibao.ELDERLY_SUPPLEMENT_AGE (the group code "elderly_70")
STEP_FEN = {"fen": 1, "jiao": 10, "yuan": 100}

I64 = np.int64


class NotInFen(ValueError):
    """A money figure with digits below the fen (the batch path computes in integer fen)."""


def fen(amount: Decimal) -> int:
    """Return ``amount`` yuan as integer fen; raise :class:`NotInFen` if it has sub-fen digits."""
    scaled = Decimal(amount) * 100
    if scaled != scaled.to_integral_value():
        raise NotInFen(f"{amount} 元不是整分")
    return int(scaled)


# --------------------------------------------------------------------------------------------------------------
# Columns
# --------------------------------------------------------------------------------------------------------------


@dataclass
class HouseholdColumns:
    """Households as columns. Money in fen (int64); monthly unless named otherwise."""

    # households (N)
    urban: np.ndarray  # bool
    financial_assets: np.ndarray  # fen
    vehicles_counted: np.ndarray  # number of vehicles not exempt
    vehicle_value_counted: np.ndarray  # fen, their total value
    homes_counted: np.ndarray  # number of homes not exempt
    rigid_12m: dict[str, np.ndarray]  # expense kind → fen over the last 12 months
    centralised: np.ndarray  # bool, 特困 集中供养
    subject: np.ndarray  # index into the person arrays of the 特困 subject (-1: none)
    fallback: np.ndarray  # bool: needs the scalar path
    offsets: np.ndarray  # first person of each household (every household has ≥ 1 person)
    # persons (P), grouped by household
    person_hh: np.ndarray
    birth_y: np.ndarray
    birth_m: np.ndarray
    birth_d: np.ndarray
    counts: np.ndarray  # bool: a member who counts (not deceased, imprisoned, missing — 第七条)
    deceased: np.ndarray  # bool
    gone: np.ndarray  # bool: imprisoned or missing
    disability: np.ndarray  # 0 none, else DISABILITY_TYPES index + 1
    grade: np.ndarray  # 0 unknown / none, else 1–4
    serious_illness: np.ndarray  # bool
    college: np.ndarray  # bool: in school at higher education
    labour: np.ndarray  # LABOUR code
    selfcare: np.ndarray  # SELFCARE code
    income: dict[str, np.ndarray]  # income kind → fen per month (≥ 0); kinds absent are zero
    # supporters (S) of the 特困 subject
    sup_hh: np.ndarray
    sup_birth_y: np.ndarray
    sup_birth_m: np.ndarray
    sup_birth_d: np.ndarray
    sup_disability: np.ndarray
    sup_grade: np.ndarray
    sup_income: np.ndarray  # fen per year
    sup_tekun: np.ndarray  # bool
    sup_dibao: np.ndarray  # bool
    sup_gone: np.ndarray  # bool: lacks legal capacity, missing or in prison
    # households (N): already enrolled in the program evaluated (None: none is)
    enrolled: np.ndarray | None = None
    # persons (P): in school at any stage (needed in enrolled mode for the 特困 in-school continuation; None:
    # unknown, so every enrolled subject past minor_age without another ground goes to the scalar path)
    school: np.ndarray | None = None

    def enrolled_mask(self) -> np.ndarray:
        return self.enrolled if self.enrolled is not None else np.zeros(self.n, dtype=bool)

    @property
    def n(self) -> int:
        return len(self.urban)

    @property
    def persons(self) -> int:
        return len(self.person_hh)


def _person_supported(person) -> bool:
    return (
        (not person.disability_type or person.disability_type in DISABILITY_TYPES)
        and (person.disability_grade is None or 1 <= person.disability_grade <= 4)
        and person.labour_ability in LABOUR
        and person.selfcare_level in SELFCARE
        and all(kind in INCOME_KINDS for kind, _ in person.incomes)
    )


def to_columns(
    households: Sequence[Household], subjects: Sequence[str | None] | None = None, *, enrolled_in: str | None = None
) -> HouseholdColumns:
    """Build columns from fact dataclasses; ``subjects`` (one ``Person.ref`` or ``None`` per household) names the
    特困 subject. A household the batch path cannot decide is flagged ``fallback`` (its columns still filled).

    ``enrolled_in`` (a program): enrolled mode — a household whose ``current`` holds that program is marked
    ``enrolled`` instead of falling back (any other current enrolment still falls back)."""
    n = len(households)
    enrolled_flags: list[bool] = []
    subjects = list(subjects) if subjects is not None else [None] * n
    hh: dict[str, list] = {k: [] for k in ("urban", "assets", "veh", "vehval", "homes", "central", "subject", "fb")}
    rigid: dict[str, list[int]] = {k: [] for k in EXPENSE_KINDS}
    offsets: list[int] = []
    p: dict[str, list] = {
        k: []
        for k in (
            "hh",
            "y",
            "m",
            "d",
            "counts",
            "dead",
            "gone",
            "dis",
            "grade",
            "ill",
            "college",
            "lab",
            "sc",
            "school",
        )
    }
    income: dict[str, list[int]] = {k: [] for k in INCOME_KINDS}
    s: dict[str, list] = {k: [] for k in ("hh", "y", "m", "d", "dis", "grade", "inc", "tekun", "dibao", "gone")}
    for i, (household, subject) in enumerate(zip(households, subjects, strict=True)):
        programs = {c.program for c in household.current}
        is_enrolled = enrolled_in is not None and enrolled_in in programs
        enrolled_flags.append(is_enrolled)
        fallback = (
            (bool(programs - {enrolled_in}) if is_enrolled else bool(programs))
            or household.area_type not in ("urban", "rural")
            or not household.members
        )
        try:
            assets = fen(household.financial_assets)
            counted_vehicles = [v for v in household.vehicles if not v.exempt]
            vehicle_value = sum(fen(v.value) for v in counted_vehicles)
            spent = dict.fromkeys(EXPENSE_KINDS, 0)
            for kind, amount in household.rigid_expenses_12m:
                if kind not in EXPENSE_KINDS:
                    fallback = True
                else:
                    spent[kind] += fen(amount)
            person_rows = []
            for person in household.members:
                amounts = dict.fromkeys(INCOME_KINDS, 0)
                for kind, amount in person.incomes:
                    if kind in amounts:
                        amounts[kind] += fen(max(amount, Decimal(0)))
                person_rows.append(amounts)
            supporters = [x for x in household.supporters if x.supports == subject] if subject is not None else []
            sup_income = [fen(x.annual_income) for x in supporters]
        except NotInFen:
            fallback = True
            assets, counted_vehicles, vehicle_value, spent = 0, [], 0, dict.fromkeys(EXPENSE_KINDS, 0)
            person_rows = [dict.fromkeys(INCOME_KINDS, 0) for _ in household.members]
            supporters, sup_income = [], []
        refs = [m.ref for m in household.members]
        subject_index = -1
        if subject is not None:
            if subject in refs:
                subject_index = len(p["hh"]) + refs.index(subject)
            else:
                fallback = True
        if not all(_person_supported(m) for m in household.members):
            fallback = True
        if any(x.disability_type and x.disability_type not in DISABILITY_TYPES for x in supporters):
            fallback = True
        offsets.append(len(p["hh"]))
        members = household.members or ()
        if not members:  # keep every household non-empty in the person arrays (flagged fallback above)
            p_rows = [(None, dict.fromkeys(INCOME_KINDS, 0))]
        else:
            p_rows = list(zip(members, person_rows, strict=True))
        for person, amounts in p_rows:
            p["hh"].append(i)
            if person is None:
                for key, value in (("y", 1900), ("m", 1), ("d", 1)):
                    p[key].append(value)
                for key in ("counts", "dead", "gone", "dis", "grade", "ill", "college", "lab", "sc", "school"):
                    p[key].append(0)
            else:
                p["y"].append(person.birth_date.year)
                p["m"].append(person.birth_date.month)
                p["d"].append(person.birth_date.day)
                p["counts"].append(not (person.deceased or person.imprisoned or person.missing))
                p["dead"].append(person.deceased)
                p["gone"].append(person.imprisoned or person.missing)
                dis = person.disability_type
                p["dis"].append(DISABILITY_TYPES.index(dis) + 1 if dis in DISABILITY_TYPES else 0)
                p["grade"].append(person.disability_grade or 0)
                p["ill"].append(person.serious_illness)
                p["college"].append(person.in_school and person.education_stage in HIGHER_EDUCATION)
                p["school"].append(person.in_school)
                p["lab"].append(LABOUR.get(person.labour_ability, 0))
                p["sc"].append(SELFCARE.get(person.selfcare_level, 0))
            for kind in INCOME_KINDS:
                income[kind].append(amounts[kind])
        for supporter, annual in zip(supporters, sup_income, strict=True):
            s["hh"].append(i)
            s["y"].append(supporter.birth_date.year)
            s["m"].append(supporter.birth_date.month)
            s["d"].append(supporter.birth_date.day)
            dis = supporter.disability_type
            s["dis"].append(DISABILITY_TYPES.index(dis) + 1 if dis in DISABILITY_TYPES else 0)
            s["grade"].append(supporter.disability_grade or 0)
            s["inc"].append(annual)
            s["tekun"].append(supporter.is_tekun)
            s["dibao"].append(supporter.is_dibao)
            s["gone"].append(supporter.lacks_legal_capacity or supporter.missing or supporter.in_prison)
        hh["urban"].append(household.area_type == "urban")
        hh["assets"].append(assets)
        hh["veh"].append(len(counted_vehicles))
        hh["vehval"].append(vehicle_value)
        hh["homes"].append(sum(1 for h in household.homes if not h.exempt))
        hh["central"].append(household.centralised_support)
        hh["subject"].append(subject_index)
        hh["fb"].append(fallback)
        for kind in EXPENSE_KINDS:
            rigid[kind].append(spent[kind])

    def arr(values, dtype=I64):
        return np.asarray(values, dtype=dtype)

    return HouseholdColumns(
        urban=arr(hh["urban"], bool),
        financial_assets=arr(hh["assets"]),
        vehicles_counted=arr(hh["veh"]),
        vehicle_value_counted=arr(hh["vehval"]),
        homes_counted=arr(hh["homes"]),
        rigid_12m={k: arr(v) for k, v in rigid.items()},
        centralised=arr(hh["central"], bool),
        subject=arr(hh["subject"]),
        fallback=arr(hh["fb"], bool),
        offsets=arr(offsets),
        person_hh=arr(p["hh"]),
        birth_y=arr(p["y"]),
        birth_m=arr(p["m"]),
        birth_d=arr(p["d"]),
        counts=arr(p["counts"], bool),
        deceased=arr(p["dead"], bool),
        gone=arr(p["gone"], bool),
        disability=arr(p["dis"], np.int8),
        grade=arr(p["grade"], np.int8),
        serious_illness=arr(p["ill"], bool),
        college=arr(p["college"], bool),
        labour=arr(p["lab"], np.int8),
        selfcare=arr(p["sc"], np.int8),
        income={k: arr(v) for k, v in income.items() if any(v)},
        sup_hh=arr(s["hh"]),
        sup_birth_y=arr(s["y"]),
        sup_birth_m=arr(s["m"]),
        sup_birth_d=arr(s["d"]),
        sup_disability=arr(s["dis"], np.int8),
        sup_grade=arr(s["grade"], np.int8),
        sup_income=arr(s["inc"]),
        sup_tekun=arr(s["tekun"], bool),
        sup_dibao=arr(s["dibao"], bool),
        sup_gone=arr(s["gone"], bool),
        enrolled=arr(enrolled_flags, bool) if enrolled_in is not None else None,
        school=arr(p["school"], bool),
    )


# --------------------------------------------------------------------------------------------------------------
# Parameters, read once
# --------------------------------------------------------------------------------------------------------------


def _ratio(value: Decimal) -> tuple[int, int]:
    f = Fraction(value)
    return f.numerator, f.denominator


def _grade_limits(mapping) -> np.ndarray:
    """Per disability code (0 = none), the mildest grade that counts (0: none counts); "*" covers other types."""
    default = int(mapping.get("*", 0))
    limits = [0] + [int(mapping.get(t, default)) for t in DISABILITY_TYPES]
    return np.asarray(limits, dtype=np.int8)


@dataclass(frozen=True)
class BatchParams:
    """The scalars of one profile × month the batch path reads (from a :class:`ParameterSet`, once)."""

    month: datetime.date
    std_urban: int  # fen
    std_rural: int
    last_std_urban: int  # 特困 base where the profile uses last year's standard (else = current)
    last_std_rural: int
    disposable_income: int  # fen per year
    income_exempt: frozenset[str]
    tekun_exempt: frozenset[str]
    deductible: frozenset[str]
    rigid_at_entry: bool
    rigid_kinds: tuple[str, ...]
    financial_months: int
    vehicle_rule: str
    vehicle_limit: int
    max_homes: int
    floor: int
    share: tuple[int, int]
    groups: tuple[str, ...]
    stack: bool
    step: int  # 低保 rounding step in fen
    minor_age: int
    elderly_age: int
    labour_limits: np.ndarray
    basic_multiple_scattered: tuple[int, int]
    basic_multiple_centralised: tuple[int, int]
    care_shares: tuple[tuple[int, int], ...]  # by SELFCARE code 1..3
    tekun_step: int
    supporter_dibao_age: int
    supporter_elderly_age: int
    supporter_limits: np.ndarray

    @classmethod
    def from_parameter_set(cls, params: ParameterSet) -> BatchParams:
        def v(key):
            return params.get(key).value

        if v("tekun.basic_uses_last_year_standard"):
            last_u = fen(params.last_year("dibao.standard.urban").value)
            last_r = fen(params.last_year("dibao.standard.rural").value)
        else:
            last_u, last_r = fen(v("dibao.standard.urban")), fen(v("dibao.standard.rural"))
        rule = v("property.vehicle_rule")
        return cls(
            month=params.month,
            std_urban=fen(v("dibao.standard.urban")),
            std_rural=fen(v("dibao.standard.rural")),
            last_std_urban=last_u,
            last_std_rural=last_r,
            disposable_income=fen(v("reference.disposable_income_last_year")),
            income_exempt=frozenset(v("income.exempt_kinds")),
            tekun_exempt=frozenset(v("tekun.exempt_kinds")),
            deductible=frozenset(v("income.deductible_kinds")),
            rigid_at_entry=bool(v("income.deduct_rigid_expenses_at_entry")),
            rigid_kinds=tuple(v("income.rigid_expense_kinds")),
            financial_months=int(v("property.financial_months")),
            vehicle_rule=rule,
            vehicle_limit=fen(v("property.vehicle_value_limit")) if rule == "value_limit" else 0,
            max_homes=int(v("property.max_homes")),
            floor=fen(v("dibao.floor_per_person")),
            share=_ratio(v("dibao.supplement.share")),
            groups=tuple(v("dibao.supplement.groups")),
            stack=v("dibao.supplement.stacking") == "stack",
            step=STEP_FEN[v("dibao.rounding")],
            minor_age=int(v("tekun.minor_age")),
            elderly_age=int(v("tekun.elderly_age")),
            labour_limits=_grade_limits(v("tekun.labour_disability_grades")),
            basic_multiple_scattered=_ratio(v("tekun.basic_multiple.scattered")),
            basic_multiple_centralised=_ratio(v("tekun.basic_multiple.centralised")),
            care_shares=tuple(_ratio(v(f"tekun.care_share.{level}")) for level in SELFCARE_LEVELS),
            tekun_step=STEP_FEN[v("tekun.rounding")],
            supporter_dibao_age=int(v("tekun.supporter_dibao_age")),
            supporter_elderly_age=int(v("tekun.supporter_elderly_age")),
            supporter_limits=_grade_limits(v("tekun.supporter_disability_grades")),
        )


@dataclass(frozen=True)
class BatchResult:
    outcome: np.ndarray  # int8 codes (ELIGIBLE …, SCALAR)
    amount: np.ndarray  # int64 fen per month (0 unless eligible)

    @property
    def scalar_share(self) -> float:
        return float(np.mean(self.outcome == SCALAR)) if len(self.outcome) else 0.0


# --------------------------------------------------------------------------------------------------------------
# Shared pieces
# --------------------------------------------------------------------------------------------------------------


def _age(y: np.ndarray, m: np.ndarray, d: np.ndarray, month: datetime.date) -> np.ndarray:
    """Age in whole years on the first day of ``month`` (as ``Person.age_on``)."""
    before = (m > month.month) | ((m == month.month) & (d > 1))
    return month.year - y - before


def _round_half_up(numerator: np.ndarray, denominator, step: int) -> np.ndarray:
    """Round ``numerator / denominator`` fen (both ≥ 0) half-up to a multiple of ``step`` fen."""
    den = np.asarray(denominator, dtype=I64) * step
    return ((2 * numerator + den) // (2 * den)) * step


def _counted_income(cols: HouseholdColumns, exempt: frozenset[str], deductible: frozenset[str]) -> np.ndarray:
    """Each person's counted monthly income in fen (``income.person_income``)."""
    zero = np.zeros(cols.persons, dtype=I64)
    gross, earned, job_cost, other = zero.copy(), zero.copy(), zero, zero
    for kind, amounts in cols.income.items():
        if kind in DEDUCTION_KINDS:
            if kind in deductible:
                if kind == "job_cost":
                    job_cost = job_cost + amounts
                else:
                    other = other + amounts
        elif kind not in exempt:
            gross += amounts
            if kind in EARNED_KINDS:
                earned += amounts
    deducted = np.minimum(np.minimum(job_cost, earned) + other, gross)
    return gross - deducted


def _standard(cols: HouseholdColumns, urban: int, rural: int) -> np.ndarray:
    return np.where(cols.urban, I64(urban), I64(rural))


def _property_ok(cols: HouseholdColumns, bp: BatchParams, std: np.ndarray, size: np.ndarray) -> np.ndarray:
    ok = cols.financial_assets <= bp.financial_months * std * size
    if bp.vehicle_rule == "none_allowed":
        ok &= cols.vehicles_counted == 0
    elif bp.vehicle_rule == "value_limit":
        ok &= cols.vehicle_value_counted <= bp.vehicle_limit
    ok &= cols.homes_counted <= bp.max_homes
    return ok


def _per_household(cols: HouseholdColumns, values: np.ndarray) -> np.ndarray:
    return np.add.reduceat(values, cols.offsets) if cols.n else np.zeros(0, dtype=values.dtype)


# --------------------------------------------------------------------------------------------------------------
# 低保 (new applications)
# --------------------------------------------------------------------------------------------------------------


def evaluate_dibao_batch(cols: HouseholdColumns, bp: BatchParams) -> BatchResult:
    """低保 by household (see ``dibao.evaluate_dibao``); enrolled households as the module says."""
    enrolled = cols.enrolled_mask()
    counts = cols.counts
    size = _per_household(cols, counts.astype(I64))
    counted = _counted_income(cols, bp.income_exempt, bp.deductible) * counts
    gross = _per_household(cols, counted)
    total12 = 12 * gross
    if bp.rigid_at_entry:
        spent = np.zeros(cols.n, dtype=I64)
        for kind in bp.rigid_kinds:
            if kind in cols.rigid_12m:
                spent += cols.rigid_12m[kind]
        total12 -= np.where(enrolled, 0, np.minimum(spent, 12 * gross))
    std = _standard(cols, bp.std_urban, bp.std_rural)
    below = total12 < 12 * std * size
    prop_ok = _property_ok(cols, bp, std, size)

    # Amount: Σ members, over D = 12 × size × Q (Q = supplement share denominator).
    share_num, q = bp.share
    safe_size = np.maximum(size, 1)
    gap12 = 12 * std * safe_size - total12  # per-capita gap × 12 × size
    if share_num:
        age = _age(cols.birth_y, cols.birth_m, cols.birth_d, bp.month)
        tests = {
            "serious_illness": cols.serious_illness,
            "severe_disability": (cols.disability > 0) & (cols.grade >= 1) & (cols.grade <= 2),
            "elderly_70": age >= ELDERLY_SUPPLEMENT_AGE,
            "minor": age < ADULT_AGE,
            "college_student": cols.college,
        }
        groups = np.zeros(cols.persons, dtype=I64)
        for group in bp.groups:
            if group in tests:
                groups += tests[group]
        if not bp.stack:
            groups = np.minimum(groups, 1)
        groups *= counts
        key = _per_household(cols, (groups > 0).astype(I64))
        supplements = _per_household(cols, groups)
    else:
        key = supplements = np.zeros(cols.n, dtype=I64)
    ordinary = size - key
    ordinary_gap = np.maximum(gap12, 12 * safe_size * bp.floor)
    total = q * (key * gap12 + ordinary * ordinary_gap) + share_num * std * supplements * 12 * safe_size
    amount = _round_half_up(np.maximum(total, 0), 12 * safe_size * q, bp.step)

    outcome = np.full(cols.n, INELIGIBLE, dtype=np.int8)
    eligible = below & prop_ok & (size > 0)
    outcome[eligible] = ELIGIBLE
    outcome[size == 0] = NEEDS_INFORMATION
    outcome[enrolled & prop_ok & ~below & (size > 0)] = SCALAR  # 渐退: the scalar path's graduated_exit
    outcome[cols.fallback] = SCALAR
    return BatchResult(outcome, np.where(outcome == ELIGIBLE, amount, 0))


# --------------------------------------------------------------------------------------------------------------
# 特困 (subject = cols.subject)
# --------------------------------------------------------------------------------------------------------------


def evaluate_tekun_batch(cols: HouseholdColumns, bp: BatchParams) -> BatchResult:
    """特困 for each household's subject (see ``tekun.evaluate_tekun``); enrolled subjects as the module says."""
    n = cols.n
    enrolled = cols.enrolled_mask()
    has_subject = cols.subject >= 0
    s = np.where(has_subject, cols.subject, cols.offsets)  # a valid index everywhere; others are fallback
    month = bp.month
    age = _age(cols.birth_y[s], cols.birth_m[s], cols.birth_d[s], month)
    dis, grade, labour = cols.disability[s], cols.grade[s], cols.labour[s]

    # 1. No labour ability (第五条); the in-school continuation needs an enrolment, which the batch path excludes.
    limit = bp.labour_limits[dis]
    ground = (age >= bp.elderly_age) | (age < bp.minor_age) | ((dis > 0) & (grade >= 1) & (grade <= limit))
    labour_met = ground | (labour == LABOUR["none"])
    labour_not_met = ~labour_met & (
        (labour == LABOUR["full"]) | (labour == LABOUR["partial"]) | ((dis == 0) & ~cols.serious_illness[s])
    )
    labour_unknown = ~labour_met & ~labour_not_met

    # 2. No livelihood: own counted income below the standard; property within the 低保 limits.
    std = _standard(cols, bp.std_urban, bp.std_rural)
    counted = _counted_income(cols, bp.tekun_exempt, bp.deductible)[s]
    size = np.maximum(_per_household(cols, cols.counts.astype(I64)), 1)
    livelihood = (counted < std) & _property_ok(cols, bp, std, size)

    # 3. Supporters (第八条): every one unable.
    sup_age = _age(cols.sup_birth_y, cols.sup_birth_m, cols.sup_birth_d, month)
    sup_limit = bp.supporter_limits[cols.sup_disability]
    disabled = (cols.sup_disability > 0) & (cols.sup_grade >= 1) & (cols.sup_grade <= sup_limit)
    unable = (
        cols.sup_tekun
        | (cols.sup_dibao & (sup_age >= bp.supporter_dibao_age))
        | cols.sup_gone
        | (((sup_age >= bp.supporter_elderly_age) | disabled) & (cols.sup_income < bp.disposable_income))
    )
    able_count = np.bincount(cols.sup_hh[~unable], minlength=n) if n else np.zeros(0, dtype=I64)
    supporters_ok = able_count == 0

    # Amount: basic living (× current or last year's standard) + care by self-care level, each rounded.
    base = _standard(cols, bp.last_std_urban, bp.last_std_rural)
    (sc_n, sc_d), (ce_n, ce_d) = bp.basic_multiple_scattered, bp.basic_multiple_centralised
    basic_num = np.where(cols.centralised, ce_n * base, sc_n * base)
    basic_den = np.where(cols.centralised, ce_d, sc_d)
    basic = _round_half_up(basic_num, basic_den, bp.tekun_step)
    selfcare = cols.selfcare[s]
    care_num = np.zeros(n, dtype=I64)
    care_den = np.ones(n, dtype=I64)
    for code, (num, den) in enumerate(bp.care_shares, start=1):
        chosen = selfcare == code
        care_num[chosen] = num * std[chosen]
        care_den[chosen] = den
    care = _round_half_up(care_num, care_den, bp.tekun_step)

    failed = labour_not_met | ~livelihood | ~supporters_ok
    outcome = np.full(n, ELIGIBLE, dtype=np.int8)
    outcome[(selfcare == 0) | labour_unknown] = NEEDS_INFORMATION
    outcome[failed] = INELIGIBLE
    outcome[cols.deceased[s] | cols.gone[s]] = INELIGIBLE
    # An enrolled subject past minor_age in school: the scalar path decides the in-school continuation.
    in_school = cols.school[s] if cols.school is not None else np.ones(n, dtype=bool)
    outcome[enrolled & ~ground & in_school & ~(cols.deceased[s] | cols.gone[s])] = SCALAR
    outcome[enrolled & cols.deceased[s]] = SCALAR  # the scalar path ends support and computes the funeral payment
    outcome[cols.fallback | ~has_subject] = SCALAR
    return BatchResult(outcome, np.where(outcome == ELIGIBLE, basic + care, 0))


def evaluate_batch(cols: HouseholdColumns, params: ParameterSet, program: str) -> BatchResult:
    """Evaluate ``program`` ("dibao" or "tekun") for every household of ``cols`` with one profile × month."""
    bp = BatchParams.from_parameter_set(params)
    if program == "dibao":
        return evaluate_dibao_batch(cols, bp)
    if program == "tekun":
        return evaluate_tekun_batch(cols, bp)
    raise ValueError(f"批量计算只支持 dibao、tekun，不支持 {program!r}")


# --------------------------------------------------------------------------------------------------------------
# Generated columns (benchmarks): built directly as arrays, no dataclasses
# --------------------------------------------------------------------------------------------------------------


def generate_columns(n: int, seed: int = 0, month: datetime.date = datetime.date(2026, 7, 1)) -> HouseholdColumns:
    """``n`` random households (1–6 members, ~2.7 on average; every one in the batch path's scope) as columns,
    with a 特困 subject each; amounts in the range where 低保 and 特困 decisions go both ways."""
    rng = np.random.default_rng(seed)
    sizes = rng.choice(np.arange(1, 7), size=n, p=[0.22, 0.26, 0.24, 0.16, 0.08, 0.04])
    offsets = np.zeros(n, dtype=I64)
    np.cumsum(sizes[:-1], out=offsets[1:])
    p = int(sizes.sum())
    person_hh = np.repeat(np.arange(n, dtype=I64), sizes)
    age = rng.integers(0, 96, size=p)
    birth_y = month.year - age
    birth_m = rng.integers(1, 13, size=p)
    birth_d = rng.integers(1, 29, size=p)
    disabled = rng.random(p) < 0.2
    disability = np.where(disabled, rng.integers(1, len(DISABILITY_TYPES) + 1, size=p), 0).astype(np.int8)
    grade = np.where(disabled, rng.integers(1, 5, size=p), 0).astype(np.int8)
    deceased = rng.random(p) < 0.01
    gone = rng.random(p) < 0.01

    def money(share: float, high_yuan: int) -> np.ndarray:
        return np.where(rng.random(p) < share, rng.integers(0, high_yuan * 100, size=p), 0).astype(I64)

    income = {
        "wages": money(0.45, 2500),
        "agriculture": money(0.15, 600),
        "pension": money(0.08, 600),
        "basic_pension": money(0.10, 300),
        "support_received": money(0.05, 500),
        "scholarship": money(0.02, 300),
        "social_assistance": money(0.03, 300),
        "job_cost": money(0.06, 300),
        "transfer_expense": money(0.02, 200),
    }
    s_counts = rng.choice(np.arange(4), size=n, p=[0.4, 0.3, 0.2, 0.1])
    s = int(s_counts.sum())
    sup_age = rng.integers(18, 91, size=s)
    sup_disabled = rng.random(s) < 0.2
    rigid = {kind: np.zeros(n, dtype=I64) for kind in EXPENSE_KINDS}
    rigid["medical"] = np.where(rng.random(n) < 0.2, rng.integers(0, 3_000_000, size=n), 0).astype(I64)
    return HouseholdColumns(
        urban=rng.random(n) < 0.5,
        financial_assets=np.where(
            rng.random(n) < 0.9, rng.integers(0, 2_000_000, size=n), rng.integers(0, 10_000_000, size=n)
        ).astype(I64),
        vehicles_counted=(rng.random(n) < 0.05).astype(I64),
        vehicle_value_counted=np.zeros(n, dtype=I64),
        homes_counted=rng.choice(np.arange(3), size=n, p=[0.2, 0.75, 0.05]).astype(I64),
        rigid_12m=rigid,
        centralised=rng.random(n) < 0.2,
        subject=offsets + rng.integers(0, sizes),
        fallback=np.zeros(n, dtype=bool),
        offsets=offsets,
        person_hh=person_hh,
        birth_y=birth_y.astype(I64),
        birth_m=birth_m.astype(I64),
        birth_d=birth_d.astype(I64),
        counts=~(deceased | gone),
        deceased=deceased,
        gone=gone,
        disability=disability,
        grade=grade,
        serious_illness=rng.random(p) < 0.08,
        college=(age >= 18) & (age < 24) & (rng.random(p) < 0.3),
        labour=rng.choice(np.arange(4), size=p, p=[0.5, 0.2, 0.15, 0.15]).astype(np.int8),
        selfcare=rng.choice(np.arange(4), size=p, p=[0.2, 0.5, 0.2, 0.1]).astype(np.int8),
        income=income,
        sup_hh=np.repeat(np.arange(n, dtype=I64), s_counts),
        sup_birth_y=(month.year - sup_age).astype(I64),
        sup_birth_m=rng.integers(1, 13, size=s).astype(I64),
        sup_birth_d=rng.integers(1, 29, size=s).astype(I64),
        sup_disability=np.where(sup_disabled, rng.integers(1, len(DISABILITY_TYPES) + 1, size=s), 0).astype(np.int8),
        sup_grade=np.where(sup_disabled, rng.integers(1, 5, size=s), 0).astype(np.int8),
        sup_income=rng.integers(0, 8_000_000, size=s).astype(I64),
        sup_tekun=rng.random(s) < 0.05,
        sup_dibao=rng.random(s) < 0.15,
        sup_gone=rng.random(s) < 0.05,
    )
