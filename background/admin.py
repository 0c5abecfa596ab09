"""Staff see the queue: waiting, running, failed and recent tasks, with retry and cancel."""

from django.contrib import admin, messages
from django_tasks_db.admin import DBTaskResultAdmin
from django_tasks_db.models import DBTaskResult

from .tasks import task_cancel, task_retry

admin.site.unregister(DBTaskResult)


@admin.register(DBTaskResult)
class TaskAdmin(DBTaskResultAdmin):
    list_display = (
        "task_name",
        "status",
        "attempts",
        "enqueued_at",
        "run_after",
        "finished_at",
        "error",
        "id",
    )
    list_filter = ("status", "queue_name")
    search_fields = ("task_path", "id")
    actions = ["retry", "cancel"]

    @admin.display(description="attempts")
    def attempts(self, obj):
        return len(obj.worker_ids)

    @admin.display(description="error")
    def error(self, obj):
        return obj.exception_class_path or "-"

    @admin.action(description="Retry the selected failed tasks")
    def retry(self, request, queryset):
        count = task_retry(queryset)
        self.message_user(request, f"{count} task(s) queued again.", messages.SUCCESS)

    @admin.action(description="Cancel the selected waiting tasks")
    def cancel(self, request, queryset):
        count = task_cancel(queryset, by=request.user.get_username())
        self.message_user(request, f"{count} task(s) cancelled.", messages.SUCCESS)
