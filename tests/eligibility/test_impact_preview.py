"""Impact preview (影响预览) of a draft parameter: the registered households of the draft's counties evaluated for
低保 with and without it (figures), the draft inserted into its key's timeline (pure), and the console page
(scoping, superuser, Chinese, the approval from the page)."""

from __future__ import annotations

import dataclasses
import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from assistance.roles import Role
from assistance.services import staff_create, staff_make_superuser, system_actor
from cases.models import Household
from cases.services import asset_add, expense_add, income_record, supporter_add
from eligibility.models import ParameterStatus, ParameterVersion, PolicyProfile
from eligibility.preview import (
    LESS,
    MORE,
    NEWLY_ELIGIBLE,
    NO_LONGER_ELIGIBLE,
    UNCHANGED,
    impact_preview,
    timeline_with_draft,
)
from eligibility.rules.decision import Outcome
from eligibility.rules.engine import evaluate
from eligibility.rules.facts import Request
from eligibility.rules.parameters import ParamValue
from eligibility.rules.profile_data import load_documents
from eligibility.selectors import household_facts, household_facts_many, parameter_set_for
from eligibility.services import parameter_approve, parameter_propose, profiles_load
from tests.factories import PASSWORD, make_household, make_staff, new_id_number

RURAL = "dibao.standard.rural"


def next_month() -> datetime.date:
    today = timezone.localdate()
    return datetime.date(today.year + (today.month == 12), today.month % 12 + 1, 1)


def months_before(month: datetime.date, n: int) -> list[datetime.date]:
    out = []
    for i in range(1, n + 1):
        index = month.year * 12 + month.month - 1 - i
        out.append(datetime.date(index // 12, index % 12 + 1, 1))
    return out


# --- the draft in a timeline (pure) -------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class V:
    """A version as ``merge_timelines`` reads it."""

    key: str
    effective_from: datetime.date
    value: Decimal

    def param_value(self, profile: str) -> ParamValue:
        return ParamValue(self.key, self.value, self.effective_from, f"{profile}@{self.effective_from}", "c", profile)


def m(year: int, month: int) -> datetime.date:
    return datetime.date(year, month, 1)


def shape(timeline) -> list[tuple[str, datetime.date, Decimal]]:
    return [(p.profile, p.effective_from, p.value) for p in timeline]


def test_the_draft_takes_effect_at_its_month_and_later_versions_stay():
    layers = [
        ("national", [V(RURAL, m(2021, 1), Decimal("500"))]),
        ("changbai", [V(RURAL, m(2025, 7), Decimal("575")), V(RURAL, m(2027, 7), Decimal("620"))]),
    ]
    timeline = timeline_with_draft(layers, profile="changbai", draft=V(RURAL, m(2026, 7), Decimal("600")))
    assert shape(timeline) == [
        ("national", m(2021, 1), Decimal("500")),
        ("changbai", m(2025, 7), Decimal("575")),
        ("changbai", m(2026, 7), Decimal("600")),
        ("changbai", m(2027, 7), Decimal("620")),
    ]


def test_the_draft_replaces_the_approved_version_of_its_month():
    layers = [("changbai", [V(RURAL, m(2025, 7), Decimal("575")), V(RURAL, m(2026, 7), Decimal("600"))])]
    timeline = timeline_with_draft(layers, profile="changbai", draft=V(RURAL, m(2026, 7), Decimal("610")))
    assert shape(timeline) == [("changbai", m(2025, 7), Decimal("575")), ("changbai", m(2026, 7), Decimal("610"))]


def test_a_first_local_version_replaces_the_parent_from_its_month_on():
    layers = [
        ("national", [V(RURAL, m(2021, 1), Decimal("500")), V(RURAL, m(2027, 1), Decimal("700"))]),
        ("changbai", []),
    ]
    timeline = timeline_with_draft(layers, profile="changbai", draft=V(RURAL, m(2026, 7), Decimal("600")))
    assert shape(timeline) == [("national", m(2021, 1), Decimal("500")), ("changbai", m(2026, 7), Decimal("600"))]
    # a draft of the parent does not reach past the child's own versions
    layers = [
        ("national", [V(RURAL, m(2021, 1), Decimal("500"))]),
        ("changbai", [V(RURAL, m(2025, 7), Decimal("575"))]),
    ]
    timeline = timeline_with_draft(layers, profile="national", draft=V(RURAL, m(2026, 7), Decimal("900")))
    assert shape(timeline) == [("national", m(2021, 1), Decimal("500")), ("changbai", m(2025, 7), Decimal("575"))]
    with pytest.raises(ValueError):
        timeline_with_draft(layers, profile="maiji", draft=V(RURAL, m(2026, 7), Decimal("600")))


# --- a small world ------------------------------------------------------------------------------------


@pytest.fixture
def profiles(world):
    return profiles_load(actor=system_actor(), documents=load_documents())


@pytest.fixture
def admin_a2(world):
    """A second administrator of county A (the four-eyes partner of ``admin_a``)."""
    return make_staff("adm_a2", Role.COUNTY_ADMIN, world.county_a)


@pytest.fixture
def root(world):
    staff = staff_create(actor=system_actor(), username="root", display_name="系统管理员", password=PASSWORD)
    return staff_make_superuser(actor=system_actor(), staff=staff)


def with_income(world, household, per_member: Decimal, month: datetime.date, kind: str = "pension"):
    for member in household.members.all():
        for earlier in months_before(month, 6):
            income_record(actor=world.caseworker_a1, member=member, month=earlier, kind=kind, amount=per_member)
    return household


def rural_standard(month: datetime.date) -> Decimal:
    county_a = PolicyProfile.objects.get(code="changbai").jurisdictions.get()
    return parameter_set_for(county=county_a, month=month).get(RURAL).value


@pytest.fixture
def households(world, profiles):
    """长白 (county A): rural households below, just above and far above the standard, and an urban one; one
    household in 抚松 (county B, no profile) that the preview must not touch."""
    month = next_month()
    standard = rural_standard(month)
    cw = world.caseworker_a1
    return {
        "poor": with_income(world, make_household(cw, world.village_a1b, members=2), standard - 100, month),
        "none": make_household(cw, world.village_a1b, members=1),
        "near": with_income(world, make_household(cw, world.village_a1b, members=1), standard + 20, month),
        "rich": with_income(world, make_household(cw, world.village_a1b, members=1), standard * 3, month),
        "urban": make_household(cw, world.village_a1, members=1, area_type="urban"),
        "elsewhere": make_household(world.caseworker_b1, world.village_b1, members=1),
    }


def propose(actor, *, value: Decimal, key: str = RURAL) -> ParameterVersion:
    return parameter_propose(
        actor=actor,
        profile=PolicyProfile.objects.get(code="changbai"),
        key=key,
        effective_from=next_month(),
        value=str(value),
        clause="changbai-2021 §二(一)2",
    )


def dibao(household, params) -> tuple[Outcome, Decimal]:
    month = params.month
    decision = evaluate(Request("dibao", month, household_facts(household=household, month=month)), params)
    return decision.outcome, decision.amount


def test_raising_the_rural_standard(world, households):
    month = next_month()
    standard = rural_standard(month)
    params = parameter_set_for(county=world.county_a, month=month)
    # before: the registry as the rules see it
    assert dibao(households["poor"], params) == (Outcome.ELIGIBLE, Decimal("200.00"))
    assert dibao(households["none"], params) == (Outcome.ELIGIBLE, standard)
    assert dibao(households["near"], params)[0] == Outcome.INELIGIBLE

    draft = propose(world.admin_a, value=standard + 50)
    result = impact_preview(version=draft)
    assert result.month == month
    assert result.counties == ("长白朝鲜族自治县",)
    assert result.evaluated == 5  # 抚松's household is not evaluated
    assert dict(result.counts) == {NEWLY_ELIGIBLE: 1, NO_LONGER_ELIGIBLE: 0, MORE: 2, LESS: 0, UNCHANGED: 2}
    changes = {c.household_id: c for c in result.changes}
    assert set(changes) == {households[k].pk for k in ("poor", "none", "near")}
    poor = changes[households["poor"].pk]
    assert (poor.before_amount, poor.after_amount, poor.difference) == (
        Decimal("200.00"),
        Decimal("300.00"),
        Decimal("100.00"),
    )  # 2 members × the 50 yuan rise, exactly
    assert changes[households["none"].pk].difference == Decimal("50")
    near = changes[households["near"].pk]
    assert (near.change, near.before_outcome, near.after_outcome) == (
        NEWLY_ELIGIBLE,
        Outcome.INELIGIBLE,
        Outcome.ELIGIBLE,
    )
    assert near.before_amount == 0 and near.after_amount > 0
    assert (near.code, near.village, near.county) == (households["near"].code, "十四道沟村", "长白朝鲜族自治县")
    assert result.budget_difference == Decimal("150.00") + near.after_amount
    assert result.budget_difference == sum(c.difference for c in result.changes)
    # nothing written: the draft is still a draft and the approved standard unchanged
    draft.refresh_from_db()
    assert draft.status == ParameterStatus.DRAFT
    assert rural_standard(month) == standard


def test_lowering_the_standard(world, households):
    standard = rural_standard(next_month())
    result = impact_preview(version=propose(world.admin_a, value=standard - 150))
    # "poor" (per head 100 below) drops out; "none" gets 150 less
    assert dict(result.counts) == {NEWLY_ELIGIBLE: 0, NO_LONGER_ELIGIBLE: 1, MORE: 0, LESS: 1, UNCHANGED: 3}
    assert result.budget_difference == Decimal("-350.00")


def test_only_drafts_are_previewed(world, households, admin_a2):
    draft = propose(world.admin_a, value=Decimal("999"))
    parameter_approve(actor=admin_a2, version=draft)
    draft.refresh_from_db()
    with pytest.raises(Exception, match="只有待审批"):
        impact_preview(version=draft)


def test_batched_facts_agree_with_household_facts(world, households):
    month = next_month()
    actor = world.caseworker_a1
    rich = make_household(actor, world.village_a1b, members=3)
    head = rich.members.order_by("id").first()
    earlier = months_before(month, 14)
    income_record(actor=actor, member=head, month=earlier[0], kind="wages", amount=Decimal("1234.56"))
    income_record(actor=actor, member=head, month=earlier[2], kind="agriculture", amount=Decimal("77"))
    income_record(actor=actor, member=head, month=earlier[-1], kind="wages", amount=Decimal("999"))
    asset_add(actor=actor, household=rich, kind="deposit", value=Decimal("8000"), valued_on=earlier[0])
    asset_add(actor=actor, household=rich, kind="vehicle", value=Decimal("30000"), valued_on=earlier[0])
    expense_add(
        actor=actor,
        household=rich,
        kind="medical",
        member=head,
        amount=Decimal("1300"),
        period_start=earlier[13],
        period_end=earlier[1],
    )
    supporter_add(
        actor=actor,
        household=rich,
        supported_member=head,
        name="金哲",
        id_number=new_id_number(birth=datetime.date(1982, 3, 1)),
        relation="child",
    )
    everyone = list(Household.objects.order_by("id"))
    batched = household_facts_many(households=everyone, month=month)
    for household in everyone:
        assert batched[household.pk] == household_facts(household=household, month=month), household.code
    assert batched[rich.pk].rigid_expenses_12m and batched[rich.pk].supporters and batched[rich.pk].vehicles


def test_the_preview_does_not_query_per_household(world, households):
    draft = propose(world.admin_a, value=Decimal("700"))
    with CaptureQueriesContext(connection) as few:
        impact_preview(version=draft)
    for _ in range(5):
        with_income(
            world, make_household(world.caseworker_a1, world.village_a1b, members=3), Decimal("300"), next_month()
        )
    with CaptureQueriesContext(connection) as many:
        result = impact_preview(version=draft)
    assert result.evaluated == 10
    assert len(many) == len(few) <= 15


# --- the console page ---------------------------------------------------------------------------------


def preview_url(version) -> str:
    return reverse("admin:eligibility_parameterversion_preview", args=[version.pk])


def test_the_approver_sees_the_preview_in_chinese_and_approves_from_it(client, world, households, admin_a2):
    draft = propose(world.admin_a, value=rural_standard(next_month()) + 50)
    client.force_login(admin_a2)
    # the draft's page links to the preview
    change = client.get(reverse("admin:eligibility_parameterversion_change", args=[draft.pk]))
    assert change.status_code == 200 and preview_url(draft) in change.content.decode()
    listing = client.get(reverse("admin:eligibility_parameterversion_changelist") + "?status=draft")
    assert preview_url(draft) in listing.content.decode()

    response = client.get(preview_url(draft))
    assert response.status_code == 200
    html = response.content.decode()
    assert "影响预览" in html
    assert "尚无在保对象" in html and "全部在册家庭" in html
    assert 'data-testid="evaluated">5<' in html
    assert "新增符合条件" in html and "金额增加" in html
    assert households["near"].code in html and "十四道沟村" in html
    assert "0.00（不符合条件）" in html
    assert households["elsewhere"].code not in html
    assert "已查看影响预览，批准此版本" in html

    response = client.post(
        reverse("admin:eligibility_parameterversion_changelist"),
        {"action": "approve_selected", "_selected_action": [str(draft.pk)], "index": "0", "reason": ""},
        follow=True,
    )
    assert "已批准 1 个参数版本" in response.content.decode()
    draft.refresh_from_db()
    assert (draft.status, draft.approved_by) == (ParameterStatus.APPROVED, admin_a2)
    # decided: the preview says so instead of figures
    after = client.get(preview_url(draft))
    assert after.status_code == 200 and "只有待审批的参数版本可以预览影响" in after.content.decode()


def test_the_proposer_sees_the_preview_without_the_approval(client, world, households):
    draft = propose(world.admin_a, value=Decimal("700"))
    client.force_login(world.admin_a)
    html = client.get(preview_url(draft)).content.decode()
    assert "影响预览" in html and "已查看影响预览，批准此版本" not in html
    assert "须由另一名管理员批准" in html


def test_another_countys_administrator_cannot_preview(client, world, households):
    draft = propose(world.admin_a, value=Decimal("700"))
    client.force_login(world.admin_b)
    assert client.get(preview_url(draft)).status_code == 404
    client.force_login(world.caseworker_a1)  # not a console user at all
    assert client.get(preview_url(draft)).status_code in (302, 403, 404)


def test_a_superuser_may_preview(client, world, households, root):
    draft = propose(world.admin_a, value=Decimal("700"))
    client.force_login(root)
    response = client.get(preview_url(draft))
    assert response.status_code == 200
    assert "变化汇总" in response.content.decode()
