"""The ceiling: a bare Django view returning captured page bytes, with no middleware at all.

Its own settings module and URLconf (both this file), used only by `make bench`:
    DJANGO_SETTINGS_MODULE=bench.ceiling BENCH_PAGES_DIR=... \
        gunicorn 'django.core.wsgi:get_wsgi_application()' -c deploy/gunicorn.conf.py
"""

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
        pages[path.stem] = (path.read_bytes(), CONTENT_TYPES.get(path.suffix, "text/html"))
    return pages


PAGES = _load()


def page(request, name):
    from django.http import Http404, HttpResponse

    try:
        body, content_type = PAGES[name]
    except KeyError:
        raise Http404(name) from None
    response = HttpResponse(body, content_type=content_type)
    response["Content-Length"] = str(len(body))  # as the app's CommonMiddleware does
    return response


def _urlpatterns():
    from django.urls import path

    return [path("<str:name>", page)]


urlpatterns = _urlpatterns()
