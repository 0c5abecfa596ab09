"""The front cache: first in MIDDLEWARE, it answers anonymous readers from stored bytes."""

import gzip
import logging
import re

from django.core.exceptions import DisallowedHost
from django.http import HttpResponse
from django.utils import timezone
from django.utils.cache import get_conditional_response
from django.utils.http import parse_http_date_safe

from . import conf, encoding, fragments, headers, store
from .generation import generation
from .store import Entry, pages

logger = logging.getLogger(__name__)

GZIP_TYPES = re.compile(r"^(text/|application/(atom\+xml|rss\+xml|xml|json|javascript))")
NOT_STORED = {"content-length", "content-encoding", "set-cookie"}

_good_hosts = set()  # Host headers already checked against ALLOWED_HOSTS


def cache_url(request):
    """The page's address: scheme, validated host, path and query string."""
    meta = request.META
    host = meta.get("HTTP_HOST")
    if host is None or host not in _good_hosts:
        checked = request.get_host()  # raises DisallowedHost
        if host != checked:  # X-Forwarded-Host or no Host header: check every time
            host = checked
        elif len(_good_hosts) < 64:
            _good_hosts.add(host)
    query = meta.get("QUERY_STRING")
    return f"{request.scheme}://{host}{request.path}{'?' + query if query else ''}"


def reset():
    """Forget the stores (settings changed)."""
    store.reset()
    _good_hosts.clear()
    generation.reset()


class FrontCacheMiddleware:
    """Serve stored pages to anonymous GET/HEAD requests before the rest of the stack runs.

    A miss goes through the stack; a 200 page the view marked public (pagecache.cache_public),
    without Set-Cookie, is stored with its gzipped twin, and conditional requests get a 304.
    Requests with a session, CSRF or messages cookie neither read nor fill the cache. Every
    request the middleware passes on runs with the generation it started in pinned for its
    fragments (pagecache.fragments).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        now = timezone.now().timestamp()
        if (
            request.method not in ("GET", "HEAD")
            or not conf.get("PAGECACHE_ENABLED")
            or (request.COOKIES and headers.is_personal(request))
        ):
            with fragments.pinned(generation.current(now)):
                return self.finish(request, self.get_response(request))
        try:
            url = cache_url(request)
        except DisallowedHost:
            return self.get_response(request)  # Django answers 400 the usual way
        state = generation.current(now)
        if state is None:
            with fragments.pinned(None):
                return self.finish(request, self.get_response(request))
        entry = pages().get(state, url, now)
        if entry is not None:
            return self.serve(request, entry, now, hit=True)
        # The page and the fragments it is built from belong to the generation it started in.
        with fragments.pinned(state):
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
            or encoding.accepts(request.META.get("HTTP_ACCEPT_ENCODING"), "gzip"),
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
        # response.headers._store (lower-case name -> (name, value)) is private Django state,
        # read and written whole on the cache-hit path because the public API re-validates each
        # header (6 µs of a 55 µs hit); tests/test_django_internals.py pins its shape.
        return Entry(
            headers={
                lower: pair
                for lower, pair in response.headers._store.items()
                if lower not in NOT_STORED
            },
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
        use_gzip = entry.gzipped is not None and encoding.accepts(
            request.META.get("HTTP_ACCEPT_ENCODING"), "gzip"
        )
        body = entry.gzipped if use_gzip else entry.body
        response = HttpResponse(body)
        # The stored headers were validated when the page was rendered: copy them as they are.
        store = dict(entry.headers)
        if use_gzip:
            store["content-encoding"] = ("Content-Encoding", "gzip")
        store["content-length"] = ("Content-Length", str(len(body)))
        if hit:
            store["x-page-cache"] = ("X-Page-Cache", "hit")
        response.headers._store = store
        if entry.expires - now < entry.max_age:
            # Near the entry's end: a fixed short lifetime, never a countdown to that moment.
            short = min(entry.max_age, conf.get("PAGECACHE_SHARED_MAX_AGE"))
            response.headers["Cache-Control"] = headers.cache_control(short, short)
        meta = request.META
        if "HTTP_IF_NONE_MATCH" in meta or "HTTP_IF_MODIFIED_SINCE" in meta:
            return get_conditional_response(
                request,
                etag=entry.etag,
                last_modified=parse_http_date_safe(entry.last_modified),
                response=response,
            )
        return response
