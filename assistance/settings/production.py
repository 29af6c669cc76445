"""Production settings: everything in the base settings plus the hardening ``check --deploy`` asks for.

Required environment: ``SECRET_KEY`` (at least 50 random characters), ``DATABASE_URL`` (PostgreSQL),
``REDIS_URL``, ``ALLOWED_HOSTS``. TLS is terminated by the reverse proxy, which must set
``X-Forwarded-Proto``.
"""

from . import *  # noqa: F403
from . import env

DEBUG = False
SECRET_KEY = env("SECRET_KEY")
if SECRET_KEY.startswith("dev-only"):
    raise RuntimeError("生产环境必须设置 SECRET_KEY 环境变量")

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_SECURE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = 8 * 3600
CSRF_COOKIE_SECURE = True
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
# Origins (scheme + host) of the public site when the proxy presents a different host, e.g. https://jz.example.gov.cn
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
