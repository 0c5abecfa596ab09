"""Opting views in and out of caching."""

from functools import wraps

from django.utils import timezone
from django.utils.cache import patch_vary_headers

from . import headers
from .generation import generation


def cache_public(view=None, *, max_age=None):
    """Let anonymous readers' copies of this view's 200 pages be cached and revalidated.

    Anonymous GET/HEAD answers get `Cache-Control: public, …`, a weak ETag and Last-Modified,
    and are marked for FrontCacheMiddleware to store; signed-in readers (and requests with a
    session, CSRF or messages cookie) get `private, no-store`. Use on reader pages and feeds
    only: never on a draft, a preview or a form.
    """

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            response = view(request, *args, **kwargs)
            return mark_public(request, response, max_age)

        return wrapped

    return decorator(view) if view is not None else decorator


def cache_private(view):
    """Never let anyone keep this view's answers (previews, personal pages)."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        response["Cache-Control"] = headers.PRIVATE
        return response

    return wrapped


def mark_public(request, response, max_age=None):
    if request.method not in ("GET", "HEAD") or response.status_code != 200:
        return response
    if response.streaming or headers.is_personal(request):
        response["Cache-Control"] = headers.PRIVATE
        return response
    if not getattr(response, "is_rendered", True):
        response.render()  # a TemplateResponse (class-based views): the bytes are the point
    now = timezone.now().timestamp()
    state = generation.current(now)
    browser, shared, expires = headers.lifetimes(now, state, max_age)
    response["Cache-Control"] = headers.cache_control(browser, shared)
    response["ETag"] = headers.etag_for(response.content)
    response["Last-Modified"] = headers.last_modified(state, now)
    patch_vary_headers(response, ("Accept-Encoding",))
    response.pagecache = (state, browser, expires)
    return response
