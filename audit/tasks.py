"""Celery tasks of the audit app. Thin: each calls a service and reports what it found."""

from __future__ import annotations

import logging

from celery import shared_task
from django.db import OperationalError

from audit.services import audit_chain_verify

logger = logging.getLogger(__name__)


@shared_task(
    name="audit.verify_chain",
    acks_late=True,
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    max_retries=3,
)
def audit_verify_chain() -> dict:
    """Verify the whole audit hash chain and return ``{ok, checked, broken_at, reason}``.

    Read-only, so running it twice (a redelivered message) is harmless. Scheduled daily by beat
    (``CELERY_BEAT_SCHEDULE`` in settings); a broken chain is logged at ERROR for the operator's alerting.
    """
    report = audit_chain_verify()
    result = {"ok": report.ok, "checked": report.checked, "broken_at": report.broken_at, "reason": report.reason}
    if report.ok:
        logger.info("审计链完整：共校验 %d 条记录", report.checked)
    else:
        logger.error(
            "审计链断裂：第一处问题在记录 #%s（此前 %d 条完好）。原因：%s",
            report.broken_at,
            report.checked,
            report.reason,
        )
    return result
