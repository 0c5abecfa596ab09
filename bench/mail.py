"""`make bench-mail`: 10,000 mails through two db_worker processes on PostgreSQL to an SMTP sink.

    make bench-mail                      # or: .venv/bin/python -m bench.mail
    BENCH_MAILS=2000 BENCH_WORKERS=3 make bench-mail

Empties the queue of a PostgreSQL database of its own (created and migrated if missing:
BENCH_MAIL_DATABASE_URL), starts an aiosmtpd sink on loopback that counts Message-IDs, enqueues
the mails in one transaction (as a request would, one mail_enqueue each), starts the workers with
production settings, and waits until every mail is delivered. Reports the enqueue time, the
throughput, that each mail arrived exactly once, and each worker's memory (RSS) after the first
100 mails and at the end. Needs PostgreSQL; the target is 10,000 in 3 minutes on 2 cores.
"""

import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATABASE_URL = os.environ.get(
    "BENCH_MAIL_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/byline_mailbench"
)
MAILS = int(os.environ.get("BENCH_MAILS", "10000"))
WORKERS = int(os.environ.get("BENCH_WORKERS", "2"))
TIMEOUT = float(os.environ.get("BENCH_TIMEOUT", "600"))


def environment(**extra):
    drop = ("DJANGO_", "BYLINE_", "EMAIL_", "SENTRY_", "DATABASE_URL", "REDIS_URL")
    env = {k: v for k, v in os.environ.items() if not k.startswith(drop)}
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        DJANGO_READ_DOT_ENV="0",
        DJANGO_DEBUG="0",
        DJANGO_SECRET_KEY="bench-mail-secret-key-" + "x" * 40,
        DATABASE_URL=DATABASE_URL,
        DJANGO_LOG_FORMAT="json",
        **extra,
    )
    return env


def ensure_database():
    import psycopg

    name = DATABASE_URL.rsplit("/", 1)[1].split("?")[0]
    admin_url = DATABASE_URL.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin_url, autocommit=True) as connection:
        query = "SELECT 1 FROM pg_database WHERE datname = %s"
        exists = connection.execute(query, [name]).fetchone()
        if not exists:
            connection.execute(f'CREATE DATABASE "{name}"')
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v0"],
        cwd=ROOT,
        env=environment(),
        check=True,
    )


def rss_kib(pid):
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def main():
    ensure_database()
    sys.path.insert(0, str(ROOT))
    from tests.servers import SmtpSink

    sink = SmtpSink().start()
    os.environ.update(environment(EMAIL_URL=sink.url))
    import django

    django.setup()
    from django.db import transaction
    from django_tasks_db.models import DBTaskResult

    from outbox.models import OutboundMail
    from outbox.services import mail_enqueue

    OutboundMail.objects.all().delete()
    DBTaskResult.objects.all().delete()

    began = time.monotonic()
    with transaction.atomic():
        for number in range(MAILS):
            mail_enqueue(
                key=f"bench:{number}:{number}",
                to=[f"reader{number}@example.com"],
                subject=f"Bench mail {number}",
                text=f"Hello reader {number}.\n\nA mail from the benchmark.\n",
                html=f"<p>Hello reader {number}.</p><p>A mail from the benchmark.</p>",
            )
    enqueued = time.monotonic() - began
    print(f"enqueued {MAILS} mails (rows and tasks, one transaction) in {enqueued:.1f} s")

    log = open(ROOT / ".bench-mail-workers.log", "w")  # noqa: SIM115
    workers = [
        subprocess.Popen(
            [sys.executable, "manage.py", "db_worker", "--no-reload", "--interval", "0.2"],
            cwd=ROOT,
            env=environment(EMAIL_URL=sink.url),
            stdout=log,
            stderr=log,
        )
        for _ in range(WORKERS)
    ]
    started = time.monotonic()
    rss_early = None
    try:
        while len(sink.message_ids) < MAILS and time.monotonic() - started < TIMEOUT:
            if rss_early is None and len(sink.message_ids) >= 100:
                rss_early = [rss_kib(worker.pid) for worker in workers]
            time.sleep(0.2)
        elapsed = time.monotonic() - started
        time.sleep(2)  # a duplicate would arrive now
        rss_end = [rss_kib(worker.pid) for worker in workers]
    finally:
        for worker in workers:
            worker.terminate()
        for worker in workers:
            worker.wait(30)
        sink.stop()
    delivered = len(sink.message_ids)
    unique = len(set(sink.message_ids))
    sent = OutboundMail.objects.filter(state="sent").count()
    print(f"workers: {WORKERS} db_worker processes, PostgreSQL, aiosmtpd sink on loopback")
    print(f"delivered {delivered} messages ({unique} distinct Message-IDs) in {elapsed:.1f} s")
    print(f"throughput: {delivered / elapsed:.0f} mails/s; rows marked sent: {sent}")
    print(f"exactly once: {delivered == unique == MAILS == sent}")
    print(f"worker RSS after 100 mails: {[f'{k / 1024:.1f} MiB' for k in rss_early or []]}")
    print(f"worker RSS at the end:      {[f'{k / 1024:.1f} MiB' for k in rss_end]}")
    target = elapsed <= 180 and delivered == unique == MAILS
    print(f"target (all {MAILS} within 3 minutes, each once): {'met' if target else 'MISSED'}")
    return 0 if target else 1


if __name__ == "__main__":
    sys.exit(main())
