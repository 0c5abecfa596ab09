"""A Redis cache that degrades to "no cache" instead of failing requests when Redis is away."""

import logging
import time

from django.core.cache.backends.redis import RedisCache
from redis.exceptions import RedisError

logger = logging.getLogger("byline.cache")

_WARN_EVERY = 30.0  # seconds between two warnings, so an outage does not flood the log


class ResilientRedisCache(RedisCache):
    """Django's RedisCache; on a Redis error, log a warning and behave like an empty cache."""

    _last_warning = 0.0

    def _degraded(self, operation, error, default=None):
        now = time.monotonic()
        if now - ResilientRedisCache._last_warning > _WARN_EVERY:
            ResilientRedisCache._last_warning = now
            logger.warning("Redis unavailable (%s: %s); serving uncached", operation, error)
        return default

    def get(self, key, default=None, version=None):
        try:
            return super().get(key, default, version)
        except RedisError as error:
            return self._degraded("get", error, default)

    def get_many(self, keys, version=None):
        try:
            return super().get_many(keys, version)
        except RedisError as error:
            return self._degraded("get_many", error, {})

    def set(self, key, value, timeout=None, version=None):  # noqa: A003
        try:
            return super().set(key, value, timeout, version)
        except RedisError as error:
            return self._degraded("set", error)

    def set_many(self, data, timeout=None, version=None):
        try:
            return super().set_many(data, timeout, version)
        except RedisError as error:
            return self._degraded("set_many", error, list(data))

    def add(self, key, value, timeout=None, version=None):
        try:
            return super().add(key, value, timeout, version)
        except RedisError as error:
            return self._degraded("add", error, False)

    def touch(self, key, timeout=None, version=None):
        try:
            return super().touch(key, timeout, version)
        except RedisError as error:
            return self._degraded("touch", error, False)

    def delete(self, key, version=None):
        try:
            return super().delete(key, version)
        except RedisError as error:
            return self._degraded("delete", error, False)

    def delete_many(self, keys, version=None):
        try:
            return super().delete_many(keys, version)
        except RedisError as error:
            return self._degraded("delete_many", error)

    def has_key(self, key, version=None):
        try:
            return super().has_key(key, version)
        except RedisError as error:
            return self._degraded("has_key", error, False)

    def incr(self, key, delta=1, version=None):
        try:
            return super().incr(key, delta, version)
        except RedisError as error:
            # Counters (rate limits) start again from the delta: fail open, never 500.
            return self._degraded("incr", error, delta)

    def clear(self):
        try:
            return super().clear()
        except RedisError as error:
            return self._degraded("clear", error)
