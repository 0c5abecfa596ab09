"""Issue 14: background work on the database queue, mail through the outbox.

Unit-level: the same code path as production (enqueue on commit, the deliver task, the
maintenance task), run in this process. Worker processes and a real SMTP server are in
tests/test_background_workers.py.
"""

import json
import logging
import smtplib
import time
from datetime import timedelta
from io import StringIO

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from background.tasks import maintain, maintenance
from blog.live import piece_went_live
from blog.models import LiveEvent
from config.logging import JsonFormatter
from outbox.models import OutboundMail
from outbox.services import backoff, mail_enqueue
from outbox.tasks import MailFailed, deliver
from tests.factories import ArticleFactory, UserFactory
from tests.utils import run_worker

pytestmark = pytest.mark.django_db
DB_BACKEND = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


@pytest.fixture
def queue(settings):
    """The database queue, as in production: tasks wait for a worker."""
    settings.TASKS = DB_BACKEND
    return settings


def enqueue(key="event:1:7", to="reader@example.com", **kwargs):
    return mail_enqueue(key=key, to=[to], subject="Hello", text="Hi there", **kwargs)


class Refusing:
    """A mail backend that raises the given error, counting its calls."""

    calls = 0
    error = None

    def __init__(self, *args, **kwargs):
        pass

    def send_messages(self, messages):
        type(self).calls += 1
        raise type(self).error


@pytest.fixture
def refusing(settings):
    Refusing.calls = 0
    settings.EMAIL_BACKEND = "tests.test_background.Refusing"
    return Refusing


# -- Nothing lost: enqueue on commit --------------------------------------------------------


def test_a_rolled_back_change_enqueues_nothing(queue, django_capture_on_commit_callbacks):
    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        enqueue()
        raise RuntimeError("the change failed")
    assert not OutboundMail.objects.exists()
    assert not DBTaskResult.objects.filter(task_path=deliver.module_path).exists()


def test_a_committed_change_always_has_its_task(queue, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        row = enqueue()
        assert not DBTaskResult.objects.exists(), "no task before the commit"
    for callback in callbacks:
        callback()
    task = DBTaskResult.objects.get(task_path=deliver.module_path)
    assert task.status == TaskResultStatus.READY and task.args_kwargs["args"] == [row.pk]
    assert mail.outbox == [], "the request only enqueued"
    run_worker()
    assert [m.to for m in mail.outbox] == [["reader@example.com"]]
    row.refresh_from_db()
    assert row.state == "sent" and row.sent_at is not None and row.attempts == 1


# -- Never twice ---------------------------------------------------------------------------


def test_the_same_key_is_one_mail_and_a_rerun_sends_nothing(
    queue, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        first = enqueue()
        again = enqueue()
    assert again.pk == first.pk and OutboundMail.objects.count() == 1
    assert DBTaskResult.objects.filter(task_path=deliver.module_path).count() == 1
    run_worker()
    deliver.call(first.pk)  # a retried task, or a second worker holding the same id
    deliver.enqueue(first.pk)
    run_worker()
    assert len(mail.outbox) == 1
    assert mail.outbox[0].extra_headers["Message-ID"] == first.message_id


def test_a_mail_held_by_a_live_worker_is_left_alone_until_its_lease_ends(settings):
    row = enqueue()
    lease = timezone.now() + timedelta(seconds=60)
    OutboundMail.objects.filter(pk=row.pk).update(state="sending", lease_until=lease)
    assert deliver.call(row.pk) == "skipped" and mail.outbox == []
    OutboundMail.objects.filter(pk=row.pk).update(lease_until=timezone.now() - timedelta(1))
    assert deliver.call(row.pk) == "sent" and len(mail.outbox) == 1


def test_maintenance_hands_a_dead_workers_mail_to_another(queue):
    row = enqueue()
    DBTaskResult.objects.all().delete()  # its task died with the worker
    expired = timezone.now() - timedelta(seconds=1)
    OutboundMail.objects.filter(pk=row.pk).update(state="sending", lease_until=expired)
    maintain()
    run_worker()
    assert len(mail.outbox) == 1
    row.refresh_from_db()
    assert row.state == "sent" and row.attempts == 1


# -- Retries with backoff, permanent failures -----------------------------------------------


def test_a_temporary_failure_is_retried_with_growing_jittered_capped_backoff(
    refusing, settings, caplog
):
    settings.MAIL_RETRY_BASE_SECONDS, settings.MAIL_RETRY_MAX_SECONDS = 10, 60
    waits = [backoff(attempt) for attempt in (1, 2, 3, 4, 5, 6) for _ in range(20)]
    assert all(5 <= wait <= 10 for wait in waits[:20])
    assert all(10 <= wait <= 20 for wait in waits[20:40])
    assert all(30 <= wait <= 60 for wait in waits[-40:]), "capped"
    assert len({round(wait, 6) for wait in waits[:20]}) > 1, "jittered"

    refusing.error = smtplib.SMTPRecipientsRefused({"a@example.com": (451, b"busy")})
    row = enqueue()
    before = timezone.now()
    assert deliver.call(row.pk).startswith("retry at")
    row.refresh_from_db()
    assert row.state == "queued" and row.attempts == 1 and "451" in row.last_error
    assert before + timedelta(seconds=5) <= row.next_attempt_at <= timezone.now() + timedelta(10)
    assert deliver.call(row.pk) == "skipped", "not due before its time"


@pytest.mark.parametrize(
    "error",
    [
        ConnectionRefusedError(111, "Connection refused"),
        TimeoutError("timed out"),
        smtplib.SMTPServerDisconnected("Connection unexpectedly closed"),
        smtplib.SMTPDataError(421, b"Service not available"),
    ],
)
def test_temporary_failures_end_failed_after_the_last_attempt(refusing, settings, error):
    settings.MAIL_MAX_ATTEMPTS = 3
    refusing.error = error
    row = enqueue()
    for _ in range(2):
        OutboundMail.objects.filter(pk=row.pk).update(next_attempt_at=timezone.now())
        assert deliver.call(row.pk).startswith("retry at")
    OutboundMail.objects.filter(pk=row.pk).update(next_attempt_at=timezone.now())
    with pytest.raises(MailFailed, match="gave up after 3 attempts"):
        deliver.call(row.pk)
    row.refresh_from_db()
    assert row.state == "failed" and row.attempts == 3 and refusing.calls == 3


def test_a_refused_recipient_is_not_retried_and_is_recorded(refusing):
    refusing.error = smtplib.SMTPRecipientsRefused({"gone@example.com": (550, b"No such user")})
    row = enqueue(to="gone@example.com")
    with pytest.raises(MailFailed, match="refused permanently"):
        deliver.call(row.pk)
    assert deliver.call(row.pk) == "skipped"
    row.refresh_from_db()
    assert row.state == "rejected" and row.attempts == 1 and "No such user" in row.last_error
    assert refusing.calls == 1


# -- Admin and manage.py ------------------------------------------------------------------


def failed_task():
    result = deliver.enqueue(12345)
    DBTaskResult.objects.filter(pk=result.id).update(
        status=TaskResultStatus.FAILED,
        finished_at=timezone.now(),
        exception_class_path="outbox.tasks.MailFailed",
        traceback="MailFailed: gave up after 8 attempts",
    )
    return DBTaskResult.objects.get(pk=result.id)


def test_staff_see_the_queue_with_errors_and_retry_and_cancel(queue, client):
    failed = failed_task()
    waiting = DBTaskResult.objects.get(pk=deliver.enqueue(999).id)
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    page = client.get("/admin/django_tasks_database/dbtaskresult/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "outbox.tasks.MailFailed" in text and "deliver" in text
    page = client.get("/admin/django_tasks_database/dbtaskresult/?status__exact=FAILED")
    assert str(failed.pk) in page.content.decode()
    assert str(waiting.pk) not in page.content.decode()
    client.post(
        "/admin/django_tasks_database/dbtaskresult/",
        {"action": "retry", "_selected_action": [failed.pk]},
    )
    failed.refresh_from_db()
    assert failed.status == TaskResultStatus.READY
    client.post(
        "/admin/django_tasks_database/dbtaskresult/",
        {"action": "cancel", "_selected_action": [waiting.pk]},
    )
    waiting.refresh_from_db()
    assert waiting.status == TaskResultStatus.FAILED and "Cancelled" in waiting.traceback


def test_readers_do_not_see_the_queue(client):
    client.force_login(UserFactory())
    response = client.get("/admin/django_tasks_database/dbtaskresult/")
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_staff_send_a_failed_mail_again_from_the_mails_page(
    queue, client, django_capture_on_commit_callbacks
):
    row = enqueue()
    OutboundMail.objects.filter(pk=row.pk).update(state="failed", attempts=8, last_error="boom")
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    page = client.get("/admin/outbox/outboundmail/?state__exact=failed")
    assert "reader@example.com" in page.content.decode() and "boom" in page.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            "/admin/outbox/outboundmail/", {"action": "retry", "_selected_action": [row.pk]}
        )
    run_worker()
    row.refresh_from_db()
    assert row.state == "sent" and len(mail.outbox) == 1


def test_manage_py_lists_and_retries_failed_tasks_and_mails(
    queue, django_capture_on_commit_callbacks
):
    failed = failed_task()
    out = StringIO()
    call_command("tasks", "list", stdout=out)
    assert str(failed.pk) in out.getvalue() and "MailFailed" in out.getvalue()
    call_command("tasks", "retry", "--all", stdout=out)
    assert "1 task(s) queued again" in out.getvalue()
    assert DBTaskResult.objects.get(pk=failed.pk).status == TaskResultStatus.READY

    row = enqueue()
    OutboundMail.objects.filter(pk=row.pk).update(state="rejected", last_error="550 gone")
    out = StringIO()
    call_command("mail", "list", "--state", "rejected", stdout=out)
    assert "550 gone" in out.getvalue()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("mail", "retry", str(row.pk), stdout=out)
    assert "1 mail(s) queued again" in out.getvalue()
    assert OutboundMail.objects.get(pk=row.pk).state == "queued"


# -- Pruning and the maintenance task -----------------------------------------------------


def test_old_finished_tasks_and_mails_are_pruned_recent_and_waiting_kept(queue, settings):
    settings.TASKS_RETENTION_DAYS = 14
    old = timezone.now() - timedelta(days=15)
    done_old = DBTaskResult.objects.get(pk=deliver.enqueue(1).id)
    done_new = DBTaskResult.objects.get(pk=deliver.enqueue(2).id)
    waiting = DBTaskResult.objects.get(pk=deliver.enqueue(3).id)
    DBTaskResult.objects.filter(pk=done_old.pk).update(status="SUCCESSFUL", finished_at=old)
    DBTaskResult.objects.filter(pk=done_new.pk).update(
        status="SUCCESSFUL", finished_at=timezone.now()
    )
    sent_old, sent_new, queued_old = enqueue("a:1"), enqueue("a:2"), enqueue("a:3")
    OutboundMail.objects.filter(pk=sent_old.pk).update(state="sent", created_at=old)
    OutboundMail.objects.filter(pk=sent_new.pk).update(state="sent")
    OutboundMail.objects.filter(pk=queued_old.pk).update(created_at=old)
    maintain()
    left = set(DBTaskResult.objects.values_list("pk", flat=True))
    assert done_old.pk not in left and {done_new.pk, waiting.pk} <= left
    assert set(OutboundMail.objects.values_list("key", flat=True)) == {"a:2", "a:3"}


def test_the_maintenance_task_reschedules_itself_once(queue):
    maintenance.call()
    maintenance.call()
    waiting = DBTaskResult.objects.filter(task_path=maintenance.module_path, status="READY")
    assert waiting.count() == 1 and waiting.get().run_after > timezone.now()


def test_a_task_whose_worker_vanished_an_hour_ago_shows_as_failed(queue):
    lost = DBTaskResult.objects.get(pk=deliver.enqueue(5).id)
    DBTaskResult.objects.filter(pk=lost.pk).update(
        status="RUNNING", started_at=timezone.now() - timedelta(hours=2)
    )
    maintain()
    lost.refresh_from_db()
    assert lost.status == "FAILED" and lost.exception_class_path == "background.worker_lost"


# -- One JSON log line per task run ---------------------------------------------------------


def test_each_task_run_logs_one_json_line(queue, caplog, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        row = enqueue()
    with caplog.at_level(logging.INFO, "byline.tasks"):
        run_worker()
    lines = [r for r in caplog.records if r.name == "byline.tasks"]
    assert len(lines) == 1
    entry = json.loads(JsonFormatter().format(lines[0]))
    assert entry["task"] == "outbox.tasks.deliver" and entry["outcome"] == "successful"
    assert entry["attempt"] == 1 and entry["duration_ms"] >= 0
    task = DBTaskResult.objects.get(task_path=deliver.module_path)
    assert entry["task_id"] == str(task.pk)
    assert OutboundMail.objects.get(pk=row.pk).state == "sent"


def test_a_failed_run_logs_its_error(refusing, queue, caplog, django_capture_on_commit_callbacks):
    refusing.error = smtplib.SMTPRecipientsRefused({"x@example.com": (550, b"gone")})
    with django_capture_on_commit_callbacks(execute=True):
        enqueue()
    with caplog.at_level(logging.INFO, "byline.tasks"):
        run_worker()
    (line,) = [r for r in caplog.records if r.name == "byline.tasks"]
    assert line.outcome == "failed" and "MailFailed" in line.getMessage()


# -- A piece went live: once, at its time --------------------------------------------------


@pytest.fixture
def went_live():
    heard = []

    def listener(sender, piece, backfill, **kwargs):
        heard.append((piece.pk, backfill))

    piece_went_live.connect(listener, dispatch_uid="test_listener")
    yield heard
    piece_went_live.disconnect(dispatch_uid="test_listener")


def test_publishing_now_sends_piece_went_live_once(went_live, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        piece = ArticleFactory(status="published", published_at=None)
    with django_capture_on_commit_callbacks(execute=True):
        piece.title = "Edited after publication"
        piece.save()
    assert went_live == [(piece.pk, False)]
    with django_capture_on_commit_callbacks(execute=True):
        ArticleFactory(status="draft")
    assert len(went_live) == 1, "drafts are not live"


@pytest.mark.django_db(transaction=True)
def test_a_scheduled_piece_goes_live_at_its_time_once_even_if_rescheduled(queue, went_live):
    soon = timezone.now() + timedelta(seconds=1)
    piece = ArticleFactory(status="published", published_at=soon)
    task = DBTaskResult.objects.get(task_path="blog.live.went_live")
    assert abs(task.run_after - soon) < timedelta(milliseconds=1)
    run_worker()
    assert went_live == [], "not before its time"
    later = timezone.now() + timedelta(seconds=1.5)
    piece.published_at = later
    piece.save()  # rescheduled: the first event is skipped, the second one is sent
    time.sleep(1.7)
    run_worker()
    run_worker()
    assert went_live == [(piece.pk, False)]
    outcomes = dict(LiveEvent.objects.values_list("published_at", "outcome"))
    assert outcomes == {soon: "skipped", later: "sent"}
    # A second worker, or a person retrying the task, finds it done.
    from blog.live import went_live as task_function

    task_function.enqueue(LiveEvent.objects.get(published_at=later).pk)
    run_worker()
    assert went_live == [(piece.pk, False)]


def test_an_imported_back_catalogue_is_marked_backfill(
    went_live, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        piece = ArticleFactory(
            status="published", published_at=timezone.now() - timedelta(days=400)
        )
    assert went_live == [(piece.pk, True)]


@pytest.mark.django_db(transaction=True)
def test_a_worker_keeps_one_smtp_connection_and_reconnects_when_the_server_drops_it(settings):
    """Opening a connection per mail halves throughput: mails share one until it goes stale."""
    from tests.servers import SmtpSink

    sink = SmtpSink().start()
    try:
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", sink.port
        settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
        settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
        for number in range(5):
            mail_enqueue(key=f"reuse:{number}", to=["r@example.com"], subject="s", text="t")
        assert len(sink.message_ids) == 5
        assert len(sink.connections) == 1

        sink.stop()  # the server goes away and comes back: the kept connection is stale
        sink.start()
        mail_enqueue(key="reuse:after", to=["r@example.com"], subject="s", text="t")
        assert len(sink.message_ids) == 6
        assert len(sink.connections) == 2
        assert OutboundMail.objects.get(key="reuse:after").attempts == 1  # no retry needed
    finally:
        from outbox.tasks import _close_smtp

        _close_smtp()
        sink.stop()
