"""List background tasks, retry failed ones: `manage.py tasks list|retry`."""

from django.core.management.base import BaseCommand, CommandError
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from background.tasks import task_retry

STATES = {
    "failed": TaskResultStatus.FAILED,
    "queued": TaskResultStatus.READY,
    "running": TaskResultStatus.RUNNING,
    "done": TaskResultStatus.SUCCESSFUL,
}


class Command(BaseCommand):
    help = "List background tasks (failed ones by default) or retry failed ones."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        listing = sub.add_parser("list", help="list tasks")
        listing.add_argument("--state", choices=sorted(STATES), default="failed")
        listing.add_argument("--limit", type=int, default=50)
        retry = sub.add_parser("retry", help="put failed tasks back in the queue")
        retry.add_argument("ids", nargs="*", help="task ids (none: with --all)")
        retry.add_argument("--all", action="store_true", help="every failed task")

    def handle(self, *args, action, **options):
        if action == "list":
            results = DBTaskResult.objects.filter(status=STATES[options["state"]])
            results = results.order_by("-enqueued_at")[: options["limit"]]
            for result in results:
                error = result.exception_class_path or "-"
                when = (result.finished_at or result.started_at or result.enqueued_at).isoformat()
                self.stdout.write(f"{result.id}  {result.task_path}  {when}  {error}")
            self.stdout.write(f"{len(results)} {options['state']} task(s)")
            return
        if not options["ids"] and not options["all"]:
            raise CommandError("Name task ids, or pass --all to retry every failed task.")
        failed = DBTaskResult.objects.all()
        if not options["all"]:
            failed = failed.filter(pk__in=options["ids"])
        count = task_retry(failed)
        self.stdout.write(f"{count} task(s) queued again")
