"""Soak: mixed load on gunicorn + PostgreSQL with a reload in the middle; nothing may be lost.

    .venv/bin/python -m bench.soak                    # 60 s, writes docs/reliability.md
    .venv/bin/python -m bench.soak --seconds 300 --no-doc

Production settings (DJANGO_DEBUG=0, bench/soak_settings.py: the per-network response limit
lifted, a 3 s flood interval per reader), gunicorn with deploy/gunicorn.conf.py, PostgreSQL
(SOAK_DATABASE_URL, default the scratch database byline_soak, created if missing) and Redis
(SOAK_REDIS_URL; empty for per-process caches). Anonymous readers fetch home, article, author,
tag and archive pages; signed-in readers (logged in through the login form) open a piece and
post a response carrying a unique token, waiting out the flood interval between two. Half-way,
the gunicorn master gets SIGHUP (a graceful reload). Afterwards every acknowledged response
(302 to its piece) must be in the database exactly once, and no request may have got a 5xx or
failed to connect. Traffic goes to 127.0.0.1 only; the run stops by itself.
"""

import argparse
import collections
import datetime
import http.client
import http.cookies
import json
import os
import random
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path
from urllib.parse import urlencode

from bench.site import manage as run_manage
from bench.site import prepare_site, server_env

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
DOC = ROOT / "docs" / "reliability.md"
DATABASE_URL = os.environ.get("SOAK_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/byline_soak")
REDIS_URL = os.environ.get("SOAK_REDIS_URL", "redis://127.0.0.1:6379/13")
READER_PASSWORD = "soak-reader-passphrase-42"  # noqa: S105 - a scratch database's readers
PIECES = 300  # pieces in the scratch database (lists need realistic data)
RESPONDED_PIECES = 8  # pieces the readers respond on
TOKEN = re.compile(r"soak-[0-9a-f]{8}-r\d+-n\d+")
CSRF_FIELD = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
DOC_START, DOC_END = "<!-- soak:results -->", "<!-- /soak:results -->"


def log(message):
    print(f"[soak] {message}", flush=True)


def base_env(**extra):
    return server_env(
        settings_module="bench.soak_settings",
        database_url=DATABASE_URL,
        redis_url=REDIS_URL,
        **extra,
    )


def manage(*args, capture=False):
    return run_manage(base_env(), *args, capture=capture)


# --- Data ---------------------------------------------------------------------------------


def prepare(readers):
    prepare_site(DATABASE_URL, base_env(), PIECES, log)
    log(f"{readers} reader accounts, each with one earlier approved response")
    result = subprocess.run(
        [PYTHON, "-m", "bench.soak", "_setup", "--readers", str(readers)],
        cwd=ROOT,
        env=base_env(),
        capture_output=True,
        text=True,
        check=True,
    )
    data = json.loads(result.stdout.strip().splitlines()[-1])
    manage("pagecache_clear")
    return data


def setup_readers(readers):
    """(Inside Django.) Reader accounts and the URLs the soak reads; printed as JSON."""
    import django

    django.setup()
    from django.contrib.auth.hashers import make_password
    from django.db.models import Count
    from django.test.utils import override_settings

    from accounts.models import User
    from blog.models import Article, Tag
    from comments import services
    from comments.models import Comment

    pieces = list(
        Article.objects.published().select_related("author").order_by("-published_at")[:40]
    )
    responded = pieces[:RESPONDED_PIECES]
    moderator, _ = User.objects.get_or_create(
        username="soak-moderator", defaults={"is_staff": True, "is_superuser": True}
    )
    # Earlier runs' responses go, so that every run starts from the same pages.
    earlier = Comment.objects.filter(body__startswith="soak-", article__in=responded)
    if earlier.exists():
        earlier.delete()
        for piece in responded:
            services.refresh_response_count(piece.pk)
    password = make_password(READER_PASSWORD)  # hashed once, shared: setup stays fast
    names = []
    with override_settings(BYLINE_RESPONSES_FLOOD_SECONDS=0, BYLINE_RESPONSES_IP_RATE=(0, 600)):
        for n in range(readers):
            user, _ = User.objects.get_or_create(
                username=f"soak-reader-{n}",
                defaults={"first_name": f"Reader {n}", "last_name": "Soak"},
            )
            user.password, user.is_active = password, True
            user.save(update_fields=["password", "is_active"])
            names.append(user.username)
            if not Comment.objects.filter(author=user, approved_at__isnull=False).exists():
                comment = services.comment_create(
                    article=responded[n % len(responded)],
                    author=user,
                    body=f"An earlier response by soak reader {n}.",
                )
                if comment.status != Comment.Status.APPROVED:
                    services.comment_approve(comment=comment, actor=moderator)
    authors = {piece.author.get_absolute_url() for piece in pieces}
    tags = [
        tag.get_absolute_url()
        for tag in Tag.objects.annotate(n=Count("articles")).order_by("-n")[:5]
    ]
    print(
        json.dumps(
            {
                "readers": names,
                "responded": [
                    {"id": piece.pk, "url": piece.get_absolute_url()} for piece in responded
                ],
                "articles": [piece.get_absolute_url() for piece in pieces],
                "authors": sorted(authors),
                "tags": tags,
            }
        )
    )


# --- Server -------------------------------------------------------------------------------


class Gunicorn:
    def __init__(self, port, workers, logfile):
        self.port, self.workers, self.logfile = port, workers, logfile

    def __enter__(self):
        env = base_env(
            GUNICORN_BIND=f"127.0.0.1:{self.port}",
            GUNICORN_WORKERS=str(self.workers),
            GUNICORN_ACCESSLOG="",
        )
        args = [PYTHON, "-m", "gunicorn", "config.wsgi:application"]
        args += ["-c", "deploy/gunicorn.conf.py"]
        from gunicorn import config

        if hasattr(config, "ControlSocketDisable"):  # one control socket path per user
            args.append("--no-control-socket")
        self.log = open(self.logfile, "w")  # noqa: SIM115 - closed in __exit__
        self.process = subprocess.Popen(
            args, cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if request(self.port, "GET", "/healthz", timeout=2)[0] == 200:
                    break
            except OSError:
                time.sleep(0.2)
        else:
            raise RuntimeError(f"gunicorn did not start; see {self.logfile}")
        while len(self.worker_pids()) < self.workers:
            time.sleep(0.1)
        return self

    def worker_pids(self):
        out = subprocess.run(
            ["ps", "-o", "pid=", "--ppid", str(self.process.pid)],
            capture_output=True,
            text=True,
            check=False,
        ).stdout
        return {int(pid) for pid in out.split()}

    def reload(self):
        self.process.send_signal(signal.SIGHUP)

    def __exit__(self, *exc):
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=40)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.log.close()


# --- Clients ------------------------------------------------------------------------------


def request(port, method, path, *, body=None, headers=None, timeout=30):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        content = response.read()
        return response.status, response.headers, content
    finally:
        connection.close()


class Recorder:
    """Every request's kind, status and latency; thread-safe."""

    def __init__(self):
        self.lock = threading.Lock()
        self.rows = []  # (kind, status or error name, seconds, monotonic time)
        self.acked = {}  # token -> Location
        self.unacked = set()  # tokens sent without an acknowledgement

    def add(self, kind, status, seconds):
        with self.lock:
            self.rows.append((kind, status, seconds, time.monotonic()))


class Reader:
    """A signed-in reader with its own cookies."""

    def __init__(self, port, username, recorder):
        self.port, self.username, self.recorder = port, username, recorder
        self.cookies = {}

    def call(self, kind, method, path, form=None):
        headers = {"Host": "127.0.0.1"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if form is not None:
            body = urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        started = time.monotonic()
        try:
            status, response_headers, content = request(
                self.port, method, path, body=body, headers=headers
            )
        except OSError as error:
            self.recorder.add(kind, type(error).__name__, time.monotonic() - started)
            raise
        self.recorder.add(kind, status, time.monotonic() - started)
        for header in response_headers.get_all("Set-Cookie") or []:
            cookie = http.cookies.SimpleCookie(header)
            for name, morsel in cookie.items():
                self.cookies[name] = morsel.value
        return status, response_headers, content.decode("utf-8", "replace")

    def log_in(self):
        status, _, page = self.call("login page", "GET", "/accounts/login/")
        token = CSRF_FIELD.search(page).group(1)
        status, headers, _ = self.call(
            "login",
            "POST",
            "/accounts/login/",
            {"username": self.username, "password": READER_PASSWORD, "csrfmiddlewaretoken": token},
        )
        if status != 302 or "sessionid" not in self.cookies:
            raise RuntimeError(f"{self.username} could not log in (HTTP {status})")

    def respond(self, piece, token, parent=None):
        status, _, page = self.call("signed-in article", "GET", piece["url"])
        if status != 200:
            return
        form = {
            "csrfmiddlewaretoken": CSRF_FIELD.search(page).group(1),
            "body": f"{token}: a response written during the soak, with a second clause.",
            "website": "",
        }
        if parent:
            form["parent"] = str(parent)
        with self.recorder.lock:
            self.recorder.unacked.add(token)
        status, headers, _ = self.call(
            "post response", "POST", f"/responses/piece/{piece['id']}/", form
        )
        location = headers.get("Location", "")
        if status == 302 and location.startswith(piece["url"]):
            with self.recorder.lock:
                self.recorder.unacked.discard(token)
                self.recorder.acked[token] = location
            match = re.search(r"#response-(\d+)$", location)
            return int(match.group(1)) if match else None
        return None


def run_load(port, data, seconds, anonymous_threads, flood_seconds, run_id, on_half):
    recorder = Recorder()
    stop = threading.Event()
    anonymous_paths = (
        [("home", "/")] * 3
        + [("article", url) for url in data["articles"][:20]]
        + [("article", piece["url"]) for piece in data["responded"]] * 2
        + [("author", url) for url in data["authors"][:10]]
        + [("tag", url) for url in data["tags"]]
        + [("archive", "/archive/")]
    )

    readers = [Reader(port, name, recorder) for name in data["readers"]]
    log(f"{len(readers)} readers log in through the login form")
    login_threads = [threading.Thread(target=reader.log_in) for reader in readers]
    for thread in login_threads:
        thread.start()
    for thread in login_threads:
        thread.join()

    def anonymous(n):
        local = random.Random(f"{run_id}-{n}")
        while not stop.is_set():
            kind, path = local.choice(anonymous_paths)
            try:
                start = time.monotonic()
                status, _, _ = request(port, "GET", path, headers={"Host": "127.0.0.1"})
                recorder.add(f"anonymous {kind}", status, time.monotonic() - start)
            except OSError as error:
                recorder.add(f"anonymous {kind}", type(error).__name__, 0)

    def signed_in(n, reader):
        local = random.Random(f"{run_id}-reader-{n}")
        stop.wait(local.uniform(0, flood_seconds))  # spread the first posts
        count, mine = 0, []
        while not stop.is_set():
            piece = local.choice(data["responded"])
            token = f"soak-{run_id}-r{n}-n{count}"
            count += 1
            parent = None
            candidates = [(p, pid) for p, pid in mine if p == piece["id"]]
            if candidates and local.random() < 0.3:
                parent = local.choice(candidates)[1]
            try:
                new_id = reader.respond(piece, token, parent)
            except OSError:
                new_id = None
            if new_id:
                mine.append((piece["id"], new_id))
            stop.wait(flood_seconds + local.uniform(0.5, 2.0))  # wait out the flood interval

    threads = [
        threading.Thread(target=anonymous, args=(n,), daemon=True) for n in range(anonymous_threads)
    ]
    threads += [
        threading.Thread(target=signed_in, args=(n, reader), daemon=True)
        for n, reader in enumerate(readers)
    ]
    log(f"load for {seconds} s: {anonymous_threads} anonymous readers, {len(readers)} posting")
    started = recorder.started = time.monotonic()
    for thread in threads:
        thread.start()
    reload_info = None
    if stop.wait(seconds / 2) is False:
        reload_info = on_half(recorder)
    stop.wait(max(0.0, seconds - (time.monotonic() - started)))
    stop.set()
    for thread in threads:
        thread.join(timeout=60)
    recorder.elapsed = time.monotonic() - started
    return recorder, reload_info


# --- Verification and report --------------------------------------------------------------


def stored_tokens(run_id):
    import psycopg

    with psycopg.connect(DATABASE_URL) as connection:
        rows = connection.execute(
            "SELECT body, status FROM comments_comment WHERE body LIKE %s",
            (f"soak-{run_id}-%",),
        ).fetchall()
    found = collections.Counter()
    statuses = collections.Counter()
    for body, status in rows:
        match = TOKEN.search(body)
        if match:
            found[match.group(0)] += 1
            statuses[status] += 1
    return found, statuses


def percentile(values, fraction):
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def summarize(recorder, reload_info, run_id, args):
    found, statuses = stored_tokens(run_id)
    acked = set(recorder.acked)
    missing = sorted(t for t in acked if found[t] == 0)
    duplicated = sorted(t for t in acked if found[t] > 1)
    stored_unacked = sorted(t for t in recorder.unacked if found[t])
    timed = [row for row in recorder.rows if not row[0].startswith("login")]
    by_kind = collections.defaultdict(list)
    for kind, status, seconds, _ in timed:
        by_kind[kind].append((status, seconds))
    statuses_seen = collections.Counter(str(status) for _, status, _, _ in recorder.rows)
    server_errors = sum(
        1 for _, status, _, _ in recorder.rows if isinstance(status, int) and status >= 500
    )
    transport_errors = sum(1 for _, status, _, _ in recorder.rows if not isinstance(status, int))
    posts = by_kind.get("post response", [])
    kinds = []
    for kind in sorted(by_kind):
        rows = by_kind[kind]
        latencies = [seconds for _, seconds in rows]
        kinds.append(
            {
                "kind": kind,
                "requests": len(rows),
                "statuses": dict(collections.Counter(str(status) for status, _ in rows)),
                "p50_ms": round(statistics.median(latencies) * 1000),
                "p95_ms": round(percentile(latencies, 0.95) * 1000),
                "max_ms": round(max(latencies) * 1000),
            }
        )
    return {
        "run": run_id,
        "date": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "seconds": round(recorder.elapsed, 1),
        "workers": args.workers,
        "anonymous_threads": args.anonymous,
        "readers": args.readers,
        "flood_seconds": args.flood_seconds,
        "requests": len(timed),
        "logins": sum(1 for row in recorder.rows if row[0] == "login"),
        "requests_per_second": round(len(timed) / recorder.elapsed, 1),
        "statuses": dict(sorted(statuses_seen.items())),
        "posts_sent": len(posts),
        "posts_acknowledged": len(acked),
        "posts_rate_limited": sum(1 for status, _ in posts if status == 429),
        "posts_other": sum(1 for status, _ in posts if status not in (302, 429)),
        "stored_statuses": dict(statuses),
        "acknowledged_missing": missing,
        "acknowledged_duplicated": duplicated,
        "stored_without_acknowledgement": stored_unacked,
        "server_errors": server_errors,
        "transport_errors": transport_errors,
        "reload": reload_info,
        "kinds": kinds,
    }


def verdict(result):
    problems = []
    if result["acknowledged_missing"]:
        problems.append(f"{len(result['acknowledged_missing'])} acknowledged responses missing")
    if result["acknowledged_duplicated"]:
        problems.append(f"{len(result['acknowledged_duplicated'])} responses stored twice")
    if result["server_errors"]:
        problems.append(f"{result['server_errors']} 5xx answers")
    if result["transport_errors"]:
        problems.append(f"{result['transport_errors']} requests failed to connect or timed out")
    if not result["reload"] or not result["reload"]["replaced"]:
        problems.append("the reload did not replace the workers")
    if result["posts_acknowledged"] == 0:
        problems.append("no response was acknowledged: the soak proved nothing")
    return problems


def pairs(counts):
    return ", ".join(f"{key}: {value:,}" for key, value in counts.items())


def render(result, problems):
    reload_info = result["reload"] or {}
    lines = [
        f"Run `{result['run']}` on {result['date']} ({os.cpu_count()} CPUs, shared with the "
        f"load generator): {result['seconds']} s, gunicorn "
        f"{result['workers']} sync workers (deploy/gunicorn.conf.py), PostgreSQL, Redis, "
        f"DJANGO_DEBUG=0; {result['anonymous_threads']} anonymous readers and "
        f"{result['readers']} signed-in readers ({result['flood_seconds']} s flood interval); "
        f"SIGHUP at {reload_info.get('at_seconds', '?')} s.",
        "",
        f"**{'PASS' if not problems else 'FAIL: ' + '; '.join(problems)}**",
        "",
        "| Figure | Value |",
        "|---|---|",
        f"| Requests (after {result['logins']} form logins) | {result['requests']:,} "
        f"({result['requests_per_second']} per second) |",
        f"| Answers by status | {pairs(result['statuses'])} |",
        f"| Responses posted / acknowledged (302) | {result['posts_sent']} / "
        f"{result['posts_acknowledged']} |",
        f"| Refused by rate limits (429) / other answers | {result['posts_rate_limited']} / "
        f"{result['posts_other']} |",
        "| Acknowledged but missing / stored twice | "
        f"{len(result['acknowledged_missing'])} / {len(result['acknowledged_duplicated'])} |",
        f"| Stored without an acknowledgement | {len(result['stored_without_acknowledgement'])} |",
        f"| Stored statuses | {pairs(result['stored_statuses'])} |",
        f"| 5xx answers / failed connections or timeouts | {result['server_errors']} / "
        f"{result['transport_errors']} |",
        f"| Reload: workers replaced after / requests during the next 5 s | "
        f"{reload_info.get('replaced_after_seconds', '?')} s / "
        f"{reload_info.get('requests_next_5s', '?')} (failed: "
        f"{reload_info.get('failed_next_5s', '?')}) |",
        "",
        "| Kind | Requests | Statuses | p50 ms | p95 ms | max ms |",
        "|---|---:|---|---:|---:|---:|",
    ]
    for kind in result["kinds"]:
        statuses = pairs(kind["statuses"])
        lines.append(
            f"| {kind['kind']} | {kind['requests']:,} | {statuses} | {kind['p50_ms']} | "
            f"{kind['p95_ms']} | {kind['max_ms']} |"
        )
    return "\n".join(lines)


def write_doc(text, command):
    block = f"{DOC_START}\n{text}\n\nRe-run: `{command}`\n{DOC_END}"
    current = DOC.read_text() if DOC.exists() else "# Reliability\n"
    if DOC_START in current and DOC_END in current:
        head, rest = current.split(DOC_START, 1)
        tail = rest.split(DOC_END, 1)[1]
        current = head + block + tail
    else:
        current = current.rstrip() + "\n\n## Soak results\n\n" + block + "\n"
    DOC.write_text(current)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--readers", type=int, default=30)
    parser.add_argument("--anonymous", type=int, default=6, help="anonymous reader threads")
    parser.add_argument("--workers", type=int, default=3, help="gunicorn workers")
    parser.add_argument("--port", type=int, default=8481)
    parser.add_argument("--no-doc", action="store_true", help="do not update the docs")
    parser.add_argument("command", nargs="?", default="run", choices=["run", "_setup"])
    args = parser.parse_args(argv)
    if args.command == "_setup":
        setup_readers(args.readers)
        return 0
    args.flood_seconds = int(os.environ.get("SOAK_FLOOD_SECONDS", 3))
    run_id = uuid.uuid4().hex[:8]
    data = prepare(args.readers)
    with tempfile.TemporaryDirectory(prefix="byline-soak-") as work:
        logfile = Path(work) / "gunicorn.log"
        with Gunicorn(args.port, args.workers, logfile) as server:
            old = server.worker_pids()

            def on_half(recorder):
                at = time.monotonic()
                log("SIGHUP to the gunicorn master (graceful reload)")
                server.reload()
                replaced = None
                deadline = at + 30
                while time.monotonic() < deadline:
                    now = server.worker_pids()
                    if len(now) >= args.workers and not now & old:
                        replaced = round(time.monotonic() - at, 2)
                        break
                    time.sleep(0.05)
                time.sleep(max(0.0, at + 5 - time.monotonic()))
                with recorder.lock:
                    window = [r for r in recorder.rows if at <= r[3] < at + 5]
                return {
                    "at_seconds": round(at - recorder.started, 1),
                    "replaced": replaced is not None,
                    "replaced_after_seconds": replaced,
                    "requests_next_5s": len(window),
                    "failed_next_5s": sum(
                        1 for r in window if not isinstance(r[1], int) or r[1] >= 500
                    ),
                }

            recorder, reload_info = run_load(
                args.port,
                data,
                args.seconds,
                args.anonymous,
                args.flood_seconds,
                run_id,
                on_half,
            )
        server_log = logfile.read_text()
    result = summarize(recorder, reload_info, run_id, args)
    problems = verdict(result)
    text = render(result, problems)
    print(text)
    tracebacks = server_log.count("Traceback")
    if tracebacks:
        print(f"\nThe server logged {tracebacks} tracebacks:\n{server_log[-4000:]}")
    command = ".venv/bin/python -m bench.soak" + (
        f" --seconds {args.seconds:g}" if args.seconds != 60 else ""
    )
    if not args.no_doc:
        write_doc(text, command)
        log(f"figures written to {DOC.relative_to(ROOT)}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
