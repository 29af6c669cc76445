"""Demo payments: recipients, bank templates, the next month's rolls and the towns' reserve funds.

After a county's demo applications (``assistance.demo.cases``), each county gets:

- eight more 低保 cases taken to confirmation (four in the first town, four elsewhere), so that with the demo
  cases' own confirmed one about nine households are enrolled from next month;
- the bank templates (``payments.bank_templates``) and the county's payment setting (rolls on the 5th, the first
  template);
- next month's 低保 roll (where anyone is enrolled; a recipient without a bank account gets one from the town's
  caseworker first), generated and checked by the county administrator
  (``<slug>-admin``): it waits for the county reviewer (``<slug>-reviewer``) to approve it, export the bank
  file and import the bank's result (``manage.py demo_bank_result <roll>`` writes one in demo environments);
- this year's reserve fund of every town: 麦积 2 yuan per resident (maiji-2021 §四(四)15), elsewhere an amount
  the county sets (changbai-2021 §二(六)22: 按需核定).

Idempotent: a county with a payment setting already gets nothing. The rolls are generated after the
recipients' transaction commits (generation commits in chunks).
"""

from __future__ import annotations

from collections import Counter
from decimal import Decimal

from django.db import transaction

from assistance.demo.cases import TIMELINES, DemoCases
from assistance.models import Region, Staff
from assistance.roles import RegionLevel
from cases.choices import ProgramCode
from payments.models import CountyPaymentSetting

RECIPIENT_SLOTS = (("confirmed", "t01"),) * 4 + (("confirmed", "other"),) * 4
RESIDENTS_BASE = 12000  # a town's registered residents in the demo (the first town; the others a little fewer)
RESERVE_AMOUNT = Decimal("20000")  # where the profile sets no per-resident standard (按需核定)


class DemoPayments(DemoCases):
    """One county's demo payments (see the module docstring)."""

    def run(self) -> None:
        county_region = Region.objects.filter(code=self.county.county.code).first()
        if county_region is None or not self.plans:
            return
        if CountyPaymentSetting.objects.filter(county=county_region).exists():
            return
        self.county_region = county_region
        self._load_staff()
        admin = self.staff.get(f"{self.county.slug}-admin")
        if admin is None or self.reviewer is None:
            return
        from payments.bank_templates import bank_templates_ensure

        with transaction.atomic():
            # Where the town confirms (九华山) the demo's one caseworker per town cannot decide: no recipients there.
            households = (
                {i: h for i, h in self._households().items() if not h.applications.exists()}
                if not self._delegated()
                else {}
            )
            candidates = self._eligible(households, Counter(t01=4, other=4))
            pools = {
                "t01": [c for c in candidates if c.first_town],
                "other": self._spread([c for c in candidates if not c.first_town]),
            }
            timeline = TIMELINES["confirmed"][0]
            before = self.result.created["applications"]
            for nth, (stage, candidate) in enumerate(self._assign(RECIPIENT_SLOTS, pools), 2):
                self._case(stage, candidate, lambda c=candidate, n=nth: self._dibao("confirmed", timeline, c, n))
            templates = bank_templates_ensure()
            CountyPaymentSetting.objects.create(county=county_region, roll_day=5, bank_template=templates[0])
        recipients = self.result.created["applications"] - before
        roll = self._rolls(admin)
        self._reserve(admin)
        if roll is not None:
            self.progress(
                f"  {self.county.county.name}：新增演示在保对象 {recipients} 户；"
                f"{roll.code} 已生成并核对（{roll.line_count} 笔），待县级审核人员审批"
            )

    def _delegated(self) -> bool:
        from eligibility.selectors import parameter_set_for

        params = parameter_set_for(county=self.county_region, month=self.today.replace(day=1))
        key = "procedure.confirmation_level"
        return params.has(key) and params.get(key).value == "town"

    def _load_staff(self) -> None:
        from assistance.demo.loader import county_logins
        from assistance.roles import Role
        from assistance.services import system_actor

        logins = county_logins(self.county)
        self.staff = {s.username: s for s in Staff.objects.filter(username__in=[x.username for x in logins])}
        self.caseworkers = {x.region_code: self.staff.get(x.username) for x in logins if x.role == Role.TOWN_CASEWORKER}
        self.assistants = {
            x.region_code: self.staff.get(x.username) for x in logins if x.role == Role.VILLAGE_ASSISTANT
        }
        self.reviewer = self.staff.get(f"{self.county.slug}-reviewer")
        self.system = system_actor()

    def _rolls(self, admin: Staff):
        """Next month's 低保 roll, generated and checked by the administrator — where anyone is enrolled (九华山
        confirms in the town, and the demo has one caseworker per town: its cases wait for the town's decision)."""
        from cases.models import Enrolment
        from payments.services._common import add_months
        from payments.services.rolls import roll_check, roll_generate

        month = add_months(self.today.replace(day=1), 1)
        enrolled = Enrolment.objects.filter(
            program=ProgramCode.DIBAO, region__path__startswith=self.county_region.path, start_month__lte=month
        )
        if not enrolled.exists():
            return None
        self._accounts(enrolled)
        roll = roll_generate(actor=admin, county=self.county_region, program=ProgramCode.DIBAO, month=month).roll
        return roll_check(actor=admin, roll=roll)

    def _accounts(self, enrolled) -> None:
        """Recipients without a bank account get one from their town's caseworker (a roll line without an account
        cannot be approved): the account the household opened for the payments (社会化发放, national 第二十五条)."""
        from assistance.demo.generator import BANK_CARD_PREFIX, _luhn_complete
        from cases.services import household_update

        for enrolment in enrolled.filter(household__bank_account_number="").select_related("household__head"):
            household = enrolment.household
            bank = self.county.banks[0]
            prefix = BANK_CARD_PREFIX.get(bank, "623059")
            number = _luhn_complete(prefix + f"{household.pk:012d}")
            household_update(
                actor=self._caseworker(household),
                household=household,
                expected_version=household.version,
                bank_name=bank,
                bank_account_holder=household.head.name if household.head else household.members.first().name,
                bank_account_number=number,
            )

    def _reserve(self, admin: Staff) -> None:
        from payments.services.reserve import per_resident_standard, reserve_allocate

        year = self.today.year
        per_resident = per_resident_standard(self.county_region, year)
        towns = Region.objects.filter(parent=self.county_region, level=RegionLevel.TOWN).order_by("code")
        for index, town in enumerate(towns):
            residents = RESIDENTS_BASE - 1500 * index
            reserve_allocate(
                actor=admin,
                town=town,
                year=year,
                residents=residents,
                amount=None if per_resident else RESERVE_AMOUNT,
            )
