"""Issue 10, "Keeps serving through faults": real gunicorn servers while a service fails.

Each test starts gunicorn (deploy/gunicorn.conf.py, production DEBUG=0, a free port on
127.0.0.1) and breaks something under it: a database that refuses connections, connections
killed by PostgreSQL, a database that goes away and comes back (through a TCP proxy this test
runs), a Redis that is not there. Readers must get the site's own 503 page with Retry-After,
cached pages, or uncached pages, and never a 500 or a traceback; the site recovers by itself.

While Redis is unreachable no page is served from a worker's local tier either: there is no
shared generation to tell it a page is stale (pagecache.generation.StoreUnavailable).

The PostgreSQL tests use the test database (DATABASE_URL=postgres://...) and skip on SQLite; the
Redis ones use Redis database 12 (BYLINE_TEST_FAULTS_REDIS_URL) and skip when it is unreachable.
The server helpers are in tests/servers.py.
"""

import importlib.util
import os
import re
import socket
import subprocess
import sys
import time
import uuid

import pytest
from django.db import connection

from tests.factories import ArticleFactory
from tests.servers import (
    ROOT,
    Server,
    TcpProxy,
    flush_redis,
    migrated_scratch_database,
    require_redis,
    shared_database_url,
    wait_until,
)

REDIS = os.environ.get("BYLINE_TEST_FAULTS_REDIS_URL", "redis://127.0.0.1:6379/12")
CLOSED_DATABASE = "postgres://postgres@127.0.0.1:1/byline"  # nothing listens on port 1
UNREACHABLE_REDIS = "redis://127.0.0.1:1/0"
QUICK = 2.5  # seconds: an outage answer never waits for a timeout (connect_timeout is 3 s)

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        importlib.util.find_spec("gunicorn") is None, reason="gunicorn is not installed"
    ),
]


def assert_outage_page(response, what):
    """The site's own 503 page: Retry-After, no traceback, no debug page."""
    assert response.status == 503, (
        f"{what}: {response.status}, expected 503:\n{response.text[:500]}"
    )
    assert response.headers.get("Retry-After", "").isdigit(), f"{what}: no Retry-After"
    assert "Back in a moment" in response.text, f"{what}: not the site's 503 page"
    for leak in ("Traceback", "OperationalError", "psycopg", "Server Error (500)"):
        assert leak not in response.text, f"{what}: the page shows {leak!r}"
    assert response.elapsed < QUICK, f"{what} took {response.elapsed:.1f} s"


def assert_healthz_down(server):
    response = server.get("/healthz")
    assert response.status == 503, f"/healthz answered {response.status} while the database is down"
    assert response.elapsed < QUICK, f"/healthz took {response.elapsed:.1f} s"


@pytest.fixture
def servers(tmp_path):
    """Start servers with start(**kwargs); every one is stopped, and its log printed, at the end."""
    started = []

    def start(**kwargs):
        name = kwargs.pop("name", f"server{len(started) + 1}")
        server = Server(tmp_path, name=name, **kwargs)
        started.append(server)
        return server.start()

    yield start
    for server in started:
        server.stop()
        print(f"--- {server.name} log (tail) ---\n{server.log()[-2000:]}")


# --- a. The database refuses connections ---------------------------------------------------


def test_database_refusing_connections_gives_the_sites_503_page_at_once(servers):
    server = servers(database_url=CLOSED_DATABASE, workers=1)
    for path in ("/", "/@someone/a-piece/", "/search/?q=x", "/archive/"):
        assert_outage_page(server.get(path), f"GET {path}")
    assert_healthz_down(server)
    assert server.process.poll() is None, "the server died"


# --- b. PostgreSQL kills every connection ----------------------------------------------------


@pytest.mark.django_db(transaction=True)
@pytest.mark.postgres
def test_terminated_database_connections_recover_without_a_restart(servers):
    article = ArticleFactory(title="Survives terminated connections")
    url = article.get_absolute_url()
    app = f"byline-faults-{uuid.uuid4().hex[:8]}"
    server = servers(database_url=shared_database_url(application_name=app))
    for n in range(4):  # give both workers a persistent connection
        assert server.get(f"{url}?warm={n}").status == 200
        assert server.get("/healthz").status == 200

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
            " AND application_name = %s",
            [app],
        )
        killed = [row[0] for row in cursor.fetchall()]
    assert killed and all(killed), "the server held no database connection to terminate"

    statuses = []
    paths = [
        "/healthz",
        f"{url}?after=1",
        "/search/?q=survives",
        f"/@{article.author.slug}/?after=1",
        "/healthz",
        f"{url}?after=2",
        "/archive/?after=1",
        "/healthz",
    ]
    for path in paths:
        response = server.get(path)
        statuses.append((path, response.status))
        assert response.status != 500, f"GET {path} answered 500 after the connections died"
        if response.status == 503 and path != "/healthz":
            assert_outage_page(response, f"GET {path}")
    print("statuses after the kill:", statuses, "killed:", killed)
    failures = [(path, status) for path, status in statuses if status != 200]
    assert len(failures) <= 1, f"more than one failed request after the kill: {statuses}"
    assert all(status == 200 for _, status in statuses[-6:]), f"no recovery: {statuses}"
    assert "Survives terminated connections" in server.get(f"{url}?after=3").text


# --- c. Cached pages while the database is away -----------------------------------------------


@pytest.fixture
def redis_db():
    require_redis(REDIS)
    flush_redis(REDIS)
    yield REDIS
    flush_redis(REDIS)


@pytest.fixture
def proxy():
    db = connection.settings_dict
    tcp = TcpProxy((db["HOST"] or "127.0.0.1", int(db["PORT"] or 5432)))
    yield tcp
    tcp.stop()


@pytest.mark.django_db(transaction=True)
@pytest.mark.postgres
def test_cached_pages_are_served_while_the_database_is_unreachable(redis_db, proxy, servers):
    article = ArticleFactory(title="Cached through the outage")
    url = article.get_absolute_url()
    # An author page exists only with a published piece: one by another writer.
    never_visited = ArticleFactory(title="Written elsewhere").author.get_absolute_url()
    proxy.start()
    server = servers(database_url=shared_database_url(port=proxy.port), redis_url=redis_db)

    assert server.get(url).status == 200
    warm = server.get(url)
    assert warm.status == 200 and warm.headers.get("X-Page-Cache") == "hit", "page not cached"
    assert server.get("/healthz").status == 200

    proxy.stop()
    for _ in range(4):  # both workers: the page lives in Redis, not only in one worker
        response = server.get(url)
        assert response.status == 200, f"cached page answered {response.status} during the outage"
        assert response.body == warm.body, "the cached page changed during the outage"
        assert response.elapsed < QUICK
    assert_outage_page(server.get("/search/?q=x"), "uncached search")
    assert_outage_page(server.get(never_visited), "never-visited author page")
    assert_healthz_down(server)

    proxy.start()
    wait_until(
        lambda: server.get("/healthz").status == 200,
        10,
        "/healthz did not recover after the database came back",
    )
    for path in ("/search/?q=cached", never_visited, "/healthz"):
        response = server.get(path)
        assert response.status == 200, f"GET {path}: {response.status} after recovery"
    assert server.get(url).body == warm.body
    assert server.process.poll() is None, "the server died"


# --- d. Redis is unreachable -----------------------------------------------------------------


@pytest.fixture
def migrated_sqlite(tmp_path):
    """A fresh SQLite database file with every migration applied (any machine)."""
    return migrated_scratch_database(tmp_path / "faults.sqlite3")


def test_unreachable_redis_serves_pages_with_a_warning(servers, migrated_sqlite):
    server = servers(database_url=migrated_sqlite, redis_url=UNREACHABLE_REDIS, workers=1)
    for path in ("/", "/", "/archive/", "/feed/atom/", "/accounts/login/", "/healthz"):
        response = server.get(path)
        assert response.status == 200, f"GET {path}: {response.status} with Redis down"
        assert response.elapsed < QUICK, f"GET {path} took {response.elapsed:.1f} s"
    wait_until(
        lambda: "Redis unavailable" in server.log(),
        5,
        f"no 'Redis unavailable' warning in the server log:\n{server.log()[-2000:]}",
    )
    assert re.search(r"WARNING byline\.cache: Redis unavailable", server.log())
    assert not re.search(r" (ERROR|CRITICAL) ", server.log()), "an error was logged with Redis down"
    assert server.process.poll() is None, "the server died"


def test_unreachable_redis_never_serves_a_page_older_than_a_change(servers, migrated_sqlite):
    """While Redis is away, a change made by another process shows at the next request."""
    server = servers(database_url=migrated_sqlite, redis_url=UNREACHABLE_REDIS, workers=1)
    assert server.get("/").status == 200
    assert server.get("/").status == 200  # a second visit, as readers do
    title = f"Published during the Redis outage {uuid.uuid4().hex[:6]}"
    script = (
        "import django; django.setup()\n"
        "from tests.factories import ArticleFactory\n"
        f"ArticleFactory(title={title!r})\n"
    )
    subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, env=server.env(), check=True, timeout=60
    )
    changed = time.monotonic()
    while title not in server.get("/").text:
        assert time.monotonic() - changed < 3, "the home page still hides the new piece after 3 s"
        time.sleep(0.1)


def test_proxy_forwards_and_cuts():
    """The test's own TCP proxy: it forwards, refuses once stopped, and starts again."""
    with socket.socket() as upstream_listener:
        upstream_listener.bind(("127.0.0.1", 0))
        upstream_listener.listen(1)
        tcp = TcpProxy(upstream_listener.getsockname()).start()
        try:
            client = socket.create_connection(("127.0.0.1", tcp.port), timeout=2)
            peer, _ = upstream_listener.accept()
            client.sendall(b"ping")
            assert peer.recv(4) == b"ping"
            tcp.stop()
            client.settimeout(2)
            assert client.recv(4) == b"", "the open connection was not cut"
            with pytest.raises(OSError):
                socket.create_connection(("127.0.0.1", tcp.port), timeout=1)
            client.close()
            peer.close()
            tcp.start()  # the same port again
            with socket.create_connection(("127.0.0.1", tcp.port), timeout=2) as again:
                peer, _ = upstream_listener.accept()
                again.sendall(b"pong")
                assert peer.recv(4) == b"pong"
                peer.close()
        finally:
            tcp.stop()
