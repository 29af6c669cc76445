"""Roll generation and the bank-result import in a real Celery worker against Redis and PostgreSQL: a worker killed
(SIGKILL) between chunks is finished by the next one, given the message again once the job's heartbeat is stale —
no duplicate line or row, no gap. Skipped without PostgreSQL and Redis (see tests/conftest.py)."""

from __future__ import annotations

import datetime as dt
import os
import signal

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import Sum
from django.utils import timezone

from assistance.models import Job, JobStatus
from cases.models import Enrolment, EnrolmentChange, Household
from payments.bank_templates import bank_templates_ensure
from payments.choices import LineStatus, RollStatus
from payments.demo_bank import simulated_result_file
from payments.models import BankResultRow, CountyPaymentSetting, PaymentLine, PaymentRoll
from payments.services.export import roll_export
from payments.services.reconcile import result_import_start
from payments.services.rolls import roll_approve, roll_check, roll_generate, rolls_generate_start
from payments.tasks import generate_rolls, process_result_import
from tests import test_workflow_services as workflow_tests
from tests.factories import make_household
from tests.test_celery_redis import Worker, _database_url_for_test_db, _wait_for_result
from tests.test_lifecycle_worker import _clone_enrolment, _wait
from tests.test_workflow_services import _enrolled

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.django_db(transaction=True)]

profiles = workflow_tests.profiles
poor_household = workflow_tests.poor_household
ENROLMENTS = 10


@pytest.fixture
def enrolments(world, poor_household):
    """Ten 低保 enrolments of 长白 (one through the whole procedure, nine copies of it), each household with an
    account; the county's bank template."""
    template = Enrolment.objects.get(application=_enrolled(world, poor_household))
    enrolled = [template] + [
        _clone_enrolment(template, make_household(world.caseworker_a1, world.village_a1), n)
        for n in range(ENROLMENTS - 1)
    ]
    changes = list(EnrolmentChange.objects.filter(enrolment=template))
    for copy in enrolled[1:]:  # the copies' amount history (what the roll reads), as the template's
        EnrolmentChange.objects.bulk_create(
            EnrolmentChange(
                enrolment=copy,
                effective_month=c.effective_month,
                amount=c.amount,
                previous_amount=c.previous_amount,
                status=c.status,
                cause=c.cause,
                application=copy.application,
            )
            for c in changes
        )
    for n, enrolment in enumerate(enrolled):  # test data: accounts written directly
        Household.objects.filter(pk=enrolment.household_id).update(
            bank_name="长白县农村信用社", bank_account_holder=f"户主{n}", bank_account_number=f"62170000{n:02d}11122223"
        )
    CountyPaymentSetting.objects.create(county=world.county_a, roll_day=5, bank_template=bank_templates_ensure()[0])
    return enrolled


@pytest.fixture
def env():
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "assistance.settings",
        "DATABASE_URL": _database_url_for_test_db(),
        "REDIS_URL": settings.REDIS_URL,
        "PYTHONUNBUFFERED": "1",
    }


def _kill_then_finish(task, job: Job, env: dict, started, kwargs: dict):
    """Run ``task`` in a slow worker, SIGKILL it once ``started()`` holds, then let a fresh worker finish the job
    (its heartbeat made stale, as after assistance.jobs.STALE_AFTER). Return the fresh run's result."""
    import redis

    slow = Worker({**env, "PAYMENTS_CHUNK_PAUSE": "1"})
    fresh = None
    try:
        task.apply_async(args=[job.pk], kwargs=kwargs)
        _wait(started, slow, 90, "第一批处理")
        os.killpg(slow.process.pid, signal.SIGKILL)
        slow.process.wait(timeout=15)
        job.refresh_from_db()
        assert job.status == JobStatus.RUNNING
        Job.objects.filter(pk=job.pk).update(heartbeat_at=timezone.now() - dt.timedelta(hours=1))
        fresh = Worker(env)
        return _wait_for_result(task.apply_async(args=[job.pk], kwargs=kwargs), fresh, 120)
    finally:
        slow.stop()
        if fresh is not None:
            fresh.stop()
        # The killed worker's unacknowledged message would be redelivered to some later worker: drop it.
        redis.Redis.from_url(settings.REDIS_URL).delete("unacked", "unacked_index")


def test_a_killed_generation_is_finished_without_duplicate_or_gap(world, enrolments, env, monkeypatch):
    month = timezone.localdate().replace(day=1)
    monkeypatch.setattr(generate_rolls, "delay", lambda *a, **k: None)  # queued below, with small chunks
    job, _ = rolls_generate_start(actor=world.admin_a, county=world.county_a, month=month, programs=["dibao"])

    def first_chunk_in() -> bool:
        return PaymentLine.objects.count() >= 2

    result = _kill_then_finish(generate_rolls, job, env, first_chunk_in, {"chunk": 2})

    roll = PaymentRoll.objects.get(county=world.county_a, program="dibao", month=month)
    lines = PaymentLine.objects.filter(roll=roll)
    assert lines.count() == ENROLMENTS == len(set(lines.values_list("enrolment_id", flat=True)))
    assert roll.generated_at is not None and roll.line_count == ENROLMENTS
    assert roll.total_fen == lines.aggregate(s=Sum("amount_fen"))["s"]
    assert result["lines"] == ENROLMENTS
    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED and job.attempts == 2


def test_a_killed_result_import_is_finished_without_duplicate_or_gap(world, enrolments, env, monkeypatch):
    month = timezone.localdate().replace(day=1)
    roll = roll_generate(actor=world.admin_a, county=world.county_a, program="dibao", month=month).roll
    roll = roll_approve(actor=world.reviewer_a, roll=roll_check(actor=world.admin_a, roll=roll))
    export = roll_export(actor=world.reviewer_a, roll=roll)
    name, content = simulated_result_file(PaymentRoll.objects.get(pk=roll.pk), export.template, failures=2)
    monkeypatch.setattr(process_result_import, "delay", lambda *a, **k: None)  # queued below, with small chunks
    imported = result_import_start(
        actor=world.reviewer_a,
        roll=PaymentRoll.objects.get(pk=roll.pk),
        uploaded_file=SimpleUploadedFile(name, content),
    )

    def first_chunk_in() -> bool:
        return BankResultRow.objects.filter(result_import=imported).count() >= 2

    result = _kill_then_finish(process_result_import, imported.job, env, first_chunk_in, {"chunk": 2})

    rows = BankResultRow.objects.filter(result_import=imported)
    assert rows.count() == ENROLMENTS == len(set(rows.values_list("row_number", flat=True)))
    assert len(set(rows.values_list("line_id", flat=True))) == ENROLMENTS
    roll.refresh_from_db()
    assert roll.status == RollStatus.RECONCILED
    assert (roll.paid_count, roll.failed_count) == (ENROLMENTS - 2, 2)
    assert roll.paid_fen + roll.failed_fen == roll.total_fen
    assert not PaymentLine.objects.filter(roll=roll, status=LineStatus.PENDING).exists()
    assert result["rows"] == ENROLMENTS and result["failed"] == 2
