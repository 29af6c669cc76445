"""Settings for the social-assistance system, read from the environment (django-environ).

Environment variables:
- ``DATABASE_URL``: default is an embedded SQLite file under ``var/``; CI and production use PostgreSQL.
- ``REDIS_URL``: Celery broker and result backend; when unset, Celery runs tasks eagerly in-process.
- ``SECRET_KEY``, ``DEBUG``, ``ALLOWED_HOSTS``.

``assistance.settings.production`` tightens these for deployment (``manage.py check --deploy``).
"""

from pathlib import Path

import environ
from celery.schedules import crontab

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env(
    DEBUG=(bool, False),
    ALLOWED_HOSTS=(list, ["127.0.0.1", "localhost", "testserver"]),
    REDIS_URL=(str, ""),
    SECRET_KEY=(str, "dev-only-insecure-key-change-me-in-production"),
    TRUSTED_PROXY_COUNT=(int, 0),
)
environ.Env.read_env(BASE_DIR / ".env", overwrite=False) if (BASE_DIR / ".env").exists() else None

SECRET_KEY = env("SECRET_KEY")
DEBUG = env("DEBUG")
ALLOWED_HOSTS = env("ALLOWED_HOSTS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "guardian",
    "django_celery_beat",
    "assistance",
    "audit",
    "cases",
    "eligibility",
    "payments",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "assistance.request_context.RequestContextMiddleware",
    "assistance.errors.ApplicationErrorMiddleware",
]

ROOT_URLCONF = "assistance.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "assistance.context_processors.staff_context",
            ],
        },
    },
]

WSGI_APPLICATION = "assistance.wsgi.application"
ASGI_APPLICATION = "assistance.asgi.application"

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL and a busy timeout let the dev server and a Celery worker share the embedded database.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"timeout": 20, "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"}
    )
else:
    DATABASES["default"].setdefault("CONN_MAX_AGE", 60)
    DATABASES["default"].setdefault("CONN_HEALTH_CHECKS", True)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "assistance.Staff"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "guardian.backends.ObjectPermissionBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "dashboard"
LOGOUT_REDIRECT_URL = "login"
# django-guardian: no anonymous user row; anonymous visitors have no object permissions.
ANONYMOUS_USER_NAME = None
GUARDIAN_RAISE_403 = False

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文")]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True
LOCALE_PATHS = [BASE_DIR / "locale"]

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = VAR_DIR / "staticfiles"
# Uploaded files (the banks' result files, kept as received for the audit of every reconciliation). Not served
# publicly: they are read back only by the services that process them.
MEDIA_ROOT = env.path("MEDIA_ROOT", default=str(VAR_DIR / "media"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# Number of reverse proxies in front of the app whose X-Forwarded-For entries are trusted for the
# client IP recorded in audit events (0: use REMOTE_ADDR only).
TRUSTED_PROXY_COUNT = env("TRUSTED_PROXY_COUNT")

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "rest_framework.authentication.TokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "assistance.errors.api_exception_handler",
    "DATETIME_FORMAT": "iso-8601",
    "COERCE_DECIMAL_TO_STRING": True,
}

SPECTACULAR_SETTINGS = {
    "TITLE": "社会救助经办管理系统 API",
    "DESCRIPTION": (
        "家庭、成员及其收入、财产、刚性支出、法定义务人的登记与查询。所有读取按经办人员所属行政区划限定范围。"
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # The calculator's request schema also names an ``income_rise_cause`` enum (plain strings).
    "ENUM_NAME_OVERRIDES": {"ApplicationIncomeRiseCauseEnum": "cases.choices.IncomeRiseCause"},
}

# Celery: Redis when REDIS_URL is set, otherwise eager in-process execution (make run, make test).
REDIS_URL = env("REDIS_URL")
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    CELERY_RESULT_BACKEND = REDIS_URL
    CELERY_TASK_ALWAYS_EAGER = False
else:
    CELERY_BROKER_URL = "memory://"
    CELERY_RESULT_BACKEND = "cache+memory://"
    CELERY_TASK_ALWAYS_EAGER = True
    CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TIMEZONE = TIME_ZONE
CELERY_ENABLE_UTC = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
DJANGO_CELERY_BEAT_TZ_AWARE = True
# Periodic jobs. Times are Asia/Shanghai (CELERY_TIMEZONE); beat's DatabaseScheduler copies these entries
# into django_celery_beat's tables at start-up, where an administrator can also pause them.
CELERY_BEAT_SCHEDULE = {
    "audit-verify-chain-daily": {
        "task": "audit.verify_chain",
        "schedule": crontab(hour=2, minute=30),
    },
    "clear-expired-sessions-daily": {
        "task": "assistance.clear_expired_sessions",
        "schedule": crontab(hour=3, minute=15),
    },
    # Due re-checks, graduated exits and overdue flags of the day (cases.tasks.daily_run; idempotent per day).
    "cases-daily-run": {
        "task": "cases.daily_run",
        "schedule": crontab(hour=1, minute=30),
    },
    # The month's payment rolls of every county whose roll day has come (payments.tasks; once per county and month).
    "payments-generate-due-rolls": {
        "task": "payments.generate_due_rolls",
        "schedule": crontab(hour=2, minute=0),
    },
    # The year's town reserve funds, from 1 January (payments.tasks.allocate_reserve_funds; once per town and year).
    "payments-allocate-reserve-funds": {
        "task": "payments.allocate_reserve_funds",
        "schedule": crontab(hour=2, minute=15),
    },
}

CACHES = (
    {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
    if REDIS_URL
    else {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
}

# The staff account that automated jobs (seeding, Celery tasks) act as: never "nobody".
SYSTEM_ACTOR_USERNAME = "system"
