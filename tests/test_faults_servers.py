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
The server helpers here are shared with tests/test_scale_out.py.
"""

import contextlib
import http.client
import importlib.util
import os
import re
import signal
import socket
import subprocess
import sys
import textwrap
import threading
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.db import connection

from tests.factories import ArticleFactory

ROOT = Path(__file__).resolve().parent.parent
REDIS = os.environ.get("BYLINE_TEST_FAULTS_REDIS_URL", "redis://127.0.0.1:6379/12")
CLOSED_DATABASE = "postgres://postgres@127.0.0.1:1/byline"  # nothing listens on port 1
UNREACHABLE_REDIS = "redis://127.0.0.1:1/0"
QUICK = 2.5  # seconds: an outage answer never waits for a timeout (connect_timeout is 3 s)

pytestmark = pytest.mark.skipif(
    importlib.util.find_spec("gunicorn") is None, reason="gunicorn is not installed"
)


# --- Helpers (tests/test_scale_out.py uses them too) -------------------------------------


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def redis_reachable(url):
    try:
        import redis

        redis.Redis.from_url(url, socket_connect_timeout=0.3).ping()
    except Exception:
        return False
    return True


def flush_redis(url):
    import redis

    client = redis.Redis.from_url(url, socket_connect_timeout=0.5)
    try:
        client.flushdb()
    finally:
        client.close()


def require_postgres():
    if connection.vendor != "postgresql":
        pytest.skip(
            "needs PostgreSQL: servers in other processes share the test database only there "
            "(set DATABASE_URL=postgres://postgres@127.0.0.1:5432/byline)"
        )


def require_redis(url):
    if not redis_reachable(url):
        pytest.skip(f"needs Redis at {url} (start redis-server on 127.0.0.1:6379)")


def shared_database_url(port=None, application_name=None):
    """The pytest test database as a DATABASE_URL, optionally through another port."""
    db = connection.settings_dict
    url = (
        f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST'] or '127.0.0.1'}:"
        f"{port or db['PORT'] or 5432}/{db['NAME']}"
    )
    return f"{url}?application_name={application_name}" if application_name else url


def wait_until(predicate, timeout, message):
    deadline = time.monotonic() + timeout
    while True:
        try:
            if predicate():
                return
        except OSError:
            pass
        if time.monotonic() > deadline:
            raise AssertionError(message)
        time.sleep(0.05)


@dataclass
class Response:
    status: int
    headers: http.client.HTTPMessage
    body: bytes
    elapsed: float

    @property
    def text(self):
        return self.body.decode("utf-8", "replace")

    def cookies(self):
        """{name: value} of the Set-Cookie headers."""
        from http.cookies import SimpleCookie

        jar = SimpleCookie()
        for header in self.headers.get_all("Set-Cookie") or []:
            jar.load(header)
        return {name: morsel.value for name, morsel in jar.items()}


# The test settings, but with the cache the production settings build from REDIS_URL
# (config.settings_test always uses a per-process cache).
SETTINGS_WITH_REDIS = textwrap.dedent(
    """
    from config.settings_test import *  # noqa: F403
    from config.settings import CACHES  # noqa: F401 - ResilientRedisCache on REDIS_URL
    """
)


class Server:
    """gunicorn with deploy/gunicorn.conf.py on a free port, its log in a file."""

    def __init__(
        self, tmp_path, *, database_url, redis_url="", workers=2, name="server", settings=""
    ):
        self.tmp_path = Path(tmp_path)
        self.database_url = database_url
        self.redis_url = redis_url
        self.settings = settings  # extra lines for the settings module
        self.workers = workers
        self.name = name
        self.port = free_port()
        self.process = None
        self.log_path = self.tmp_path / f"{name}.log"

    def env(self):
        drop = ("DJANGO_", "GUNICORN_", "BYLINE_", "AXES_", "SENTRY_", "AWS_")
        env = {k: v for k, v in os.environ.items() if not k.startswith(drop)}
        pythonpath = [str(ROOT)]
        settings_module = "config.settings_test"
        if self.redis_url or self.settings:
            settings_module = f"byline_settings_{self.name.lower()}"
            module = self.tmp_path / f"{settings_module}.py"
            module.write_text(SETTINGS_WITH_REDIS + textwrap.dedent(self.settings))
            pythonpath.insert(0, str(self.tmp_path))
        env.update(
            DJANGO_SETTINGS_MODULE=settings_module,
            DJANGO_DEBUG="0",
            DJANGO_HTTPS="0",
            DJANGO_SECURE_PROXY="0",
            # Servers of one site share the key (sessions signed by one are read by another).
            DJANGO_SECRET_KEY="faults-test-secret-key-" + "x" * 40,
            DJANGO_ALLOWED_HOSTS="127.0.0.1",
            DJANGO_LOG_LEVEL="WARNING",
            DJANGO_LOG_FORMAT="text",
            DJANGO_CONN_MAX_AGE="60",
            DATABASE_URL=self.database_url,
            REDIS_URL=self.redis_url,
            EMAIL_URL="",
            AXES_FAILURE_LIMIT="5",
            GUNICORN_BIND=f"127.0.0.1:{self.port}",
            GUNICORN_WORKERS=str(self.workers),
            GUNICORN_ACCESSLOG="",
            GUNICORN_TIMEOUT="30",
            GUNICORN_GRACEFUL_TIMEOUT="5",
            PYTHONPATH=os.pathsep.join(pythonpath),
        )
        return env

    def start(self, ready_timeout=25):
        from gunicorn import config

        no_control_socket = (
            ["--no-control-socket"] if hasattr(config, "ControlSocketDisable") else []
        )
        self._log = open(self.log_path, "w+")  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "config.wsgi:application",
                "-c",
                "deploy/gunicorn.conf.py",
                *no_control_socket,
            ],
            cwd=ROOT,
            env=self.env(),
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + ready_timeout
        while True:
            if self.process.poll() is not None:
                raise AssertionError(f"{self.name} exited at start:\n{self.log()[-3000:]}")
            try:
                self.get("/healthz", timeout=3)  # any answer: the database may be down
                return self
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"{self.name} did not answer within {ready_timeout} s:\n{self.log()[-3000:]}"
                )
            time.sleep(0.1)

    def request(self, method, path, body=None, headers=None, timeout=10):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        # One site name whatever the port, as behind a load balancer (pages are cached by Host).
        headers = {"Host": "127.0.0.1", **(headers or {})}
        started = time.monotonic()
        try:
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            content = response.read()
            return Response(response.status, response.headers, content, time.monotonic() - started)
        finally:
            conn.close()

    def get(self, path, headers=None, timeout=10):
        return self.request("GET", path, headers=headers, timeout=timeout)

    def log(self):
        try:
            return self.log_path.read_text(errors="replace")
        except OSError:
            return ""

    def stop(self):
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        self._log.close()


class TcpProxy:
    """Forward 127.0.0.1:<port> to `upstream`; stop() refuses new connections, cuts open ones."""

    def __init__(self, upstream):
        self.upstream = upstream
        self.port = free_port()
        self.sockets = set()
        self.lock = threading.Lock()
        self.thread = None

    def start(self):
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(32)
        listener.settimeout(0.05)
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._accept, args=(listener,), daemon=True)
        self.thread.start()
        return self

    def _accept(self, listener):
        try:
            while not self.stopping.is_set():
                try:
                    client, _ = listener.accept()
                except TimeoutError:
                    continue
                try:
                    upstream = socket.create_connection(self.upstream, timeout=3)
                except OSError:
                    client.close()
                    continue
                client.settimeout(None)
                upstream.settimeout(None)
                with self.lock:
                    self.sockets.update((client, upstream))
                for src, dst in ((client, upstream), (upstream, client)):
                    threading.Thread(target=self._pump, args=(src, dst), daemon=True).start()
        finally:
            listener.close()

    def _pump(self, src, dst):
        try:
            while data := src.recv(65536):
                dst.sendall(data)
        except OSError:
            pass
        finally:
            for sock in (src, dst):
                self._cut(sock)

    def _cut(self, sock):
        with self.lock:
            self.sockets.discard(sock)
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)
        sock.close()

    def stop(self):
        if self.thread is None:
            return
        self.stopping.set()
        self.thread.join(timeout=5)
        self.thread = None
        with self.lock:
            open_sockets = list(self.sockets)
        for sock in open_sockets:
            self._cut(sock)


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


@pytest.fixture
def postgres_only():
    require_postgres()


@pytest.mark.django_db(transaction=True)
def test_terminated_database_connections_recover_without_a_restart(postgres_only, servers):
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
def test_cached_pages_are_served_while_the_database_is_unreachable(
    postgres_only, redis_db, proxy, servers
):
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
    path = tmp_path / "faults.sqlite3"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "BYLINE_"))}
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings_test",
        DATABASE_URL=f"sqlite:///{path}",
        REDIS_URL="",
        PYTHONPATH=str(ROOT),
    )
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"],
        cwd=ROOT,
        env=env,
        check=True,
        timeout=120,
    )
    return f"sqlite:///{path}"


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
