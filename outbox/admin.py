from django.contrib import admin, messages

from .models import OutboundMail
from .services import mail_retry


@admin.register(OutboundMail)
class OutboundMailAdmin(admin.ModelAdmin):
    list_display = ("subject", "recipients", "state", "attempts", "created_at", "sent_at", "error")
    list_filter = ("state",)
    search_fields = ("key", "to", "subject")
    date_hierarchy = "created_at"
    actions = ["retry"]
    readonly_fields = [field.name for field in OutboundMail._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description="to")
    def recipients(self, obj):
        return ", ".join(obj.to)

    @admin.display(description="last error")
    def error(self, obj):
        return obj.last_error[:120] or "-"

    @admin.action(description="Send the selected failed mails again")
    def retry(self, request, queryset):
        count = mail_retry(queryset)
        self.message_user(request, f"{count} mail(s) queued again.", messages.SUCCESS)
