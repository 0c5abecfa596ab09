"""The anonymous-page cache: rendered bytes of reader pages, served before the middleware stack.

Views opt in with `pagecache.cache_public`; `pagecache.middleware.FrontCacheMiddleware` (first
in MIDDLEWARE) answers hits from a small per-process LRU in front of the shared cache, and
`pagecache.invalidation` makes every process forget every page after a content change commits.
See docs/performance.md.
"""

from .decorators import cache_private, cache_public

__all__ = ["cache_private", "cache_public"]
