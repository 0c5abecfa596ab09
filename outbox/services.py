"""Enqueue a mail: `mail_enqueue(*, key, to, subject, text, html=None, ...)`.

Call it inside the transaction of the change that causes the mail. The mail is a row in that
transaction, and its send task is enqueued when the transaction commits: a rolled-back change
sends nothing, a committed one always has its mail. The key makes it idempotent: enqueueing
the same key twice stores and sends one mail.
"""

import random
from datetime import timedelta

from django.conf import settings
from django.core.mail import make_msgid
from django.db import IntegrityError, transaction
from django.template import TemplateDoesNotExist
from django.template.defaultfilters import linebreaks, urlize
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.html import escape

from .models import OutboundMail


def mail_enqueue(*, key, to, subject, text, html=None, headers=None, from_email=None):
    """Store one mail (once per key) and send it after the commit. Returns the row."""
    recipients = [to] if isinstance(to, str) else list(to)
    mail = OutboundMail(
        key=key[:255],
        to=recipients,
        from_email=from_email or "",
        subject=" ".join(subject.split())[:255],
        text=text,
        html=html or "",
        headers=headers or {},
        message_id=make_msgid(domain=_msgid_domain()),
    )
    try:
        with transaction.atomic():
            mail.save()
    except IntegrityError:
        return OutboundMail.objects.get(key=mail.key)
    transaction.on_commit(lambda: _enqueue_delivery(mail.pk))
    return mail


def mail_enqueue_rendered(*, key, to, subject, template, context, html=True, **kwargs):
    """Render `template`.txt (and `template`.html, or the text as HTML) and enqueue the mail."""
    text = render_to_string(f"{template}.txt", context)
    body_html = None
    if html:
        try:
            body_html = render_to_string(f"{template}.html", context)
        except TemplateDoesNotExist:
            body_html = html_from_text(text, subject=subject)
    return mail_enqueue(key=key, to=to, subject=subject, text=text, html=body_html, **kwargs)


def html_from_text(text, *, subject=""):
    """The HTML part of a plain-text mail: its paragraphs, links made clickable."""
    return render_to_string(
        "outbox/email.html",
        {"subject": subject, "body": linebreaks(urlize(escape(text), autoescape=False))},
    )


def mail_retry(mails):
    """Send failed (or rejected) mails again, from a fresh count of attempts."""
    ids = list(
        mails.filter(
            state__in=[OutboundMail.State.FAILED, OutboundMail.State.REJECTED]
        ).values_list("pk", flat=True)
    )
    with transaction.atomic():
        OutboundMail.objects.filter(pk__in=ids).update(
            state=OutboundMail.State.QUEUED, attempts=0, next_attempt_at=timezone.now()
        )
        for pk in ids:
            transaction.on_commit(lambda pk=pk: _enqueue_delivery(pk))
    return len(ids)


def backoff(attempts):
    """Seconds before attempt `attempts + 1`: exponential, capped, with full jitter above half."""
    ceiling = min(
        settings.MAIL_RETRY_MAX_SECONDS, settings.MAIL_RETRY_BASE_SECONDS * 2 ** (attempts - 1)
    )
    return ceiling / 2 + random.uniform(0, ceiling / 2)


def _msgid_domain():
    sender = settings.DEFAULT_FROM_EMAIL
    return sender.rsplit("@", 1)[-1].strip(" >") if "@" in sender else "byline.local"


def _enqueue_delivery(pk, *, at=None):
    from .tasks import deliver

    backend = settings.TASKS["default"]["BACKEND"]
    if at is not None and backend == "django_tasks_db.DatabaseBackend":
        deliver.using(run_after=at).enqueue(pk)
    elif at is None:
        deliver.enqueue(pk)
    # An immediate backend cannot wait: the maintenance sweep picks the retry up.


def retry_at(attempts):
    return timezone.now() + timedelta(seconds=backoff(attempts))
