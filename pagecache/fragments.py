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
"""

import pickle

from django.utils import timezone
from django.utils.safestring import SafeString

from . import conf, headers, store
from .generation import generation


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
