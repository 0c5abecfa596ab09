import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def load_settings(**env):
    """Import config.settings in a fresh interpreter with only the given Django variables set."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_"))}
    clean.pop("REDIS_URL", None)
    clean.update(env)
    clean["DJANGO_READ_DOT_ENV"] = "0"  # a developer's .env must not change what is tested
    code = (
        "import json, django; from django.conf import settings as s; "
        "print(json.dumps({'debug': s.DEBUG, 'engine': s.DATABASES['default']['ENGINE'], "
        "'name': str(s.DATABASES['default']['NAME']), 'hosts': s.ALLOWED_HOSTS, "
        "'cache': s.CACHES['default']['BACKEND']}))"
    )
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT / "tests",
        env={**clean, "DJANGO_SETTINGS_MODULE": "config.settings", "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_production_refuses_to_start_without_a_secret_key():
    result = load_settings(DJANGO_DEBUG="0", DJANGO_SECRET_KEY="")
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY is not set" in result.stderr


def test_production_starts_with_a_secret_key_and_reads_the_environment():
    result = load_settings(
        DJANGO_DEBUG="0",
        DJANGO_SECRET_KEY="x" * 50,
        DJANGO_ALLOWED_HOSTS="byline.example,www.byline.example",
        DATABASE_URL="postgres://u:p@db.internal:5432/byline",
        REDIS_URL="redis://127.0.0.1:6379/1",
    )
    assert result.returncode == 0, result.stderr
    assert '"debug": false' in result.stdout
    assert '"engine": "django.db.backends.postgresql"' in result.stdout
    assert '"hosts": ["byline.example", "www.byline.example"]' in result.stdout
    assert "RedisCache" in result.stdout


def test_zero_configuration_defaults_to_a_sqlite_file_in_the_project():
    result = load_settings(DJANGO_DEBUG="1")
    assert result.returncode == 0, result.stderr
    assert '"engine": "django.db.backends.sqlite3"' in result.stdout
    assert str(ROOT / "db.sqlite3") in result.stdout
    assert "LocMemCache" in result.stdout


def settings_variables():
    source = (ROOT / "config" / "settings.py").read_text()
    return set(re.findall(r'env\.\w+\(\s*"([A-Z_]+)"', source))


def test_every_environment_variable_is_documented():
    names = settings_variables()
    assert {"DJANGO_DEBUG", "DJANGO_SECRET_KEY", "DJANGO_ALLOWED_HOSTS", "DATABASE_URL"} <= names
    example = (ROOT / ".env.example").read_text()
    readme = (ROOT / "README.md").read_text()
    for name in names:
        assert re.search(rf"^#? ?{name}=", example, re.M), f"{name} missing from .env.example"
        assert f"`{name}`" in readme, f"{name} missing from the README's table"


def make_dry_run(*args):
    """What `make` would run (make -n executes nothing), with a virtualenv that does not exist."""
    result = subprocess.run(
        ["make", "-n", "-C", str(ROOT), "VENV=/nonexistent/byline-venv", *args],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.splitlines()


def position(lines, command):
    """The index of the first line that runs `command`."""
    return next(i for i, line in enumerate(lines) if command in line)


needs_make = pytest.mark.skipif(shutil.which("make") is None, reason="needs make")


@needs_make
def test_make_run_installs_migrates_loads_the_demo_then_serves_with_a_worker():
    lines = make_dry_run("run")
    install = position(lines, "pip install")
    migrate = position(lines, "manage.py migrate --noinput")
    demo = position(lines, "manage.py load_demo")
    assert install < migrate < demo < position(lines, "honcho start -f Procfile -p 8000")
    assert position(make_dry_run("run", "PORT=8080"), "honcho start -f Procfile -p 8080")
    # What honcho then starts, as honcho itself reads the Procfile (the shell expands $PORT).
    from honcho.environ import expand_processes, parse_procfile

    procfile = parse_procfile((ROOT / "Procfile").read_text())
    started = {p.name: p for p in expand_processes(procfile.processes, port=8080)}
    assert started["web.1"].cmd == "python manage.py runserver 127.0.0.1:$PORT"
    assert started["web.1"].env["PORT"] == "8080"
    assert started["worker.1"].cmd == "python manage.py db_worker"


@needs_make
@pytest.mark.parametrize(
    ("target", "command"),
    [
        ("test", "-m pytest"),
        ("lint", "ruff check ."),
        ("lint", "ruff format --check ."),
        ("lint", "lint-imports"),
        ("lint", "makemigrations --check --dry-run"),
        ("superuser", "manage.py createsuperuser"),
    ],
)
def test_the_documented_make_targets_run_their_commands(target, command):
    lines = make_dry_run(target)
    assert position(lines, "/nonexistent/byline-venv/bin/pip install") < position(lines, command)
