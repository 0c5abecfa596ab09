"""The generation: one number shared by every process, bumped after each content change.

Pages are stored under the generation they were rendered in, so a bump makes every stored page
unreachable at once, in every process and on every server sharing the cache. Beside the number
the state holds `changed` (when content last changed: the pages' Last-Modified) and `due` (the
next scheduled publish time: no page outlives it, and the first process to notice it has passed
bumps the generation).

Two stores: the shared cache (Redis) when it is shared, else a small file guarded by a lock, so
the worker processes of one machine agree even with a per-process cache.
"""

import fcntl
import hashlib
import json
import logging
import os
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from django.core.cache import caches
from django.core.cache.backends.dummy import DummyCache
from django.core.cache.backends.locmem import LocMemCache
from django.db import connections
from django.utils.module_loading import import_string

from . import conf

logger = logging.getLogger(__name__)

GEN_KEY = "pagecache:gen"
STATE_KEY = "pagecache:state:{}"
DUE_LOCK_KEY = "pagecache:due-lock:{}"
RECOVERY_KEY = "pagecache:recovered:{}"


class StoreUnavailable(Exception):
    """The shared cache answers but keeps nothing, so pages cannot be cached safely."""


@dataclass(frozen=True)
class State:
    gen: int
    changed: float
    due: float | None  # epoch seconds of the next scheduled publish time, None if nothing is

    def to_json(self):
        return {"gen": self.gen, "changed": self.changed, "due": self.due}


def next_due(using="default"):
    """When the next scheduled change becomes visible (epoch seconds), or None.

    Asked of the function PAGECACHE_NEXT_CHANGE names (a dotted path, called with `using`),
    so this layer knows no app's models.
    """
    path = conf.get("PAGECACHE_NEXT_CHANGE")
    if not path:
        return None
    when = import_string(path)(using=using)
    return when.timestamp() if when else None


def is_process_local(cache):
    return isinstance(cache, LocMemCache | DummyCache)


class CacheStore:
    """The state in a shared cache: an atomic counter, and a small record per generation."""

    def __init__(self, cache):
        self.cache = cache

    def read(self):
        gen = self.cache.get(GEN_KEY)
        if gen is None:
            # A fresh (or flushed) cache: start from the clock, far above any earlier count.
            self.cache.add(GEN_KEY, int(time.time() * 1000), timeout=None)
            gen = self.cache.get(GEN_KEY)
            if gen is None:
                # The cache keeps nothing (ResilientRedisCache while Redis is down): without a
                # shared generation no process may serve a stored page.
                raise StoreUnavailable("the shared cache holds no generation")
        state = self.cache.get(STATE_KEY.format(gen))
        if state is None:
            state = State(gen, time.time(), next_due()).to_json()
            self.cache.add(STATE_KEY.format(gen), state, timeout=None)
        return State(**state)

    def bump(self, due):
        try:
            gen = self.cache.incr(GEN_KEY)
        except ValueError:
            self.cache.add(GEN_KEY, int(time.time() * 1000), timeout=None)
            gen = self.cache.incr(GEN_KEY)
        if self.cache.get(GEN_KEY) is None:
            # A cache that degrades instead of failing (ResilientRedisCache while Redis is
            # away) answers incr with the delta: the new generation reached nobody.
            raise StoreUnavailable("the shared cache did not keep the new generation")
        state = State(gen, time.time(), due)
        self.cache.set(STATE_KEY.format(gen), state.to_json(), timeout=86400 * 30)
        return state

    def claim_recovery(self, known_gen):
        """After an outage: True for the one process that starts the generation after it."""
        return self.cache.add(RECOVERY_KEY.format(known_gen), 1, timeout=3600)

    def pass_due(self, state):
        """Start the generation after `state`, whose due time has passed, in one process only."""
        if self.cache.add(DUE_LOCK_KEY.format(state.gen), 1, timeout=30):
            return self.bump(next_due())
        return state


class FileStore:
    """The state in a file under an exclusive lock: for processes of one machine."""

    def __init__(self, path):
        self.path = Path(path)

    def _locked(self, update=None):
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.path, "a+", encoding="utf-8") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                handle.seek(0)
                try:
                    state = State(**json.loads(handle.read()))
                except (ValueError, TypeError):
                    state = None
                if state is None or update is not None:
                    new = update(state) if update else None
                    if new is None:
                        new = State(int(time.time() * 1000), time.time(), next_due())
                    if new == state:
                        return state
                    state = new
                    handle.seek(0)
                    handle.truncate()
                    handle.write(json.dumps(state.to_json()))
                    handle.flush()
                return state
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def claim_recovery(self, known_gen):
        return True  # a local file fails only with the machine: start a generation

    def read(self):
        return self._locked()

    def bump(self, due):
        def update(state):
            gen = state.gen + 1 if state else int(time.time() * 1000)
            return State(gen, time.time(), due)

        return self._locked(update)

    def pass_due(self, state):
        due = next_due()

        def update(stored):
            if stored is not None and stored.gen != state.gen:
                return stored  # another process got there first
            return State((stored or state).gen + 1, time.time(), due)

        return self._locked(update)


def default_file():
    """A file per project and database, so unrelated sites on one machine never meet."""
    settings_dict = connections["default"].settings_dict
    identity = f"{Path(__file__).resolve().parent.parent}|{settings_dict.get('NAME')}"
    digest = hashlib.sha256(identity.encode()).hexdigest()[:16]
    return Path(tempfile.gettempdir()) / f"byline-pagecache-{os.getuid()}-{digest}.json"


class Generation:
    """This process's view of the shared state, re-read at most once per check interval."""

    def __init__(self):
        self._lock = threading.Lock()
        self._state = None
        self._checked = 0.0
        self._store = None
        # The store was away (a read or a bump failed): a change may have gone unrecorded.
        self._missed = False
        self._known_gen = None  # the last generation this process saw
        self.listeners = []  # called with the new State when this process sees a new generation

    @property
    def store(self):
        if self._store is None:
            cache = caches[conf.get("PAGECACHE_CACHE_ALIAS")]
            if is_process_local(cache):
                self._store = FileStore(conf.get("PAGECACHE_GENERATION_FILE") or default_file())
            else:
                self._store = CacheStore(cache)
        return self._store

    def reset(self):
        """Forget the store and the state (settings changed)."""
        with self._lock:
            self._store = None
            self._state = None
            self._checked = 0.0
            self._missed = False

    def _adopt(self, state):
        old, self._state = self._state, state
        self._known_gen = state.gen
        if old is None or old.gen != state.gen:
            for listener in self.listeners:
                listener(state)
        return state

    def current(self, now=None):
        """The state to render and store pages under; None when the store is unreachable."""
        clock = time.monotonic()
        now = time.time() if now is None else now
        state = self._state
        interval = conf.get("PAGECACHE_GENERATION_CHECK_INTERVAL")
        if state is not None and state.due is not None and state.due <= now:
            interval = 0  # a scheduled piece is due: look now (one process starts the next)
        if clock - self._checked < interval:
            return state
        with self._lock:
            try:
                state = self.store.read()
                if self._missed:
                    # The store is back, and a change made meanwhile (here or in a process
                    # gone since) never started a generation: one process starts it now.
                    if self.store.claim_recovery(self._known_gen):
                        state = self.store.bump(next_due())
                    self._missed = False
                if state.due is not None and state.due <= now:
                    # A scheduled piece has just become visible: one process starts a new
                    # generation (with the next due time); the others pick it up.
                    state = self.store.pass_due(state)
            except StoreUnavailable as error:
                logger.warning("Page cache off: %s", error)
                self._state, self._checked, self._missed = None, clock, True
                return None
            except Exception:
                logger.warning("Page cache: the generation store is unreachable", exc_info=True)
                self._state, self._checked, self._missed = None, clock, True
                return None
            self._checked = clock
            return self._adopt(state)

    def bump(self, *, using="default", provisional=False, keep_due=False):
        """Start a new generation everywhere; this process sees it at once."""
        with self._lock:
            try:
                if keep_due:
                    due = self._state.due if self._state is not None else None
                else:
                    due = next_due(using)
                if provisional and self._state is not None and self._state.due is not None:
                    # Before the commit, never let uncommitted data push the due time later.
                    due = self._state.due if due is None else min(due, self._state.due)
                state = self.store.bump(due)
            except Exception:
                logger.warning("Page cache: could not start a new generation", exc_info=True)
                self._state, self._checked = None, time.monotonic()
                self._missed = True  # start one once the store answers again
                return None
            self._checked, self._missed = time.monotonic(), False
            return self._adopt(state)


generation = Generation()
