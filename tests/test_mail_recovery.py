"""Mail that lost its delivery task is found by the maintenance pass and sent; refusals are
sorted into permanent (never retried) and temporary (retried later)."""

import smtplib
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from background.tasks import maintain
from outbox.models import OutboundMail
from outbox.services import mail_enqueue
from outbox.tasks import classify, deliver
from tests.utils import run_worker

pytestmark = pytest.mark.django_db


@pytest.fixture
def queue(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


def waiting_deliveries():
    return DBTaskResult.objects.filter(
        status=TaskResultStatus.READY, task_path=deliver.module_path
    ).count()


def test_an_overdue_mail_whose_task_was_lost_is_queued_again_and_sent(queue, settings):
    row = mail_enqueue(key="lost:1", to=["reader@example.com"], subject="Hi", text="Hello")
    DBTaskResult.objects.all().delete()  # the task was cancelled or lost
    overdue = timezone.now() - timedelta(seconds=settings.MAIL_LEASE_SECONDS + 60)
    OutboundMail.objects.filter(pk=row.pk).update(next_attempt_at=overdue)
    maintain()
    assert waiting_deliveries() == 1
    maintain()  # a second pass finds the task waiting and adds no other
    assert waiting_deliveries() == 1
    run_worker()
    row.refresh_from_db()
    assert row.state == "sent" and [m.to for m in mail.outbox] == [["reader@example.com"]]


def test_an_overdue_mail_with_its_task_still_waiting_gets_no_second_one(queue, settings):
    row = mail_enqueue(key="slow:1", to=["reader@example.com"], subject="Hi", text="Hello")
    overdue = timezone.now() - timedelta(seconds=settings.MAIL_LEASE_SECONDS + 60)
    OutboundMail.objects.filter(pk=row.pk).update(next_attempt_at=overdue)
    maintain()
    assert waiting_deliveries() == 1


@pytest.mark.parametrize(
    ("error", "kind"),
    [
        (smtplib.SMTPDataError(550, b"mailbox unavailable"), "permanent"),
        (smtplib.SMTPDataError(451, b"try again later"), "temporary"),
        (smtplib.SMTPRecipientsRefused({"a@example.com": (550, b"no")}), "permanent"),
        (smtplib.SMTPRecipientsRefused({"a@example.com": (450, b"busy")}), "temporary"),
        (type("AnymailRecipientsRefused", (Exception,), {})("all refused"), "permanent"),
        (ConnectionRefusedError(), "temporary"),
    ],
)
def test_refusals_are_sorted_into_permanent_and_temporary(error, kind):
    assert classify(error) == kind
