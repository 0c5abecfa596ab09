"""Where rendered pages and fragments live: a bounded per-process LRU in front of the shared
cache, both keyed by the current generation."""

import contextlib
import hashlib
import logging
import threading
from collections import OrderedDict
from dataclasses import dataclass

from django.core.cache import caches

from . import conf
from .generation import generation, is_process_local
from .release import release

logger = logging.getLogger(__name__)

# Entries by layout version, release (pagecache.release), generation and key digest.
PAGE_KEY = "pagecache:page:v3:{}:{}:{}"  # v3: the Entry layout; change it with the layout
FRAGMENT_KEY = "pagecache:fragment:v1:{}:{}:{}"  # v1: the Fragment layout


@dataclass(frozen=True, slots=True)
class Fragment:
    """A stored fragment (rendered HTML, or data a page is built from) and its expiry."""

    value: object
    expires: float  # epoch seconds
    size: int


@dataclass(frozen=True, slots=True)
class Entry:
    """A stored page: its headers, its body plain and gzipped, and when it stops being valid."""

    headers: dict  # {lowercase name: (name, value)}, without Content-Length, Content-Encoding
    body: bytes
    gzipped: bytes | None
    etag: str
    last_modified: str
    cache_control: str
    max_age: int  # the max-age in cache_control: lowered near `expires`
    expires: float  # epoch seconds

    @property
    def size(self):
        return len(self.body) + len(self.gzipped or b"") + 512


class LocalLRU:
    """At most `max_entries` pages and `max_bytes` bytes, least recently used out first."""

    def __init__(self, max_entries, max_bytes):
        self.max_entries = max_entries
        self.max_bytes = max_bytes
        self.entries = OrderedDict()
        self.bytes = 0
        self.lock = threading.Lock()

    def get(self, key):
        entry = self.entries.get(key)
        if entry is not None:
            with contextlib.suppress(KeyError):  # evicted by another thread meanwhile
                self.entries.move_to_end(key)
        return entry

    def set(self, key, entry):
        if entry.size > self.max_bytes:
            return
        with self.lock:
            old = self.entries.pop(key, None)
            if old is not None:
                self.bytes -= old.size
            self.entries[key] = entry
            self.bytes += entry.size
            while self.entries and (
                len(self.entries) > self.max_entries or self.bytes > self.max_bytes
            ):
                _, evicted = self.entries.popitem(last=False)
                self.bytes -= evicted.size

    def delete(self, key):
        with self.lock:
            old = self.entries.pop(key, None)
            if old is not None:
                self.bytes -= old.size

    def clear(self):
        with self.lock:
            self.entries = OrderedDict()
            self.bytes = 0


class GenerationStore:
    """Entries by key for the current generation; the local tier empties when it changes.

    Each entry has `expires` (epoch seconds) and `size` (bytes, for the local tier's bound).
    """

    def __init__(self, key_template, max_entries, max_bytes):
        self.key_template = key_template
        self.release = release()
        self.local = LocalLRU(max_entries, max_bytes)
        self.local_gen = None
        shared = caches[conf.get("PAGECACHE_CACHE_ALIAS")]
        # A per-process cache (locmem) would only be a second, pickled copy of the local tier,
        # crowding out what else it holds (rate-limit counters): the local tier is enough.
        self.shared = None if is_process_local(shared) else shared
        generation.listeners.append(self._new_generation)

    def _new_generation(self, state):
        if self.local_gen != state.gen:
            self.local.clear()
            self.local_gen = state.gen

    def shared_key(self, gen, key):
        digest = hashlib.md5(key.encode(), usedforsecurity=False).hexdigest()
        return self.key_template.format(self.release, gen, digest)

    def get(self, state, key, now):
        if self.local_gen != state.gen:
            self._new_generation(state)
        # Keyed by generation too: a thread that stores while another adopts a newer
        # generation can never leave an old entry under the new one.
        local_key = (state.gen, key)
        entry = self.local.get(local_key)
        if entry is not None:
            if entry.expires > now:
                return entry
            self.local.delete(local_key)
        if self.shared is None:
            return None
        try:
            entry = self.shared.get(self.shared_key(state.gen, key))
        except Exception:
            logger.warning("Page cache: the shared cache is unreachable", exc_info=True)
            return None
        if entry is None or entry.expires <= now:
            return None
        self.local.set(local_key, entry)
        return entry

    def set(self, state, key, entry, now):
        timeout = int(entry.expires - now)
        if timeout < 1:
            return
        if self.local_gen != state.gen:
            self._new_generation(state)
        self.local.set((state.gen, key), entry)
        if self.shared is None:
            return
        try:
            self.shared.set(self.shared_key(state.gen, key), entry, timeout=timeout)
        except Exception:
            logger.warning("Page cache: the shared cache is unreachable", exc_info=True)


_stores = {}


def _store(key_template, max_entries, max_bytes):
    store = _stores.get(key_template)
    if store is None:
        store = _stores[key_template] = GenerationStore(
            key_template, conf.get(max_entries), conf.get(max_bytes)
        )
    return store


def pages():
    """This process's store of whole pages."""
    return _store(PAGE_KEY, "PAGECACHE_LOCAL_MAX_ENTRIES", "PAGECACHE_LOCAL_MAX_BYTES")


def fragments():
    """This process's store of fragments (see pagecache.fragments)."""
    return _store(FRAGMENT_KEY, "PAGECACHE_FRAGMENT_MAX_ENTRIES", "PAGECACHE_FRAGMENT_MAX_BYTES")


def clear_local():
    """Empty this process's tiers (tests)."""
    for store in _stores.values():
        store.local.clear()


def reset():
    """Forget the stores (settings changed)."""
    for store in _stores.values():
        if store._new_generation in generation.listeners:
            generation.listeners.remove(store._new_generation)
    _stores.clear()
