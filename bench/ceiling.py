"""The ceiling: a bare Django view returning captured pages, with no middleware at all.

Each page is sent with the headers it was served with (caching and security headers, captured
by `make bench` into headers.json), so the ceiling and the page send the same bytes; `/<name>-bare`
sends the body with only Content-Type and Content-Length, to show what the headers cost.

Its own settings module and URLconf (both this file), used only by `make bench`:
    DJANGO_SETTINGS_MODULE=bench.ceiling BENCH_PAGES_DIR=... \
        gunicorn 'django.core.wsgi:get_wsgi_application()' -c deploy/gunicorn.conf.py
"""

import json
import os
from pathlib import Path

os.environ.setdefault("DJANGO_SECRET_KEY", "bench-ceiling-only")  # noqa: S105 - bench only

SECRET_KEY = os.environ["DJANGO_SECRET_KEY"]
DEBUG = False
ALLOWED_HOSTS = ["*"]
ROOT_URLCONF = "bench.ceiling"
MIDDLEWARE = []
INSTALLED_APPS = []
USE_TZ = True
DATABASES = {}

PAGES_DIR = Path(os.environ.get("BENCH_PAGES_DIR", "."))
CONTENT_TYPES = {".html": "text/html; charset=utf-8", ".xml": "application/atom+xml; charset=utf-8"}


def _load():
    pages = {}
    for path in sorted(PAGES_DIR.glob("*.*")):
        if path.name != "headers.json":
            pages[path.stem] = (path.read_bytes(), CONTENT_TYPES.get(path.suffix, "text/html"))
    return pages


PAGES = _load()
HEADERS_FILE = PAGES_DIR / "headers.json"
HEADERS = json.loads(HEADERS_FILE.read_text()) if HEADERS_FILE.exists() else {}


def page(request, name):
    from django.http import Http404, HttpResponse

    bare = name.endswith("-bare")
    name = name.removesuffix("-bare")
    try:
        body, content_type = PAGES[name]
    except KeyError:
        raise Http404(name) from None
    response = HttpResponse(body, content_type=content_type)
    if not bare:
        for header, value in HEADERS.get(name, ()):
            response[header] = value
    response["Content-Length"] = str(len(body))  # as the app's CommonMiddleware does
    return response


def _urlpatterns():
    from django.urls import path

    return [path("<str:name>", page)]


urlpatterns = _urlpatterns()
