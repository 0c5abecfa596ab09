"""The page cache's settings, read once each (documented where they are set: config/settings.py)."""

from django.conf import settings
from django.contrib.messages.storage.cookie import CookieStorage

_values = {}


def get(name):
    """A setting, remembered (the hit path reads several per request)."""
    try:
        return _values[name]
    except KeyError:
        value = _values[name] = getattr(settings, name)
        return value


def forget():
    """Settings changed (tests): read them again."""
    _values.clear()


def personal_cookies():
    """Cookies that mark a request as personal: never served from, nor stored in, the cache."""
    return (
        settings.SESSION_COOKIE_NAME,
        settings.CSRF_COOKIE_NAME,
        CookieStorage.cookie_name,  # django.contrib.messages' cookie
    )
