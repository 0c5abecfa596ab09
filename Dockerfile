FROM python:3.12-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /app

# PostgreSQL 16 client tools (pg_dump/pg_restore/psql for `scripts/backup.py`), matching the
# db service's major version, from the PostgreSQL project's apt repository.
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates curl gnupg \
    && install -d /usr/share/postgresql-common/pgdg \
    && curl -fsSL -o /usr/share/postgresql-common/pgdg/apt.postgresql.org.asc \
       https://www.postgresql.org/media/keys/ACCC4CF8.asc \
    && echo "deb [signed-by=/usr/share/postgresql-common/pgdg/apt.postgresql.org.asc] \
       https://apt.postgresql.org/pub/repos/apt bookworm-pgdg main" > /etc/apt/sources.list.d/pgdg.list \
    && apt-get update && apt-get install -y --no-install-recommends postgresql-client-16 \
    && apt-get purge -y gnupg && rm -rf /var/lib/apt/lists/*

# Dependencies first (a layer that only changes with the lock), then the code.
COPY pyproject.toml README.md ./
COPY requirements ./requirements
RUN pip install -c requirements/constraints.txt ".[s3]"

COPY . .
RUN DJANGO_SECRET_KEY=collectstatic-only DJANGO_DEBUG=0 python manage.py collectstatic --noinput \
    && useradd --system --uid 1000 byline && mkdir -p /app/media /app/backups && chown byline /app/media /app/backups

USER byline
EXPOSE 8000
# A new release renders pages and fragments from its own templates: start a new cache generation.
CMD ["sh", "-c", "python manage.py migrate --noinput && python manage.py pagecache_clear && exec gunicorn config.wsgi --config deploy/gunicorn.conf.py"]
