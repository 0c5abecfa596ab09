"""Shared by the benchmarks: a scratch PostgreSQL database with the demo piece and a realistic
number of generated pieces, prepared through manage.py in the benchmark's own environment."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def server_env(*, settings_module, database_url, redis_url, drop=("DJANGO_", "GUNICORN_"), **extra):
    """The environment of a benchmark's server and manage.py: production settings (DEBUG off)
    on loopback HTTP, its own database and Redis, mail to nowhere, quiet logs."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(drop)}
    env.update(
        DJANGO_SETTINGS_MODULE=settings_module,
        DJANGO_DEBUG="0",
        DJANGO_HTTPS="0",  # plain HTTP on loopback
        DJANGO_SECRET_KEY="bench-only-secret-key-" + "x" * 40,
        DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost",
        DATABASE_URL=database_url,
        REDIS_URL=redis_url,
        EMAIL_URL="dummymail://",
        DJANGO_LOG_LEVEL="WARNING",
        PYTHONPATH=str(ROOT),
    )
    env.update(extra)
    return env


def ensure_database(database_url):
    """Create the benchmark's database on its server when it does not exist yet."""
    import psycopg

    name = database_url.rsplit("/", 1)[1]
    server = database_url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(server, autocommit=True) as connection:
        if not connection.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", (name,)
        ).fetchone():
            connection.execute(f'CREATE DATABASE "{name}"')


def manage(env, *args, capture=False):
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=capture,
        text=True,
        check=True,
    )
    return result.stdout if capture else None


def prepare_site(database_url, env, pieces, log):
    """Migrate, collect static files, load the demo piece and top up to `pieces` pieces."""
    ensure_database(database_url)
    log("migrate, collectstatic, load_demo")
    manage(env, "migrate", "--noinput", "-v", "0")
    manage(env, "collectstatic", "--noinput", "-v", "0")
    manage(env, "load_demo")
    count = int(
        manage(
            env,
            "shell",
            "-c",
            "from blog.models import Article; print(Article.objects.count())",
            capture=True,
        ).split()[-1]
    )
    if count < pieces:
        log(f"generate_pieces {pieces - count} (lists need realistic data)")
        manage(env, "generate_pieces", str(pieces - count), "--seed", "1")
    # Fresh planner statistics, as autovacuum would leave them on a live site.
    manage(
        env,
        "shell",
        "-c",
        "from django.db import connection; connection.cursor().execute('ANALYZE')",
    )
