"""Long-running jobs people can watch (``Job``): start one idempotently, claim it in a worker, report progress,
finish or fail it. Every long task follows the same pattern (CONVENTIONS: claim work with a conditional
update, skip when nothing was claimed):

    job, created = job_start(actor=..., kind="daily_run", key=f"daily_run:{day}", label="…")
    if created: transaction.on_commit(lambda: some_task.delay(job.pk))
    # in the task:
    job = job_claim(job_id=job_id)          # None: finished, or another live worker holds it
    if job is None: return
    job_progress(job_id=job.pk, total=n)     # then per batch: job_progress(job_id=..., done=k, failed=f)
    job_finish(job_id=job.pk, result={...})  # or job_fail(job_id=..., error="…")

A worker killed mid-job leaves it ``running`` with an old heartbeat; the redelivered message (``acks_late``)
claims it again once the heartbeat is older than ``STALE_AFTER`` and the task continues — each batch of its
work must therefore be idempotent (conditional updates, unique constraints), which is the task's duty.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from assistance.models import Job, JobStatus, Region, Staff
from assistance.services import system_actor
from audit.services import audit_record

STALE_AFTER = dt.timedelta(minutes=5)


@transaction.atomic
def job_start(
    *,
    actor: Staff,
    kind: str,
    key: str,
    label: str,
    county: Region | None = None,
    params: dict[str, Any] | None = None,
    trigger: str = "user",
) -> tuple[Job, bool]:
    """Return the job of ``key``, creating it (pending) if there is none; ``created`` says which. A failed
    job of the same key is reset to pending so that it can be run again: its attempts are kept, its counts
    and result are cleared (the rerun counts from zero, which keeps ``done`` within ``total``)."""
    job, created = Job.objects.select_for_update().get_or_create(
        key=key,
        defaults={
            "kind": kind,
            "label": label,
            "county": county,
            "params": params or {},
            "started_by": actor,
            "trigger": trigger,
        },
    )
    if not created and job.status == JobStatus.FAILED:
        job.status, job.error, job.finished_at = JobStatus.PENDING, "", None
        job.total = job.done = job.failed = 0
        job.result = {}
        job.save(update_fields=["status", "error", "finished_at", "total", "done", "failed", "result"])
        created = True
    if created:
        audit_record(actor=actor, action="job.start", target=job, region=county, after={"key": key, "label": label})
    return job, created


def job_claim(*, job_id: int) -> Job | None:
    """Claim the job for this worker: pending → running, or running with a stale heartbeat (its worker died)
    → running again. Return None when it is finished or held by a live worker."""
    now = timezone.now()
    stale = now - dt.timedelta(seconds=getattr(settings, "JOB_STALE_AFTER_SECONDS", STALE_AFTER.total_seconds()))
    claimed = Job.objects.filter(
        Q(status=JobStatus.PENDING) | Q(status=JobStatus.RUNNING, heartbeat_at__lt=stale), pk=job_id
    ).update(status=JobStatus.RUNNING, started_at=now, heartbeat_at=now, attempts=F("attempts") + 1)
    return Job.objects.get(pk=job_id) if claimed else None


def job_progress(
    *, job_id: int, total: int | None = None, done: int = 0, failed: int = 0, restart: bool = False
) -> None:
    """Record progress: set ``total`` when known; add ``done``/``failed`` items; refresh the heartbeat.
    ``restart``: the run starts counting again from zero (a resumed job that redoes its whole pass)."""
    changes: dict[str, Any] = {"heartbeat_at": timezone.now()}
    if total is not None:
        changes["total"] = total
    if restart:
        changes["done"] = changes["failed"] = 0
    if done:
        changes["done"] = done if restart else F("done") + done
    if failed:
        changes["failed"] = failed if restart else F("failed") + failed
    Job.objects.filter(pk=job_id).update(**changes)


@transaction.atomic
def job_finish(*, job_id: int, result: dict[str, Any] | None = None) -> None:
    """Mark the job succeeded with its result (totals for the report); audited as done by the system."""
    now = timezone.now()
    Job.objects.filter(pk=job_id).update(
        status=JobStatus.SUCCEEDED, result=result or {}, finished_at=now, heartbeat_at=now
    )
    job = Job.objects.select_related("county").get(pk=job_id)
    audit_record(actor=system_actor(), action="job.finish", target=job, region=job.county, after=result or {})


@transaction.atomic
def job_fail(*, job_id: int, error: str) -> None:
    """Mark the job failed with the reason people will read on its page; audited as done by the system."""
    now = timezone.now()
    Job.objects.filter(pk=job_id).update(status=JobStatus.FAILED, error=error[:4000], finished_at=now, heartbeat_at=now)
    job = Job.objects.select_related("county").get(pk=job_id)
    audit_record(actor=system_actor(), action="job.fail", target=job, region=job.county, note=error[:200])
