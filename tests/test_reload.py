"""A gunicorn reload (SIGHUP to the master) under load loses no request.

Starts gunicorn with deploy/gunicorn.conf.py (2 workers, production DEBUG=0) on a migrated temp
SQLite file, sends requests from a few threads, reloads in the middle, and expects every answer
to be a 200, served before and after the workers were replaced.
"""

import http.client
import importlib.util
import os
import signal
import subprocess
import sys
import threading
import time

import pytest

from tests.servers import (
    ROOT,
    free_port,
    migrated_scratch_database,
    no_control_socket,
    wait_until,
    worker_pids,
)

PATHS = ["/", "/healthz", "/robots.txt", "/archive/", "/feed/atom/", "/sitemap.xml"]
THREADS = 4
BEFORE, AFTER = 1.5, 3.0  # seconds of load before and after the SIGHUP

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        importlib.util.find_spec("gunicorn") is None, reason="gunicorn is not installed"
    ),
]


GUNICORN = [sys.executable, "-m", "gunicorn"]


def get(port, path, timeout=15):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        connection.request("GET", path, headers={"Host": "127.0.0.1"})
        response = connection.getresponse()
        response.read()
        return response.status
    finally:
        connection.close()


@pytest.fixture
def server(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "GUNICORN_"))}
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings_test",  # plain static storage: no collectstatic
        DJANGO_DEBUG="0",
        DJANGO_SECRET_KEY="reload-test-secret-key-" + "x" * 40,
        DJANGO_ALLOWED_HOSTS="127.0.0.1",
        DATABASE_URL=migrated_scratch_database(tmp_path / "db.sqlite3"),
        REDIS_URL="",
        DJANGO_LOG_LEVEL="WARNING",
        GUNICORN_WORKERS="2",
        GUNICORN_ACCESSLOG="",
        PYTHONPATH=str(ROOT),
    )
    port = free_port()
    env["GUNICORN_BIND"] = f"127.0.0.1:{port}"
    log = open(tmp_path / "gunicorn.log", "w+")  # noqa: SIM115 - closed below
    process = subprocess.Popen(
        [
            *GUNICORN,
            "config.wsgi:application",
            "-c",
            "deploy/gunicorn.conf.py",
            *no_control_socket(),
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        wait_until(
            lambda: get(port, "/healthz", timeout=2) == 200,
            20,
            "gunicorn did not come up",
        )
        wait_until(lambda: len(worker_pids(process.pid)) == 2, 10, "no 2 workers")
        yield process, port
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.seek(0)
        server_log = log.read()
        log.close()
        print(server_log[-3000:])


def test_sighup_reload_serves_every_request(server):
    process, port = server
    old_workers = worker_pids(process.pid)
    stop = threading.Event()
    results, failures = [], []
    lock = threading.Lock()

    def load(offset):
        n = offset
        while not stop.is_set():
            path = PATHS[n % len(PATHS)]
            n += 1
            started = time.monotonic()
            try:
                status = get(port, path)
            except OSError as error:
                status = repr(error)
            with lock:
                results.append((path, status, time.monotonic() - started))
                if status != 200:
                    failures.append((path, status))

    threads = [threading.Thread(target=load, args=(i,), daemon=True) for i in range(THREADS)]
    for thread in threads:
        thread.start()
    time.sleep(BEFORE)
    served_before = len(results)
    os.kill(process.pid, signal.SIGHUP)
    wait_until(
        lambda: (now := worker_pids(process.pid)) and not now & old_workers and len(now) == 2,
        10,
        "the workers were not replaced after SIGHUP",
    )
    replaced_at = len(results)
    time.sleep(AFTER)
    stop.set()
    for thread in threads:
        thread.join(timeout=20)

    assert failures == [], f"{len(failures)} failed of {len(results)}: {failures[:10]}"
    assert served_before >= 10, "too little load before the reload to prove anything"
    assert len(results) - replaced_at >= 10, "too little load after the reload"
    assert process.poll() is None, "the master died"
    slowest = max(duration for _, _, duration in results)
    print(f"{len(results)} requests, all 200; slowest {slowest:.2f} s (the reload)")
