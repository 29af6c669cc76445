"""Celery tasks of the payments app. Thin: each claims its job and calls a service (``payments.services``)."""

from __future__ import annotations

import datetime as dt
import logging
import os
import time

from celery import shared_task
from django.conf import settings
from django.db import OperationalError
from django.utils import timezone

from assistance.errors import ApplicationError
from assistance.jobs import job_claim, job_fail, job_finish, job_progress
from assistance.services import system_actor

logger = logging.getLogger(__name__)


def chunk_pause() -> float:
    """Test-only: seconds to wait after each chunk, so that a worker can be killed mid-job. The worker under test
    reads it from its environment (its settings module is the production one)."""
    return float(getattr(settings, "PAYMENTS_CHUNK_PAUSE", 0) or os.environ.get("PAYMENTS_CHUNK_PAUSE", 0))


@shared_task(
    name="payments.generate_rolls", acks_late=True, autoretry_for=(OperationalError,), retry_backoff=True, max_retries=3
)
def generate_rolls(job_id: int, chunk: int | None = None) -> dict | str:
    """Generate the rolls of a ``payments.services.rolls.rolls_generate_start`` job, program by program.

    A worker killed mid-way leaves the job running; the redelivered message claims it once its heartbeat is
    stale and generates every program again from the start (``roll_generate`` resets the draft first), so the
    rolls end complete and without duplicates. A frozen (approved) roll is left as it is and reported."""
    from assistance.models import Region
    from payments.services._common import yuan
    from payments.services.rolls import CHUNK, roll_generate

    job = job_claim(job_id=job_id)
    if job is None:
        logger.info("花名册生成任务 %s 已完成或正在其他进程中运行，本次跳过", job_id)
        return "skipped"
    county = Region.objects.get(code=job.params["county"])
    month = dt.date.fromisoformat(f"{job.params['month']}-01")
    programs = list(job.params["programs"])
    actor = job.started_by or system_actor()
    job_progress(job_id=job_id, total=len(programs), restart=True)
    pause = chunk_pause()

    def chunk_done(done: int, total: int) -> None:
        job_progress(job_id=job_id)  # the heartbeat: this worker is alive
        if pause:
            time.sleep(pause)

    result: dict = {"rolls": {}, "skipped": {}}
    try:
        for program in programs:
            try:
                outcome = roll_generate(
                    actor=actor,
                    county=county,
                    program=program,
                    month=month,
                    chunk=chunk or CHUNK,
                    progress=chunk_done,
                )
            except ApplicationError as error:
                if error.code != "roll_frozen":
                    raise
                result["skipped"][program] = error.message
            else:
                if outcome.superseded:
                    result["skipped"][program] = f"{outcome.roll.code}：已由稍后发起的生成任务重新生成"
                    job_progress(job_id=job_id, done=1)
                    continue
                roll = outcome.roll
                result["rolls"][program] = f"{roll.code}：{roll.line_count} 笔，合计 {yuan(roll.total_fen)} 元"
                result["lines"] = result.get("lines", 0) + roll.line_count
            job_progress(job_id=job_id, done=1)
    except Exception as error:
        job_fail(job_id=job_id, error=f"花名册生成失败：{error}")
        raise
    job_finish(job_id=job_id, result=result)
    return result


@shared_task(name="payments.generate_due_rolls", acks_late=True)
def generate_due_rolls(day: str | None = None) -> list[int]:
    """Beat, daily: start the month's roll generation of every county whose roll day has come
    (``CountyPaymentSetting.roll_day``) and whose rolls of the month are not there yet. Idempotent: the job of a
    county and month is started once (its key), whatever the number of beats."""
    from payments.services.rolls import counties_due, rolls_generate_start

    on = dt.date.fromisoformat(day) if day else timezone.localdate()
    started = []
    for county in counties_due(on):
        job, created = rolls_generate_start(actor=system_actor(), county=county, month=on, trigger="beat")
        if created:
            started.append(job.pk)
    return started


@shared_task(name="payments.allocate_reserve_funds", acks_late=True)
def allocate_reserve_funds(year: int | None = None) -> dict[str, int]:
    """Beat, daily: from 1 January, allocate the year's reserve fund (备用金) of every town that had one last year
    (maiji-2021 §四(四)15: 年初预拨). Towns already allocated are skipped, so the daily beat allocates once — and
    the day after an outage still allocates. Returns the number of funds created per county code."""
    from payments.models import ReserveFund
    from payments.services.reserve import reserve_allocate_year

    year = year or timezone.localdate().year
    created: dict[str, int] = {}
    counties = {fund.county for fund in ReserveFund.objects.filter(year=year - 1).select_related("county")}
    for county in sorted(counties, key=lambda c: c.path):
        funds = reserve_allocate_year(actor=system_actor(), county=county, year=year)
        if funds:
            created[county.code] = len(funds)
    return created


from payments.tasks_reconcile import process_result_import  # noqa: E402,F401
