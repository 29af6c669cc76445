"""Celery tasks of the site itself (housekeeping). Domain jobs live in their apps' ``tasks.py``."""

from __future__ import annotations

import logging
from importlib import import_module

from celery import shared_task
from django.conf import settings
from django.db import OperationalError

logger = logging.getLogger(__name__)


@shared_task(
    name="assistance.clear_expired_sessions",
    acks_late=True,
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    max_retries=3,
)
def clear_expired_sessions() -> dict:
    """Delete expired login sessions through the configured session engine (as ``manage.py clearsessions``).

    Sessions are not domain state, so no service or audit event is involved; idempotent.
    """
    engine = import_module(settings.SESSION_ENGINE)
    engine.SessionStore.clear_expired()
    logger.info("已清理过期登录会话（%s）", settings.SESSION_ENGINE)
    return {"engine": settings.SESSION_ENGINE}
