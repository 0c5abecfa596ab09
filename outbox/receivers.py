"""At each maintenance run: hand lost mails to a worker again, and prune old ones."""

from datetime import timedelta

from django.conf import settings
from django.dispatch import receiver
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from background.signals import maintenance

from .models import OutboundMail
from .services import _enqueue_delivery
from .tasks import deliver

State = OutboundMail.State
BATCH = 1000


@receiver(maintenance, dispatch_uid="outbox_maintenance")
def recover_and_prune(sender, now, **kwargs):
    # Held by a worker whose lease ran out: it died (or hangs) mid-send.
    expired = OutboundMail.objects.filter(state=State.SENDING, lease_until__lt=now)
    for pk in expired.values_list("pk", flat=True)[:BATCH]:
        _enqueue_delivery(pk)
    # Due for a while with no task waiting for it (its task was cancelled or lost).
    overdue = OutboundMail.objects.filter(
        state=State.QUEUED,
        next_attempt_at__lt=now - timedelta(seconds=settings.MAIL_LEASE_SECONDS),
    )
    overdue_ids = list(overdue.values_list("pk", flat=True)[:BATCH])
    if overdue_ids:
        waiting = DBTaskResult.objects.filter(
            status=TaskResultStatus.READY, task_path=deliver.module_path
        ).values_list("args_kwargs", flat=True)
        covered = {args["args"][0] for args in waiting if args.get("args")}
        for pk in set(overdue_ids) - covered:
            _enqueue_delivery(pk)
    cutoff = now - timedelta(days=settings.TASKS_RETENTION_DAYS)
    OutboundMail.objects.filter(
        state__in=[State.SENT, State.FAILED, State.REJECTED], created_at__lt=cutoff
    ).delete()
