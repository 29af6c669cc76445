"""The daily run (``cases.daily_run``) in a real Celery worker against Redis and PostgreSQL: it runs once per
day however often it is sent, and a worker killed in the middle of the re-check batches is finished by the
next one without duplicates or gaps. Skipped without PostgreSQL and Redis (see tests/conftest.py)."""

from __future__ import annotations

import datetime as dt
import os
import signal
import time

import pytest
from django.conf import settings
from django.utils import timezone

from assistance.jobs import job_start
from assistance.models import Job, JobStatus
from assistance.services import system_actor
from cases.models import Application, Enrolment, Evaluation
from tests import test_workflow_services as workflow_tests
from tests.factories import make_household
from tests.test_celery_redis import WORKER_START_TIMEOUT, Worker, _wait_for_result, celery_worker_process
from tests.test_workflow_services import _enrolled

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.django_db(transaction=True)]

NO_MINORS = {"tekun_minors_recorded": 0, "tekun_minors_ended": 0}
D = dt.date
DAY = D(2026, 11, 20)  # a past day: the intake refuses application dates after today
profiles = workflow_tests.profiles
poor_household = workflow_tests.poor_household
celery_worker = celery_worker_process


def _due(enrolment: Enrolment) -> None:
    Enrolment.objects.filter(pk=enrolment.pk).update(next_recheck_on=DAY - dt.timedelta(days=3))


def _rechecks() -> int:
    return Application.objects.filter(kind="recheck", applied_on=DAY).count()


def _wait(condition, worker: Worker, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        if not worker.alive():
            pytest.fail(f"Celery worker 意外退出：\n{worker.output()}")
        time.sleep(0.1)
    pytest.fail(f"{timeout} 秒内未等到：{what}。worker 日志：\n{worker.output()}")


def test_daily_run_in_a_real_worker_runs_once_per_day(world, poor_household, celery_worker):
    """Sent twice for one day: the first delivery opens the due re-check and finishes the day's job, the
    second is skipped and changes nothing."""
    from cases.tasks import daily_run

    # given: an enrolment whose re-check is due
    enrolment = Enrolment.objects.get(application=_enrolled(world, poor_household))
    _due(enrolment)
    assert not settings.CELERY_TASK_ALWAYS_EAGER

    # when
    result = _wait_for_result(daily_run.delay(day=DAY.isoformat()), celery_worker, WORKER_START_TIMEOUT)

    # then
    assert result == {
        "rechecks_opened": 1,
        "enrolments_ended": 0,
        "amounts_changed": 0,
        "overdue_flagged": 0,
        **NO_MINORS,
    }, celery_worker.output()
    job = Job.objects.get(key=f"daily_run:{DAY.isoformat()}")
    assert job.status == JobStatus.SUCCEEDED and job.result == result and job.done == job.total == 4
    recheck = Application.objects.get(kind="recheck", household=poor_household)
    assert recheck.status == "accepted" and recheck.due_on is not None

    # when: sent again
    applications = Application.objects.count()
    again = _wait_for_result(daily_run.delay(day=DAY.isoformat()), celery_worker, WORKER_START_TIMEOUT)

    # then
    assert again == "skipped"
    assert Application.objects.count() == applications
    job.refresh_from_db()
    assert job.attempts == 1 and job.result == result


def _clone_enrolment(template: Enrolment, household, n: int) -> Enrolment:
    """A copy of ``template`` (its application, evaluation and enrolment rows) for ``household``: test data
    for many due enrolments without taking each household through the whole procedure."""
    app = Application.objects.get(pk=template.application_id)
    app.pk = None
    app.code, app.household, app.region, app.evaluation = f"TEST{n:08d}", household, household.hukou_region, None
    app.save()
    evaluation = Evaluation.objects.get(pk=template.evaluation_id)
    evaluation.pk, evaluation.application = None, app
    evaluation.save()
    Application.objects.filter(pk=app.pk).update(evaluation=evaluation)
    enrolment = Enrolment.objects.get(pk=template.pk)
    enrolment.pk, enrolment.household, enrolment.application, enrolment.evaluation = None, household, app, evaluation
    enrolment.region = household.hukou_region
    enrolment.save()
    return enrolment


def test_worker_killed_mid_run_is_finished_by_the_next_without_duplicates_or_gaps(world, poor_household):
    """SIGKILL the worker between re-check batches; a new worker, given the message again once the job's
    heartbeat is stale, opens exactly the re-checks still missing and finishes the job."""
    import redis

    from cases.tasks import daily_run
    from tests.test_celery_redis import _database_url_for_test_db

    # given: 12 due enrolments, re-checked 2 per batch with a pause between batches
    template = Enrolment.objects.get(application=_enrolled(world, poor_household))
    due = [template] + [
        _clone_enrolment(template, make_household(world.caseworker_a1, world.village_a1), n) for n in range(11)
    ]
    for enrolment in due:
        _due(enrolment)
    job, _ = job_start(actor=system_actor(), kind="daily_run", key=f"daily_run:{DAY.isoformat()}", label="测试")
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "assistance.settings",
        "DATABASE_URL": _database_url_for_test_db(),
        "REDIS_URL": settings.REDIS_URL,
        "PYTHONUNBUFFERED": "1",
    }
    slow = Worker({**env, "CASES_DAILY_RUN_BATCH_PAUSE": "1"})
    fresh = None
    try:
        daily_run.delay(job_id=job.pk, day=DAY.isoformat(), batch=2)
        _wait(lambda: _rechecks() >= 2, slow, WORKER_START_TIMEOUT, "第一批复核")

        # when: the worker dies mid-run
        os.killpg(slow.process.pid, signal.SIGKILL)
        slow.process.wait(timeout=15)
        opened_before = _rechecks()
        job.refresh_from_db()
        assert 2 <= opened_before < len(due) and job.status == JobStatus.RUNNING
        # Its heartbeat grows stale (assistance.jobs.STALE_AFTER); the message is given to a new worker.
        Job.objects.filter(pk=job.pk).update(heartbeat_at=timezone.now() - dt.timedelta(hours=1))
        fresh = Worker(env)
        result = _wait_for_result(daily_run.delay(job_id=job.pk, day=DAY.isoformat(), batch=2), fresh, 120)
    finally:
        slow.stop()
        if fresh is not None:
            fresh.stop()
        # The killed worker's unacknowledged message would be redelivered to some later worker: drop it.
        redis.Redis.from_url(settings.REDIS_URL).delete("unacked", "unacked_index")

    # then: every due enrolment has exactly one re-check, the job reports the whole day
    for enrolment in due:
        assert Application.objects.filter(household=enrolment.household_id, kind="recheck").count() == 1
    assert result["rechecks_opened"] == len(due)
    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED and job.attempts == 2 and job.done == job.total == 4
