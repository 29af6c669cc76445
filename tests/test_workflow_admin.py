"""The case workflow in the admin console: county administrators add 失信 records and 近亲属备案 for their
county through the services (audited), see only their county's, and the workflow's own records are read-only."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from assistance.services import system_actor
from audit.models import AuditEvent
from cases.choices import ApplicationStatus
from cases.models import (
    Application,
    ApplicationEvent,
    DiscoveryReport,
    Enrolment,
    Evaluation,
    HomeVisit,
    IntegrityPenalty,
    Objection,
    RelativeFiling,
)
from cases.services import (
    application_accept,
    application_decide,
    application_evaluate,
    application_investigation_start,
    application_notice_close,
    application_notice_publish,
    application_objection_record,
    application_town_review,
    application_visit_record,
    discovery_report_create,
    income_record,
    integrity_penalty_record,
    relative_filing_record,
)
from eligibility.rules.profile_data import load_documents
from eligibility.services import profiles_load
from tests.factories import make_household, new_id_number

READ_ONLY = (Application, ApplicationEvent, Evaluation, HomeVisit, Objection, Enrolment, DiscoveryReport)


def _url(model, action: str, *args) -> str:
    return reverse(f"admin:cases_{model._meta.model_name}_{action}", args=args)


def _errors(response) -> str:
    form = response.context["adminform"].form
    return "\n".join(str(m) for errors in form.errors.values() for m in errors)


@pytest.fixture
def admin_a_client(client, world):
    client.force_login(world.admin_a)
    return client


def _months_back(today: datetime.date, n: int) -> datetime.date:
    index = today.year * 12 + today.month - 1 - n
    return datetime.date(index // 12, index % 12 + 1, 1)


def _poor_household(world):
    """A rural household of two in 长白 with 300 yuan wages a month over the last four months (below 575)."""
    household = make_household(world.caseworker_a1, world.village_a1b, members=2)
    head = household.members.get(relation="head")
    today = timezone.localdate()
    for n in range(1, 5):
        income_record(
            actor=world.caseworker_a1, member=head, month=_months_back(today, n), kind="wages", amount=Decimal("300")
        )
    return household


def _through_town_review(world, household, days_ago: int = 0) -> Application:
    today = timezone.localdate() - datetime.timedelta(days=days_ago)
    cw = world.caseworker_a1
    app = application_accept(
        actor=cw, household=household, program="dibao", applied_on=today, authorisation_signed_on=today
    )
    app = application_investigation_start(actor=cw, application=app, on=today)
    application_visit_record(
        actor=cw,
        application=app,
        visited_on=today,
        visitors=[cw, world.admin_a],
        findings="家中无劳动力，房屋简陋，无车辆",
        signed_by_applicant=True,
    )
    application_evaluate(actor=cw, application=app, on=today)
    return application_town_review(
        actor=cw, application=app, approve=True, opinion="经调查核实，符合低保条件", on=today
    )


@pytest.fixture
def workflow_records(world):
    """In county A: a confirmed 低保 case (events, visit, evaluation, enrolment), a case with an objection and
    an open discovery report; in county B: a discovery report."""
    profiles_load(actor=system_actor(), documents=load_documents())
    today = timezone.localdate()
    confirmed = _through_town_review(world, _poor_household(world), days_ago=9)
    # The system account records a notice that started 8 days ago (demo data, imports): it is over now.
    confirmed = application_notice_publish(
        actor=system_actor(), application=confirmed, start_on=today - datetime.timedelta(days=8)
    )
    confirmed = application_notice_close(actor=world.caseworker_a1, application=confirmed)
    confirmed = application_decide(actor=world.reviewer_a, application=confirmed, confirm=True)
    assert confirmed.status == ApplicationStatus.CONFIRMED

    objected = _through_town_review(world, _poor_household(world))
    objected = application_notice_publish(actor=world.caseworker_a1, application=objected)
    application_objection_record(
        actor=world.caseworker_a1, application=objected, received_on=today, content="群众反映其子女收入较高"
    )
    discovery_report_create(
        actor=world.assistant_a1, region=world.village_a1, person_name="王秀英", description="独居老人，行动不便"
    )
    discovery_report_create(
        actor=world.caseworker_b1, region=world.village_b1, person_name="李德福", description="因病致贫，无人照料"
    )
    return confirmed


# --- 失信记录 and 近亲属备案 -----------------------------------------------------------------------------------


def test_county_admin_records_an_integrity_penalty(admin_a_client, world):
    number = new_id_number()
    data = {
        "county": world.county_a.pk,
        "id_number": number,
        "name": "张某",
        "reason": "隐瞒家庭收入骗取低保金",
        "starts_on": "2026-01-01",
        "ends_on": "2028-12-31",
    }

    response = admin_a_client.post(_url(IntegrityPenalty, "add"), data)

    assert response.status_code == 302, _errors(response)
    penalty = IntegrityPenalty.objects.get()
    assert (penalty.county, penalty.id_number, penalty.recorded_by) == (world.county_a, number, world.admin_a)
    event = AuditEvent.objects.get(action="integrity_penalty.record")
    assert (event.actor_id, event.target_id) == (world.admin_a.pk, str(penalty.pk))
    # the record is shown masked and is not edited afterwards
    page = admin_a_client.get(_url(IntegrityPenalty, "change", penalty.pk))
    assert page.status_code == 200
    assert number not in page.content.decode() and number[-4:] in page.content.decode()
    assert (
        admin_a_client.post(_url(IntegrityPenalty, "change", penalty.pk), {**data, "name": "李某"}).status_code == 403
    )
    assert IntegrityPenalty.objects.get().name == "张某"


def test_penalty_form_refuses_another_county_and_a_bad_id_number(admin_a_client, world):
    base = {"name": "张某", "reason": "骗取救助金", "starts_on": "2026-01-01", "ends_on": "2026-12-31"}

    other_county = admin_a_client.post(
        _url(IntegrityPenalty, "add"), {**base, "county": world.county_b.pk, "id_number": new_id_number()}
    )
    valid = new_id_number()
    wrong_check_digit = valid[:17] + ("1" if valid[17] != "1" else "2")
    bad_number = admin_a_client.post(
        _url(IntegrityPenalty, "add"), {**base, "county": world.county_a.pk, "id_number": wrong_check_digit}
    )
    backwards = admin_a_client.post(
        _url(IntegrityPenalty, "add"),
        {**base, "county": world.county_a.pk, "id_number": new_id_number(), "ends_on": "2025-12-31"},
    )

    assert other_county.status_code == 200 and "county" in other_county.context["adminform"].form.errors
    assert bad_number.status_code == 200 and "校验位" in _errors(bad_number)
    assert backwards.status_code == 200 and "惩戒结束日期不能早于开始日期" in _errors(backwards)
    assert not IntegrityPenalty.objects.exists()
    assert not AuditEvent.objects.filter(action="integrity_penalty.record").exists()


def test_county_admin_files_a_close_relative(admin_a_client, world):
    number = new_id_number()
    data = {
        "region": world.village_a1.pk,
        "relative_id_number": number,
        "relative_name": "赵某",
        "cadre_name": "赵主任",
        "cadre_position": "社区居委会主任",
        "relation": "父亲",
    }

    response = admin_a_client.post(_url(RelativeFiling, "add"), data)

    assert response.status_code == 302, _errors(response)
    filing = RelativeFiling.objects.get()
    assert (filing.region, filing.relative_id_number, filing.recorded_by) == (world.village_a1, number, world.admin_a)
    event = AuditEvent.objects.get(action="relative_filing.record")
    assert (event.actor_id, event.target_id) == (world.admin_a.pk, str(filing.pk))
    # a region outside the county is not offered
    refused = admin_a_client.post(_url(RelativeFiling, "add"), {**data, "region": world.village_b1.pk})
    assert refused.status_code == 200 and "region" in refused.context["adminform"].form.errors
    assert RelativeFiling.objects.count() == 1


def test_registers_of_another_county_are_not_found(admin_a_client, world):
    # given a record of each register in county B
    penalty = integrity_penalty_record(
        actor=world.admin_b,
        county=world.county_b,
        id_number=new_id_number("220621"),
        name="钱某",
        reason="虚报家庭人口",
        starts_on=datetime.date(2026, 1, 1),
        ends_on=datetime.date(2026, 12, 31),
    )
    filing = relative_filing_record(
        actor=world.admin_b,
        region=world.village_b1,
        relative_id_number=new_id_number("220621"),
        relative_name="孙某",
        cadre_name="孙书记",
        cadre_position="村党支部书记",
        relation="配偶",
    )
    for model, obj in ((IntegrityPenalty, penalty), (RelativeFiling, filing)):
        # when county A's administrator looks
        listed = admin_a_client.get(_url(model, "changelist"))
        opened = admin_a_client.get(_url(model, "change", obj.pk))
        # then nothing of county B is there
        assert listed.status_code == 200 and list(listed.context["cl"].result_list) == []
        assert opened.status_code == 302 and opened["Location"] == reverse("admin:index")


def test_other_roles_cannot_open_the_registers(client, world):
    client.force_login(world.reviewer_a)
    response = client.get(_url(IntegrityPenalty, "add"))
    assert response.status_code == 302 and reverse("admin:login") in response["Location"]


# --- the workflow's records are read-only -------------------------------------------------------------------


def test_county_admin_sees_the_workflow_in_the_console(admin_a_client, workflow_records):
    content = admin_a_client.get(reverse("admin:index")).content.decode()
    for label in (
        "救助申请",
        "办理记录",
        "评估结果",
        "入户调查",
        "公示异议",
        "在保对象",
        "主动发现线索",
        "失信记录",
        "近亲属备案",
    ):
        assert label in content
    page = admin_a_client.get(_url(Application, "change", workflow_records.pk))
    assert page.status_code == 200
    text = page.content.decode()
    assert workflow_records.code in text and "县级审核确认" in text  # the timeline inline
    assert 'name="_save"' not in text


def test_workflow_records_are_read_only_and_scoped(admin_a_client, world, workflow_records):
    """Each kind of workflow record: county A's administrator lists and opens county A's, and cannot add,
    change or delete one; county B's administrator does not find them."""
    other_client = Client()
    other_client.force_login(world.admin_b)
    for model in READ_ONLY:
        # given county A's records of this kind
        mine = {o.pk for o in model.objects.all() if _county_of(o) == world.county_a}
        assert mine, model.__name__
        pk = min(mine)
        before = model.objects.count()

        # then
        listed = admin_a_client.get(_url(model, "changelist"))
        assert listed.status_code == 200
        assert {o.pk for o in listed.context["cl"].result_list} == mine, model.__name__
        assert admin_a_client.get(_url(model, "change", pk)).status_code == 200
        assert admin_a_client.get(_url(model, "add")).status_code == 403
        assert admin_a_client.post(_url(model, "add"), {}).status_code == 403
        assert admin_a_client.post(_url(model, "change", pk), {}).status_code == 403
        assert admin_a_client.post(_url(model, "delete", pk), {"post": "yes"}).status_code == 403
        assert model.objects.count() == before

        others = {o.pk for o in other_client.get(_url(model, "changelist")).context["cl"].result_list}
        assert not others & mine, model.__name__
        assert other_client.get(_url(model, "change", pk))["Location"] == reverse("admin:index")


def _county_of(obj):
    region = getattr(obj, "region", None) or obj.application.region
    return region.county()
