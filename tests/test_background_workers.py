"""Issue 14 with real processes: db_worker workers, and an SMTP server (aiosmtpd) on loopback.

- A worker killed with SIGKILL mid-batch loses nothing, and two more workers sharing the queue
  send every mail exactly once (PostgreSQL: workers in other processes share the test database).
- A response posted while the mail server is down returns at once; its mail goes out by itself
  once the server is back. A request that causes mail does not wait for a dead mail server.
"""

import signal
import time

import pytest
from django.db import transaction

from outbox.models import OutboundMail
from outbox.services import mail_enqueue
from tests.factories import ArticleFactory, UserFactory
from tests.servers import SmtpSink, shared_database_url, start_worker, wait_until, worker_env
from tests.utils import run_worker

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]
DB_BACKEND = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


@pytest.fixture
def sink():
    server = SmtpSink()
    yield server
    server.release()
    server.stop()


@pytest.mark.postgres
def test_a_worker_killed_mid_batch_loses_nothing_and_no_mail_arrives_twice(
    settings, sink, tmp_path
):
    settings.TASKS = DB_BACKEND
    total, killed_at = 60, 25
    sink.start()
    sink.hold_at(killed_at)  # the server stalls in the 26th mail's SMTP conversation
    with transaction.atomic():
        for number in range(total):
            mail_enqueue(
                key=f"batch:{number}",
                to=[f"reader{number}@example.com"],
                subject=f"Mail {number}",
                text="Hello",
            )
    env = worker_env(
        database_url=shared_database_url(),
        email_url=sink.url,
        BYLINE_MAIL_LEASE_SECONDS=2,
        BYLINE_TASKS_MAINTENANCE_SECONDS=1,
    )
    workers = [start_worker(env, tmp_path / "worker-1.log")]
    try:
        assert sink.holding.wait(60), (tmp_path / "worker-1.log").read_text()[-3000:]
        workers[0].send_signal(signal.SIGKILL)  # mid-batch, mid-send, no clean-up
        workers[0].wait(10)
        sink.release()
        assert len(sink.message_ids) == killed_at
        stuck = OutboundMail.objects.get(state="sending")
        # Two workers take over the rest of the queue together (SKIP LOCKED rows).
        workers += [start_worker(env, tmp_path / f"worker-{n}.log") for n in (2, 3)]
        wait_until(lambda: len(sink.message_ids) >= total, 60, "every mail delivered")
        time.sleep(1.5)  # a duplicate, if any, would arrive now
    finally:
        for worker in workers:
            if worker.poll() is None:
                worker.terminate()
                worker.wait(10)
    assert len(sink.message_ids) == total, "each mail arrived exactly once"
    expected = set(OutboundMail.objects.values_list("message_id", flat=True))
    assert set(sink.message_ids) == expected
    assert set(OutboundMail.objects.values_list("state", flat=True)) == {"sent"}
    stuck.refresh_from_db()
    assert stuck.attempts == 2, "the killed worker's mail was sent by another"
    logs = "".join((tmp_path / f"worker-{n}.log").read_text() for n in (2, 3))
    assert '"task": "outbox.tasks.deliver"' in logs and '"outcome": "successful"' in logs


@pytest.fixture
def mail_over_smtp(settings, sink):
    settings.TASKS = DB_BACKEND
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", sink.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_TIMEOUT = 5
    settings.MAIL_RETRY_BASE_SECONDS = 0.2
    settings.BYLINE_RESPONSES_FLOOD_SECONDS = 0
    return settings


def moderated_piece():
    UserFactory(username="mod", email="mod@example.com", groups=["Moderators"])
    return ArticleFactory()


def post_response(client, article, username):
    client.force_login(UserFactory(username=username))
    began = time.monotonic()
    response = client.post(f"/responses/piece/{article.pk}/", {"body": "Posted while down."})
    assert response.status_code == 302
    return time.monotonic() - began


def test_a_response_posted_with_the_mail_server_down_returns_at_once_and_its_mail_follows(
    client, mail_over_smtp, sink
):
    article = moderated_piece()
    took = post_response(client, article, "newcomer")  # the server is not running
    assert took < 2, "the request did not wait for the mail server"
    run_worker()
    held = OutboundMail.objects.get(to=["mod@example.com"])
    assert held.state == "queued" and held.attempts == 1
    assert "Connection refused" in held.last_error or "ConnectionRefused" in held.last_error
    assert sink.messages == []
    sink.start()  # the mail server is back
    deadline = time.monotonic() + 15
    while not sink.messages and time.monotonic() < deadline:
        run_worker()  # the retry is due after its backoff
        time.sleep(0.1)
    (message,) = sink.messages
    assert message["To"] == "mod@example.com"
    assert "waiting for review" in message["Subject"]
    assert message["Message-ID"] == held.message_id


def test_a_request_that_causes_mail_does_not_wait_for_a_dead_or_silent_mail_server(
    client, mail_over_smtp, sink
):
    """Up, then a server that accepts connections and never answers (the worst case inline)."""
    import socket

    article = moderated_piece()
    sink.start()
    up = post_response(client, article, "reader-up")
    sink.stop()
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", sink.port))
        silent.listen(16)  # connections complete, no greeting ever comes
        down = post_response(client, article, "reader-down")
        began = time.monotonic()
        response = client.post("/accounts/password/reset/", {"email": "mod@example.com"})
        reset = time.monotonic() - began
    assert response.status_code == 302
    timeout = mail_over_smtp.EMAIL_TIMEOUT
    assert down < timeout and reset < timeout, "no request waited for the mail timeout"
    assert down < up + 1, (up, down)
    assert OutboundMail.objects.filter(state="queued").count() == 3  # 2 held + 1 reset
