"""The front cache: first in MIDDLEWARE, it answers anonymous readers from stored bytes."""

import gzip
import logging
import re

from django.core.exceptions import DisallowedHost
from django.http import HttpResponse
from django.utils import timezone
from django.utils.cache import get_conditional_response
from django.utils.http import parse_http_date_safe

from . import conf, headers
from .generation import generation
from .store import Entry, PageStore

logger = logging.getLogger(__name__)

GZIP_TYPES = re.compile(r"^(text/|application/(atom\+xml|rss\+xml|xml|json|javascript))")
ACCEPTS_GZIP = re.compile(r"\bgzip\b")
NOT_STORED = {"content-length", "content-encoding", "set-cookie"}

_pages = None


def pages():
    global _pages
    if _pages is None:
        _pages = PageStore()
    return _pages


def reset():
    """Forget the stores (settings changed)."""
    global _pages
    if _pages is not None and _pages._new_generation in generation.listeners:
        generation.listeners.remove(_pages._new_generation)
    _pages = None
    generation.reset()


class FrontCacheMiddleware:
    """Serve stored pages to anonymous GET/HEAD requests before the rest of the stack runs.

    A miss goes through the stack; a 200 page the view marked public (pagecache.cache_public),
    without Set-Cookie, is stored with its gzipped twin, and conditional requests get a 304.
    Requests with a session, CSRF or messages cookie neither read nor fill the cache.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if (
            request.method not in ("GET", "HEAD")
            or not conf.get("PAGECACHE_ENABLED")
            or (request.COOKIES and headers.is_personal(request))
        ):
            return self.finish(request, self.get_response(request))
        try:
            url = request.build_absolute_uri()
        except DisallowedHost:
            return self.get_response(request)  # Django answers 400 the usual way
        now = timezone.now().timestamp()
        state = generation.current(now)
        if state is None:
            return self.finish(request, self.get_response(request))
        entry = pages().get(state, url, now)
        if entry is not None:
            return self.serve(request, entry, now, hit=True)
        return self.finish(request, self.get_response(request), (state, url, now))

    def finish(self, request, response, store_as=None):
        marked = getattr(response, "pagecache", None)
        if marked is None:
            return response
        if response.cookies or response.has_header("Set-Cookie"):
            response["Cache-Control"] = headers.PRIVATE  # a cookie is per-user: keep nothing
            return response
        _, max_age, expires = marked
        entry = self.entry(
            response,
            max_age,
            expires,
            compress=store_as is not None
            or (ACCEPTS_GZIP.search(request.META.get("HTTP_ACCEPT_ENCODING", ""))),
        )
        if store_as is not None:
            state, url, now = store_as
            pages().set(state, url, entry, now)
        return self.serve(request, entry, timezone.now().timestamp())

    @staticmethod
    def entry(response, max_age, expires, compress=True):
        body = response.content
        gzipped = None
        content_type = response.get("Content-Type", "")
        if (
            compress
            and len(body) >= conf.get("PAGECACHE_GZIP_MIN_LENGTH")
            and GZIP_TYPES.match(content_type)
        ):
            gzipped = gzip.compress(body, compresslevel=6, mtime=0)
        return Entry(
            headers=tuple(
                (name, value) for name, value in response.items() if name.lower() not in NOT_STORED
            ),
            body=body,
            gzipped=gzipped,
            etag=response["ETag"],
            last_modified=response["Last-Modified"],
            cache_control=response["Cache-Control"],
            max_age=max_age,
            expires=expires,
        )

    @staticmethod
    def serve(request, entry, now, hit=False):
        use_gzip = entry.gzipped is not None and bool(
            ACCEPTS_GZIP.search(request.META.get("HTTP_ACCEPT_ENCODING", ""))
        )
        body = entry.gzipped if use_gzip else entry.body
        response = HttpResponse(body)
        for name, value in entry.headers:
            response.headers[name] = value
        if use_gzip:
            response.headers["Content-Encoding"] = "gzip"
        response.headers["Content-Length"] = str(len(body))
        left = max(0, int(entry.expires - now))
        if left < entry.max_age:
            shared = min(left, conf.get("PAGECACHE_SHARED_MAX_AGE"))
            response.headers["Cache-Control"] = headers.cache_control(left, shared)
        if hit:
            response.headers["X-Page-Cache"] = "hit"
        meta = request.META
        if "HTTP_IF_NONE_MATCH" in meta or "HTTP_IF_MODIFIED_SINCE" in meta:
            return get_conditional_response(
                request,
                etag=entry.etag,
                last_modified=parse_http_date_safe(entry.last_modified),
                response=response,
            )
        return response
