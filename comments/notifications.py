"""Response emails, queued in the change's transaction and sent by a worker after the commit.

A failing mail server never fails or slows a request (outbox: retried, sent once per key).
"""

import uuid

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.db.models import Q
from django.urls import reverse

from outbox.services import mail_enqueue_rendered

from .models import NotificationSettings


def absolute(site_url, path):
    base = (site_url or settings.BYLINE_SITE_URL).rstrip("/")
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


def _send(key, subject, template, context, recipients, *, html):
    """One mail per recipient, each with its own idempotency key (event + recipient)."""
    subject = " ".join(subject.split())[:200]
    for user in recipients:
        mail_enqueue_rendered(
            key=f"{key}:{user.pk}",
            to=[user.email],
            subject=subject,
            template=template,
            context=context,
            html=html,
        )


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
    """Tell moderators that a response waits for them (each time it is held: a new event)."""
    _send(
        f"response-held:{comment.pk}:{uuid.uuid4().hex}",
        f"[{settings.SITE_NAME}] A response is waiting for review",
        "comments/email/held",
        _context(comment, site_url, reason=reason),
        moderators(),
        html=False,
    )


def response_reported(comment, *, requeued, site_url=""):
    _send(
        f"response-reported:{comment.pk}:{uuid.uuid4().hex}",
        f"[{settings.SITE_NAME}] A response was reported",
        "comments/email/reported",
        _context(comment, site_url, requeued=requeued),
        moderators(),
        html=False,
    )


def response_published(comment, *, site_url=""):
    """Tell the piece's author about a new response, and the parent's writer about a reply."""
    piece_author = comment.article.author.user
    if piece_author.pk != comment.author_id and _wants(piece_author, "approvals"):
        _send(
            f"response-published:{comment.pk}",
            f"[{settings.SITE_NAME}] New response to “{comment.article.title}”",
            "comments/email/approved",
            _context(comment, site_url),
            [piece_author],
            html=True,
        )
    parent = comment.parent
    if (
        parent is not None
        and parent.author_id not in (None, comment.author_id)
        and _wants(parent.author, "replies")
    ):
        _send(
            f"response-reply:{comment.pk}",
            f"[{settings.SITE_NAME}] {comment.author_name} replied to your response",
            "comments/email/reply",
            _context(comment, site_url),
            [parent.author],
            html=True,
        )
