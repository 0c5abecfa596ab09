from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from blog.models import Article

from .text import render_body

MAX_BODY_LENGTH = 5000


class Comment(models.Model):
    """A reader's response to a piece, or a reply to a response (one level deep)."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        APPROVED = "approved", "Approved"
        HIDDEN = "hidden", "Hidden"
        SPAM = "spam", "Spam"
        REMOVED = "removed", "Removed"

    class Actor(models.TextChoices):
        """Who set the current status: shown to readers as the reason for a placeholder."""

        NONE = "", "Nobody"
        RULES = "rules", "The automatic rules"
        MODERATOR = "moderator", "A moderator"
        PIECE_AUTHOR = "piece_author", "The piece's author"
        OWNER = "owner", "The response's writer"

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="responses")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="responses",
    )
    parent = models.ForeignKey(
        "self", on_delete=models.CASCADE, null=True, blank=True, related_name="replies"
    )
    body = models.TextField(help_text="Plain text, exactly as the reader wrote it.")
    body_html = models.TextField(editable=False, default="")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    status_by = models.CharField(max_length=12, choices=Actor.choices, default="", blank=True)
    report_count = models.PositiveIntegerField(
        default=0, editable=False, help_text="Open reports since the last moderation decision."
    )
    created_at = models.DateTimeField(default=timezone.now)
    edited_at = models.DateTimeField(null=True, blank=True, editable=False)
    approved_at = models.DateTimeField(
        null=True, blank=True, editable=False, help_text="First publication (notifications)."
    )

    class Meta:
        verbose_name = "response"
        verbose_name_plural = "responses"
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["pending", "approved", "hidden", "spam", "removed"]),
                name="comment_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(status_by__in=["", "rules", "moderator", "piece_author", "owner"]),
                name="comment_status_by_valid",
            ),
        ]
        indexes = [
            models.Index(fields=["article", "status", "created_at"], name="comment_article_idx"),
            models.Index(fields=["author", "created_at"], name="comment_author_idx"),
            models.Index(fields=["status", "report_count"], name="comment_queue_idx"),
        ]
        permissions = [("can_moderate", "Can moderate responses (approve, hide, spam, remove)")]

    def __str__(self):
        text = " ".join(self.body.split())
        return text[:60] + ("…" if len(text) > 60 else "")

    def get_absolute_url(self):
        return f"{self.article.get_absolute_url()}#response-{self.pk}"

    def save(self, *args, **kwargs):
        update_fields = kwargs.get("update_fields")
        if update_fields is None or "body" in update_fields:
            self.body_html = render_body(self.body)
        super().save(*args, **kwargs)

    @property
    def author_name(self):
        return display_name(self.author)

    @property
    def is_reply(self):
        return self.parent_id is not None


def display_name(user):
    """The name shown for a reader: their author profile's, their full name, else username."""
    if user is None:
        return "A former reader"
    try:
        profile = user.author_profile
    except ObjectDoesNotExist:
        profile = None
    if profile is not None:
        return profile.display_name
    return user.get_full_name().strip() or user.get_username()


class CommentRevision(models.Model):
    """A previous text of an edited response, kept for moderators."""

    comment = models.ForeignKey(Comment, on_delete=models.CASCADE, related_name="revisions")
    body = models.TextField()
    created_at = models.DateTimeField(default=timezone.now, help_text="When it was replaced.")

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"Earlier text of response {self.comment_id}"


class ModerationLog(models.Model):
    """One moderation action: who, what, when, why, and the status before and after."""

    class Action(models.TextChoices):
        HOLD = "hold", "Held for review"
        SPAM = "spam", "Marked as spam"
        APPROVE = "approve", "Approved"
        HIDE = "hide", "Hidden"
        REMOVE = "remove", "Removed"
        REQUEUE = "requeue", "Returned to pending"
        AUTHOR_HIDE = "author_hide", "Hidden by the piece's author"
        AUTHOR_UNHIDE = "author_unhide", "Shown again by the piece's author"
        EDIT = "edit", "Edited by its writer"
        DELETE = "delete", "Deleted by its writer"
        REPORT = "report", "Reported"
        BAN = "ban", "Reader banned"
        UNBAN = "unban", "Reader unbanned"

    comment = models.ForeignKey(
        Comment, on_delete=models.SET_NULL, null=True, blank=True, related_name="log"
    )
    article = models.ForeignKey(
        Article, on_delete=models.CASCADE, null=True, blank=True, related_name="moderation_log"
    )
    subject = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="The reader concerned (the response's writer, or the banned reader).",
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="Empty when the automatic rules acted.",
    )
    action = models.CharField(max_length=16, choices=Action.choices)
    reason = models.TextField(blank=True)
    status_before = models.CharField(
        max_length=10, choices=Comment.Status.choices, blank=True, default=""
    )
    status_after = models.CharField(
        max_length=10, choices=Comment.Status.choices, blank=True, default=""
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "moderation log entry"
        verbose_name_plural = "moderation log"
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["article", "created_at"], name="modlog_article_idx")]

    def __str__(self):
        who = self.actor.get_username() if self.actor else "rules"
        return f"{self.get_action_display()} by {who}"


class Report(models.Model):
    """A reader's report of a response: one per reader and response."""

    comment = models.ForeignKey(Comment, on_delete=models.CASCADE, related_name="reports")
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="response_reports"
    )
    reason = models.CharField(max_length=500, blank=True)
    weight = models.FloatField(
        default=1,
        editable=False,
        help_text="How much the report counts towards hiding (services.report_weight).",
    )
    resolved = models.BooleanField(default=False, help_text="A moderator has decided since.")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["comment", "reporter"], name="report_once_per_reader")
        ]

    def __str__(self):
        return f"Report on response {self.comment_id}"


class Ban(models.Model):
    """A reader who may no longer respond."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="response_ban"
    )
    reason = models.TextField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "banned reader"
        verbose_name_plural = "banned readers"
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.user} (banned)"


class ModerationWord(models.Model):
    """A word or phrase that holds a response for review, or marks it as spam."""

    class Action(models.TextChoices):
        HOLD = "hold", "Hold for review"
        BLOCK = "block", "Mark as spam"

    word = models.CharField(max_length=100, help_text="Matched as a whole word, any case.")
    action = models.CharField(max_length=5, choices=Action.choices, default=Action.HOLD)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["action", "word"]
        constraints = [
            models.UniqueConstraint(fields=["word", "action"], name="moderationword_unique"),
            models.CheckConstraint(
                condition=Q(action__in=["hold", "block"]), name="moderationword_action_valid"
            ),
        ]

    def __str__(self):
        return f"{self.word} ({self.get_action_display()})"


class NotificationSettings(models.Model):
    """Which response emails a user wants; a user without a row gets them all."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="response_notifications"
    )
    replies = models.BooleanField("someone replies to my response", default=True)
    approvals = models.BooleanField("a response on my piece is published", default=True)
    moderation = models.BooleanField("a response is held or reported (moderators)", default=True)

    class Meta:
        verbose_name_plural = "notification settings"

    def __str__(self):
        return f"Notification settings of {self.user}"

    def get_absolute_url(self):
        return reverse("comments:notifications")
