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


def gunicorn_variables():
    source = (ROOT / "deploy" / "gunicorn.conf.py").read_text()
    return set(re.findall(r'os\.environ\.get\(\s*"([A-Z_]+)"', source))


def test_services_are_db_redis_web_and_nginx():
    assert {"db", "redis", "web", "nginx"} <= set(SERVICES)


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
    # A new release never serves pages or fragments rendered by the old templates.
    assert command.index("migrate") < command.index("pagecache_clear") < command.index("gunicorn")
    dockerfile_cmd = next(
        line for line in (ROOT / "Dockerfile").read_text().splitlines() if line.startswith("CMD")
    )
    assert dockerfile_cmd.index("pagecache_clear") < dockerfile_cmd.index("gunicorn")
    assert "deploy/gunicorn.conf.py" in command and (ROOT / "deploy/gunicorn.conf.py").exists()
    assert web["depends_on"]["db"]["condition"] == "service_healthy"
    assert "ports" not in web, "only nginx reaches gunicorn"
    assert "8000" in web["expose"]
    assert (ROOT / web["build"] / "Dockerfile").exists()


def test_web_environment_names_are_the_ones_settings_read():
    environment = SERVICES["web"]["environment"]
    read = settings_variables()
    unknown = set(environment) - read - gunicorn_variables()
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


def test_nginx_fronts_web_with_the_shipped_configuration():
    nginx = SERVICES["nginx"]
    assert re.fullmatch(r"nginx:1\.\d+\.\d+[\w.-]*", nginx["image"]), nginx["image"]
    assert "8000:80" in nginx["ports"]
    assert nginx["depends_on"]["web"]["condition"] == "service_healthy"
    mounts = {volume.split(":")[0]: volume.split(":")[1] for volume in nginx["volumes"]}
    # default.conf: replaces the image's own welcome server, which would answer for localhost
    assert mounts["./deploy/nginx.conf"] == "/etc/nginx/templates/default.conf.template"
    template = (ROOT / "deploy" / "nginx.conf").read_text()
    environment = nginx["environment"]
    for name in set(re.findall(r"\$\{(BYLINE_[A-Z_]+)\}", template)):
        assert name in environment, f"compose leaves {name} of deploy/nginx.conf unset"
    assert environment["BYLINE_UPSTREAM"] == "web:8000"
    assert environment["NGINX_ENVSUBST_FILTER"] == "^BYLINE_", "nginx's own $variables stay"


def test_nginx_serves_the_static_files_of_the_image_and_the_uploaded_media():
    nginx, web, static = SERVICES["nginx"], SERVICES["web"], SERVICES["static"]
    mounts = {volume.split(":")[1]: volume.split(":")[0] for volume in nginx["volumes"]}
    environment = nginx["environment"]
    assert mounts[environment["BYLINE_STATIC_ROOT"]] == "static"
    assert mounts[environment["BYLINE_MEDIA_ROOT"]] == "media"
    assert "media:" + web["environment"]["DJANGO_MEDIA_ROOT"] in web["volumes"]
    assert "/app/staticfiles" in " ".join(static["command"])
    assert nginx["depends_on"]["static"]["condition"] == "service_completed_successfully"
    assert web["environment"]["DJANGO_SERVE_MEDIA"] == "0"
    assert {"static", "media"} <= set(COMPOSE["volumes"])


def test_web_replicas_share_everything_and_tie_nothing_to_one_container():
    """`docker compose up --scale web=3`: every replica is interchangeable behind nginx."""
    web = SERVICES["web"]
    assert "container_name" not in web, "a fixed name allows only one replica"
    assert "ports" not in web, "a published host port allows only one replica; nginx fronts them"
    environment = web["environment"]
    assert environment["REDIS_URL"].startswith("redis://redis:"), "cache and rate limits shared"
    assert environment["DATABASE_URL"].startswith("postgres://"), "sessions live in PostgreSQL"
    assert environment["DJANGO_SECURE_PROXY"] == "1", "client addresses come from nginx"
    for volume in web.get("volumes", []):
        source = volume.split(":")[0]
        assert source in COMPOSE["volumes"], f"{volume}: a bind mount ties a replica to a host"
    assert "byline_app" in (ROOT / "deploy" / "nginx.conf").read_text()
    assert "exec gunicorn" in web["command"], "gunicorn gets the signals (graceful reload)"


def test_a_scalable_worker_runs_the_task_queue_with_the_web_settings():
    """`docker compose up --scale worker=3`: background workers share the queue in PostgreSQL."""
    worker, web = SERVICES["worker"], SERVICES["web"]
    assert worker["command"] == ["python", "manage.py", "db_worker"]
    assert worker["build"] == web["build"], "the same image as the web servers"
    assert worker["environment"] == web["environment"], "same database, mail server, secrets"
    assert worker["environment"]["DATABASE_URL"].startswith("postgres://")
    assert "ports" not in worker and "expose" not in worker, "a worker serves nothing"
    assert "container_name" not in worker, "a fixed name allows only one replica"
    assert worker["depends_on"]["web"]["condition"] == "service_healthy", "after the migrations"
    for volume in worker.get("volumes", []):
        assert volume.split(":")[0] in COMPOSE["volumes"], f"{volume} ties a replica to a host"
    procfile = (ROOT / "Procfile").read_text()
    assert "manage.py db_worker" in procfile and "manage.py runserver" in procfile
    assert "honcho start -f Procfile" in (ROOT / "Makefile").read_text()
