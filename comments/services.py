"""Every write to responses goes through here: status changes, the log, the count on the piece."""

import datetime
import logging

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from accounts import ratelimit
from accounts.roles import can_moderate
from blog.models import Article

from . import notifications, rules
from .models import MAX_BODY_LENGTH, Ban, Comment, CommentRevision, ModerationLog, Report
from .text import normalize_body, render_body

logger = logging.getLogger(__name__)

Status = Comment.Status
Actor = Comment.Actor
Action = ModerationLog.Action

# Which status may follow which (a writer's own deletion is final: see _moderate).
TRANSITIONS = {
    Status.PENDING: {Status.APPROVED, Status.HIDDEN, Status.SPAM, Status.REMOVED},
    Status.APPROVED: {Status.PENDING, Status.HIDDEN, Status.SPAM, Status.REMOVED},
    Status.HIDDEN: {Status.APPROVED, Status.PENDING, Status.SPAM, Status.REMOVED},
    Status.SPAM: {Status.APPROVED, Status.PENDING, Status.REMOVED},
    Status.REMOVED: {Status.APPROVED, Status.PENDING},
}
REASON_REQUIRED = {Status.HIDDEN, Status.REMOVED}


class ResponseRefused(Exception):
    """A response the site will not take; `status` is the HTTP status to answer with."""

    status = 403

    def __init__(self, message):
        super().__init__(message)
        self.message = message


class ResponsesClosed(ResponseRefused):
    pass


class ReaderBanned(ResponseRefused):
    pass


class EmailNotConfirmed(ResponseRefused):
    pass


CONFIRM_FIRST = (
    "Confirm your email address first: follow the link we mailed you at sign-up "
    "(or ask for a new one on your account's email page)."
)


def check_confirmed(user):
    """Self-service accounts respond, reply and report only once their address is confirmed."""
    if not getattr(user, "email_confirmed", False):
        raise EmailNotConfirmed(CONFIRM_FIRST)


class TooSoon(ResponseRefused):
    status = 429


class RateLimited(ResponseRefused):
    status = 429


class InvalidTransition(ValueError):
    pass


def edit_window():
    return datetime.timedelta(seconds=settings.BYLINE_RESPONSES_EDIT_SECONDS)


def edit_window_text():
    """The edit window in words for readers ("15 minutes"), from BYLINE_RESPONSES_EDIT_SECONDS."""
    minutes = max(1, round(settings.BYLINE_RESPONSES_EDIT_SECONDS / 60))
    return f"{minutes} minute{'s' if minutes != 1 else ''}"


def is_piece_author(user, article):
    return bool(user and user.is_authenticated and article.author.user_id == user.pk)


def can_edit(comment, user, now=None):
    """The writer may edit or delete their own response within the edit window."""
    if not (user and user.is_authenticated and comment.author_id == user.pk):
        return False
    if comment.status not in (Status.APPROVED, Status.PENDING):
        return False
    return (now or timezone.now()) - comment.created_at <= edit_window()


def refresh_response_count(article_id):
    """Set Article.response_count to the number of approved responses, in one UPDATE."""
    approved = (
        Comment.objects.filter(article=OuterRef("pk"), status=Status.APPROVED)
        .order_by()
        .values("article")
        .annotate(n=Count("pk"))
        .values("n")
    )
    Article.objects.filter(pk=article_id).update(response_count=Coalesce(Subquery(approved), 0))


def _log(comment, *, action, actor=None, reason="", before="", after="", subject=None):
    return ModerationLog.objects.create(
        comment=comment,
        article_id=comment.article_id if comment else None,
        subject=subject if subject is not None else (comment.author if comment else None),
        actor=actor,
        action=action,
        reason=reason,
        status_before=before,
        status_after=after,
    )


def clean_body(body):
    body = normalize_body(body)
    if not body:
        raise ValidationError({"body": "Write something first."})
    if len(body) > MAX_BODY_LENGTH:
        raise ValidationError(
            {"body": f"Keep it under {MAX_BODY_LENGTH:,} characters (this has {len(body):,})."}
        )
    return body


# -- Flood control -------------------------------------------------------------------------


def _recent_twin(*, article, author, parent, body):
    """The same response from the same reader moments ago: a double-submitted form."""
    since = timezone.now() - datetime.timedelta(seconds=settings.BYLINE_RESPONSES_FLOOD_SECONDS)
    return (
        Comment.objects.filter(
            article=article, author=author, parent=parent, body=body, created_at__gte=since
        )
        .order_by("pk")
        .first()
    )


def _check_flood(author, ip_address):
    seconds = settings.BYLINE_RESPONSES_FLOOD_SECONDS
    if seconds:
        since = timezone.now() - datetime.timedelta(seconds=seconds)
        recent = Comment.objects.filter(author=author, created_at__gte=since).exists()
        try:
            first = cache.add(f"comments:flood:{author.pk}", 1, seconds)
        except Exception:
            logger.warning("Response flood control: the cache is unavailable", exc_info=True)
            first = True
        if recent or not first:
            raise TooSoon(
                f"You responded a moment ago. Wait {seconds} seconds between responses, "
                "then send this one again."
            )
    limit, window = settings.BYLINE_RESPONSES_IP_RATE
    if ip_address and not ratelimit.hit("responses:ip", ip_address, (limit, window)):
        raise RateLimited(
            "Too many responses from your network right now. "
            f"Try again in {max(1, window // 60)} minutes."
        )


# -- Writing -------------------------------------------------------------------------------


def comment_create(
    *, article, author, body, parent=None, honeypot="", ip_address=None, site_url=""
):
    """Write a new response (or reply) and decide its first status with the rules."""
    if not rules.accepts_responses(article) or not article.is_published:
        raise ResponsesClosed("This piece is not taking new responses.")
    if Ban.objects.filter(user=author).exists():
        raise ReaderBanned("Your account may no longer respond on this site.")
    check_confirmed(author)
    body = clean_body(body)
    if parent is not None:
        if parent.parent_id is not None:
            parent = parent.parent  # one level of nesting: a reply to a reply joins the thread
        if parent.article_id != article.pk or parent.status != Status.APPROVED:
            raise ValidationError({"parent": "You can only reply to a published response."})
    with transaction.atomic():
        # One writer at a time per account (a row lock on PostgreSQL), so a double-submitted
        # form finds the copy its twin stored instead of storing a second one.
        list(get_user_model().objects.select_for_update().filter(pk=author.pk).values_list("pk"))
        twin = _recent_twin(article=article, author=author, parent=parent, body=body)
        if twin is not None:
            return twin
        _check_flood(author, ip_address)
        body_html = render_body(body)
        verdict = rules.check_new(
            article=article, author=author, body=body, body_html=body_html, honeypot=honeypot
        )
        now = timezone.now()
        comment = Comment(
            article=article,
            author=author,
            parent=parent,
            body=body,
            status=verdict.status,
            status_by=Actor.NONE if verdict.status == Status.APPROVED else Actor.RULES,
            approved_at=now if verdict.status == Status.APPROVED else None,
            created_at=now,
        )
        comment.save()
        if verdict.status == Status.APPROVED:
            refresh_response_count(article.pk)
            notifications.response_published(comment, site_url=site_url)
        else:
            action = Action.SPAM if verdict.status == Status.SPAM else Action.HOLD
            _log(comment, action=action, reason=verdict.reason, after=verdict.status)
            if verdict.status == Status.PENDING:
                notifications.response_held(comment, verdict.reason, site_url=site_url)
    return comment


def comment_edit(*, comment, user, body, site_url=""):
    """Let the writer change their text within the edit window; the old text is kept.

    An edit passes the same rules as a new response (block and hold words, links, a
    pre-moderated piece, a first-time responder, bans, a confirmed address). When the rules hold
    an edit of a published response, the response goes back to pending with its new text (the
    earlier text stays in its revisions) until a moderator approves it: readers never see text
    that no moderator or rule let through.
    """
    if not can_edit(comment, user):
        raise PermissionDenied(f"Responses can be edited for {edit_window_text()} after posting.")
    article = comment.article
    if not rules.accepts_responses(article):
        raise ResponsesClosed("This piece is not taking responses any more: it cannot be edited.")
    if Ban.objects.filter(user=user).exists():
        raise ReaderBanned("Your account may no longer respond on this site.")
    check_confirmed(user)
    body = clean_body(body)
    if body == comment.body:
        return comment
    with transaction.atomic():
        locked = Comment.objects.select_for_update().get(pk=comment.pk)
        CommentRevision.objects.create(comment=locked, body=locked.body)
        before = locked.status
        locked.body = body
        locked.edited_at = timezone.now()
        verdict = rules.check_new(
            article=article,
            author=user,
            body=body,
            body_html=render_body(body),
            editing=locked,
        )
        if verdict.status == Status.SPAM or (
            before == Status.APPROVED and verdict.status != Status.APPROVED
        ):
            locked.status, locked.status_by = verdict.status, Actor.RULES
        locked.save()
        _log(locked, action=Action.EDIT, actor=user, before=before, after=locked.status)
        if locked.status != before:
            action = Action.SPAM if locked.status == Status.SPAM else Action.HOLD
            reason = f"Edited: {verdict.reason}"
            _log(locked, action=action, reason=reason, before=before, after=locked.status)
            refresh_response_count(locked.article_id)
            if locked.status == Status.PENDING:
                notifications.response_held(locked, reason, site_url=site_url)
    return locked


def comment_delete(*, comment, user):
    """The writer takes back their response (kept, out of sight, for moderators)."""
    if not can_edit(comment, user):
        raise PermissionDenied(f"Responses can be deleted for {edit_window_text()} after posting.")
    return _transition(
        comment, to=Status.REMOVED, actor=user, action=Action.DELETE, status_by=Actor.OWNER
    )


# -- Moderation ----------------------------------------------------------------------------


def _transition(comment, *, to, actor, action, status_by, reason="", site_url="", resolve=False):
    with transaction.atomic():
        locked = Comment.objects.select_for_update().select_related("article").get(pk=comment.pk)
        before = locked.status
        if to not in TRANSITIONS[before]:
            raise InvalidTransition(
                f"A response that is {locked.get_status_display().lower()} cannot become "
                f"{Status(to).label.lower()}."
            )
        locked.status, locked.status_by = to, status_by
        first_publication = to == Status.APPROVED and locked.approved_at is None
        if first_publication:
            locked.approved_at = timezone.now()
        fields = ["status", "status_by", "approved_at"]
        if resolve:
            locked.reports.filter(resolved=False).update(resolved=True)
            locked.report_count = 0
            fields.append("report_count")
        locked.save(update_fields=fields)
        _log(locked, action=action, actor=actor, reason=reason, before=before, after=to)
        refresh_response_count(locked.article_id)
        if first_publication:
            notifications.response_published(locked, site_url=site_url)
        if to == Status.PENDING and action == Action.REQUEUE:
            notifications.response_held(locked, reason, site_url=site_url)
    for field in ("status", "status_by", "approved_at", "report_count"):
        setattr(comment, field, getattr(locked, field))
    return comment


def _moderate(comment, actor, to, action, reason, site_url=""):
    if not can_moderate(actor):
        raise PermissionDenied("Only moderators can do this.")
    if comment.status == Status.REMOVED and comment.status_by == Actor.OWNER:
        raise InvalidTransition("Its writer deleted this response; it cannot be restored.")
    reason = (reason or "").strip()
    if to in REASON_REQUIRED and not reason:
        raise ValidationError({"reason": "Give a reason: the log keeps it."})
    return _transition(
        comment,
        to=to,
        actor=actor,
        action=action,
        status_by=Actor.NONE if to == Status.APPROVED else Actor.MODERATOR,
        reason=reason,
        site_url=site_url,
        resolve=True,
    )


def comment_approve(*, comment, actor, reason="", site_url=""):
    return _moderate(comment, actor, Status.APPROVED, Action.APPROVE, reason, site_url)


def comment_hide(*, comment, actor, reason, site_url=""):
    return _moderate(comment, actor, Status.HIDDEN, Action.HIDE, reason, site_url)


def comment_mark_spam(*, comment, actor, reason="", site_url=""):
    return _moderate(comment, actor, Status.SPAM, Action.SPAM, reason, site_url)


def comment_remove(*, comment, actor, reason, site_url=""):
    return _moderate(comment, actor, Status.REMOVED, Action.REMOVE, reason, site_url)


def comment_requeue(*, comment, actor, reason="", site_url=""):
    return _moderate(comment, actor, Status.PENDING, Action.REQUEUE, reason, site_url)


MODERATION_SERVICES = {
    "approve": comment_approve,
    "hide": comment_hide,
    "spam": comment_mark_spam,
    "remove": comment_remove,
    "requeue": comment_requeue,
}


def comment_hide_by_author(*, comment, user, reason=""):
    """The piece's author hides a published response on their own piece."""
    if not is_piece_author(user, comment.article):
        raise PermissionDenied("Only the piece's author can hide responses on it.")
    if comment.status != Status.APPROVED:
        raise InvalidTransition("Only published responses can be hidden.")
    return _transition(
        comment,
        to=Status.HIDDEN,
        actor=user,
        action=Action.AUTHOR_HIDE,
        status_by=Actor.PIECE_AUTHOR,
        reason=(reason or "").strip(),
    )


def comment_unhide_by_author(*, comment, user):
    """The piece's author shows again a response they hid themselves."""
    if not is_piece_author(user, comment.article):
        raise PermissionDenied("Only the piece's author can do this.")
    if comment.status != Status.HIDDEN or comment.status_by != Actor.PIECE_AUTHOR:
        raise InvalidTransition("Only responses you hid yourself can be shown again.")
    return _transition(
        comment,
        to=Status.APPROVED,
        actor=user,
        action=Action.AUTHOR_UNHIDE,
        status_by=Actor.NONE,
    )


def report_weight(user):
    """How much one reader's report counts towards taking a response off the page.

    Moderators: the whole threshold. An unconfirmed address: 0. An account younger than
    BYLINE_REPORT_TRUSTED_AGE_DAYS, or that never had a response published: 0.5. Else 1.
    """
    threshold = settings.BYLINE_RESPONSES_REPORT_THRESHOLD
    if can_moderate(user):
        return threshold
    if not getattr(user, "email_confirmed", False):
        return 0.0
    trusted_since = timezone.now() - datetime.timedelta(
        days=settings.BYLINE_REPORT_TRUSTED_AGE_DAYS
    )
    if user.date_joined > trusted_since:
        return 0.5
    if not Comment.objects.filter(author=user, approved_at__isnull=False).exists():
        return 0.5
    return 1.0


def comment_report(*, comment, reporter, reason="", site_url=""):
    """Record a reader's report; when the weighted open reports reach the threshold, the
    response goes back to pending (every report is kept for moderators either way).

    Return True if the response was taken off the page.
    """
    if not reporter.is_authenticated or comment.author_id == reporter.pk:
        raise PermissionDenied("You cannot report your own response.")
    check_confirmed(reporter)
    if comment.status != Status.APPROVED:
        raise InvalidTransition("Only published responses can be reported.")
    threshold = settings.BYLINE_RESPONSES_REPORT_THRESHOLD
    weight = report_weight(reporter)
    try:
        with transaction.atomic():
            Report.objects.create(
                comment=comment, reporter=reporter, reason=reason[:500], weight=weight
            )
    except IntegrityError:
        raise InvalidTransition("You have already reported this response.") from None
    with transaction.atomic():
        locked = Comment.objects.select_for_update().select_related("article").get(pk=comment.pk)
        open_reports = locked.reports.filter(resolved=False)
        locked.report_count = open_reports.count()
        total = sum(open_reports.values_list("weight", flat=True))
        locked.save(update_fields=["report_count"])
        _log(
            locked,
            action=Action.REPORT,
            actor=reporter,
            reason=reason[:500],
            before=locked.status,
            after=locked.status,
        )
        requeued = locked.status == Status.APPROVED and total >= threshold
        if requeued:
            before = locked.status
            locked.status, locked.status_by = Status.PENDING, Actor.RULES
            locked.save(update_fields=["status", "status_by"])
            _log(
                locked,
                action=Action.REQUEUE,
                reason=(
                    f"Reported by {locked.report_count} readers "
                    f"(weight {total:g} of {threshold:g})."
                ),
                before=before,
                after=Status.PENDING,
            )
            refresh_response_count(locked.article_id)
        notifications.response_reported(locked, requeued=requeued, site_url=site_url)
    comment.status, comment.report_count = locked.status, locked.report_count
    return requeued


def reader_ban(*, user, actor, reason, hide_past=False):
    """Refuse a reader's new responses; optionally hide the ones already there."""
    if not can_moderate(actor):
        raise PermissionDenied("Only moderators can ban readers.")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "Give a reason: the log keeps it."})
    with transaction.atomic():
        ban, _ = Ban.objects.update_or_create(
            user=user, defaults={"reason": reason, "created_by": actor}
        )
        _log(None, action=Action.BAN, actor=actor, reason=reason, subject=user)
        if hide_past:
            visible = Comment.objects.filter(
                author=user, status__in=[Status.APPROVED, Status.PENDING]
            )
            for comment in visible:
                comment_hide(comment=comment, actor=actor, reason=f"Reader banned: {reason}")
    return ban


def reader_unban(*, user, actor, reason=""):
    if not can_moderate(actor):
        raise PermissionDenied("Only moderators can lift bans.")
    with transaction.atomic():
        deleted, _ = Ban.objects.filter(user=user).delete()
        if deleted:
            _log(None, action=Action.UNBAN, actor=actor, reason=reason, subject=user)
    return bool(deleted)
