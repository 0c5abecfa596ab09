"""Fixed-window counters in Django's cache (shared between processes when REDIS_URL is set)."""

import hashlib
import ipaddress
import logging

from django.core.cache import cache

logger = logging.getLogger(__name__)


def network(ip_address):
    """The network an address belongs to: its IPv4 /24 or IPv6 /64 (one household or host)."""
    try:
        address = ipaddress.ip_address(str(ip_address).strip())
    except ValueError:
        return str(ip_address or "")
    prefix = 24 if address.version == 4 else 64
    return str(ipaddress.ip_network(f"{address}/{prefix}", strict=False))


def hit(bucket, value, rate):
    """Count one more use of `bucket` by `value`; False when that goes over `rate`.

    `rate` is (count, seconds); a count of 0 means no limit. When the cache is down, allow.
    """
    limit, window = rate
    if not limit or not value:
        return True
    digest = hashlib.sha256(str(value).strip().lower().encode()).hexdigest()[:32]
    key = f"ratelimit:{bucket}:{digest}"
    try:
        cache.add(key, 0, window)
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, window)
        count = 1
    except Exception:
        logger.warning("Rate limit %s: the cache is unavailable", bucket, exc_info=True)
        return True
    return count <= limit


def client_ip(request):
    return request.META.get("REMOTE_ADDR") or ""
