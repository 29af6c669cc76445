"""The facts a rule reads: plain frozen dataclasses, built from the registry by
``eligibility.selectors`` or sent by the what-if calculator. Money is ``Decimal`` yuan per month
unless a field says otherwise."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal


@dataclass(frozen=True)
class Person:
    """One member of the household (共同生活家庭成员)."""

    ref: str  # stable reference inside the request (member id, or "m1" in the calculator)
    birth_date: datetime.date
    sex: str = ""  # "M" / "F"
    relation: str = ""  # cases.choices.Relation values
    disability_type: str = ""  # cases.choices.DisabilityType values, "" = none
    disability_grade: int | None = None  # 1–4
    serious_illness: bool = False  # on the county's recognised list
    labour_ability: str = ""  # assessed: "full" / "partial" / "none"; "" = derive (tekun 第五条)
    selfcare_level: str = ""  # "capable" / "partial" / "none"; "" = not assessed
    education_stage: str = "none"
    in_school: bool = False
    employment: str = ""
    deceased: bool = False
    imprisoned: bool = False
    missing: bool = False
    # Average monthly amounts by income kind (cases.choices.IncomeKind), including exempt and deductible kinds.
    incomes: tuple[tuple[str, Decimal], ...] = ()
    medical_self_paid_this_year: Decimal = Decimal("0")  # after insurance, this calendar year

    def age_on(self, day: datetime.date) -> int:
        years = day.year - self.birth_date.year
        if (day.month, day.day) < (self.birth_date.month, self.birth_date.day):
            years -= 1
        return years


@dataclass(frozen=True)
class Vehicle:
    value: Decimal
    purchase_price: Decimal | None = None
    exempt: bool = False  # necessary for production/living (e.g. a disabled person's vehicle)


@dataclass(frozen=True)
class Home:
    value: Decimal
    floor_area: Decimal | None = None
    only_home: bool = False
    exempt: bool = False


@dataclass(frozen=True)
class Supporter:
    """A legal supporter outside the household (法定赡养扶养抚养义务人)."""

    supports: str  # Person.ref of the supported member
    relation: str
    birth_date: datetime.date
    disability_type: str = ""
    disability_grade: int | None = None
    annual_income: Decimal = Decimal("0")  # last year
    is_tekun: bool = False
    is_dibao: bool = False
    in_prison: bool = False
    missing: bool = False
    lacks_legal_capacity: bool = False


@dataclass(frozen=True)
class CurrentEnrolment:
    """What the household receives now, for re-checks and graduated exit (渐退)."""

    program: str
    monthly_amount: Decimal
    since: datetime.date  # first month paid
    category: str = ""


@dataclass(frozen=True)
class Household:
    area_type: str  # "urban" / "rural"
    members: tuple[Person, ...]
    financial_assets: Decimal = Decimal("0")  # deposits, securities, insurance cash value, claims … (not exempt)
    vehicles: tuple[Vehicle, ...] = ()
    homes: tuple[Home, ...] = ()
    # Rigid expenses of the last 12 months by kind (cases.choices.ExpenseKind), yuan in total.
    rigid_expenses_12m: tuple[tuple[str, Decimal], ...] = ()
    supporters: tuple[Supporter, ...] = ()
    last_year_total_income: Decimal | None = None  # whole household, yuan per year
    income_rise_cause: str = ""  # "work" / "other" / "" — why income rose above the standard (渐退)
    current: tuple[CurrentEnrolment, ...] = ()
    centralised_support: bool = False  # 特困: 集中供养 (else 分散)


@dataclass(frozen=True)
class Request:
    """What to decide: a program for a household (and a person, for individual programs) in a month."""

    program: str  # "dibao", "dibao_single", "tekun", "low_income", …
    month: datetime.date  # first day of the month decided for
    household: Household
    subject: str | None = None  # Person.ref for 单人户 / 特困 / individual aid
    extra: tuple[tuple[str, object], ...] = field(default_factory=tuple)  # program-specific inputs
