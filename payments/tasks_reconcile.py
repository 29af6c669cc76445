"""Celery task of the bank reconciliation: process a result file (``payments.services.reconcile``).

Registered through ``payments.tasks`` (which imports it) so that Celery's autodiscovery finds it."""

from __future__ import annotations

import logging
import time

from celery import shared_task
from django.db import OperationalError

from assistance.errors import ApplicationError
from assistance.jobs import job_claim, job_fail, job_finish, job_progress

logger = logging.getLogger(__name__)


@shared_task(
    name="payments.process_result_import",
    acks_late=True,
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    max_retries=3,
)
def process_result_import(job_id: int, chunk: int | None = None) -> dict | str:
    """Process the result file of a ``result_import_start`` job, chunk by chunk.

    A worker killed mid-way leaves the job running; the redelivered message claims it once its heartbeat is
    stale and continues after the last row stored (each chunk is one transaction), so the rows end complete and
    without duplicates. A file that does not fit its template fails the job with the reason, touching nothing."""
    from payments.services.reconcile import IMPORT_CHUNK, result_import_fail, result_import_process
    from payments.tasks import chunk_pause

    job = job_claim(job_id=job_id)
    if job is None:
        logger.info("回盘文件导入任务 %s 已完成或正在其他进程中运行，本次跳过", job_id)
        return "skipped"
    import_id = job.params["import"]

    pause = chunk_pause()

    def progress(done: int, total: int) -> None:
        job_progress(job_id=job_id, total=total, done=done, restart=True)
        if pause:  # test-only (a worker killed between chunks)
            time.sleep(pause)

    try:
        imp = result_import_process(import_id=import_id, chunk=chunk or IMPORT_CHUNK, progress=progress)
    except ApplicationError as error:
        result_import_fail(import_id=import_id, error=error.message)
        job_fail(job_id=job_id, error=f"回盘文件导入失败：{error.message}")
        return {"error": error.message}
    except Exception as error:
        job_fail(job_id=job_id, error=f"回盘文件导入失败：{error}")
        raise
    roll = imp.roll
    from assistance.services import system_actor
    from payments.services.recovery import overpayments_detect_roll

    # Lines just paid that were not owed any more (a death recorded after the roll was approved): 追回 at once.
    receivables = overpayments_detect_roll(actor=system_actor(), roll=roll)
    result = {
        "roll": roll.code,
        "rows": imp.row_count,
        "paid": imp.paid_count,
        "paid_fen": imp.paid_fen,
        "failed": imp.failed_count,
        "failed_fen": imp.failed_fen,
        "unmatched": imp.unmatched_count,
        "roll_status": roll.get_status_display(),
        "receivables": [f"{r.code}：{r.amount} 元" for r in receivables],
    }
    job_finish(job_id=job_id, result=result)
    return result
