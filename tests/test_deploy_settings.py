"""The production settings pass Django's deployment checklist without a single warning."""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

from django.conf import settings

BASE_DIR = Path(settings.BASE_DIR)


def _run_manage(*args: str, **env_overrides: str) -> subprocess.CompletedProcess:
    # Only what a production host would have: no development overrides, and not the async-safety switch
    # the browser tests set (check --deploy rightly warns about it).
    dropped = {"SECRET_KEY", "DEBUG", "SECURE_SSL_REDIRECT", "SECURE_HSTS_SECONDS", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    env = {key: value for key, value in os.environ.items() if key not in dropped}
    env.update(env_overrides)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=BASE_DIR,
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_passes_with_no_warnings():
    """``check --deploy --fail-level WARNING`` under production settings exits 0 and reports nothing."""
    result = _run_manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DJANGO_SETTINGS_MODULE="assistance.settings.production",
        SECRET_KEY=secrets.token_urlsafe(64),
    )

    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "System check identified no issues" in output
    assert "WARNINGS" not in output
    assert "security." not in output


def test_production_settings_refuse_the_development_secret_key():
    """Production settings will not start with the built-in development key."""
    result = _run_manage(
        "check",
        DJANGO_SETTINGS_MODULE="assistance.settings.production",
    )

    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_production_settings_values():
    """The values the reverse-proxy deployment relies on (whitenoise serves hashed, compressed static files)."""
    script = (
        "import json; from django.conf import settings; print(json.dumps({"
        "'debug': settings.DEBUG, 'session_secure': settings.SESSION_COOKIE_SECURE,"
        "'csrf_secure': settings.CSRF_COOKIE_SECURE, 'ssl_redirect': settings.SECURE_SSL_REDIRECT,"
        "'proxy_header': settings.SECURE_PROXY_SSL_HEADER, 'static': settings.STORAGES['staticfiles']['BACKEND']}))"
    )
    result = _run_manage(
        "shell",
        "-c",
        script,
        DJANGO_SETTINGS_MODULE="assistance.settings.production",
        SECRET_KEY=secrets.token_urlsafe(64),
    )

    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.strip().splitlines()[-1]) == {
        "debug": False,
        "session_secure": True,
        "csrf_secure": True,
        "ssl_redirect": True,
        "proxy_header": ["HTTP_X_FORWARDED_PROTO", "https"],
        "static": "whitenoise.storage.CompressedManifestStaticFilesStorage",
    }
