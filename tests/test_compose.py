"""No Docker engine runs on our machines: check the compose file against the settings instead."""

import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
SERVICES = COMPOSE["services"]


def settings_variables():
    source = (ROOT / "config" / "settings.py").read_text()
    return set(re.findall(r'env\.\w+\(\s*"([A-Z_]+)"', source))


def test_services_are_db_redis_and_web():
    assert {"db", "redis", "web"} <= set(SERVICES)


def test_database_is_a_pinned_postgres_16_with_a_volume_and_healthcheck():
    db = SERVICES["db"]
    assert re.fullmatch(r"postgres:16\.\d+[\w.-]*", db["image"]), db["image"]
    volume = db["volumes"][0].split(":")[0]
    assert volume in COMPOSE["volumes"], "the database keeps its data in a named volume"
    assert "pg_isready" in " ".join(db["healthcheck"]["test"])


def test_web_runs_gunicorn_after_migrations_once_the_database_is_healthy():
    web = SERVICES["web"]
    command = web["command"]
    assert command.index("migrate") < command.index("gunicorn")
    assert "deploy/gunicorn.conf.py" in command and (ROOT / "deploy/gunicorn.conf.py").exists()
    assert web["depends_on"]["db"]["condition"] == "service_healthy"
    assert "8000:8000" in web["ports"]
    assert (ROOT / web["build"] / "Dockerfile").exists()


def test_web_environment_names_are_the_ones_settings_read():
    environment = SERVICES["web"]["environment"]
    read = settings_variables()
    unknown = set(environment) - read
    assert not unknown, f"compose sets variables the settings never read: {unknown}"
    assert environment["DJANGO_DEBUG"] == "0"
    assert "DJANGO_SECRET_KEY" in environment
    assert environment["DATABASE_URL"].startswith("postgres://")
    assert "@db:5432/" in environment["DATABASE_URL"]
    assert environment["REDIS_URL"].startswith("redis://redis:6379")


def test_database_credentials_match_between_db_and_web():
    db_env = SERVICES["db"]["environment"]
    url = SERVICES["web"]["environment"]["DATABASE_URL"]
    assert f"//{db_env['POSTGRES_USER']}:" in url
    assert url.endswith("/" + db_env["POSTGRES_DB"])
