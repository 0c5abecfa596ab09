"""One log line per task run (name, id, attempt, duration, outcome), like the request log."""

import logging
import time

from django.dispatch import receiver
from django_tasks.signals import task_finished, task_started

logger = logging.getLogger("byline.tasks")
_started = {}


@receiver(task_started, dispatch_uid="byline_task_started")
def started(sender, task_result, **kwargs):
    _started[task_result.id] = time.perf_counter()


@receiver(task_finished, dispatch_uid="byline_task_finished")
def finished(sender, task_result, **kwargs):
    began = _started.pop(task_result.id, None)
    duration_ms = round((time.perf_counter() - began) * 1000, 1) if began is not None else None
    outcome = str(task_result.status).rsplit(".", 1)[-1].lower()
    name = task_result.task.module_path
    error = task_result.errors[-1].exception_class_path if task_result.errors else ""
    logger.log(
        logging.WARNING if error else logging.INFO,
        "task %s %s %s",
        name,
        outcome,
        error,
        extra={
            "task": name,
            "task_id": str(task_result.id),
            "attempt": max(len(task_result.worker_ids), 1),
            "duration_ms": duration_ms,
            "outcome": outcome,
        },
    )
