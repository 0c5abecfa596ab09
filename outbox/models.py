from django.db import models
from django.utils import timezone


class OutboundMail(models.Model):
    """One mail to send, once: its idempotency key names the event and the recipient."""

    class State(models.TextChoices):
        QUEUED = "queued", "Queued"
        SENDING = "sending", "Sending"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed (gave up retrying)"
        REJECTED = "rejected", "Rejected (permanent failure)"

    key = models.CharField(max_length=255, unique=True, help_text="event and recipient")
    to = models.JSONField(default=list)
    from_email = models.CharField(max_length=255, blank=True)
    subject = models.CharField(max_length=255)
    text = models.TextField()
    html = models.TextField(blank=True)
    headers = models.JSONField(default=dict, blank=True)
    message_id = models.CharField(max_length=255, help_text="the same on every attempt")
    state = models.CharField(max_length=10, choices=State.choices, default=State.QUEUED)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    lease_until = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "mail"
        indexes = [
            models.Index(fields=["state", "next_attempt_at"], name="outbox_state_next_idx"),
        ]

    def __str__(self):
        return f"{self.subject} → {', '.join(self.to)}"
