"""Shared fixtures, and the rules for tests that need PostgreSQL, Redis or Chromium.

Without ``DATABASE_URL``/``REDIS_URL`` (``make test`` on a laptop) those tests are skipped with a
reason. With ``CI_FORBID_SKIPS=1`` (``.ci/run``) any skipped test fails the run.
"""

from __future__ import annotations

import os
import shutil

import pytest
from django.conf import settings

from tests.factories import World, build_world


def _postgres() -> bool:
    return "postgresql" in settings.DATABASES["default"]["ENGINE"]


def _redis_reason() -> str | None:
    if not settings.REDIS_URL:
        return "需要 Redis：设置 REDIS_URL 后运行"
    try:
        import redis

        redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=2).ping()
    except Exception as error:  # any failure means "not available"
        return f"Redis 不可用：{error}"
    return None


def _browser_reason() -> str | None:
    if not shutil.which("chromium") and not os.path.exists("/usr/bin/chromium"):
        return "需要 Chromium（apt-get install chromium fonts-noto-cjk）"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "需要 Playwright（pip install playwright）"
    return None


def pytest_collection_modifyitems(config, items):
    redis_reason = None
    browser_reason = None
    for item in items:
        if "postgres" in item.keywords and not _postgres():
            item.add_marker(pytest.mark.skip(reason="需要 PostgreSQL：设置 DATABASE_URL=postgres://… 后运行"))
        if "redis" in item.keywords:
            redis_reason = redis_reason or _redis_reason() or ""
            if redis_reason:
                item.add_marker(pytest.mark.skip(reason=redis_reason))
        if "browser" in item.keywords:
            browser_reason = browser_reason if browser_reason is not None else (_browser_reason() or "")
            if browser_reason:
                item.add_marker(pytest.mark.skip(reason=browser_reason))


def pytest_sessionfinish(session, exitstatus):
    if os.environ.get("CI_FORBID_SKIPS") != "1":
        return
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    skipped = reporter.stats.get("skipped", []) if reporter else []
    if skipped:
        reporter.write_line(f"CI 不允许跳过测试：{len(skipped)} 个测试被跳过", red=True)
        for report in skipped:
            reporter.write_line(f"  跳过 {report.nodeid}: {report.longrepr}")
        session.exitstatus = 1


@pytest.fixture
def world(db) -> World:
    """Regions of two counties with staff of every role (built through the services)."""
    return build_world()


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """Hashing a password the production way takes ~0.3 s; tests create many accounts."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
