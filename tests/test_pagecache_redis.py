"""Invalidation across processes sharing Redis (127.0.0.1:6379): reached within one second."""

import json
import os
import subprocess
import sys
import textwrap
import time
import uuid

import pytest
from django.db import connection

from tests.factories import ArticleFactory
from tests.servers import ROOT, redis_reachable

REDIS = os.environ.get("BYLINE_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
HIT = "X-Page-Cache"


pytestmark = [
    pytest.mark.slow,  # each test starts another Python process with Django set up
    pytest.mark.skipif(
        not redis_reachable(REDIS), reason=f"needs Redis at {REDIS} (set BYLINE_TEST_REDIS_URL)"
    ),
]


@pytest.fixture
def redis_caches(settings):
    """This process on Redis, under a prefix of its own: the LRU tier is in front of it."""
    caches = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS,
            "KEY_PREFIX": f"byline-test-{uuid.uuid4().hex[:12]}",
        }
    }
    settings.CACHES = caches
    yield caches
    from django.core.cache import caches as handlers

    handlers["default"].clear()


def other_process(code, caches, database_url=None):
    """Run `code` in a fresh Python process with Byline set up on the same Redis (and database)."""
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    if database_url:
        env["DATABASE_URL"] = database_url
    env.update(DJANGO_SETTINGS_MODULE="config.settings_test", PYTHONPATH=str(ROOT))
    script = textwrap.dedent(
        f"""
        import json, time, django
        django.setup()
        from django.test.utils import override_settings
        override_settings(CACHES={caches!r}).enable()
        """
    ) + textwrap.dedent(code)
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def first_fresh(client, url, since, fresh=lambda response: response.get(HIT) is None, limit=3.0):
    """Poll until the page is `fresh`; return (seconds after `since`, the page)."""
    while True:
        response = client.get(url)
        if fresh(response):
            return time.time() - since, response
        assert time.time() - since < limit, "the other process's change never arrived"
        time.sleep(0.02)


@pytest.mark.django_db
def test_a_new_generation_in_another_process_reaches_this_one_within_a_second(client, redis_caches):
    url = ArticleFactory().get_absolute_url()
    client.get(url)
    assert client.get(url).get(HIT) == "hit"
    other = other_process(
        """
        from django.core.cache import caches
        from pagecache.generation import CacheStore
        state = CacheStore(caches["default"]).bump(None)
        print(json.dumps({"gen": state.gen, "at": time.time()}))
        """,
        redis_caches,
    )
    elapsed, _ = first_fresh(client, url, other["at"])
    assert elapsed <= 1.2


@pytest.mark.django_db(transaction=True)
@pytest.mark.postgres
def test_an_edit_committed_by_another_process_shows_here_within_a_second(client, redis_caches):
    """Two processes, one PostgreSQL database, one Redis: the full path of a change."""
    article = ArticleFactory(title="Before the edit")
    url = article.get_absolute_url()
    client.get(url)
    assert client.get(url).get(HIT) == "hit"
    db = connection.settings_dict
    database_url = (
        f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST'] or '127.0.0.1'}:"
        f"{db['PORT'] or 5432}/{db['NAME']}"
    )
    other = other_process(
        f"""
        from django.db import transaction
        from django.test import Client
        from blog.models import Article
        reader = Client()
        shared_hit = reader.get({url!r}).get("X-Page-Cache") == "hit"
        with transaction.atomic():
            article = Article.objects.get(pk={article.pk})
            article.title = "After the edit"
            article.save()
        committed = time.time()
        page = reader.get({url!r}).content.decode()
        print(json.dumps({{"at": committed, "shared_hit": shared_hit, "own": "After" in page}}))
        """,
        redis_caches,
        database_url,
    )
    assert other["shared_hit"], "the other process did not find this one's page in Redis"
    assert other["own"], "the process that made the change served the old page"
    elapsed, response = first_fresh(
        client, url, other["at"], lambda response: b"After the edit" in response.content
    )
    assert elapsed <= 1.2


@pytest.mark.django_db
def test_fragments_kept_in_this_process_are_dropped_within_a_second_of_another_process_change(
    client, redis_caches, settings
):
    from django.test.utils import CaptureQueriesContext

    settings.PAGECACHE_ENABLED = False
    url = ArticleFactory().get_absolute_url()
    client.get(url)
    with CaptureQueriesContext(connection) as kept:
        client.get(url)
    assert len(kept) == 0, "the page is built from this process's fragments"
    other = other_process(
        """
        from django.core.cache import caches
        from pagecache.generation import CacheStore
        state = CacheStore(caches["default"]).bump(None)
        print(json.dumps({"at": time.time()}))
        """,
        redis_caches,
    )
    while True:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        if queries:
            break
        assert time.time() - other["at"] < 1.2, "the other process's change never arrived"
        time.sleep(0.02)


@pytest.mark.django_db
def test_servers_running_different_releases_never_serve_each_others_pages(
    client, redis_caches, settings
):
    url = ArticleFactory().get_absolute_url()
    settings.PAGECACHE_RELEASE = "release-one"
    client.get(url)
    assert client.get(url).get(HIT) == "hit"
    settings.PAGECACHE_RELEASE = "release-two"  # a fresh process of the new release
    assert client.get(url).get(HIT) is None
    settings.PAGECACHE_RELEASE = "release-one"  # an old server still running
    assert client.get(url).get(HIT) == "hit", "each release keeps its own entries in Redis"
