"""Measure search latency: p50 and p95 of the whole /search/ page, per query.

    .venv/bin/python bench/search.py                 # 10,000 pieces, 40 runs of each query
    .venv/bin/python bench/search.py --pieces 100000 --repeat 40 --explain
    .venv/bin/python bench/search.py --database-url sqlite:////tmp/bench.sqlite3  # FTS5

Uses BENCH_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/byline_bench); creates the
database, migrates it and tops it up with `generate_pieces --seed 1` when it holds fewer
pieces than asked, plus MULTILINGUAL pieces in Russian, Ukrainian, German and French.
Requests go through Django's test client with the production settings
(DEBUG off), so the figures include middleware, the two queries and template rendering.
A benchmark script, never a timed test. See docs/search.md.
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import urlencode, urlsplit

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/byline_bench"
TARGET_P95_MS = 50

QUERIES = [
    ("one topic word", "postgres"),
    ("common word", "garden"),
    ("very common word", "house"),
    ("two words", "sourdough bread"),
    ("three words", "climate drought forest"),
    ("phrase", '"python package"'),
    ("exclusion", "python -django"),
    ("or", "kestrel or heron"),
    ("tag name", "machine learning"),
    ("title words", "lessons from a year"),
    ("stop words only", "the and of"),
    ("no match", "xylophonic"),
    ("200 characters", " ".join(["garden", "python", "river", "market", "-django"] * 7)[:200]),
    ("page 3 of a common word", ("house", 3)),
    ("accented", "café crème"),
    ("accents left out", "cafe creme"),
    ("Russian, capitals", "КРЕМЛЬ"),
    ("Russian, another case", "кремля"),
    ("German ß as ss", "strasse"),
    ("Ukrainian", "КИЄВІ"),
    ("misspelled common word", "gardne"),
    ("misspelled rare word", "dicsipline"),
]

MULTILINGUAL = 400  # pieces in other languages, added once
SENTENCES = {
    "ru": [
        "Московский Кремль стоит над рекой.",
        "Стены Кремля видны издалека.",
        "Осенью в садах собирают яблоки.",
        "Дисциплина нужна каждому писателю.",
    ],
    "uk": [
        "Весна у Києві: каштани цвітуть.",
        "Ми гуляли вулицями старого міста.",
        "Хліб пекли вранці, ще до світанку.",
    ],
    "de": [
        "Die Straße war leer, und wir gingen durch die Straßen.",
        "Übermut tut selten gut.",
        "Der Garten blüht im Mai.",
    ],
    "fr": [
        "Un café noir et une crème brûlée, s'il vous plaît.",
        "La discipline d'écrire chaque matin.",
        "Le marché ouvre à l'aube.",
    ],
}


def percentile(samples, fraction):
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def setup_django(database_url):
    sys.path.insert(0, str(ROOT))
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("DJANGO_SECRET_KEY", "bench-only-not-a-secret")
    os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "testserver")
    os.environ.setdefault("DJANGO_LOG_LEVEL", "WARNING")
    os.environ["DJANGO_DEBUG"] = "0"
    os.environ.setdefault("DJANGO_HTTPS", "0")
    import django

    django.setup()
    from django.conf import settings
    from django.test.utils import override_settings

    # Serve static URLs without a collectstatic manifest; everything else stays production's.
    storages = settings.STORAGES | {
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
    }
    override_settings(STORAGES=storages).enable()


def create_database(database_url):
    import psycopg

    parts = urlsplit(database_url)
    name = parts.path.lstrip("/")
    admin = parts._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')
            print(f"Created database {name}.")


def copy_pieces(count):
    """Add `count` pieces by copying generated ones in SQL (new slugs; same text, tags and
    vectors): a far bigger table in minutes instead of hours of Markdown rendering. The
    vocabulary is the same, and a word's number of matches grows with the table."""
    from django.db import connection, transaction

    from accounts.models import AuthorProfile
    from blog.models import Article

    writers = AuthorProfile._meta.db_table
    columns = [f.column for f in Article._meta.concrete_fields if f.column not in {"id", "slug"}]
    names = ", ".join(columns)
    print(f"Copying {count} generated pieces in SQL…")
    round_number = 0
    with transaction.atomic(), connection.cursor() as cursor:
        while count > 0:
            round_number += 1
            suffix = f"-copy{round_number}"
            cursor.execute(
                f"INSERT INTO blog_article ({names}, slug)"  # noqa: S608 - no user input
                f" SELECT {names}, slug || %s FROM blog_article"
                f" WHERE author_id IN (SELECT id FROM {writers} WHERE slug LIKE 'generated-%%')"
                " AND slug NOT LIKE '%%-copy%%' AND slug NOT LIKE 'multilingual-%%'"
                " ORDER BY id LIMIT %s",
                [suffix, count],
            )
            count -= cursor.rowcount
            cursor.execute(
                "INSERT INTO blog_article_tags (article_id, tag_id)"
                " SELECT n.id, l.tag_id FROM blog_article n"
                " JOIN blog_article o ON o.author_id = n.author_id AND n.slug = o.slug || %s"
                " JOIN blog_article_tags l ON l.article_id = o.id",
                [suffix],
            )


def prepare(pieces, generated=None):
    from django.core.management import call_command
    from django.db import connection

    from blog.models import Article

    call_command("migrate", verbosity=0)
    have = Article.objects.exclude(language__in=SENTENCES).count()
    generate = min(pieces, generated) if generated else pieces
    if have < generate:
        print(f"Generating {generate - have} pieces (the database holds {have})…")
        call_command("generate_pieces", generate - have, seed=1)
        have = generate
    if have < pieces:
        copy_pieces(pieces - have)
    add_multilingual()
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("VACUUM ANALYZE blog_article")
        cursor.execute("ANALYZE")  # every table: the planner needs the writers' numbers too
    if connection.vendor == "postgresql":
        missing = Article.objects.filter(search_vector=None).count()
        if missing:
            sys.exit(f"{missing} pieces have no search vector: run the signals or the migration.")
    return Article.objects.count(), Article.objects.published().count()


def add_multilingual():
    """Add MULTILINGUAL published pieces in other languages (the same ones every time)."""
    import datetime
    import random

    from django.utils import timezone

    from accounts.models import AuthorProfile
    from blog.models import Article
    from blog.services import article_create

    have = Article.objects.filter(language__in=SENTENCES).count()
    if have >= MULTILINGUAL:
        return
    rng = random.Random(1)
    writer = AuthorProfile.objects.order_by("pk").first()
    languages = sorted(SENTENCES)
    ids = []
    for number in range(have, MULTILINGUAL):
        language = languages[number % len(languages)]
        lines = SENTENCES[language]
        body = "\n\n".join(rng.choice(lines) for _ in range(rng.randint(3, 12)))
        article = article_create(
            author=writer,
            title=f"{rng.choice(lines).rstrip('.')} ({number})",
            slug=f"multilingual-{number}",
            body=body,
            language=language,
            status=Article.Status.PUBLISHED,
            published_at=timezone.now() - datetime.timedelta(days=rng.randint(1, 2000)),
        )
        ids.append(article.pk)
    # Search vectors: refreshed after each save's commit (blog/signals.py).
    print(f"Added {len(ids)} pieces in {', '.join(languages)}.")


def count_found(query):
    """The number of published pieces the query finds, on either database."""
    from django.db import connection

    from blog.models import Article
    from blog.search import FTS_TABLE, clean_query, fts_match, search_postgres

    query = clean_query(query)
    if connection.vendor == "postgresql":
        return search_postgres(query).count()
    match = fts_match(query)
    if not match:
        return 0
    published, params = Article.objects.published().values("pk").query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT count(*) FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s"  # noqa: S608
            f" AND rowid IN ({published})",
            (match, *params),
        )
        return cursor.fetchone()[0]


class DatabaseTimer:
    """Sum the time spent in SQL during a request."""

    def __init__(self):
        self.seconds = 0.0
        self.queries = 0

    def __call__(self, execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.seconds += time.perf_counter() - started
            self.queries += 1


def backend_cpu_reader():
    """Return a function giving the CPU time (ms) used so far by this connection's PostgreSQL
    backend, read from /proc when the server runs on this machine; else None."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        path = Path(f"/proc/{cursor.fetchone()[0]}/schedstat")
    if not path.exists():
        return None
    return lambda: int(path.read_text().split()[0]) / 1e6


def measure(client, query, page, repeat, warmup):
    from django.db import connection

    params = {"q": query} | ({"page": page} if page > 1 else {})
    url = "/search/?" + urlencode(params)
    for _ in range(warmup):
        client.get(url)
    total, database, cpu = [], [], []
    backend_cpu = backend_cpu_reader()
    for _ in range(repeat):
        timer = DatabaseTimer()
        with connection.execute_wrapper(timer):
            cpu_before = time.process_time() * 1000 + (backend_cpu() if backend_cpu else 0)
            started = time.perf_counter()
            response = client.get(url)
            total.append((time.perf_counter() - started) * 1000)
            cpu_after = time.process_time() * 1000 + (backend_cpu() if backend_cpu else 0)
        database.append(timer.seconds * 1000)
        cpu.append(cpu_after - cpu_before)
        if response.status_code != 200:
            sys.exit(f"{url} answered {response.status_code}")
        queries = timer.queries
    return total, database, cpu, queries


def explain(query):
    """Print the plan of a results page's ranking statement, run as the page runs it."""
    from django.db import connection, transaction
    from django.test import RequestFactory
    from django.test.utils import CaptureQueriesContext

    from blog.search import postgres_page

    with CaptureQueriesContext(connection) as captured:
        postgres_page(RequestFactory().get("/search/", {"q": query}), query)
    setup, ranking = (
        q["sql"] for q in captured.captured_queries if q["sql"].startswith(("SELECT (", "WITH"))
    )
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(setup)
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + ranking)
        print("\n".join(row[0] for row in cursor.fetchall()))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pieces", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=40)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--explain", action="store_true", help="Print a query plan too.")
    parser.add_argument(
        "--generate",
        type=int,
        help="Generate only this many pieces and reach --pieces by copying them in SQL.",
    )
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL))
    args = parser.parse_args()

    if args.database_url.startswith("postgres"):
        create_database(args.database_url)
    setup_django(args.database_url)
    from django.db import connection
    from django.test import Client

    if connection.vendor not in {"postgresql", "sqlite"}:
        sys.exit(
            "This benchmark measures PostgreSQL or SQLite: give a postgres:// or sqlite:// URL."
        )
    pieces, published = prepare(args.pieces, args.generate)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SHOW server_version")
            server = "PostgreSQL " + cursor.fetchone()[0]
        else:
            cursor.execute("SELECT sqlite_version()")
            server = "SQLite " + cursor.fetchone()[0]
    print(
        f"{pieces} pieces ({published} published), {server}, {os.cpu_count()} CPUs, "
        f"{args.repeat} runs per query after {args.warmup} warm-up runs, "
        f"load average {os.getloadavg()[0]:.2f}."
    )
    client = Client()
    header = (
        f"{'query':<26} {'found':>6} {'SQL':>3} {'p50 ms':>7} {'p95 ms':>7} {'db p50':>7}"
        f" {'cpu p50':>7} {'cpu p95':>7}"
    )
    print(header)
    print("-" * len(header))
    everything, all_cpu = [], []
    for label, query in QUERIES:
        query, page = query if isinstance(query, tuple) else (query, 1)
        total, database, cpu, queries = measure(client, query, page, args.repeat, args.warmup)
        found = count_found(query)
        everything.extend(total)
        all_cpu.extend(cpu)
        print(
            f"{label:<26} {found:>6} {queries:>3} {percentile(total, 0.5):>7.1f} "
            f"{percentile(total, 0.95):>7.1f} {statistics.median(database):>7.1f} "
            f"{percentile(cpu, 0.5):>7.1f} {percentile(cpu, 0.95):>7.1f}"
        )
    p50, p95 = percentile(everything, 0.5), percentile(everything, 0.95)
    verdict = "met" if p95 < TARGET_P95_MS else "MISSED"
    print("-" * len(header))
    print(
        f"{'all queries':<26} {'':>6} {'':>3} {p50:>7.1f} {p95:>7.1f} {'':>7} "
        f"{percentile(all_cpu, 0.5):>7.1f} {percentile(all_cpu, 0.95):>7.1f}"
    )
    print(
        f"Target p95 < {TARGET_P95_MS} ms: {verdict}. (cpu = CPU time of this process and its "
        f"PostgreSQL backend per request: the latency to expect on an otherwise idle machine.)"
    )
    if args.explain and connection.vendor == "postgresql":
        explain("garden")
    return 0 if p95 < TARGET_P95_MS else 1


if __name__ == "__main__":
    sys.exit(main())
