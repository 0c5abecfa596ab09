"""HTTP caching headers for reader pages: who may keep a page, for how long, and validators."""

import hashlib
import time

from django.utils.http import http_date

from . import conf

PRIVATE = "private, no-store"


def is_personal(request):
    """A signed-in reader, or a request carrying a session, CSRF or messages cookie."""
    cookies = request.COOKIES
    if cookies and any(name in cookies for name in conf.personal_cookies()):
        return True
    user = getattr(request, "user", None)
    return bool(user is not None and user.is_authenticated)


def lifetimes(now, state, max_age=None):
    """(max-age, s-maxage, Django-tier expiry) for a page rendered `now` under `state`."""
    max_age = conf.get("PAGECACHE_MAX_AGE") if max_age is None else max_age
    shared = min(conf.get("PAGECACHE_SHARED_MAX_AGE"), max_age)
    expires = now + conf.get("PAGECACHE_TIMEOUT")
    if state is not None and state.due is not None:
        # Nobody may keep a page past the moment a scheduled piece appears, yet the headers must
        # not count down to it (that would tell anyone when it appears): while any piece is
        # scheduled, every page gets the same short lifetime. Django's own tiers, which nobody
        # outside sees, keep the page until that moment exactly.
        max_age = shared = min(shared, max_age)
        expires = min(expires, state.due)
    return max_age, shared, expires


def cache_control(max_age, shared):
    return (
        f"public, max-age={max_age}, s-maxage={shared}, "
        f"stale-while-revalidate={conf.get('PAGECACHE_STALE_WHILE_REVALIDATE')}, "
        f"stale-if-error={conf.get('PAGECACHE_STALE_IF_ERROR')}"
    )


def etag_for(content):
    """A weak validator: the same for the plain and the gzipped bytes of one page."""
    return f'W/"{hashlib.md5(content, usedforsecurity=False).hexdigest()}"'


def last_modified(state, now=None):
    """When content last changed (the generation's start), never later than now."""
    now = time.time() if now is None else now
    return http_date(min(now, state.changed) if state is not None else now)
