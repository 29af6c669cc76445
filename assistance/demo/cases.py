"""Demo applications: a realistic inbox for each county, driven through the workflow services.

After the households are seeded, each county gets about twelve 低保 applications spread over the stages of
the procedure (dibao-shenhe-queren-banfa-2021), one 急难 case paid by the town, one 急难 case waiting for
the county's post-approval and two open active-discovery reports, so that whoever logs in as the county's
first town caseworker (``<slug>-t01-caseworker``) or its reviewer (``<slug>-reviewer``) finds work waiting:

=====================  =====  ==============================================================================
stage                  cases  how far it is taken
=====================  =====  ==============================================================================
materials_pending      2      received with a 一次性告知 (materials still missing)
accepted               2      accepted one and two working days ago (the 3-day clock to start is running)
investigating          2      economic verification requested; one has its home visit recorded
evaluated              2      visited and evaluated by the rules engine (waiting for the town's opinion)
notice                 1      town review agreed; public notice published today
decision               2      notice published 8 and 9 days ago, closed today: waiting for the decision
confirmed              1      confirmed by the county reviewer: its enrolment starts next month
=====================  =====  ==============================================================================

Who does what: every processing step is done by the town caseworker of the household's town, with the
village assistant as the second visitor (第十六条: at least two staff); the decision by the county reviewer.
Where confirmation is delegated to the town (九华山, ``procedure.confirmation_level = town``) the decider must
be another caseworker of that town than the one who reviewed the case (four eyes); the demo has one
caseworker per town, so there the decision-stage cases are left waiting for the town's decision, and no
急难 case is sent for post-approval (the town would decide it too). The only step done as the system account
is the publication of the back-dated notices (``application_notice_publish`` lets only the system account
record a notice that started more than three days ago). Application, investigation and visit dates lie in
the past on working days; a case whose notice began days ago was evaluated on its visit's day and reviewed
the day before its notice; submission and the decision are dated today.

Which households: the seeded households of the county in the generator's order, those the rules engine finds
eligible for 低保 this month (evaluated in memory first; the stored evaluation is checked again and a case
whose household is not eligible is dropped). Half of the cases (and the 急难 case paid by the town) go to the
first town, whose caseworker is the one the seed prints; the rest are spread over the other towns.

Idempotent: a county that already has an application gets none (nor discovery reports). Each county's cases
are written in one transaction, each case in its own savepoint: a case a service refuses is left out and
reported, the others stay.
"""

from __future__ import annotations

import datetime
import random
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from assistance.demo.generator import HouseholdPlan
from assistance.demo.loader import CountyResult, county_logins
from assistance.demo.names import SurnamePicker, given_name
from assistance.demo.regions import CountySpec
from assistance.errors import ApplicationError
from assistance.models import Region, RoleAssignment, Staff
from assistance.roles import Role
from assistance.services import system_actor
from assistance.workdays import WorkingCalendar
from cases.choices import ApplicationStatus, HouseholdStatus, ProgramCode
from cases.models import Application, ApplicationEvent, Household, Member
from cases.services import (
    application_accept,
    application_decide,
    application_evaluate,
    application_investigation_start,
    application_notice_close,
    application_notice_publish,
    application_town_review,
    application_visit_record,
    discovery_report_create,
    emergency_aid_grant,
)

# Stages, in the order the slots are filled when a county has few eligible households (the reviewer's
# decisions first, the intake last), each with the town it prefers: the first town ("t01") or the others.
SLOTS: tuple[tuple[str, str], ...] = (
    ("decision", "t01"),
    ("confirmed", "other"),
    ("notice", "t01"),
    ("evaluated", "t01"),
    ("investigating_visited", "t01"),
    ("accepted", "t01"),
    ("materials_pending", "t01"),
    ("decision", "other"),
    ("evaluated", "other"),
    ("investigating", "other"),
    ("accepted", "other"),
    ("materials_pending", "other"),
)
# 急难型: one paid by the town within its limit (first town), one above it waiting for post-approval.
EMERGENCY_SLOTS: tuple[tuple[str, str], ...] = (("emergency_town", "t01"), ("emergency_post", "other"))
STAGE_LABELS = {
    "materials_pending": "待补齐材料",
    "accepted": "已受理",
    "investigating": "调查核实中",
    "investigating_visited": "调查核实中（已入户）",
    "evaluated": "已评估",
    "notice": "公示中",
    "decision": "待审核确认",
    "confirmed": "已确认",
    "emergency_town": "急难型先行救助",
    "emergency_post": "急难型待后置审批",
}
TOWN_PAID_NEED = Decimal("600")  # within maiji-2021 §四(四)15's 800 yuan town limit
POST_APPROVAL_NEED = Decimal("6000")  # above the town limit, below the 25 000 yuan 先行救助 maximum


@dataclass(frozen=True)
class Timeline:
    """When a case's steps happened: working days before today (application, investigation, visit) and
    calendar days before today for the start of the public notice (None: no such step)."""

    applied: int
    investigated: int | None = None
    visited: int | None = None
    notice: int | None = None


# The second case of a stage is a little younger than the first.
TIMELINES: dict[str, tuple[Timeline, ...]] = {
    "materials_pending": (Timeline(1), Timeline(0)),
    "accepted": (Timeline(2), Timeline(1)),
    "investigating": (Timeline(4, 3),),
    "investigating_visited": (Timeline(5, 4, 1),),
    "evaluated": (Timeline(7, 6, 3), Timeline(6, 5, 2)),
    "notice": (Timeline(9, 8, 5, 0),),
    # A notice lasts 7 days (第十九条): started 9 and 8 days ago, it is over and the case can be submitted.
    "decision": (Timeline(16, 15, 12, 9), Timeline(14, 13, 10, 8)),
    "confirmed": (Timeline(19, 18, 15, 10),),
}

MISSING_MATERIALS: tuple[tuple[str, ...], ...] = (
    ("户口簿复印件", "近6个月收入情况说明（村委会出具）"),
    ("残疾人证复印件", "医疗费用票据及出院小结"),
)
REASONS: dict[str, str] = {
    "single_elderly": "独居老人，年老体弱，仅靠少量养老金生活，基本生活困难",
    "elderly_couple": "老两口年老多病，无劳动能力，收入不能维持基本生活",
    "elderly_with_disabled_child": "年迈父母照料重度残疾子女，家庭收入低，生活困难",
    "nuclear": "家庭主要劳动力收入低且不稳定，子女上学，生活困难",
    "three_generations": "家中老人多病，劳动力少，收入不能维持基本生活",
    "single_parent": "单亲家庭，独自抚养子女，收入低，生活困难",
    "grandparents_raising": "祖父母抚养孙辈，孩子父母不能履行抚养义务，生活困难",
    "single_adult": "因病、因残丧失部分劳动能力，无稳定收入",
    "siblings": "兄弟姐妹共同生活，收入低，生活困难",
}
FINDINGS = {
    "rural": "入户查看：宅基地自建房，陈设简陋，无机动车；实际共同生活人口与申报一致，"
    "收入来源主要为种植和零星务工，与申报情况基本相符",
    "urban": "入户查看：住房面积较小，家具家电陈旧，无机动车及其他房产；实际共同生活人口与申报一致，"
    "无稳定工作收入，与申报情况基本相符",
}
TOWN_OPINION = "经入户调查和家庭经济状况核对，家庭月人均收入低于当地低保标准，财产状况符合规定，同意纳入"
DECISION_NOTE = "经审核，申请人家庭符合最低生活保障条件，公示无异议，予以确认"


class _Skip(Exception):
    """A demo case not worth creating (its household turned out not to be eligible)."""


@dataclass
class Candidate:
    plan: HouseholdPlan
    household: Household
    first_town: bool


def working_days_back(calendar: WorkingCalendar, today: datetime.date, n: int) -> datetime.date:
    """Return the ``n``-th working day before today; for 0, today or (on a rest day) the last working day."""
    day = today
    if n == 0:
        while not calendar.is_working_day(day):
            day -= datetime.timedelta(days=1)
        return day
    while n > 0:
        day -= datetime.timedelta(days=1)
        if calendar.is_working_day(day):
            n -= 1
    return day


class DemoCases:
    """Create one county's demo applications and discovery reports (see the module docstring)."""

    def __init__(
        self,
        *,
        county: CountySpec,
        plans: list[HouseholdPlan],
        today: datetime.date,
        result: CountyResult,
        progress: Callable[[str], None] | None = None,
    ) -> None:
        self.county = county
        self.plans = plans
        self.today = today
        self.result = result
        self.progress = progress or (lambda message: None)
        self.first_town = county.towns[0].code
        self.calendar = WorkingCalendar.load(today - datetime.timedelta(days=120), today)

    # --- entry point ----------------------------------------------------------------------------------

    def run(self) -> None:
        county_region = Region.objects.filter(code=self.county.county.code).first()
        if county_region is None or not self.plans:
            return
        if Application.objects.filter(county=county_region).exists():
            return  # seeded before (or real work is under way): nothing is added
        self.county_region = county_region
        logins = county_logins(self.county)
        self.staff = {s.username: s for s in Staff.objects.filter(username__in=[x.username for x in logins])}
        self.caseworkers = {x.region_code: self.staff.get(x.username) for x in logins if x.role == Role.TOWN_CASEWORKER}
        self.assistants = {
            x.region_code: self.staff.get(x.username) for x in logins if x.role == Role.VILLAGE_ASSISTANT
        }
        self.reviewer = self.staff.get(f"{self.county.slug}-reviewer")
        self.system = system_actor()
        with transaction.atomic():
            households = self._households()
            self._applications(households)
            self._discovery(households)
        if self.result.created["applications"]:
            self.progress(f"  {self.county.county.name}：演示申请 {self.result.created['applications']} 件")

    # --- choosing households --------------------------------------------------------------------------

    def _households(self) -> dict[int, Household]:
        """The seeded households of the plans, keyed by plan index (active ones only)."""
        heads = {p.head.id_number: p.index for p in self.plans}
        ids = dict(
            Member.objects.filter(id_number__in=list(heads), relation="head", is_active=True).values_list(
                "id_number", "household_id"
            )
        )
        by_id = Household.objects.filter(pk__in=ids.values(), status=HouseholdStatus.ACTIVE).select_related(
            "hukou_region", "hukou_region__parent"
        )
        index_of = {ids[number]: index for number, index in heads.items() if number in ids}
        return {index_of[h.pk]: h for h in by_id}

    def _eligible(self, households: dict[int, Household], wanted: Counter) -> list[Candidate]:
        """Evaluate the households for 低保 in memory, in the generator's order, until there are enough
        candidates in the first town and elsewhere (or none are left)."""
        from eligibility.rules.engine import evaluate
        from eligibility.rules.facts import Request
        from eligibility.rules.parameters import MissingParameter
        from eligibility.selectors import household_facts_many, parameter_set_for

        plans = [p for p in self.plans if p.index in households]
        if not plans:
            return []
        month = self.today.replace(day=1)
        params = parameter_set_for(county=self.county_region, month=month)  # once: the engine is pure
        found: list[Candidate] = []
        have: Counter = Counter()
        for start in range(0, len(plans), 40):
            chunk = plans[start : start + 40]
            facts = household_facts_many(households=[households[p.index] for p in chunk], month=month)
            for plan in chunk:
                household = households[plan.index]
                request = Request(program=ProgramCode.DIBAO, month=month, household=facts[household.pk])
                try:
                    decision = evaluate(request, params)
                except MissingParameter:
                    return found  # the county's profile is incomplete: no candidates beyond these
                if str(decision.outcome) == "eligible":
                    first = plan.town.code == self.first_town
                    found.append(Candidate(plan, household, first))
                    have["t01" if first else "other"] += 1
            if have["t01"] >= wanted["t01"] and have["other"] >= wanted["other"]:
                break
        return found

    @staticmethod
    def _spread(candidates: list[Candidate]) -> list[Candidate]:
        """Order the other towns' candidates so that consecutive picks come from different towns."""
        rank: Counter = Counter()
        keyed = []
        for c in candidates:
            keyed.append((rank[c.plan.town.code], c.plan.index, c))
            rank[c.plan.town.code] += 1
        return [c for _r, _i, c in sorted(keyed, key=lambda k: (k[0], k[1]))]

    def _assign(self, slots, pools: dict[str, list[Candidate]]) -> list[tuple[str, Candidate]]:
        chosen = []
        for stage, town in slots:
            pool = pools[town] or pools["other" if town == "t01" else "t01"]
            if pool:
                chosen.append((stage, pool.pop(0)))
        return chosen

    # --- the applications -----------------------------------------------------------------------------

    def _applications(self, households: dict[int, Household]) -> None:
        wanted = Counter(town for _stage, town in SLOTS + EMERGENCY_SLOTS)
        candidates = self._eligible(households, wanted)
        pools = {
            "t01": [c for c in candidates if c.first_town],
            "other": self._spread([c for c in candidates if not c.first_town]),
        }
        assigned = self._assign(SLOTS, pools)
        # Each stage's first case is the older one; create the oldest cases first so that their numbers
        # (SQ + county + year + sequence) follow the application dates.
        seen: Counter = Counter()
        planned = []
        for stage, candidate in assigned:
            timeline = TIMELINES[stage][seen[stage] % len(TIMELINES[stage])]
            seen[stage] += 1
            planned.append((timeline, stage, candidate, seen[stage]))
        planned.sort(key=lambda item: (-item[0].applied, item[2].plan.index))
        for timeline, stage, candidate, nth in planned:
            self._case(stage, candidate, lambda t=timeline, s=stage, c=candidate, n=nth: self._dibao(s, t, c, n))
        for stage, candidate in self._assign(self._emergency_slots(), pools):
            self._case(stage, candidate, lambda s=stage, c=candidate: self._emergency(s, c))

    def _emergency_slots(self) -> list[tuple[str, str]]:
        from eligibility.selectors import parameter_set_for

        params = parameter_set_for(county=self.county_region, month=self.today.replace(day=1))

        def value(key: str, default):
            return params.get(key).value if params.has(key) else default

        slots = [EMERGENCY_SLOTS[0]]
        town_limit = Decimal(str(value("temp.emergency.town_limit", "0")))
        prepay_max = Decimal(str(value("temp.emergency.prepay_max", "0")))
        delegated = value("procedure.confirmation_level", "county") == "town"
        # Post-approval only where the town limit leaves room below the maximum, and the county decides.
        if town_limit < POST_APPROVAL_NEED <= prepay_max and not delegated:
            slots.append(EMERGENCY_SLOTS[1])
        self.town_limit = town_limit
        return slots

    def _case(self, stage: str, candidate: Candidate, create: Callable[[], object]) -> None:
        try:
            with transaction.atomic():
                create()
        except _Skip:
            return
        except ApplicationError as error:
            label = STAGE_LABELS[stage]
            self.result.refused.append(f"演示申请（{label}，户主 {candidate.plan.head.name}）：{error.message}")
            return
        self.result.created["applications"] += 1

    def _caseworker(self, household: Household) -> Staff:
        town = household.hukou_region.parent
        staff = self.caseworkers.get(town.code) if town is not None else None
        if staff is None:
            raise ApplicationError("演示账号中没有该乡镇的经办人员", code="demo_staff_missing")
        return staff

    def _dibao(self, stage: str, t: Timeline, c: Candidate, nth: int) -> None:
        household, plan = c.household, c.plan
        worker = self._caseworker(household)
        applied = working_days_back(self.calendar, self.today, t.applied)
        missing = list(MISSING_MATERIALS[(nth - 1) % len(MISSING_MATERIALS)]) if stage == "materials_pending" else []
        app = application_accept(
            actor=worker,
            household=household,
            program=ProgramCode.DIBAO,
            applied_on=applied,
            authorisation_signed_on=applied,
            missing_materials=missing,
            reason=REASONS.get(plan.template, "家庭收入低，生活困难，申请最低生活保障"),
        )
        if t.investigated is None:
            return
        on = working_days_back(self.calendar, self.today, t.investigated)
        app = application_investigation_start(actor=worker, application=app, on=on)
        if t.visited is None:
            return
        assistant = self.assistants.get(household.hukou_region.code)
        application_visit_record(
            actor=worker,
            application=app,
            visited_on=working_days_back(self.calendar, self.today, t.visited),
            visitors=[worker, assistant],
            findings=FINDINGS[plan.area_type],
            signed_by_applicant=True,
        )
        if stage == "investigating_visited":
            return
        # A case whose notice started days ago was evaluated and reviewed before it (on the visit's day and the
        # day before the notice); a younger case is evaluated and reviewed today.
        visited_on = working_days_back(self.calendar, self.today, t.visited)
        start = self.today - datetime.timedelta(days=t.notice or 0)
        evaluated_on = visited_on if t.notice else None
        reviewed_on = max(visited_on, start - datetime.timedelta(days=1)) if t.notice else None
        evaluation = application_evaluate(actor=worker, application=app, on=evaluated_on)
        if not evaluation.eligible:
            raise _Skip  # the registry changed since the household was chosen: no demo case for it
        if stage == "evaluated":
            return
        app = application_town_review(actor=worker, application=app, approve=True, opinion=TOWN_OPINION, on=reviewed_on)
        # Only the system account may record a notice that started more than three days ago (see the service).
        publisher = worker if t.notice == 0 else self.system
        app = application_notice_publish(actor=publisher, application=app, start_on=start)
        if stage == "notice":
            return
        app = application_notice_close(actor=worker, application=app)
        if stage == "decision":
            return
        decider = self._decider(app)
        if decider is not None:
            application_decide(actor=decider, application=app, confirm=True, reasons=DECISION_NOTE)

    def _decider(self, app: Application) -> Staff | None:
        """The county reviewer; where the town confirms, another caseworker of the town than its reviewer."""
        if not (app.delegated and not app.close_relative):
            return self.reviewer
        town = app.region.parent
        other = (
            RoleAssignment.objects.filter(role=Role.TOWN_CASEWORKER, region=town, is_active=True, staff__is_active=True)
            .exclude(staff_id=app.town_reviewed_by_id)
            .select_related("staff")
            .order_by("staff__username")
            .first()
        )
        return other.staff if other is not None else None

    def _emergency(self, stage: str, c: Candidate) -> None:
        worker = self._caseworker(c.household)
        if stage == "emergency_town":
            need = min(TOWN_PAID_NEED, self.town_limit) if self.town_limit > 0 else TOWN_PAID_NEED
            emergency_aid_grant(
                actor=worker,
                household=c.household,
                cause="illness",
                expense=need,
                note="家庭成员突发疾病住院，急需垫付医疗费用，基本生活暂时困难",
            )
        else:
            emergency_aid_grant(
                actor=worker,
                household=c.household,
                cause="accident",
                expense=POST_APPROVAL_NEED,
                note="房屋失火，衣被家当损毁，基本生活暂时出现严重困难",
            )

    # --- active discovery -----------------------------------------------------------------------------

    def _discovery(self, households: dict[int, Household]) -> None:
        """Two open reports by the first village's assistant: a registered household and a newcomer."""
        town = self.county.towns[0]
        village_spec = town.villages[0]
        assistant = self.assistants.get(village_spec.code)
        village = Region.objects.filter(code=village_spec.code).first()
        if assistant is None or village is None:
            return
        busy = set(Application.objects.filter(county=self.county_region).values_list("household_id", flat=True))
        registered = next(
            (
                (plan, households[plan.index])
                for plan in self.plans
                if plan.village.code == village_spec.code
                and plan.index in households
                and households[plan.index].pk not in busy
            ),
            None,
        )
        rng = random.Random(f"{self.county.slug}:discovery")  # noqa: S311 - reproducible demo names
        reports = []
        if registered is not None:
            plan, household = registered
            reports.append(
                {
                    "person_name": plan.head.name,
                    "household": household,
                    "address": household.residence_address,
                    "description": "走访发现该户收入明显下降，家中有长期患病成员，医疗支出较大，"
                    "建议入户核实是否符合低保条件",
                    "suggested_program": ProgramCode.DIBAO,
                }
            )
        name = SurnamePicker(self.county.surname_boost).pick(rng) + given_name(rng, birth_year=1944, male=True)
        where = "号楼" if village_spec.is_urban else "组"
        reports.append(
            {
                "person_name": name,
                "address": f"{village_spec.name}{rng.randint(1, 9)}{where}{rng.randint(1, 60)}号",
                "description": "独居老人，无子女，近期摔伤后行动不便，生活无人照料，尚未登记，"
                "建议核实是否符合特困供养条件",
                "suggested_program": ProgramCode.TEKUN,
            }
        )
        for report in reports:
            try:
                with transaction.atomic():
                    discovery_report_create(actor=assistant, region=village, **report)
            except ApplicationError as error:
                self.result.refused.append(f"主动发现线索（{report['person_name']}）：{error.message}")
                continue
            self.result.created["discovery"] += 1


@transaction.atomic
def demo_notice_end_now(*, actor: Staff, application: Application) -> Application:
    """Demo only (``manage.py demo_end_notice``): move a running notice back so that it ended yesterday.

    Only the system account may do it; the case's timeline and the audit trail both say it was a demo shift.
    """
    from audit.services import audit_record

    if not getattr(actor, "is_system", False):
        raise ApplicationError("只有系统账号可以在演示环境中调整公示期", code="permission_denied", status=403)
    app = Application.objects.select_for_update().get(pk=application.pk)
    if app.status != ApplicationStatus.NOTICE:
        raise ApplicationError(
            f"申请当前状态为“{app.get_status_display()}”，不在公示中", code="illegal_transition", status=409
        )
    today = timezone.localdate()
    shift = app.notice_end - today + datetime.timedelta(days=1)
    if shift.days <= 0:
        return app
    before = {"notice_start": str(app.notice_start), "notice_end": str(app.notice_end)}
    app.notice_start -= shift
    app.notice_end -= shift
    app.version += 1
    app.save(update_fields=["notice_start", "notice_end", "version", "updated_at"])
    ApplicationEvent.objects.create(
        application=app,
        step="demo_notice_shift",
        label=f"演示环境：公示期调整为{app.notice_start:%m月%d日}至{app.notice_end:%m月%d日}",
        actor=actor,
        day=today,
    )
    audit_record(
        actor=actor,
        action="demo.notice_shift",
        target=app,
        region=app.region,
        household=app.household,
        before=before,
        after={"notice_start": str(app.notice_start), "notice_end": str(app.notice_end)},
        note="演示环境缩短公示期",
    )
    return app
