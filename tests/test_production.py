"""Issue 10: secure by default, and faults that never become a 500."""

import json
import logging
import os
import subprocess
import sys
from pathlib import Path
from unittest import mock

import pytest
from django.db import OperationalError
from django.test import override_settings

from tests.factories import ArticleFactory, UserFactory

ROOT = Path(__file__).resolve().parent.parent


def production_env(**extra):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_"))}
    env.pop("REDIS_URL", None)
    env.update(
        DJANGO_READ_DOT_ENV="0",
        DJANGO_SETTINGS_MODULE="config.settings",
        DJANGO_DEBUG="0",
        DJANGO_SECRET_KEY="k8#Vq2!xZp9@Lm4$Rt7^Wn1&Hy6*Jc3(Bd5)Fg0-Ks8+Pa2=Ue7_Qo4~Iv1",
        DJANGO_ALLOWED_HOSTS="byline.example",
        **extra,
    )
    return env


@pytest.mark.slow  # Django set up again in a subprocess
def test_check_deploy_reports_nothing_with_production_settings():
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=production_env(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


@pytest.mark.django_db
def test_security_headers_on_reader_pages(client):
    article = ArticleFactory()
    response = client.get(article.get_absolute_url())
    csp = response["Content-Security-Policy"]
    for directive in (
        "default-src 'self'",
        "script-src 'self'",
        "object-src 'none'",
        "frame-ancestors 'none'",
        "base-uri 'self'",
        "form-action 'self'",
    ):
        assert directive in csp, directive
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    assert "camera=()" in response["Permissions-Policy"]
    assert response["X-Frame-Options"] == "DENY"


@pytest.mark.django_db
def test_security_headers_on_the_admin_too(client):
    response = client.get("/admin/login/")
    assert "default-src 'self'" in response["Content-Security-Policy"]


@pytest.mark.django_db
@override_settings(
    SECURE_SSL_REDIRECT=True,
    SECURE_PROXY_SSL_HEADER=("HTTP_X_FORWARDED_PROTO", "https"),
    SECURE_HSTS_SECONDS=31536000,
    SESSION_COOKIE_SECURE=True,
    CSRF_COOKIE_SECURE=True,
)
def test_behind_a_tls_proxy_http_redirects_and_cookies_are_secure(client):
    UserFactory(username="reader")
    plain = client.get("/accounts/login/")
    assert plain.status_code == 301 and plain["Location"].startswith("https://")
    secure = client.get("/accounts/login/", headers={"x-forwarded-proto": "https"})
    assert secure.status_code == 200
    assert secure["Strict-Transport-Security"].startswith("max-age=31536000")
    login = client.post(
        "/accounts/login/",
        {"username": "reader", "password": "correct-horse-battery"},
        headers={"x-forwarded-proto": "https"},
    )
    session = login.cookies["sessionid"]
    assert session["secure"] and session["httponly"] and session["samesite"] == "Lax"


@pytest.mark.slow  # Django set up again in a subprocess
def test_production_settings_turn_https_on_by_default():
    code = (
        "from django.conf import settings as s; "
        "print(s.SECURE_SSL_REDIRECT, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, "
        "s.SECURE_HSTS_SECONDS, getattr(s, 'SECURE_PROXY_SSL_HEADER', None))"
    )
    run = subprocess.run(
        [sys.executable, "-c", "import django; django.setup(); " + code],
        cwd=ROOT,
        env=production_env(DJANGO_SECURE_PROXY="1", PYTHONPATH=str(ROOT)),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.stdout.split() == [
        "True",
        "True",
        "True",
        "31536000",
        "('HTTP_X_FORWARDED_PROTO',",
        "'https')",
    ], run.stderr


@pytest.mark.django_db
def test_database_outage_gives_the_sites_503_and_cached_pages_keep_serving(client):
    cached = ArticleFactory()
    uncached = ArticleFactory()
    first = client.get(cached.get_absolute_url())
    assert first.status_code == 200
    client.raise_request_exception = False
    broken = OperationalError("could not connect to server: Connection refused")
    with mock.patch("django.db.backends.base.base.BaseDatabaseWrapper.cursor", side_effect=broken):
        again = client.get(cached.get_absolute_url())
        down = client.get(uncached.get_absolute_url())
        health = client.get("/healthz")
    assert again.status_code == 200 and again.content == first.content
    assert down.status_code == 503
    assert down["Retry-After"] == "30"
    assert b"Back in a moment" in down.content and b"Traceback" not in down.content
    assert health.status_code == 503
    assert client.get(uncached.get_absolute_url()).status_code == 200  # back by itself


def test_redis_unreachable_degrades_to_no_cache_with_a_warning(caplog):
    from config.cache import ResilientRedisCache

    cache = ResilientRedisCache(
        "redis://127.0.0.1:1/0", {"OPTIONS": {"socket_connect_timeout": 0.2}}
    )
    ResilientRedisCache._last_warning = 0.0
    with caplog.at_level(logging.WARNING, "byline.cache"):
        assert cache.get("page", "fallback") == "fallback"
        assert cache.set("page", b"bytes") is None
        assert cache.add("lock", 1) is False
        assert cache.incr("counter") == 1
        assert cache.get_many(["a", "b"]) == {}
    assert "Redis unavailable" in caplog.text
    assert caplog.text.count("Redis unavailable") == 1  # one warning, not one per call


@pytest.mark.django_db
def test_mail_server_down_keeps_the_request_working(
    client, caplog, settings, django_capture_on_commit_callbacks
):
    from outbox.models import OutboundMail

    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 1, 2
    UserFactory(username="forgetful", email="forgetful@example.com")
    with (
        caplog.at_level(logging.WARNING, "byline.mail"),
        django_capture_on_commit_callbacks(execute=True),
    ):
        response = client.post("/accounts/password/reset/", {"email": "forgetful@example.com"})
    assert response.status_code == 302
    mail = OutboundMail.objects.get(to=["forgetful@example.com"])
    assert mail.state == "queued" and mail.attempts == 1, "kept for a retry"
    assert "ConnectionRefusedError" in mail.last_error
    assert "attempt 1 failed" in caplog.text


def settings_in_subprocess(code, **env):
    run = subprocess.run(
        [sys.executable, "-c", "import django; django.setup(); " + code],
        cwd=ROOT,
        env=production_env(PYTHONPATH=str(ROOT), **env),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.returncode == 0, run.stderr
    return run.stdout.strip()


@pytest.mark.slow  # Django set up again in a subprocess
def test_media_goes_to_an_s3_bucket_when_one_is_configured():
    local = settings_in_subprocess(
        "from django.core.files.storage import default_storage as d; print(d.__class__.__name__)"
    )
    assert local == "FileSystemStorage"
    out = settings_in_subprocess(
        "from django.core.files.storage import default_storage as d; "
        "print(d.__class__.__name__, d.bucket_name, d.endpoint_url)",
        AWS_STORAGE_BUCKET_NAME="byline-media",
        AWS_S3_ENDPOINT_URL="https://s3.example.test",
    )
    assert out == "S3Storage byline-media https://s3.example.test"


@pytest.mark.slow  # Django set up again in a subprocess
def test_sentry_reports_only_when_a_dsn_is_set():
    code = "import sentry_sdk; print(sentry_sdk.get_client().is_active())"
    assert settings_in_subprocess(code) == "False"
    assert settings_in_subprocess(code, SENTRY_DSN="https://key@sentry.example.test/1") == "True"


@pytest.mark.django_db
def test_one_json_log_line_per_request(client, caplog):
    from config.logging import JsonFormatter

    user = UserFactory(username="logged")
    client.force_login(user)
    with caplog.at_level(logging.INFO, "byline.requests"):
        client.get("/nowhere/")
    records = [r for r in caplog.records if r.name == "byline.requests"]
    assert len(records) == 1
    line = json.loads(JsonFormatter().format(records[0]))
    assert line["method"] == "GET" and line["path"] == "/nowhere/" and line["status"] == 404
    assert line["user_id"] == user.pk and line["duration_ms"] >= 0
