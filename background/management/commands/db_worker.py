"""django-tasks-db's `db_worker`, unchanged in its options, with Byline's start-up step.

Before it takes its first task the worker recovers work that a killed worker left behind and
makes sure the periodic maintenance task is scheduled (it prunes old rows). Its log lines go
through Byline's logging setup (one JSON line per task run).
"""

from django_tasks_db.management.commands import db_worker

from background.tasks import maintain, schedule_maintenance


class Command(db_worker.Command):
    def configure_logging(self, verbosity):
        """Byline's LOGGING already routes the workers' lines; -v 2 shows the library's too."""
        if verbosity > 1:
            super().configure_logging(verbosity)

    def handle(self, *args, **options):
        maintain()
        schedule_maintenance()
        return super().handle(*args, **options)
