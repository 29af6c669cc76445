"""Celery tasks of the cases app. Thin: each claims its job and calls services (``cases.services.lifecycle``)."""

from __future__ import annotations

import datetime as dt
import logging
import os
import time

from celery import shared_task
from django.conf import settings
from django.db import OperationalError
from django.utils import timezone

from assistance.jobs import job_claim, job_fail, job_finish, job_progress, job_start
from assistance.services import system_actor
from cases.choices import ApplicationKind
from cases.models import Application
from cases.services.lifecycle import (
    deadlines_flag_overdue,
    enrolments_advance,
    recheck_open_due,
    tekun_minors_come_of_age,
)

logger = logging.getLogger(__name__)

DAILY_RUN_STEPS = 4  # re-checks, 特困 minors turning 18, enrolments, deadlines: the job's progress counts steps
RECHECK_BATCH = 500


def _batch_pause() -> float:
    # Test-only: seconds to wait between re-check batches, so that a worker can be killed mid-run. The worker
    # under test reads it from its environment (its settings module is the production one).
    return float(
        getattr(settings, "CASES_DAILY_RUN_BATCH_PAUSE", 0) or os.environ.get("CASES_DAILY_RUN_BATCH_PAUSE", 0)
    )


@shared_task(
    name="cases.daily_run",
    acks_late=True,
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    max_retries=3,
)
def daily_run(job_id: int | None = None, day: str | None = None, batch: int = RECHECK_BATCH) -> dict | str:
    """Run the day's scheduled work: open the re-checks that fall due, end or continue the 特困 support of minors
    turning 18 (``tekun_minors_come_of_age``), advance enrolments (graduated exits,
    stops) to the month, flag overdue deadlines. Return the totals, or ``"skipped"`` when the day's job is
    finished already or held by a live worker.

    ``day`` (ISO date) defaults to today in Asia/Shanghai. The day's job (key ``daily_run:<day>``) makes the
    run idempotent: beat firing twice, or a redelivered message, finds it done. A worker killed mid-run leaves
    the job running; a later delivery claims it once its heartbeat is stale and runs every step again — each
    step skips what is done already, so nothing is duplicated and nothing is left out.
    """
    on = dt.date.fromisoformat(day) if day else timezone.localdate()
    actor = system_actor()
    if job_id is None:
        job, _ = job_start(
            actor=actor,
            kind="daily_run",
            key=f"daily_run:{on.isoformat()}",
            label=f"每日例行任务（{on:%Y-%m-%d}）",
            params={"day": on.isoformat()},
            trigger="beat",
        )
        job_id = job.pk
    job = job_claim(job_id=job_id)
    if job is None:
        logger.info("每日例行任务（%s）已完成或正在其他进程中运行，本次跳过", on)
        return "skipped"
    steps_done = job.done  # steps finished by an earlier, interrupted attempt (counted once)
    pause = _batch_pause()

    def step_done(number: int) -> None:
        job_progress(job_id=job_id, done=1 if number > steps_done else 0)

    def batch_done(opened: int) -> None:
        job_progress(job_id=job_id)  # heartbeat: this worker is alive
        if pause:
            time.sleep(pause)

    try:
        job_progress(job_id=job_id, total=DAILY_RUN_STEPS)
        recheck_open_due(actor=actor, on=on, batch=batch, on_batch=batch_done)
        step_done(1)
        adult = tekun_minors_come_of_age(actor=actor, on=on, on_batch=batch_done)
        step_done(2)
        advanced = enrolments_advance(on=on)
        step_done(3)
        flagged = deadlines_flag_overdue(on=on)
        step_done(4)
    except Exception as error:
        job_fail(job_id=job_id, error=f"每日例行任务（{on:%Y-%m-%d}）运行失败：{error}")
        raise
    result = {
        # Counted from the database, so that a run resumed after a crash reports the whole day.
        "rechecks_opened": Application.objects.filter(
            kind=ApplicationKind.RECHECK, applied_on=on, created_by=actor
        ).count(),
        "enrolments_ended": advanced["ended"],
        "amounts_changed": advanced["amounts_changed"],
        "overdue_flagged": flagged,
        "tekun_minors_recorded": adult["recorded"],
        "tekun_minors_ended": adult["ended"],
    }
    job_finish(job_id=job_id, result=result)
    return result


@shared_task(
    name="cases.standard_recompute",
    acks_late=True,
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    max_retries=3,
)
def standard_recompute(job_id: int, chunk: int | None = None) -> dict | str:
    """Run a 提标 recomputation job (started by ``cases.services.recompute.standard_recompute_start``): recompute
    the county's enrolments from the job's month and finish the job with the totals.

    Idempotent: an enrolment already at its new amount is left alone, so a redelivered message, or one claimed
    again after its worker died, changes only what is left; the totals count the run that finished."""
    from assistance.models import Region
    from cases.services.recompute import CHUNK, enrolments_recompute

    job = job_claim(job_id=job_id)
    if job is None:
        logger.info("提标重算任务 %s 已完成或正在其他进程中运行，本次跳过", job_id)
        return "skipped"
    county = Region.objects.get(code=job.params["county"])
    month = dt.date.fromisoformat(f"{job.params['month']}-01")

    def total(n: int) -> None:
        job_progress(job_id=job_id, total=n, restart=True)  # a resumed run counts again from zero

    def progress(n: int) -> None:
        job_progress(job_id=job_id, done=n)

    try:
        result = enrolments_recompute(
            actor=job.started_by or system_actor(),
            county=county,
            month=month,
            chunk=chunk or CHUNK,
            on_total=total,
            on_progress=progress,
        )
    except Exception as error:
        job_fail(job_id=job_id, error=f"提标重算失败：{error}")
        raise
    summary = result.as_dict()
    job_finish(job_id=job_id, result=summary)
    return summary
