"""The maintenance task, and the operations behind the admin actions and `manage.py tasks`."""

import logging
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django_tasks import TaskResultStatus, task
from django_tasks_db.models import DBTaskResult

from .signals import maintenance as maintenance_signal

logger = logging.getLogger("byline.tasks")

# A task still "running" this long after it started lost its worker (killed, machine gone):
# it is marked failed, so a person sees it and can retry it.
STALE_RUNNING = timedelta(hours=1)
CANCELLED = "background.cancelled"
WORKER_LOST = "background.worker_lost"


def maintain():
    """Recover lost work and prune old rows: the maintenance task's work, also run at start."""
    now = timezone.now()
    lost = DBTaskResult.objects.running().filter(started_at__lt=now - STALE_RUNNING)
    marked = lost.update(
        status=TaskResultStatus.FAILED,
        finished_at=now,
        exception_class_path=WORKER_LOST,
        traceback="The worker running this task stopped before it finished (killed or lost).",
    )
    cutoff = now - timedelta(days=settings.TASKS_RETENTION_DAYS)
    pruned, _ = DBTaskResult.objects.finished().filter(finished_at__lt=cutoff).delete()
    maintenance_signal.send(sender=maintain, now=now)
    return {"worker_lost": marked, "pruned": pruned}


@task()
def maintenance():
    outcome = maintain()
    schedule_maintenance()
    return outcome


def schedule_maintenance():
    """Enqueue the next maintenance run, unless one is already waiting."""
    if settings.TASKS["default"]["BACKEND"] != "django_tasks_db.DatabaseBackend":
        return
    waiting = DBTaskResult.objects.filter(
        status=TaskResultStatus.READY, task_path=maintenance.module_path
    )
    if not waiting.exists():
        run_after = timezone.now() + timedelta(seconds=settings.TASKS_MAINTENANCE_SECONDS)
        maintenance.using(run_after=run_after).enqueue()


def task_retry(results):
    """Put failed tasks back in the queue, to run as soon as a worker is free."""
    with transaction.atomic():
        return results.filter(status=TaskResultStatus.FAILED).update(
            status=TaskResultStatus.READY,
            run_after=timezone.now(),
            finished_at=None,
        )


def task_cancel(results, *, by=""):
    """Take waiting tasks (or ones whose worker was lost) out of the queue; they show as failed."""
    return results.filter(status__in=[TaskResultStatus.READY, TaskResultStatus.RUNNING]).update(
        status=TaskResultStatus.FAILED,
        finished_at=timezone.now(),
        exception_class_path=CANCELLED,
        traceback=f"Cancelled{' by ' + by if by else ''}.",
    )
