"""The send task: claim the mail, send it through Django's mail backend, record the outcome.

Exactly once, as far as SMTP allows: a worker claims a mail with one UPDATE (queued, or
sending with an expired lease, or failed and retried by a person), so two workers never hold
it together; it is marked sent in the statement that follows the server's acceptance. A worker
killed before the server accepted leaves the mail "sending": once its lease expires the
maintenance task hands it to another worker. Only a kill in the instant between the server's
"250 OK" and that UPDATE can send a mail twice; the Message-ID is the same on every attempt, so
a receiving server can recognise the repeat.
"""

import contextlib
import logging
import smtplib
from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db.models import F, Q
from django.utils import timezone
from django_tasks import task

from .models import OutboundMail
from .services import _enqueue_delivery, retry_at

logger = logging.getLogger("byline.mail")
State = OutboundMail.State


class MailFailed(Exception):
    """The mail was given up on (permanently refused, or out of attempts)."""


def classify(error):
    """'permanent' for a refusal that will not change (SMTP 5xx for the mail), else 'temporary'."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _message in error.recipients.values()]
        return "permanent" if codes and all(code >= 500 for code in codes) else "temporary"
    if isinstance(error, smtplib.SMTPDataError) and error.smtp_code >= 500:
        return "permanent"
    if type(error).__name__ == "AnymailRecipientsRefused":  # a provider API refused them all
        return "permanent"
    return "temporary"  # 4xx, refused connections, timeouts, a dropped line, anything else


def _claim(pk):
    now = timezone.now()
    return OutboundMail.objects.filter(
        Q(state=State.QUEUED, next_attempt_at__lte=now)
        | Q(state=State.SENDING, lease_until__lt=now)
        | Q(state=State.FAILED),
        pk=pk,
    ).update(
        state=State.SENDING,
        lease_until=now + timedelta(seconds=settings.MAIL_LEASE_SECONDS),
        attempts=F("attempts") + 1,
    )


def _message(mail):
    headers = {**mail.headers, "Message-ID": mail.message_id}
    message = EmailMultiAlternatives(
        subject=mail.subject,
        body=mail.text,
        from_email=mail.from_email or None,
        to=mail.to,
        headers=headers,
    )
    if mail.html:
        message.attach_alternative(mail.html, "text/html")
    return message


@task()
def deliver(mail_id):
    if not _claim(mail_id):
        return "skipped"  # sent already, held by another worker, or not due yet
    mail = OutboundMail.objects.get(pk=mail_id)
    try:
        _send(_message(mail))
    except Exception as error:
        return _failed(mail, error)
    OutboundMail.objects.filter(pk=mail.pk, state=State.SENDING).update(
        state=State.SENT, sent_at=timezone.now(), lease_until=None, last_error=""
    )
    return "sent"


# One SMTP connection per worker process, kept open between mails: opening one (TCP, EHLO,
# STARTTLS, AUTH) costs more than sending a mail. Keyed by the mail settings, so a change of
# server (or of backend, as tests do) opens a new one. Other backends connect per mail.
_smtp = {"key": None, "connection": None}


def _smtp_connection():
    key = (
        settings.EMAIL_BACKEND,
        settings.EMAIL_HOST,
        settings.EMAIL_PORT,
        settings.EMAIL_HOST_USER,
        settings.EMAIL_USE_TLS,
        settings.EMAIL_USE_SSL,
    )
    if _smtp["key"] != key:
        _close_smtp()
        connection = get_connection(fail_silently=False)
        connection.open()
        _smtp.update(key=key, connection=connection)
    return _smtp["connection"]


def _close_smtp():
    connection, _smtp["connection"], _smtp["key"] = _smtp["connection"], None, None
    if connection is not None:
        with contextlib.suppress(Exception):  # a connection that is already gone
            connection.close()


def _send(message):
    if settings.EMAIL_BACKEND != "django.core.mail.backends.smtp.EmailBackend":
        message.send(fail_silently=False)
        return
    try:
        _smtp_connection().send_messages([message])
    except smtplib.SMTPServerDisconnected:
        # The kept connection went stale (the server closes idle ones): one fresh try.
        _close_smtp()
        try:
            _smtp_connection().send_messages([message])
        except Exception:
            _close_smtp()
            raise
    except Exception as error:
        if not isinstance(error, smtplib.SMTPResponseException | smtplib.SMTPRecipientsRefused):
            _close_smtp()  # refused connections, timeouts: start afresh next time
        raise


def _failed(mail, error):
    kind = classify(error)
    message = f"{type(error).__name__}: {error}"[:2000]
    fields = {"last_error": message, "lease_until": None}
    if kind == "permanent":
        OutboundMail.objects.filter(pk=mail.pk).update(state=State.REJECTED, **fields)
        logger.warning("Mail %s refused for good: %s", mail.key, message)
        raise MailFailed(f"refused permanently: {message}") from error
    if mail.attempts >= settings.MAIL_MAX_ATTEMPTS:
        OutboundMail.objects.filter(pk=mail.pk).update(state=State.FAILED, **fields)
        logger.error("Mail %s failed after %d attempts: %s", mail.key, mail.attempts, message)
        raise MailFailed(f"gave up after {mail.attempts} attempts: {message}") from error
    at = retry_at(mail.attempts)
    OutboundMail.objects.filter(pk=mail.pk).update(state=State.QUEUED, next_attempt_at=at, **fields)
    _enqueue_delivery(mail.pk, at=at)
    logger.warning("Mail %s attempt %d failed, retry at %s: %s", mail.key, mail.attempts, at, error)
    return f"retry at {at.isoformat()}"
