"""Settings for the test suite: the project's settings with fast, isolated services."""

import os

os.environ.setdefault("DJANGO_SECRET_KEY", "test-only-secret-key-not-for-production")  # noqa: S105
# The same settings on every machine, whatever a developer's .env says: production-like
# (DEBUG off), served over plain HTTP by the test client, media served by Django.
os.environ.setdefault("DJANGO_DEBUG", "0")
os.environ.setdefault("DJANGO_HTTPS", "0")
os.environ.setdefault("DJANGO_SERVE_MEDIA", "1")
os.environ.setdefault("DJANGO_LOG_FORMAT", "text")
# Tasks run at once in the test process; tests of the queue itself switch to the database
# backend (tests/utils.py), and the worker processes they start are told so by this variable.
os.environ.setdefault("BYLINE_TASKS_BACKEND", "immediate")

from config.settings import *  # noqa: E402, F403
from config.settings import BASE_DIR, env  # noqa: E402

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
if os.environ.get("BYLINE_TEST_EMAIL_URL"):  # a worker process started by a test: real SMTP
    vars().update(env.email_url_config(os.environ["BYLINE_TEST_EMAIL_URL"]))
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
MEDIA_ROOT = BASE_DIR / ".test-media"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
ALLOWED_HOSTS = ["testserver", "localhost", "127.0.0.1"]
