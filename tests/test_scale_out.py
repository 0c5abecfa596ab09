"""Issue 10, "Grows past one machine": two gunicorn servers, one PostgreSQL, one Redis.

Servers A and B stand for two machines behind a load balancer: each has its own processes
and memory, and they share only the database (the test database) and Redis (database 11,
BYLINE_TEST_SCALE_REDIS_URL). What one server does, the other must see: a sign-in (sessions in
the database), failed sign-ins (django-axes counts them in the database), and a content change
(the page cache's generation in Redis). Skips on SQLite and without Redis.

tests/test_pagecache_redis.py covers the same invalidation between plain Django processes;
here it goes through real servers, with their per-process page tier in front of Redis.
"""

import importlib.util
import os
import re
import time
from urllib.parse import urlencode

import pytest

from tests.factories import ArticleFactory, UserFactory
from tests.servers import Server, flush_redis, require_redis, shared_database_url

REDIS = os.environ.get("BYLINE_TEST_SCALE_REDIS_URL", "redis://127.0.0.1:6379/11")
pytestmark = [
    pytest.mark.slow,
    pytest.mark.postgres,  # servers in other processes share the test database only there
    pytest.mark.skipif(
        importlib.util.find_spec("gunicorn") is None, reason="gunicorn is not installed"
    ),
]
PASSWORD = "correct-horse-battery"  # tests/factories.py UserFactory
HIT = "X-Page-Cache"
# Settings the servers add to config.settings_test (the comments app reads them with getattr):
# at most 2 responses per address, and no per-reader pause between them.
RESPONSE_LIMITS = """
BYLINE_RESPONSES_IP_RATE = (2, 600)
BYLINE_RESPONSES_FLOOD_SECONDS = 0
"""
SETTLE = 1.3  # seconds: the generation check interval (1 s) and a margin


@pytest.fixture(scope="module")
def servers(tmp_path_factory, django_db_setup):
    """Servers A and B, 2 workers each, for the whole module (data comes and goes per test)."""
    require_redis(REDIS)
    flush_redis(REDIS)
    tmp = tmp_path_factory.mktemp("scale-out")
    pair = [
        Server(
            tmp,
            database_url=shared_database_url(),
            redis_url=REDIS,
            name=name,
            settings=RESPONSE_LIMITS,
        )
        for name in ("A", "B")
    ]
    try:
        for server in pair:
            server.start()
        yield pair
    finally:
        for server in pair:
            server.stop()
            print(f"--- server {server.name} log (tail) ---\n{server.log()[-2000:]}")
        flush_redis(REDIS)


class Browser:
    """One reader's cookies, sent to whichever server the request goes to."""

    def __init__(self):
        self.cookies = {}

    def request(self, server, method, path, form=None):
        headers = {}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if form is not None:
            body = urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        response = server.request(method, path, body=body, headers=headers)
        assert response.status < 500, f"{method} {path} on {server.name}: {response.status}"
        for name, value in response.cookies().items():
            if value:
                self.cookies[name] = value
            else:
                self.cookies.pop(name, None)  # deleted
        return response

    def get(self, server, path):
        return self.request(server, "GET", path)

    def post_form(self, server, form_page, action, fields):
        """Fetch `form_page` for its CSRF token, then POST `fields` to `action`."""
        page = self.get(server, form_page)
        match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
        assert match, f"no CSRF token on {form_page} ({server.name}): {page.status}"
        return self.request(
            server, "POST", action, {"csrfmiddlewaretoken": match.group(1), **fields}
        )

    def log_in(self, server, username, password):
        return self.post_form(
            server,
            "/accounts/login/",
            "/accounts/login/",
            {"username": username, "password": password},
        )


def signed_in(browser, server):
    """The password page answers 200 to a signed-in reader and redirects anyone else."""
    response = browser.get(server, "/accounts/password/")
    if response.status == 200:
        assert 'name="old_password"' in response.text
        return True
    assert response.status == 302, response.status
    assert response.headers["Location"].startswith("/accounts/login/")
    return False


@pytest.mark.django_db(transaction=True)
def test_a_sign_in_on_one_server_is_seen_by_the_other(servers):
    a, b = servers
    UserFactory(username="ann")
    browser = Browser()
    assert not signed_in(browser, b)

    response = browser.log_in(a, "ann", PASSWORD)
    assert response.status == 302, f"sign-in through A failed: {response.status}"
    assert "sessionid" in browser.cookies
    assert signed_in(browser, a)
    assert signed_in(browser, b), "server B does not know the session made on A"

    # And back: signing out through B ends the session on A too.
    response = browser.post_form(b, "/accounts/password/", "/accounts/logout/", {})
    assert response.status == 302, f"sign-out through B failed: {response.status}"
    assert not signed_in(browser, a), "server A still honours the session ended on B"
    assert not signed_in(browser, b)


@pytest.mark.django_db(transaction=True)
def test_failed_sign_ins_on_one_server_lock_the_account_on_the_other(servers):
    a, b = servers
    UserFactory(username="bea")
    guesser = Browser()
    statuses = [guesser.log_in(a, "bea", f"wrong-{n}").status for n in range(5)]
    assert statuses[:4] == [200] * 4, f"failed sign-ins through A: {statuses}"

    reader = Browser()  # the right password, from the same address, through the other server
    response = reader.log_in(b, "bea", PASSWORD)
    assert response.status == 429, (
        f"server B let the account in ({response.status}) after 5 failures through A"
    )
    assert "Too many failed sign-ins" in response.text
    assert "sessionid" not in reader.cookies
    assert not signed_in(reader, b)
    assert not signed_in(reader, a)


@pytest.mark.django_db(transaction=True)
def test_the_response_rate_limit_counted_on_one_server_holds_on_the_other(servers):
    """The per-address limit is counted in Redis: two responses through A use it up for B."""
    a, b = servers
    flush_redis(REDIS)  # a fresh count for 127.0.0.1
    UserFactory(username="cat")
    article = ArticleFactory(title="Much discussed")
    action = f"/responses/piece/{article.pk}/"
    browser = Browser()
    assert browser.log_in(a, "cat", PASSWORD).status == 302
    for n in range(2):
        response = browser.post_form(a, "/accounts/password/", action, {"body": f"Point {n}."})
        assert response.status == 302, f"response {n + 1} through A: {response.status}"

    response = browser.post_form(b, "/accounts/password/", action, {"body": "One more point."})
    assert response.status == 429, f"B took a 3rd response over the limit: {response.status}"
    assert "Too many responses from your network" in response.text
    assert article.responses.count() == 2


@pytest.mark.django_db(transaction=True)
def test_a_content_change_reaches_both_servers_cached_pages_within_a_second(servers, settings):
    a, b = servers
    # This process joins the site like a third machine: same database, same Redis cache.
    settings.CACHES = {
        "default": {
            "BACKEND": "config.cache.ResilientRedisCache",
            "LOCATION": REDIS,
            "KEY_PREFIX": "byline",
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
    }
    article = ArticleFactory(title="Before the edit")
    url = article.get_absolute_url()
    # Let every worker take up the generation the new piece started (each looks once a second:
    # PAGECACHE_GENERATION_CHECK_INTERVAL), so A and B store and find the page under one key.
    time.sleep(1.1)
    first = a.get(url)
    assert first.status == 200 and "Before the edit" in first.text
    from_b = b.get(url)
    assert from_b.headers.get(HIT) == "hit", "B did not find the page A stored in Redis"
    assert from_b.body == first.body
    for server in (a, b):  # both workers' local tiers too
        for _ in range(3):
            assert server.get(url).headers.get(HIT) == "hit"

    article.title = "After the edit"
    article.save()
    changed = time.monotonic()
    # Each worker of each server looks at the generation at most once a second: poll both
    # servers for a while and note when each answer was given, old page or new.
    answers = []
    while (elapsed := time.monotonic() - changed) < 1.8:
        for server in (a, b):
            response = server.get(url)
            assert response.status == 200
            answers.append((elapsed, server.name, "After the edit" in response.text))
        time.sleep(0.01)
    old = [(round(at, 2), name) for at, name, fresh in answers if not fresh]
    last_old = max((at for at, _ in old), default=0.0)
    assert last_old <= SETTLE, f"old page served {last_old:.2f} s after the change: {old[-5:]}"
    late = [(round(at, 2), name) for at, name, fresh in answers if at > SETTLE and not fresh]
    assert not late, f"old page after {SETTLE} s: {late}"
    assert {name for at, name, fresh in answers if fresh} == {"A", "B"}
