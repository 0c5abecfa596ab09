"""Fragments: parts of pages, and the data pages are built from, kept under the generation.

A fragment is computed once per generation (and process, or shared through the shared cache)
and dropped by the same invalidation as whole pages: any content change that commits starts
a new generation, and nothing outlives the next scheduled publish time. Unlike whole pages,
fragments also serve signed-in readers, so a fragment must never hold anything per-user
(no names, CSRF tokens or messages) and its key must name everything it varies on (the host
for absolute addresses, for instance).

    article = fragments.remember(f"article:{author}:{slug}", lambda: lookup(author, slug))

    {% load pagecache %}
    {% fragment "responses" article.pk %}…{% endfragment %}

A request keeps fragments only under the generation it started in: if a newer one arrives
while it runs, what it built may predate the change, so the rest of the request computes
without reading or storing. Nothing is read or stored inside a transaction the code opened
(its data may yet be rolled back).
"""

import contextlib
import contextvars
import pickle

from django.db import DEFAULT_DB_ALIAS, connections
from django.utils import timezone
from django.utils.safestring import SafeString

from . import conf, headers, store
from .generation import generation

_OUTSIDE_A_REQUEST = object()
_pinned = contextvars.ContextVar("pagecache_fragments_state", default=_OUTSIDE_A_REQUEST)


@contextlib.contextmanager
def pinned(state):
    """Run a request under the generation `state` it started in (None: the store is away).

    FrontCacheMiddleware pins every request it passes on; outside one, each fragment reads
    the current generation.
    """
    token = _pinned.set(state)
    try:
        yield
    finally:
        _pinned.reset(token)


def _in_transaction():
    connection = connections[DEFAULT_DB_ALIAS]
    return connection.in_atomic_block and any(
        not block._from_testcase for block in connection.atomic_blocks
    )


def _size(value):
    if isinstance(value, str):
        return len(value) * 2 + 128
    return len(pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)) + 128


def remember(key, compute):
    """The value stored under `key` in this generation, or `compute()` (stored unless None)."""
    if not conf.get("PAGECACHE_FRAGMENTS_ENABLED"):
        return compute()
    now = timezone.now().timestamp()
    state = generation.current(now)
    if state is None:  # the generation store is unreachable: nothing is known to be fresh
        return compute()
    pinned = _pinned.get()
    if pinned is not _OUTSIDE_A_REQUEST and (pinned is None or pinned.gen != state.gen):
        return compute()  # content changed during this request: keep nothing it built
    if _in_transaction():
        return compute()
    fragments = store.fragments()
    entry = fragments.get(state, key, now)
    if entry is not None:
        return entry.value
    value = compute()
    if value is not None:
        _, _, expires = headers.lifetimes(now, state)
        fragments.set(state, key, store.Fragment(value, expires, _size(value)), now)
    return value


def render(key, render_html):
    """Rendered HTML stored under `key` in this generation (`render_html()` on a miss)."""
    return SafeString(remember(key, lambda: str(render_html())))


def render_in(context, key, render_html):
    """`render` for a template tag: a context with `no_fragments` (a writer's preview)
    neither reads nor fills fragments."""
    if context.get("no_fragments"):
        return SafeString(render_html())
    return render(key, render_html)
