"""Celery and the Django cache against a real Redis, and the beat schedule.

The worker tests start a real ``celery -A assistance worker`` process on the *test* database, so they
need PostgreSQL (an in-memory SQLite test database cannot be shared with another process) and
Redis (``REDIS_URL``); without them the conftest skips them with a reason.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings
from django.db import connection

from audit.models import AuditEvent
from tests.factories import make_household

BASE_DIR = Path(settings.BASE_DIR)
WORKER_START_TIMEOUT = 90  # seconds: the worker imports Django and connects to Redis and the database


def _database_url_for_test_db() -> str:
    """Return a DATABASE_URL naming the test database this session created (``test_…``)."""
    db = connection.settings_dict
    user = quote(db.get("USER") or "", safe="")
    password = quote(db.get("PASSWORD") or "", safe="")
    credentials = f"{user}:{password}@" if password else (f"{user}@" if user else "")
    host = db.get("HOST") or "127.0.0.1"
    port = f":{db['PORT']}" if db.get("PORT") else ""
    return f"postgres://{credentials}{host}{port}/{quote(db['NAME'], safe='')}"


class Worker:
    """A ``celery worker`` subprocess in its own session, always stopped with :meth:`stop`."""

    def __init__(self, env: dict[str, str]):
        self.log = tempfile.NamedTemporaryFile(prefix="celery-worker-", suffix=".log", delete=False)  # noqa: SIM115
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "assistance",
                "worker",
                "--pool=solo",
                "--loglevel=INFO",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
                f"--hostname=pytest-{uuid.uuid4().hex[:8]}@%h",
            ],
            cwd=BASE_DIR,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def output(self) -> str:
        return Path(self.log.name).read_text(errors="replace")

    def alive(self) -> bool:
        return self.process.poll() is None

    def stop(self) -> None:
        """Stop the worker (warm shutdown, then kill) and remove its log."""
        if self.alive():
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=15)
        self.log.close()
        Path(self.log.name).unlink(missing_ok=True)


@pytest.fixture
def celery_worker_process():
    """A real worker bound to the test database and the Redis of ``REDIS_URL``; killed afterwards."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "assistance.settings",
        "DATABASE_URL": _database_url_for_test_db(),
        "REDIS_URL": settings.REDIS_URL,
        "PYTHONUNBUFFERED": "1",
    }
    worker = Worker(env)
    try:
        yield worker
    finally:
        worker.stop()


def _wait_for_result(async_result, worker: Worker, timeout: float):
    """Return the task's result, failing early (with the worker's log) if the worker dies."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if async_result.ready():
            return async_result.get(timeout=5)
        if not worker.alive():
            pytest.fail(f"Celery worker 意外退出（退出码 {worker.process.returncode}）：\n{worker.output()}")
        time.sleep(0.2)
    pytest.fail(f"{timeout} 秒内没有收到任务结果。worker 日志：\n{worker.output()}")


@pytest.mark.redis
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_verify_chain_task_runs_in_a_real_worker_and_returns_through_redis(world, celery_worker_process):
    """audit.verify_chain sent with .delay() runs in the worker process and its dict comes back via Redis."""
    # given: a registry write committed to the test database, so the chain has events to verify
    from audit.tasks import audit_verify_chain

    make_household(actor=world.caseworker_a1, village=world.village_a1)
    events = AuditEvent.objects.count()
    assert events > 0
    assert not settings.CELERY_TASK_ALWAYS_EAGER
    assert settings.CELERY_RESULT_BACKEND.startswith("redis://")

    # when
    async_result = audit_verify_chain.delay()

    # then
    result = _wait_for_result(async_result, celery_worker_process, WORKER_START_TIMEOUT)
    assert result == {"ok": True, "checked": events, "broken_at": None, "reason": ""}
    assert async_result.backend.__class__.__name__ == "RedisBackend"
    assert "audit.verify_chain" in celery_worker_process.output()


@pytest.mark.redis
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_verify_chain_task_reports_a_tampered_event(world, celery_worker_process):
    """A row altered behind the application's back is reported by the worker as the first break."""
    from audit.tasks import audit_verify_chain

    make_household(actor=world.caseworker_a1, village=world.village_a1)
    tampered = AuditEvent.objects.order_by("id").first()
    with connection.cursor() as cursor:
        # Behind the application's back: the ORM and a trigger refuse updates, a superuser can bypass both.
        cursor.execute("SET session_replication_role = replica")
        cursor.execute("UPDATE audit_auditevent SET note = %s WHERE id = %s", ["被篡改", tampered.pk])
        cursor.execute("SET session_replication_role = DEFAULT")

    result = _wait_for_result(audit_verify_chain.delay(), celery_worker_process, WORKER_START_TIMEOUT)

    assert result["ok"] is False
    assert result["broken_at"] == tampered.pk
    assert result["checked"] == 0


@pytest.mark.redis
def test_django_cache_uses_redis_when_redis_url_is_set():
    """With REDIS_URL the default cache is Redis: a value set through Django is visible in Redis itself."""
    import redis
    from django.core.cache import caches
    from django.core.cache.backends.redis import RedisCache

    cache = caches["default"]
    assert isinstance(cache, RedisCache)
    key = f"pytest-cache-{uuid.uuid4().hex}"
    cache.set(key, "低保", timeout=30)
    try:
        assert cache.get(key) == "低保"
        client = redis.Redis.from_url(settings.REDIS_URL)
        assert client.exists(cache.make_key(key)) == 1
    finally:
        cache.delete(key)


@pytest.mark.django_db(transaction=True)  # the scheduler closes the database connection
def test_beat_database_scheduler_installs_the_daily_chain_check():
    """Beat's DatabaseScheduler copies CELERY_BEAT_SCHEDULE into its tables: 02:30 Asia/Shanghai daily."""
    from django_celery_beat.models import PeriodicTask
    from django_celery_beat.schedulers import DatabaseScheduler

    from assistance.celery import app

    scheduler = DatabaseScheduler(app=app)

    assert "audit-verify-chain-daily" in scheduler.schedule
    task = PeriodicTask.objects.get(name="audit-verify-chain-daily")
    assert task.task == "audit.verify_chain"
    assert task.enabled
    assert (task.crontab.minute, task.crontab.hour, task.crontab.day_of_week) == ("30", "2", "*")
    assert str(task.crontab.timezone) == "Asia/Shanghai"
    assert PeriodicTask.objects.filter(task="assistance.clear_expired_sessions").exists()


def test_tasks_are_registered_with_explicit_names_and_late_acks():
    """Tasks carry stable names (beat refers to them by name) and acknowledge after running."""
    from assistance.celery import app
    from assistance.tasks import clear_expired_sessions
    from audit.tasks import audit_verify_chain

    app.loader.import_default_modules()
    for task in (audit_verify_chain, clear_expired_sessions):
        assert task.name in app.tasks
        assert task.acks_late is True


@pytest.mark.django_db
def test_verify_chain_task_runs_eagerly_without_redis(world, settings):
    """Without a broker (make run / make test) the task runs in-process and gives the same report."""
    from audit.tasks import audit_verify_chain

    make_household(actor=world.caseworker_a1, village=world.village_a1)

    result = audit_verify_chain.apply().get()

    assert result == {"ok": True, "checked": AuditEvent.objects.count(), "broken_at": None, "reason": ""}
