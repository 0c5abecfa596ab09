"""Response emails, sent after the database commit; a failing mail server never fails a request."""

import logging
from functools import partial

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse

from .models import NotificationSettings

logger = logging.getLogger(__name__)


def absolute(site_url, path):
    base = (site_url or getattr(settings, "BYLINE_SITE_URL", "")).rstrip("/")
    return f"{base}{path}"


def _wants(user, kind):
    if user is None or not user.is_active or not user.email:
        return False
    prefs = NotificationSettings.objects.filter(user=user).values_list(kind, flat=True).first()
    return prefs is None or prefs


def moderators():
    """Active users who may moderate, with an email address, who did not opt out."""
    perm = Permission.objects.filter(
        content_type__app_label="comments", codename="can_moderate"
    ).first()
    who = Q(is_superuser=True)
    if perm is not None:
        who |= Q(groups__permissions=perm) | Q(user_permissions=perm)
    users = get_user_model().objects.filter(who, is_active=True).exclude(email="").distinct()
    opted_out = NotificationSettings.objects.filter(moderation=False).values("user_id")
    return list(users.exclude(pk__in=opted_out))


def _send(subject, template, context, recipients):
    try:
        body = render_to_string(template, context)
        for email in recipients:
            send_mail(subject, body, None, [email], fail_silently=False)
    except Exception:
        logger.exception("Could not send the response email %r to %s", subject, recipients)


def _schedule(subject, template, context, recipients):
    recipients = sorted({email for email in recipients if email})
    subject = " ".join(subject.split())[:200]
    if recipients:
        transaction.on_commit(partial(_send, subject, template, context, recipients))


def _context(comment, site_url, **extra):
    return {
        "comment": comment,
        "article": comment.article,
        "response_url": absolute(site_url, comment.get_absolute_url()),
        "admin_url": absolute(
            site_url, reverse("admin:comments_comment_change", args=[comment.pk])
        ),
        "settings_url": absolute(site_url, reverse("comments:notifications")),
        "SITE_NAME": settings.SITE_NAME,
        **extra,
    }


def response_held(comment, reason, *, site_url=""):
    """Tell moderators that a response waits for them."""
    _schedule(
        f"[{settings.SITE_NAME}] A response is waiting for review",
        "comments/email/held.txt",
        _context(comment, site_url, reason=reason),
        [user.email for user in moderators()],
    )


def response_reported(comment, *, requeued, site_url=""):
    _schedule(
        f"[{settings.SITE_NAME}] A response was reported",
        "comments/email/reported.txt",
        _context(comment, site_url, requeued=requeued),
        [user.email for user in moderators()],
    )


def response_published(comment, *, site_url=""):
    """Tell the piece's author about a new response, and the parent's writer about a reply."""
    piece_author = comment.article.author.user
    if piece_author.pk != comment.author_id and _wants(piece_author, "approvals"):
        _schedule(
            f"[{settings.SITE_NAME}] New response to “{comment.article.title}”",
            "comments/email/approved.txt",
            _context(comment, site_url),
            [piece_author.email],
        )
    parent = comment.parent
    if (
        parent is not None
        and parent.author_id not in (None, comment.author_id)
        and _wants(parent.author, "replies")
    ):
        _schedule(
            f"[{settings.SITE_NAME}] {comment.author_name} replied to your response",
            "comments/email/reply.txt",
            _context(comment, site_url),
            [parent.author.email],
        )
