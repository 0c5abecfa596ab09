"""What an operator does to the page cache by hand, and the local tier's bookkeeping."""

import io
import time
from types import SimpleNamespace
from unittest import mock

import pytest
from django.core.management import call_command

from pagecache.generation import generation
from pagecache.store import Entry, GenerationStore, LocalLRU
from tests.factories import ArticleFactory

pytestmark = pytest.mark.django_db

HIT = "X-Page-Cache"


@pytest.fixture(autouse=True)
def _fresh_generation(fresh_page_cache_generation):
    pass


def entry(size, expires=1e12):
    return Entry({}, b"x" * size, None, 'W/"x"', "", "", 60, expires)


def test_pagecache_clear_makes_every_cached_page_fresh(client):
    url = ArticleFactory(title="Cached for now").get_absolute_url()
    client.get(url)
    assert client.get(url).get(HIT) == "hit"
    before = generation.current().gen
    out = io.StringIO()
    call_command("pagecache_clear", stdout=out)
    after = generation.current().gen
    assert after > before
    assert out.getvalue().strip() == f"Page cache: generation {after}."
    response = client.get(url)
    assert response.status_code == 200 and response.get(HIT) is None


def test_pagecache_clear_says_so_when_the_store_is_unreachable():
    out, err = io.StringIO(), io.StringIO()
    unreachable = mock.Mock(**{"bump.side_effect": ConnectionError("down")})
    with mock.patch.object(type(generation), "store", new=unreachable):
        call_command("pagecache_clear", stdout=out, stderr=err)
    assert err.getvalue().strip() == "The page cache's store is unreachable."
    assert out.getvalue() == ""


def test_replacing_and_deleting_local_entries_keeps_the_byte_count_right():
    big, small, other = entry(300), entry(100), entry(200)
    lru = LocalLRU(max_entries=10, max_bytes=big.size + other.size)
    lru.set("/a", big)
    lru.set("/b", other)
    lru.set("/a", small)  # a newer copy of the same page
    assert lru.bytes == small.size + other.size and list(lru.entries) == ["/b", "/a"]
    lru.delete("/b")
    lru.delete("/never-stored")
    assert lru.bytes == small.size and list(lru.entries) == ["/a"]
    # With the count right, the bound still admits what fits next to it, and no more.
    lru.set("/c", entry(300))
    assert set(lru.entries) == {"/a", "/c"}
    lru.set("/d", entry(300))
    assert "/d" in lru.entries and lru.bytes <= big.size + other.size


def test_an_expired_local_entry_is_dropped_not_served(settings):
    store = GenerationStore("test:{}:{}:{}", max_entries=10, max_bytes=10_000)
    state = SimpleNamespace(gen=7)
    now = time.time()
    store.set(state, "/page", entry(10, expires=now + 5), now)
    assert store.get(state, "/page", now) is not None
    assert store.get(state, "/page", now + 10) is None
    assert store.local.entries == {} and store.local.bytes == 0
