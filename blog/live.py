""" "A piece went live": processed once, at its publish time, whichever code saved it.

Saving a published piece records a LiveEvent for (piece, publish time) in the same transaction
and, on commit, enqueues a task to run at that time. The task locks the event, checks that the
piece is still published at that same time (an unpublished or rescheduled piece is skipped:
rescheduling records its own event), and sends `piece_went_live` once. Listeners (newsletters,
federation) receive the piece and `backfill`: true when the publish time was already more than
BACKFILL_AFTER in the past when the piece was saved (imported back catalogues), so they can stay
quiet about those.
"""

from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models.signals import post_save
from django.dispatch import Signal, receiver
from django.utils import timezone
from django_tasks import task

from .models import Article, LiveEvent

piece_went_live = Signal()  # sender=Article, piece=…, backfill=bool
BACKFILL_AFTER = timedelta(hours=1)


@receiver(post_save, sender=Article, dispatch_uid="blog_live_article_saved")
def article_saved(sender, instance, raw, using, **kwargs):
    if raw or instance.status != Article.Status.PUBLISHED or instance.published_at is None:
        return
    now = timezone.now()
    event, created = LiveEvent.objects.using(using).get_or_create(
        article_id=instance.pk,
        published_at=instance.published_at,
        defaults={"backfill": instance.published_at < now - BACKFILL_AFTER},
    )
    if created:
        transaction.on_commit(lambda: _enqueue(event), using=using)


def _enqueue(event):
    deferred = settings.TASKS["default"]["BACKEND"] == "django_tasks_db.DatabaseBackend"
    if deferred and event.published_at > timezone.now():
        went_live.using(run_after=event.published_at).enqueue(event.pk)
    else:
        went_live.enqueue(event.pk)


@task()
def went_live(event_id):
    with transaction.atomic():
        event = LiveEvent.objects.select_for_update().filter(pk=event_id).first()
        if event is None or event.processed_at is not None:
            return "done already"
        piece = Article.objects.filter(pk=event.article_id).first()
        now = timezone.now()
        if event.published_at > now:
            return "not yet"  # run early (a person retried it): its own task comes later
        if (
            piece is None
            or piece.status != Article.Status.PUBLISHED
            or piece.published_at != event.published_at
        ):
            outcome = "skipped"  # unpublished, deleted, or moved to another time
        else:
            piece_went_live.send(sender=Article, piece=piece, backfill=event.backfill)
            outcome = "sent"
        event.processed_at, event.outcome = now, outcome
        event.save(update_fields=["processed_at", "outcome"])
    return outcome
