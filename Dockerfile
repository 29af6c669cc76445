# 社会救助经办管理系统 — 生产镜像（gunicorn / Celery worker / Celery beat 共用）。
# 依赖按 requirements.lock 安装；静态文件在构建时收集，由 whitenoise 提供；以非 root 用户运行。
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app

# Dependencies first, so a code change does not reinstall them.
COPY requirements.lock ./
RUN pip install -r requirements.lock

COPY . .

# collectstatic needs settings but no database; the build-time key is never used at run time.
RUN groupadd --system --gid 10001 app \
    && useradd --system --uid 10001 --gid app --home-dir /app --no-create-home app \
    && mkdir -p var/media \
    && SECRET_KEY=build-time-only-collectstatic-key DJANGO_SETTINGS_MODULE=assistance.settings.production \
       python manage.py collectstatic --noinput -v0 \
    && chown -R app:app var

ENV DJANGO_SETTINGS_MODULE=assistance.settings.production
USER app
EXPOSE 8000

CMD ["gunicorn", "assistance.wsgi", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-", "--no-control-socket"]
