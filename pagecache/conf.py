"""The page cache's settings, each read with a default (override any of them in settings)."""

from django.conf import settings

DEFAULTS = {
    # Serve and store pages in Django's tiers. Off: pages still carry the HTTP caching headers.
    "PAGECACHE_ENABLED": True,
    # The shared tier: a cache alias (Redis when REDIS_URL is set).
    "PAGECACHE_CACHE_ALIAS": "default",
    # Longest life of a page in Django's tiers (seconds); content changes end it sooner.
    "PAGECACHE_TIMEOUT": 600,
    # Cache-Control for anonymous readers: browsers (max-age), shared caches such as the nginx
    # front cache (s-maxage), and how long a stale page may be served while refreshing.
    "PAGECACHE_MAX_AGE": 60,
    "PAGECACHE_SHARED_MAX_AGE": 1,
    "PAGECACHE_STALE_WHILE_REVALIDATE": 60,
    "PAGECACHE_STALE_IF_ERROR": 86400,
    # The per-process tier in front of the shared one (bounded LRU).
    "PAGECACHE_LOCAL_MAX_ENTRIES": 300,
    "PAGECACHE_LOCAL_MAX_BYTES": 32 * 1024 * 1024,
    # Fragments (pagecache.fragments): parts of pages and the data they are built from, kept
    # under the same generation, for signed-in readers too. Independent of PAGECACHE_ENABLED.
    "PAGECACHE_FRAGMENTS_ENABLED": True,
    "PAGECACHE_FRAGMENT_MAX_ENTRIES": 2000,
    "PAGECACHE_FRAGMENT_MAX_BYTES": 32 * 1024 * 1024,
    # Which code renders pages (a commit hash, an image tag): stored entries are kept per
    # release. Empty: a digest of the project's templates and code (pagecache/release.py).
    "PAGECACHE_RELEASE": "",
    # Each process re-reads the shared generation at most this often (seconds).
    "PAGECACHE_GENERATION_CHECK_INTERVAL": 1.0,
    # Where processes on one machine share the generation when the cache is per-process.
    "PAGECACHE_GENERATION_FILE": "",
    # Models whose changes make pages stale ("app_label.modelname"), with the fields whose
    # change alone never shows on a page. The project names its own (config/settings.py).
    "PAGECACHE_WATCHED_MODELS": {},
    # Dotted path to a function(using=alias) returning when the next scheduled change becomes
    # visible (a datetime, or None): no cached page outlives it. Empty: nothing is scheduled.
    "PAGECACHE_NEXT_CHANGE": "",
    # Compress pages at least this long.
    "PAGECACHE_GZIP_MIN_LENGTH": 200,
}


_values = {}


def get(name):
    """A setting or its default, remembered (the hit path reads several per request)."""
    try:
        return _values[name]
    except KeyError:
        value = _values[name] = getattr(settings, name, DEFAULTS[name])
        return value


def forget():
    """Settings changed (tests): read them again."""
    _values.clear()


def personal_cookies():
    """Cookies that mark a request as personal: never served from, nor stored in, the cache."""
    return (
        settings.SESSION_COOKIE_NAME,
        settings.CSRF_COOKIE_NAME,
        getattr(settings, "MESSAGES_COOKIE_NAME", "messages"),
    )
