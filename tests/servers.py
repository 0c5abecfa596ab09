"""Helpers shared by the tests that start real servers, and by bench/: a free port, waiting
until something holds, a migrated scratch database, gunicorn (deploy/gunicorn.conf.py) on a
free port, a TCP proxy that can cut connections, and the Redis checks.

Test modules import from here; nothing is imported from a conftest or from another test module.
"""

import contextlib
import http.client
import os
import signal
import socket
import subprocess
import sys
import textwrap
import threading
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


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


def require_redis(url):
    import pytest  # bench/ imports this module without the test tools installed

    if not redis_reachable(url):
        pytest.skip(f"needs Redis at {url} (start redis-server on 127.0.0.1:6379)")


def shared_database_url(port=None, application_name=None):
    """The pytest test database as a DATABASE_URL, optionally through another port."""
    from django.db import connection

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


def no_control_socket():
    """gunicorn 24+ opens a control socket at one path per user: not for a throwaway server."""
    from gunicorn import config

    return ["--no-control-socket"] if hasattr(config, "ControlSocketDisable") else []


def worker_pids(master):
    out = subprocess.run(
        ["ps", "-o", "pid=", "--ppid", str(master)], capture_output=True, text=True, check=False
    ).stdout
    return {int(pid) for pid in out.split()}


def migrated_scratch_database(path):
    """A fresh SQLite database file at `path` with every migration applied (any machine);
    returns its DATABASE_URL."""
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


# -- Background work: a real SMTP server on loopback, and db_worker processes ----------------


class SmtpSink:
    """An aiosmtpd server on 127.0.0.1 that counts the Message-IDs it accepts.

    `stop()` and `start()` again keep the port (a mail server going down and coming back).
    `hold_at(n)` makes the server stall in RCPT of the (n+1)th mail, before any of its data
    arrives, until `release()`: a test kills the sending worker while it waits there.
    Recipients starting with "bounce" are refused with 550, "busy" with 451.
    """

    def __init__(self, port=None):
        import threading

        self.port = port or free_port()
        self.message_ids = []
        self.messages = []
        self.connections = set()  # the client (address, port) of each mail: one per connection
        self.controller = None
        self._hold_at = None
        self.holding = threading.Event()
        self._release = threading.Event()

    # aiosmtpd handler hooks
    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        import asyncio

        if address.startswith("bounce"):
            return "550 5.1.1 No such user here"
        if address.startswith("busy"):
            return "451 4.3.0 Try again later"
        if self._hold_at is not None and len(self.message_ids) >= self._hold_at:
            self._hold_at = None
            self.holding.set()
            await asyncio.get_running_loop().run_in_executor(None, self._release.wait, 30)
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        import email

        message = email.message_from_bytes(envelope.content)
        self.connections.add(tuple(session.peer))
        self.messages.append(message)
        self.message_ids.append(message["Message-ID"])
        return "250 Message accepted for delivery"

    def hold_at(self, count):
        self._hold_at = count

    def release(self):
        self._release.set()

    def start(self):
        import logging

        from aiosmtpd.controller import Controller

        logging.getLogger("mail.log").setLevel(logging.WARNING)  # a line per SMTP command

        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)
        self.controller.start()
        return self

    def stop(self):
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    @property
    def url(self):
        return f"smtp://127.0.0.1:{self.port}"


def worker_env(*, database_url, email_url, **extra):
    """The environment of a `manage.py db_worker` process on the test database."""
    import os

    drop = ("DJANGO_", "BYLINE_", "EMAIL_", "SENTRY_")
    env = {k: v for k, v in os.environ.items() if not k.startswith(drop)}
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings_test",
        DJANGO_READ_DOT_ENV="0",
        DATABASE_URL=database_url,
        BYLINE_TASKS_BACKEND="database",
        BYLINE_TEST_EMAIL_URL=email_url,
        DJANGO_LOG_FORMAT="json",
        **{key: str(value) for key, value in extra.items()},
    )
    return env


def start_worker(env, log_path, *args):
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    command = [sys.executable, "manage.py", "db_worker", "--no-reload", "--no-startup-delay"]
    log = open(log_path, "ab")  # noqa: SIM115 - closed with the process by the caller's GC
    return subprocess.Popen(
        [*command, "--interval", "0.1", *args], cwd=root, env=env, stdout=log, stderr=log
    )
