"""Deterministic generation of demo households (plain data, no database).

Each household ``i`` of a county gets two random streams seeded by ``"<slug>:<i>:…"``:

- *people*: the composition — who lives there, names, sexes, birth dates and ID numbers. It does not
  depend on the date of the run (ages are counted from ``BIRTH_ANCHOR_YEAR``), so the head's ID number,
  the natural key of a household, is the same whenever the command runs;
- *facts*: everything that depends on today's date — schooling, work, health, incomes of the last six
  months, property, expenses and legal supporters.

A household is therefore the same whatever ``--households`` or ``--counties`` say, and the first N
households of a bigger run are the N of a smaller one. ID numbers are unique across a run: the
allocator remembers every number it gave out.

The mix is meant to exercise the eligibility rules: per-capita incomes from far below to far above the
county's (demo) 低保 standard, property over and under the limit, elderly people living alone with and
without children able to support them, grandparents raising grandchildren whose parents are in prison
or missing, severe disabilities, serious illnesses, the three self-care levels, a few members who died,
are in prison or are missing but are still registered (integrity checks, huangli-2022).
"""

from __future__ import annotations

import datetime
import random
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from assistance.demo.names import SurnamePicker, given_name
from assistance.demo.regions import CountySpec, RegionSpec, TownSpec, standard_for
from cases.id_numbers import make_id_number

BIRTH_ANCHOR_YEAR = 2026  # ages are drawn as "age in this year", so birth dates never depend on the run date

# Relations (cases.choices.Relation values)
HEAD, SPOUSE, CHILD, CHILD_IN_LAW, GRANDCHILD, PARENT, SIBLING = (
    "head",
    "spouse",
    "child",
    "child_in_law",
    "grandchild",
    "parent",
    "sibling",
)

# Household templates and their weights (rural, urban).
TEMPLATES: dict[str, tuple[int, int]] = {
    "single_elderly": (18, 20),  # 独居老人
    "elderly_couple": (14, 12),
    "elderly_with_disabled_child": (8, 7),  # 老养残
    "nuclear": (20, 22),
    "three_generations": (14, 8),
    "single_parent": (7, 12),
    "grandparents_raising": (7, 4),  # 隔代抚养：父母外出、服刑或失踪
    "single_adult": (10, 13),  # 因病、因残或失业的单身成年人
    "siblings": (2, 2),
}

# Economic bands: (name, weight, lowest and highest ratio of per-capita counted income to the standard).
BANDS: tuple[tuple[str, int, float, float], ...] = (
    ("deep", 20, 0.0, 0.4),
    ("below", 30, 0.4, 0.95),
    ("near", 15, 0.95, 1.15),
    ("low_income", 15, 1.15, 2.0),
    ("above", 20, 2.0, 4.5),
)

DISABILITY_TYPES = ("physical", "hearing", "visual", "mental", "intellectual", "speech", "multiple")
DISABILITY_TYPE_WEIGHTS = (30, 15, 12, 14, 14, 4, 6)
CHILD_ILLNESSES = ("白血病", "儿童先天性心脏病", "再生障碍性贫血", "血友病", "苯丙酮尿症")
ADULT_ILLNESS_WEIGHTS = {
    "恶性肿瘤": 30,
    "尿毒症（终末期肾病）": 12,
    "脑卒中后遗症": 12,
    "慢性心力衰竭": 8,
    "重性精神病（严重精神障碍）": 8,
    "肝硬化失代偿期": 6,
}
# Six self-care items, in the order people usually lose them (bathing first, eating last).
SELFCARE_LOSS_ORDER = (
    "selfcare_bathing",
    "selfcare_walking",
    "selfcare_transfer",
    "selfcare_toileting",
    "selfcare_dressing",
    "selfcare_eating",
)
# Seasonal factor for farm income by calendar month (summer grain and autumn harvest).
FARM_SEASON = (0.3, 0.3, 0.5, 0.7, 0.9, 1.6, 1.4, 0.8, 1.5, 1.8, 1.0, 0.5)
BANK_CARD_PREFIX = {
    "中国农业银行": "622848",
    "中国邮政储蓄银行": "621799",
    "中国工商银行": "622202",
    "中国建设银行": "621700",
    "中国银行": "621661",
}
MOBILE_PREFIXES = ("130", "131", "132", "135", "136", "137", "138", "139", "150", "151", "152", "155", "157",
                   "158", "159", "177", "180", "182", "185", "186", "187", "188", "189", "199")  # fmt: skip


@dataclass
class PersonPlan:
    name: str
    id_number: str
    sex: str  # "M" / "F"
    birth: datetime.date
    relation: str
    korean: bool = False
    force: str = ""  # "severe_disability", "ill_or_disabled" — template needs
    facts: dict[str, Any] = field(default_factory=dict)  # member fields for the services
    illness: str = ""  # recognised illness name (mapped to the county's list by the loader)

    def age_on(self, day: datetime.date) -> int:
        years = day.year - self.birth.year
        if (day.month, day.day) < (self.birth.month, self.birth.day):
            years -= 1
        return years


@dataclass
class IncomePlan:
    member: int
    month: datetime.date
    kind: str
    amount: Decimal
    note: str = ""


@dataclass
class HouseholdPlan:
    county: str
    index: int
    town: TownSpec
    village: RegionSpec
    area_type: str
    template: str
    band: str
    members: list[PersonPlan]
    fields: dict[str, Any] = field(default_factory=dict)  # household fields (residence_region as a code)
    incomes: list[IncomePlan] = field(default_factory=list)
    assets: list[dict[str, Any]] = field(default_factory=list)  # "owner": member index or None
    expenses: list[dict[str, Any]] = field(default_factory=list)  # "member": member index or None
    supporters: list[dict[str, Any]] = field(default_factory=list)  # "supported_member": member index

    @property
    def head(self) -> PersonPlan:
        return self.members[0]


class IdAllocator:
    """Hands out valid ID numbers, never the same one twice in a run."""

    def __init__(self) -> None:
        self.used: set[str] = set()

    def allocate(self, rng: random.Random, region_code: str, birth: datetime.date, male: bool) -> str:
        start = rng.randrange(500)
        for step in range(500 * 40):
            day = birth + datetime.timedelta(days=step // 500)
            number = make_id_number(region_code, day, 2 * ((start + step) % 500) + (1 if male else 0))
            if number not in self.used:
                self.used.add(number)
                return number
        raise RuntimeError("ID numbers exhausted")  # pragma: no cover - 20 000 numbers per birth date


def month_starts_before(today: datetime.date, count: int) -> list[datetime.date]:
    """Return the first days of the ``count`` full months before today's month, oldest first."""
    months = []
    year, month = today.year, today.month
    for _ in range(count):
        month -= 1
        if month == 0:
            year, month = year - 1, 12
        months.append(datetime.date(year, month, 1))
    return list(reversed(months))


def _yuan(value: float | Decimal) -> Decimal:
    """Round a generated amount to whole fen: the only place a random (float) draw becomes money; an amount
    that is money already (a Decimal or an int) is kept exact."""
    if isinstance(value, (Decimal, int)):
        return Decimal(value).quantize(Decimal("0.01"))
    return Decimal(round(value * 100)) / 100


def _luhn_complete(body: str) -> str:
    total = 0
    for i, ch in enumerate(reversed(body)):
        d = int(ch)
        if i % 2 == 0:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return body + str((10 - total % 10) % 10)


class CountyGenerator:
    """Plans households for one county; ``plan(i)`` is pure given the county, ``i`` and today."""

    def __init__(self, county: CountySpec, *, today: datetime.date, ids: IdAllocator | None = None) -> None:
        self.county = county
        self.today = today
        self.ids = ids or IdAllocator()
        self.surnames = SurnamePicker(county.surname_boost)
        self.villages = [(town, village) for town in county.towns for village in town.villages]
        self.months = month_starts_before(today, 6)

    # --- people ---------------------------------------------------------------------------------------

    def _birth(self, rng: random.Random, age: int) -> datetime.date:
        age = max(age, 1)
        birth = datetime.date(BIRTH_ANCHOR_YEAR - age, rng.randint(1, 12), rng.randint(1, 28))
        return min(birth, self.today - datetime.timedelta(days=30))

    def _person(
        self,
        rng: random.Random,
        used_names: set[str],
        *,
        relation: str,
        male: bool,
        age: int,
        surname: str,
        korean: bool,
        local: bool = True,
    ) -> PersonPlan:
        birth = self._birth(rng, age)
        code = self.county.id_codes[0] if local else rng.choice(self.county.spouse_codes)
        for _ in range(20):
            name = surname + given_name(rng, birth_year=birth.year, male=male, korean=korean)
            if name not in used_names:
                break
        used_names.add(name)
        number = self.ids.allocate(rng, code, birth, male)
        return PersonPlan(name, number, "M" if male else "F", birth, relation, korean=korean)

    def _compose(self, rng: random.Random, template: str, korean: bool) -> list[PersonPlan]:
        names: set[str] = set()
        sp = self.surnames

        def surname() -> str:
            return sp.pick(rng, korean=korean)

        def person(relation, male, age, family, local=True):
            return self._person(
                rng, names, relation=relation, male=male, age=age, surname=family, korean=korean, local=local
            )

        def spouse_of(head_age: int, head_male: bool, relation: str = SPOUSE) -> PersonPlan:
            gap = rng.randint(0, 5) if head_male else -rng.randint(0, 5)
            return person(relation, not head_male, max(head_age - gap, 20), surname(), local=rng.random() > 0.15)

        def children_of(mother_age: int, family: str, count: int, relation: str = CHILD) -> list[PersonPlan]:
            ages = sorted({mother_age - rng.randint(21, 38) for _ in range(count)}, reverse=True)
            return [person(relation, rng.random() < 0.52, a, family) for a in ages if a >= 1]

        members: list[PersonPlan] = []
        family = surname()
        if template == "single_elderly":
            male = rng.random() < 0.4
            members.append(person(HEAD, male, rng.randint(62, 92), family))
        elif template == "elderly_couple":
            age = rng.randint(62, 88)
            members += [person(HEAD, True, age, family), spouse_of(age, True)]
        elif template == "elderly_with_disabled_child":
            male = rng.random() < 0.6
            age = rng.randint(58, 85)
            members.append(person(HEAD, male, age, family))
            mother_age = age if not male else age - rng.randint(0, 4)
            husband_family = family if male else surname()  # a widow's children carry their late father's name
            if rng.random() < 0.5:
                spouse = spouse_of(age, male)
                members.append(spouse)
                if not male:
                    husband_family = spouse.name[0]
            child_family = husband_family
            child = person(CHILD, rng.random() < 0.6, max(mother_age - rng.randint(22, 35), 18), child_family)
            child.force = "severe_disability"
            members.append(child)
        elif template == "nuclear":
            age = rng.randint(26, 56)
            wife = spouse_of(age, True)
            members += [person(HEAD, True, age, family), wife]
            count = rng.choices((1, 2, 3), (45, 45, 10))[0]
            members += children_of(wife.age_on(datetime.date(BIRTH_ANCHOR_YEAR, 6, 30)), family, count)
        elif template == "three_generations":
            if rng.random() < 0.6:
                # Head in mid-life with a parent or two, spouse and children.
                age = rng.randint(32, 55)
                wife = spouse_of(age, True)
                members += [person(HEAD, True, age, family), wife]
                father_age = min(age + rng.randint(24, 34), 95)
                if rng.random() < 0.6:
                    members.append(person(PARENT, True, father_age, family))
                members.append(person(PARENT, False, father_age - rng.randint(0, 4), surname()))
                members += children_of(age - rng.randint(0, 4), family, rng.choice((1, 2)))
            else:
                # Elderly head with a son, daughter-in-law and grandchildren.
                age = rng.randint(58, 80)
                members += [person(HEAD, True, age, family)]
                if rng.random() < 0.75:
                    members.append(spouse_of(age, True))
                son_age = max(age - rng.randint(24, 34), 22)
                members.append(person(CHILD, True, son_age, family))
                dil_age = max(son_age - rng.randint(-2, 4), 21)
                members.append(person(CHILD_IN_LAW, False, dil_age, surname(), local=rng.random() > 0.3))
                members += children_of(dil_age, family, rng.choice((1, 2)), relation=GRANDCHILD)
        elif template == "single_parent":
            male = rng.random() < 0.35
            age = rng.randint(26, 52)
            members.append(person(HEAD, male, age, family))
            child_family = family if male or rng.random() < 0.2 else surname()
            members += children_of(age if not male else age - 2, child_family, rng.choices((1, 2), (65, 35))[0])
        elif template == "grandparents_raising":
            age = rng.randint(55, 76)
            members.append(person(HEAD, True, age, family))
            if rng.random() < 0.7:
                members.append(spouse_of(age, True))
            grandchild_family = family if rng.random() < 0.7 else surname()
            count = rng.choices((1, 2), (60, 40))[0]
            ages = sorted({rng.randint(2, min(17, age - 40)) for _ in range(count)}, reverse=True)
            members += [person(GRANDCHILD, rng.random() < 0.52, a, grandchild_family) for a in ages]
        elif template == "single_adult":
            members.append(person(HEAD, rng.random() < 0.65, rng.randint(25, 59), family))
            members[0].force = "ill_or_disabled" if rng.random() < 0.6 else ""
        elif template == "siblings":
            age = rng.randint(40, 70)
            male = rng.random() < 0.6
            members.append(person(HEAD, male, age, family))
            sibling = person(SIBLING, rng.random() < 0.5, max(age - rng.randint(-8, 10), 30), family)
            sibling.force = "severe_disability"
            members.append(sibling)
        else:  # pragma: no cover - templates are fixed
            raise ValueError(template)
        return members[:6]

    # --- facts ----------------------------------------------------------------------------------------

    def plan(self, index: int) -> HouseholdPlan:
        """Return the plan of household ``index`` of this county."""
        county = self.county
        # Seeded streams: demo data must be reproducible, not secret.
        people = random.Random(f"{county.slug}:{index}:people")  # noqa: S311
        town, village = people.choice(self.villages)
        area_type = "urban" if village.is_urban else "rural"
        weights = [w[1] if area_type == "urban" else w[0] for w in TEMPLATES.values()]
        template = people.choices(list(TEMPLATES), weights)[0]
        korean = people.random() < county.korean_share
        members = self._compose(people, template, korean)

        facts = random.Random(f"{county.slug}:{index}:facts")  # noqa: S311
        band_names = [b[0] for b in BANDS]
        band = facts.choices(band_names, [b[1] for b in BANDS])[0]
        plan = HouseholdPlan(
            county=county.slug,
            index=index,
            town=town,
            village=village,
            area_type=area_type,
            template=template,
            band=band,
            members=members,
        )
        for position, person in enumerate(members):
            self._member_facts(facts, plan, person, is_head=position == 0)
        self._household_fields(facts, plan)
        self._supporters(facts, plan)
        self._incomes(facts, plan)
        self._assets(facts, plan)
        self._expenses(facts, plan)
        return plan

    def _member_facts(self, rng: random.Random, plan: HouseholdPlan, p: PersonPlan, *, is_head: bool) -> None:
        today = self.today
        age = p.age_on(today)
        f = p.facts
        # Disability (about 8 % overall, more among the old; forced by some templates).
        chance = 0.01 if age < 18 else 0.02 if age < 60 else 0.04 if age < 80 else 0.07
        if p.force == "severe_disability" or (p.force == "ill_or_disabled" and rng.random() < 0.5):
            kind = rng.choices(("intellectual", "mental", "physical", "multiple"), (35, 30, 25, 10))[0]
            f["disability_type"] = kind
            f["disability_grade"] = rng.choice((1, 2, 2)) if p.force == "severe_disability" else rng.randint(1, 3)
        elif rng.random() < chance:
            f["disability_type"] = rng.choices(DISABILITY_TYPES, DISABILITY_TYPE_WEIGHTS)[0]
            f["disability_grade"] = rng.choices((1, 2, 3, 4), (15, 25, 30, 30))[0]
        grade = f.get("disability_grade")
        # Serious illness (about 5 %).
        chance = 0.01 if age < 18 else 0.03 if age < 45 else 0.06 if age < 60 else 0.08
        if (p.force == "ill_or_disabled" and not grade) or rng.random() < chance:
            if age < 18:
                p.illness = rng.choice([n for n in CHILD_ILLNESSES if n in self.county.illnesses])
            else:
                names = [n for n in self.county.illnesses if n not in CHILD_ILLNESSES]
                weights = [ADULT_ILLNESS_WEIGHTS.get(n, 2) for n in names]
                p.illness = rng.choices(names, weights)[0]
        severe = bool(grade and grade <= 2) or bool(p.illness)
        # Vital status: a few members who died, are in prison or missing and are still registered.
        if not is_head:
            if age >= 70 and rng.random() < 0.03:
                f["deceased_on"] = today - datetime.timedelta(days=rng.randint(20, 240))
            elif p.sex == "M" and 20 <= age <= 55 and rng.random() < 0.03:
                start = today - datetime.timedelta(days=rng.randint(60, 900))
                f["imprisoned_from"] = start
                f["imprisoned_until"] = start + datetime.timedelta(days=rng.randint(365, 6 * 365))
            elif 18 <= age <= 60 and rng.random() < 0.006:
                f["missing_since"] = today - datetime.timedelta(days=rng.randint(200, 1500))
        away = any(k in f for k in ("deceased_on", "imprisoned_from", "missing_since"))
        # Schooling for the age.
        stage, in_school = "none", False
        if 3 <= age <= 5:
            stage, in_school = "preschool", rng.random() < 0.85
        elif 6 <= age <= 14:
            in_school = not (grade == 1 and f.get("disability_type") == "intellectual" and rng.random() < 0.7)
            stage = "primary" if age <= 11 else "junior"
        elif 15 <= age <= 17:
            in_school = rng.random() < 0.88
            stage = rng.choices(("senior", "vocational"), (60, 40))[0]
        elif 18 <= age <= 21:
            in_school = rng.random() < 0.45
            stage = rng.choices(("bachelor", "higher_vocational"), (55, 45))[0]
        elif age == 22:
            in_school, stage = rng.random() < 0.2, "bachelor"
        elif 23 <= age <= 25:
            in_school, stage = rng.random() < 0.05, "postgraduate"
        if not in_school or away:
            stage, in_school = "none", False
        f["education_stage"], f["in_school"] = stage, in_school
        # Labour ability (assessed from 16; many of the very old are not assessed).
        if age >= 16:
            if in_school:
                labour = "full"
            elif severe:
                labour = rng.choices(("none", "partial"), (60, 40))[0]
            elif grade:
                labour = rng.choices(("partial", "full"), (70, 30))[0]
            elif age < 60:
                labour = rng.choices(("full", "partial"), (95, 5))[0]
            elif age < 65:
                labour = rng.choices(("full", "partial", "none"), (60, 30, 10))[0]
            else:
                labour = rng.choices(("partial", "none", ""), (40, 35, 25))[0]
            f["labour_ability"] = labour
        labour = f.get("labour_ability", "")
        # Employment for age, schooling, ability and area.
        urban = plan.area_type == "urban"
        well_off = plan.band in ("near", "low_income", "above")
        if in_school and age >= 6:
            employment = "student"
        elif age < 16:
            employment = ""
        elif away or labour == "none":
            employment = "not_working"
        elif age >= 60:
            if urban and well_off and rng.random() < 0.65:
                employment = "retired"
            elif not urban and age < 75 and rng.random() < 0.55:
                employment = "farming"
            else:
                employment = "not_working"
        elif labour == "partial":
            employment = rng.choices(
                ("flexible", "farming" if not urban else "unemployed", "not_working"), (40, 30, 30)
            )[0]
        elif urban:
            employment = rng.choices(
                ("employed", "flexible", "self_employed", "unemployed", "not_working"), (35, 30, 8, 20, 7)
            )[0]
        else:
            employment = rng.choices(
                ("farming", "flexible", "employed", "self_employed", "unemployed", "not_working"),
                (40, 25, 15, 5, 10, 5),
            )[0]
        f["employment"] = employment
        # Self-care on the six items for many of the old, the severely disabled and the ill.
        assess = (
            (age >= 70 and rng.random() < 0.65)
            or (grade is not None and grade <= 2 and rng.random() < 0.9)
            or (p.illness and age >= 60 and rng.random() < 0.5)
            or (age >= 60 and labour == "none" and rng.random() < 0.4)
        )
        if assess and age >= 3:
            if grade == 1:
                weights = (15, 35, 50)
            elif grade == 2:
                weights = (30, 45, 25)
            elif age >= 80:
                weights = (30, 40, 30)
            elif age >= 70:
                weights = (55, 30, 15)
            else:
                weights = (60, 30, 10)
            level = rng.choices(("capable", "partial", "none"), weights)[0]
            failed = 0 if level == "capable" else rng.randint(1, 3) if level == "partial" else rng.randint(4, 6)
            for position, item in enumerate(SELFCARE_LOSS_ORDER):
                f[item] = position >= failed
            latest = f.get("deceased_on", today)
            assessed = latest - datetime.timedelta(days=rng.randint(10, 500))
            f["selfcare_assessed_on"] = max(assessed, p.birth + datetime.timedelta(days=1))

    def _household_fields(self, rng: random.Random, plan: HouseholdPlan) -> None:
        county, head, village = self.county, plan.head, plan.village
        fields: dict[str, Any] = {"area_type": plan.area_type}
        residence = village
        if rng.random() < 0.04:
            # 人户分离: lives in another village of the county.
            others = [v for _t, v in self.villages if v.code != village.code]
            residence = rng.choice(others)
            fields["residence_region"] = residence.code
            fields["notes"] = f"人户分离：户籍在{village.name}，现居住在{residence.name}"
        if residence.is_urban:
            base = residence.name.removesuffix("社区")
            estate = rng.choice(("新村", "花园", "小区", "家园", "苑"))
            fields["residence_address"] = (
                f"{county.short_name}{base}{estate}{rng.randint(1, 30)}幢{rng.randint(1, 4)}单元"
                f"{rng.randint(1, 18)}{rng.randint(1, 4):02d}室"
            )
        else:
            fields["residence_address"] = f"{residence.name}{rng.randint(1, 12)}组{rng.randint(1, 90)}号"
        roll = rng.random()
        if roll < 0.82:
            fields["phone"] = rng.choice(MOBILE_PREFIXES) + f"{rng.randrange(10**8):08d}"
        elif roll < 0.93:
            digits = 8 if county.phone_area_code in ("0513", "0519") else 7
            fields["phone"] = (
                f"{county.phone_area_code}-{rng.randint(2, 8)}{rng.randrange(10 ** (digits - 1)):0{digits - 1}d}"
            )
        if rng.random() < 0.9:
            bank = rng.choices(county.banks, [4, 3] + [1] * (len(county.banks) - 2))[0]
            prefix = BANK_CARD_PREFIX.get(bank, rng.choice(("623059", "621336", "622319")))
            fields["bank_name"] = bank
            fields["bank_account_holder"] = head.name
            fields["bank_account_number"] = _luhn_complete(prefix + f"{rng.randrange(10**12):012d}")
        plan.fields = fields

    def _supporters(self, rng: random.Random, plan: HouseholdPlan) -> None:
        """Children living elsewhere for old heads; parents of children raised by others."""
        head = plan.head
        head_age = head.age_on(self.today)
        county = self.county
        income_range = {
            "deep": (0, 18000),
            "below": (3000, 30000),
            "near": (12000, 45000),
            "low_income": (20000, 60000),
            "above": (40000, 180000),
        }[plan.band]

        def supporter(supported: int, relation: str, *, male: bool, age: int, family: str) -> dict[str, Any]:
            birth = self._birth(rng, age)
            name = family + given_name(rng, birth_year=birth.year, male=male, korean=head.korean)
            data: dict[str, Any] = {
                "supported_member": supported,
                "name": name,
                "id_number": self.ids.allocate(rng, county.id_codes[0], birth, male),
                "relation": relation,
                "address": rng.choice(county.away_places)
                if rng.random() < 0.7
                else f"{county.short_name}{plan.town.name}",
                "annual_income": _yuan(rng.randint(*income_range)),
            }
            roll = rng.random()
            if roll < 0.07:
                data["disability_type"] = rng.choice(("physical", "intellectual", "mental", "visual"))
                data["disability_grade"] = rng.choice((1, 2))
                data["annual_income"] = _yuan(rng.randint(0, 6000))
                if data["disability_type"] in ("intellectual", "mental") and rng.random() < 0.5:
                    data["lacks_legal_capacity"] = True
                if rng.random() < 0.25:
                    data["is_tekun"] = True
            elif roll < 0.10:
                data["in_prison"] = True
                data["annual_income"] = Decimal("0")
                data["address"] = "服刑中"
            elif roll < 0.16:
                data["is_dibao"] = True
                data["annual_income"] = _yuan(rng.randint(0, 9000))
            elif roll < 0.18:
                data["is_missing"] = True
                data["annual_income"] = Decimal("0")
                data["address"] = "下落不明"
            return data

        result: list[dict[str, Any]] = []
        if plan.template in ("single_elderly", "elderly_couple", "elderly_with_disabled_child") and head_age >= 58:
            weights = (25, 45, 25, 5, 0) if plan.area_type == "urban" else (20, 25, 30, 20, 5)
            count = rng.choices((0, 1, 2, 3, 4), weights)[0]
            mother_age = head_age if head.sex == "F" else head_age - 2
            husband = next((m for m in plan.members if m.relation in (HEAD, SPOUSE) and m.sex == "M"), None)
            children = [m for m in plan.members if m.relation == CHILD]
            if husband is not None:
                family = husband.name[0]
            elif children:
                family = children[0].name[0]
            else:
                family = self.surnames.pick(rng, korean=head.korean)
            for _ in range(count):
                age = max(mother_age - rng.randint(22, 38), 20)
                result.append(supporter(0, "child", male=rng.random() < 0.5, age=age, family=family))
        elif plan.template == "grandparents_raising":
            minors = [i for i, m in enumerate(plan.members) if m.relation == GRANDCHILD]
            if minors:
                eldest = plan.members[minors[0]]
                family = eldest.name[0]
                father_age = eldest.age_on(self.today) + rng.randint(22, 32)
                parents = []
                if rng.random() < 0.8:  # otherwise the father has died: no supporter to record
                    parents.append(supporter(minors[0], "parent", male=True, age=father_age, family=family))
                mother_family = self.surnames.pick(rng, korean=head.korean)
                parents.append(
                    supporter(minors[0], "parent", male=False, age=father_age - rng.randint(0, 4), family=mother_family)
                )
                for data in parents:
                    if rng.random() < 0.25 and not data.get("in_prison"):
                        data.update(in_prison=True, annual_income=Decimal("0"), address="服刑中")
                    elif rng.random() < 0.15 and not data.get("is_missing"):
                        data.update(is_missing=True, annual_income=Decimal("0"), address="下落不明")
                for i in minors:
                    result += [{**data, "supported_member": i} for data in parents]
        elif plan.template == "single_parent" and rng.random() < 0.6:
            minors = [i for i, m in enumerate(plan.members) if m.relation == CHILD and m.age_on(self.today) < 18]
            if minors:
                head_male = head.sex == "M"
                family = plan.members[minors[0]].name[0] if head_male is False else self.surnames.pick(rng)
                other = supporter(
                    minors[0], "parent", male=not head_male, age=head_age + rng.randint(-3, 5), family=family
                )
                result += [{**other, "supported_member": i} for i in minors]
        plan.supporters = result

    def _incomes(self, rng: random.Random, plan: HouseholdPlan) -> None:
        county, today = self.county, self.today
        low, high = next((lo, hi) for name, _w, lo, hi in BANDS if name == plan.band)
        ratio = rng.uniform(low, high)
        standard = standard_for(county, plan.area_type, self.months[-1])
        target = float(standard) * ratio * len(plan.members)  # counted income per month
        incomes: list[IncomePlan] = []
        earners: list[tuple[int, str, float]] = []
        weights = {"employed": 1.5, "flexible": 1.0, "self_employed": 1.5, "farming": 0.6}
        for i, p in enumerate(plan.members):
            employment = p.facts.get("employment")
            if employment in weights:
                earners.append((i, employment, weights[employment]))
        able_supporters = [
            s
            for s in plan.supporters
            if s["relation"] == "child"
            and s["annual_income"] > 8000
            and not any(s.get(flag) for flag in ("in_prison", "is_missing", "is_dibao", "is_tekun", "disability_type"))
        ]

        def add(i: int, kind: str, month: datetime.date, amount: float | Decimal, note: str = "") -> None:
            if amount >= 1:
                incomes.append(IncomePlan(i, month, kind, _yuan(amount), note))

        total_weight = sum(w for _i, _e, w in earners)
        support = 0.0
        if able_supporters and rng.random() < 0.75:
            share = 0.15 if earners else rng.uniform(0.6, 1.0)
            support = min(max(target * share, 100.0), (300.0 if earners else 1000.0) * len(able_supporters))
        if plan.area_type == "rural" and not earners and rng.random() < 0.5:
            # Old farmers who no longer work lease their contracted land out (土地流转).
            rent = min(max(target - support, 50.0), 300.0)
            for month in self.months:
                add(0, "property", month, rent, "土地流转租金")
        for i, employment, weight in earners:
            base = max(target - support, 0.0) * weight / total_weight
            if employment == "employed" and base < 1800:
                employment = "flexible"  # a low earner works odd jobs, not a regular post
                plan.members[i].facts["employment"] = "flexible"
            # Plausible monthly ceilings: a rich household's farmer does not earn like an engineer, and
            # someone who has partly lost the ability to work earns half as much at most.
            ceiling = {"employed": 9000, "flexible": 4500, "self_employed": 12000, "farming": 2500}[employment]
            if plan.members[i].facts.get("labour_ability") == "partial":
                ceiling //= 2
            base = min(base, ceiling)
            for month in self.months:
                if employment == "employed":
                    add(i, "wages", month, base * rng.uniform(0.95, 1.05), "单位工资")
                elif employment == "flexible":
                    if rng.random() > 0.15:
                        add(i, "wages", month, base * rng.uniform(0.5, 1.5), "灵活就业、打零工")
                elif employment == "self_employed":
                    add(i, "business", month, base * rng.uniform(0.75, 1.25), "个体经营净收入")
                elif employment == "farming":
                    add(i, "agriculture", month, base * FARM_SEASON[month.month - 1] / 0.95, "种植养殖净收入")
            if employment in ("employed", "flexible") and base >= 800 and rng.random() < 0.3:
                cost = min(rng.randint(80, 300), round(base * 0.12))
                for month in self.months:
                    add(i, "job_cost", month, cost, "通勤等必要就业成本")
            if employment in ("flexible", "self_employed") and base >= 1200 and rng.random() < 0.15:
                premium = rng.randint(280, 450)
                for month in self.months:
                    add(i, "transfer_expense", month, premium, "灵活就业人员养老保险个人缴费")
        if support:
            for month in self.months:
                add(0, "support_received", month, support, "子女给付赡养费")
        for i, p in enumerate(plan.members):
            age = p.age_on(today)
            employment = p.facts.get("employment")
            if employment == "retired":
                pension = rng.randint(1600, 4200)
                for month in self.months:
                    add(i, "pension", month, pension, "企业职工基本养老金")
            elif age >= 60 and rng.random() < 0.92:
                amount = county.basic_pension + (10 if age >= 70 else 0) + (20 if age >= 80 else 0)
                for month in self.months:
                    add(i, "basic_pension", month, amount, "城乡居民基本养老保险基础养老金")
            if age >= 60 and plan.area_type == "rural" and rng.random() < 0.08:
                for month in self.months:
                    add(i, "family_planning", month, 100, "农村部分计划生育家庭奖励扶助金")
            if p.sex == "M" and age >= 60 and rng.random() < 0.02:
                for month in self.months:
                    add(i, "preferential", month, rng.choice((650, 720, 850)), "在乡退役军人定期抚恤补助")
            if employment == "unemployed" and plan.area_type == "urban" and rng.random() < 0.35:
                benefit = rng.randint(1400, 1900)
                for month in self.months[:3]:
                    add(i, "unemployment_benefit", month, benefit, "失业保险金")
            stage = p.facts.get("education_stage")
            if stage in ("senior", "vocational", "higher_vocational", "bachelor") and rng.random() < 0.35:
                grant = 170 if stage in ("senior", "vocational") else 275
                for month in self.months:
                    if month.month not in (2, 7, 8):  # paid in term time
                        add(i, "scholarship", month, grant, "国家助学金")
        if plan.band == "above" and plan.area_type == "urban" and rng.random() < 0.25:
            rent = rng.randint(600, 1800)
            for month in self.months:
                add(0, "property", month, rent, "房屋出租收入")
        if rng.random() < 0.03:
            add(0, "other_transfer", rng.choice(self.months), rng.randint(2000, 8000), "一次性赔偿款")
        plan.incomes = incomes

    def _assets(self, rng: random.Random, plan: HouseholdPlan) -> None:
        county, today, band = self.county, self.today, plan.band
        assets: list[dict[str, Any]] = []

        def valued() -> datetime.date:
            return today - datetime.timedelta(days=rng.randint(0, 120))

        bank = plan.fields.get("bank_name") or county.banks[0]
        deposit = {
            "deep": (0, 2000),
            "below": (500, 8000),
            "near": (2000, 20000),
            "low_income": (5000, 40000),
            "above": (30000, 250000),
        }[band]
        if band in ("deep", "below") and rng.random() < 0.05:
            deposit = (50000, 120000)  # low income but savings over the property limit
        if rng.random() < 0.85:
            assets.append(
                {
                    "owner": 0,
                    "kind": "deposit",
                    "description": f"{bank}活期及定期存款",
                    "value": _yuan(rng.randint(*deposit)),
                    "valued_on": valued(),
                    "source": rng.choice(("declared", "verified")),
                }
            )
        price = county.city_price_per_m2
        home_chance = {"deep": 0.35, "below": 0.45, "near": 0.55, "low_income": 0.65, "above": 0.85}[band]
        if plan.area_type == "rural" and rng.random() < 0.75:
            area = rng.randint(60, 160)
            assets.append(
                {
                    "owner": 0,
                    "kind": "real_estate",
                    "description": f"{plan.village.name}宅基地自建房（砖混结构）",
                    "value": _yuan(area * rng.randint(300, 900)),
                    "valued_on": valued(),
                    "floor_area": Decimal(area),
                    "is_only_home": True,
                }
            )
        elif plan.area_type == "urban" and rng.random() < home_chance:
            area = rng.randint(40, 110)
            assets.append(
                {
                    "owner": 0,
                    "kind": "real_estate",
                    "description": f"{plan.village.name}住宅",
                    "value": _yuan(area * price * rng.uniform(0.6, 1.1)),
                    "valued_on": valued(),
                    "floor_area": Decimal(area),
                    "is_only_home": True,
                }
            )
        if band == "above" and rng.random() < 0.2:
            area = rng.randint(70, 130)
            assets.append(
                {
                    "owner": 0,
                    "kind": "real_estate",
                    "description": f"{county.short_name}城区商品房（第二套）",
                    "value": _yuan(area * price * rng.uniform(0.7, 1.2)),
                    "valued_on": valued(),
                    "floor_area": Decimal(area),
                    "is_only_home": False,
                }
            )
        car = {"deep": 0.01, "below": 0.03, "near": 0.06, "low_income": 0.15, "above": 0.45}[band]
        if rng.random() < car:
            value = rng.randint(20000, 150000 if band == "above" else 60000)
            plate = county.plate_prefix + "".join(rng.choice("ABCDEFGHJKLMNPQRSTUVWXYZ0123456789") for _ in range(5))
            assets.append(
                {
                    "owner": 0,
                    "kind": "vehicle",
                    "description": "小型普通客车（家用轿车）",
                    "value": _yuan(value),
                    "valued_on": valued(),
                    "vehicle_plate": plate,
                    "vehicle_purchase_price": _yuan(value * rng.uniform(1.3, 2.5)),
                }
            )
        if plan.area_type == "rural" and rng.random() < 0.15:
            value = rng.randint(1500, 6000)
            assets.append(
                {
                    "owner": 0,
                    "kind": "vehicle",
                    "description": "农用电动三轮车",
                    "value": _yuan(value),
                    "valued_on": valued(),
                    "vehicle_purchase_price": _yuan(value * rng.uniform(1.3, 2.0)),
                    "is_exempt": True,
                    "exempt_reason": "农业生产用车辆，维持家庭生产必需",
                }
            )
        farming = any(m.facts.get("employment") == "farming" for m in plan.members)
        if farming and rng.random() < 0.08:
            exempt = rng.random() < 0.7
            assets.append(
                {
                    "owner": 0,
                    "kind": "other",
                    "description": "小型拖拉机及旋耕机",
                    "value": _yuan(rng.randint(5000, 30000)),
                    "valued_on": valued(),
                    "is_exempt": exempt,
                    "exempt_reason": "维持农业生产的必需农机具" if exempt else "",
                }
            )
        for i, m in enumerate(plan.members):
            if m.facts.get("disability_type") == "physical" and rng.random() < 0.2:
                assets.append(
                    {
                        "owner": i,
                        "kind": "vehicle",
                        "description": "残疾人机动轮椅车",
                        "value": _yuan(rng.randint(2000, 6000)),
                        "valued_on": valued(),
                        "is_exempt": True,
                        "exempt_reason": "残疾人代步工具",
                    }
                )
        if band == "above" and rng.random() < 0.2:
            assets.append(
                {
                    "owner": 0,
                    "kind": rng.choice(("securities", "insurance")),
                    "description": "股票基金账户市值" if rng.random() < 0.5 else "商业保险现金价值",
                    "value": _yuan(rng.randint(10000, 200000)),
                    "valued_on": valued(),
                    "source": "verified",
                }
            )
        plan.assets = assets

    def _expenses(self, rng: random.Random, plan: HouseholdPlan) -> None:
        today = self.today
        last_month = self.months[-1]
        year_ago = datetime.date(last_month.year - 1, last_month.month, 1)
        school_year = today.year if today.month >= 9 else today.year - 1
        expenses: list[dict[str, Any]] = []
        for i, m in enumerate(plan.members):
            f = m.facts
            age = m.age_on(today)
            grade = f.get("disability_grade")
            if m.illness and rng.random() < 0.9:
                expenses.append(
                    {
                        "member": i,
                        "kind": "medical",
                        "amount": _yuan(rng.randint(8000, 90000)),
                        "period_start": year_ago,
                        "period_end": last_month,
                        "description": f"{m.illness}住院及门诊费用（医保报销后自付部分）",
                        "source": rng.choice(("declared", "verified")),
                    }
                )
            if grade and grade <= 2 and rng.random() < 0.4:
                kind = "rehabilitation" if age < 18 or rng.random() < 0.3 else "medical"
                expenses.append(
                    {
                        "member": i,
                        "kind": kind,
                        "amount": _yuan(rng.randint(3000, 30000)),
                        "period_start": year_ago,
                        "period_end": last_month,
                        "description": "残疾康复训练费用" if kind == "rehabilitation" else "门诊慢性病自付费用",
                    }
                )
            none_items = sum(1 for item in SELFCARE_LOSS_ORDER if f.get(item) is False)
            if age >= 75 and none_items >= 4 and rng.random() < 0.5:
                expenses.append(
                    {
                        "member": i,
                        "kind": "care",
                        "amount": _yuan(rng.randint(6000, 30000)),
                        "period_start": year_ago,
                        "period_end": last_month,
                        "description": "失能老人护理费用",
                    }
                )
            stage = f.get("education_stage")
            fees = {
                "senior": (1500, 4000),
                "vocational": (1000, 3000),
                "higher_vocational": (5000, 10000),
                "bachelor": (5000, 12000),
                "postgraduate": (8000, 15000),
            }
            if f.get("in_school") and stage in fees and rng.random() < 0.6:
                expenses.append(
                    {
                        "member": i,
                        "kind": "education",
                        "amount": _yuan(rng.randint(*fees[stage])),
                        "period_start": datetime.date(school_year, 9, 1),
                        "period_end": datetime.date(school_year + 1, 7, 1),
                        "description": "学费、住宿费（本学年）",
                    }
                )
        plan.expenses = expenses
