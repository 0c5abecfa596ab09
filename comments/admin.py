"""The moderation queue: pending and reported responses first, every decision logged."""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Case, IntegerField, Value, When
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html

from . import services
from .models import Ban, Comment, CommentRevision, ModerationLog, ModerationWord, Report

Status = Comment.Status

DECISIONS = [
    ("", "— no change —"),
    ("approve", "Approve (publish)"),
    ("hide", "Hide (reason required)"),
    ("spam", "Mark as spam"),
    ("remove", "Remove (reason required)"),
    ("requeue", "Return to pending"),
]
DECISION_STATUS = {
    "approve": Status.APPROVED,
    "hide": Status.HIDDEN,
    "spam": Status.SPAM,
    "remove": Status.REMOVED,
    "requeue": Status.PENDING,
}
NEEDS_REASON = {"hide", "remove"}


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class LogInline(ReadOnlyInline):
    model = ModerationLog
    fk_name = "comment"
    fields = ("created_at", "action", "actor", "status_before", "status_after", "reason")
    readonly_fields = fields
    verbose_name_plural = "moderation log"


class RevisionInline(ReadOnlyInline):
    model = CommentRevision
    fields = ("created_at", "body")
    readonly_fields = fields
    verbose_name_plural = "earlier versions (edits by the writer)"


class ReportInline(ReadOnlyInline):
    model = Report
    fields = ("created_at", "reporter", "reason", "weight", "resolved")
    readonly_fields = fields


class ModerationForm(forms.ModelForm):
    """The change form of a response: a decision and a reason, applied through the services."""

    decision = forms.ChoiceField(choices=DECISIONS, required=False)
    reason = forms.CharField(
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Kept in the moderation log. Required to hide or remove.",
    )

    class Meta:
        model = Comment
        fields = []

    def clean(self):
        data = super().clean()
        decision = data.get("decision")
        if not decision:
            return data
        comment = self.instance
        if comment.status == Status.REMOVED and comment.status_by == Comment.Actor.OWNER:
            raise ValidationError("Its writer deleted this response; it cannot be restored.")
        if DECISION_STATUS[decision] not in services.TRANSITIONS[comment.status]:
            raise ValidationError(
                f"This response is {comment.get_status_display().lower()}: "
                "it cannot take this decision."
            )
        if decision in NEEDS_REASON and not (data.get("reason") or "").strip():
            self.add_error("reason", "Give a reason: the log keeps it.")
        return data


class QueueFilter(admin.SimpleListFilter):
    title = "queue"
    parameter_name = "queue"

    def lookups(self, request, model_admin):
        return [("todo", "Pending or reported"), ("reported", "Reported")]

    def queryset(self, request, queryset):
        if self.value() == "todo":
            return queryset.filter(status=Status.PENDING) | queryset.filter(report_count__gt=0)
        if self.value() == "reported":
            return queryset.filter(report_count__gt=0)
        return queryset


class ReasonForm(forms.Form):
    reason = forms.CharField(
        max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    hide_past = forms.BooleanField(
        required=False, label="Also hide their published and pending responses"
    )


@admin.register(Comment)
class CommentAdmin(admin.ModelAdmin):
    form = ModerationForm
    list_display = (
        "summary",
        "author_name_column",
        "article",
        "status",
        "report_count",
        "created_at",
        "piece_log",
    )
    list_filter = (
        QueueFilter,
        "status",
        ("article", admin.RelatedOnlyFieldListFilter),
        ("author", admin.RelatedOnlyFieldListFilter),
    )
    search_fields = ("body", "author__username", "author__email", "article__title")
    list_select_related = ("author", "article")
    # Moderators never see, search or filter by a reader's email address; superusers do.
    list_per_page = 50
    date_hierarchy = "created_at"
    inlines = [LogInline, RevisionInline, ReportInline]
    actions = [
        "approve_selected",
        "hide_selected",
        "spam_selected",
        "remove_selected",
        "requeue_selected",
        "ban_authors",
    ]
    readonly_fields = (
        "status",
        "status_by",
        "article_link",
        "author",
        "parent",
        "created_at",
        "edited_at",
        "report_count",
        "body_text",
    )

    def get_fieldsets(self, request, obj=None):
        fieldsets = [
            (
                None,
                {
                    "fields": (
                        "status",
                        "status_by",
                        "article_link",
                        "author",
                        "parent",
                        ("created_at", "edited_at"),
                        "report_count",
                        "body_text",
                    )
                },
            )
        ]
        if self.has_moderate_permission(request):
            fieldsets.append(("Moderate", {"fields": ("decision", "reason")}))
        return fieldsets

    def get_queryset(self, request):
        queue = Case(
            When(status=Status.PENDING, then=Value(0)),
            When(report_count__gt=0, then=Value(1)),
            default=Value(2),
            output_field=IntegerField(),
        )
        return (
            Comment.objects.annotate(queue=queue)
            .select_related("article", "author")
            .order_by(*self.get_ordering(request))
        )

    def get_ordering(self, request):
        return ["queue", "-report_count", "-created_at"]

    def get_search_fields(self, request):
        fields = super().get_search_fields(request)
        if request.user.is_superuser:
            return fields
        return tuple(field for field in fields if "email" not in field)

    def lookup_allowed(self, lookup, value, request=None):
        if "email" in lookup and not (request is not None and request.user.is_superuser):
            return False
        return super().lookup_allowed(lookup, value, request)

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser

    def has_moderate_permission(self, request):
        return services.can_moderate(request.user)

    @admin.display(description="response")
    def summary(self, obj):
        return str(obj)

    @admin.display(description="author", ordering="author__username")
    def author_name_column(self, obj):
        return obj.author.get_username() if obj.author else "(deleted account)"

    @admin.display(description="piece")
    def article_link(self, obj):
        return format_html('<a href="{}">{}</a>', obj.get_absolute_url(), obj.article)

    @admin.display(description="log")
    def piece_log(self, obj):
        url = reverse("admin:comments_moderationlog_changelist")
        return format_html('<a href="{}?article__id__exact={}">piece log</a>', url, obj.article_id)

    @admin.display(description="text")
    def body_text(self, obj):
        return format_html('<div class="byline-plain-text">{}</div>', obj.body)

    def save_model(self, request, obj, form, change):
        decision = form.cleaned_data.get("decision")
        if not decision or not self.has_moderate_permission(request):
            return
        try:
            services.MODERATION_SERVICES[decision](
                comment=obj,
                actor=request.user,
                reason=form.cleaned_data.get("reason", ""),
                site_url=request.build_absolute_uri("/"),
            )
        except (services.InvalidTransition, ValidationError, PermissionDenied) as error:
            self.message_user(request, f"Not changed: {error}", messages.ERROR)

    # -- Bulk actions ---------------------------------------------------------------------

    def _bulk(self, request, queryset, decision, title):
        site_url = request.build_absolute_uri("/")
        form = ReasonForm(request.POST if "apply" in request.POST else None)
        needs_reason = decision in NEEDS_REASON
        if needs_reason and (not form.is_valid() or not form.cleaned_data["reason"].strip()):
            if form.is_bound:
                form.add_error("reason", "Give a reason: the log keeps it.")
            return self._ask_reason(request, queryset, title, form, ban=False)
        reason = form.cleaned_data["reason"] if form.is_bound and form.is_valid() else ""
        done, skipped = 0, 0
        for comment in queryset.select_related("article"):
            try:
                services.MODERATION_SERVICES[decision](
                    comment=comment, actor=request.user, reason=reason, site_url=site_url
                )
                done += 1
            except (services.InvalidTransition, ValidationError, PermissionDenied):
                skipped += 1
        self.message_user(request, f"{title}: {done} response(s).", messages.SUCCESS)
        if skipped:
            self.message_user(
                request,
                f"{skipped} response(s) could not take this decision and were left as they were.",
                messages.WARNING,
            )
        return None

    def _ask_reason(self, request, queryset, title, form, *, ban):
        context = {
            **self.admin_site.each_context(request),
            "title": title,
            "opts": self.model._meta,
            "queryset": queryset,
            "form": form,
            "ban": ban,
            "action": request.POST.get("action", ""),
            "action_checkbox_name": ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "comments/admin/action_reason.html", context)

    @admin.action(description="Approve selected responses", permissions=["moderate"])
    def approve_selected(self, request, queryset):
        return self._bulk(request, queryset, "approve", "Approved")

    @admin.action(description="Hide selected responses (with a reason)", permissions=["moderate"])
    def hide_selected(self, request, queryset):
        return self._bulk(request, queryset, "hide", "Hidden")

    @admin.action(description="Mark selected responses as spam", permissions=["moderate"])
    def spam_selected(self, request, queryset):
        return self._bulk(request, queryset, "spam", "Marked as spam")

    @admin.action(description="Remove selected responses (with a reason)", permissions=["moderate"])
    def remove_selected(self, request, queryset):
        return self._bulk(request, queryset, "remove", "Removed")

    @admin.action(description="Return selected responses to pending", permissions=["moderate"])
    def requeue_selected(self, request, queryset):
        return self._bulk(request, queryset, "requeue", "Returned to pending")

    @admin.action(description="Ban the writers of selected responses", permissions=["moderate"])
    def ban_authors(self, request, queryset):
        title = "Ban the writers of the selected responses"
        form = ReasonForm(request.POST if "apply" in request.POST else None)
        if not form.is_bound or not form.is_valid() or not form.cleaned_data["reason"].strip():
            if form.is_bound:
                form.add_error("reason", "Give a reason: the log keeps it.")
            return self._ask_reason(request, queryset, title, form, ban=True)
        users = get_user_model().objects.filter(
            pk__in=queryset.exclude(author=None).values("author_id")
        )
        count = 0
        for user in users:
            services.reader_ban(
                user=user,
                actor=request.user,
                reason=form.cleaned_data["reason"],
                hide_past=form.cleaned_data["hide_past"],
            )
            count += 1
        self.message_user(request, f"Banned {count} reader(s).", messages.SUCCESS)
        return None


class BanForm(forms.ModelForm):
    username = forms.CharField(max_length=150, help_text="The reader's username.")
    hide_past = forms.BooleanField(
        required=False, label="Also hide their published and pending responses"
    )

    class Meta:
        model = Ban
        fields = ["reason"]

    def clean_username(self):
        user = (
            get_user_model()
            .objects.filter(username__iexact=self.cleaned_data["username"].strip())
            .first()
        )
        if user is None:
            raise ValidationError("No reader has this username.")
        self.cleaned_data["user"] = self.instance.user = user
        return user.get_username()


@admin.register(Ban)
class BanAdmin(admin.ModelAdmin):
    list_display = ("user", "reason", "created_by", "created_at")
    search_fields = ("user__username", "reason")
    readonly_fields = ("user", "created_by", "created_at")

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is None:
            kwargs["form"] = BanForm
        return super().get_form(request, obj, change=change, **kwargs)

    def get_fields(self, request, obj=None):
        if obj is None:
            return ("username", "reason", "hide_past")
        return ("user", "reason", "created_by", "created_at")

    def get_readonly_fields(self, request, obj=None):
        return () if obj is None else ("user", "reason", "created_by", "created_at")

    def has_add_permission(self, request):
        return super().has_add_permission(request) and services.can_moderate(request.user)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and services.can_moderate(request.user)

    def save_model(self, request, obj, form, change):
        if change:
            return
        ban = services.reader_ban(
            user=form.cleaned_data["user"],
            actor=request.user,
            reason=form.cleaned_data["reason"],
            hide_past=form.cleaned_data.get("hide_past", False),
        )
        obj.pk = ban.pk

    def delete_model(self, request, obj):
        services.reader_unban(user=obj.user, actor=request.user, reason="Ban lifted in the admin.")

    def delete_queryset(self, request, queryset):
        for ban in queryset.select_related("user"):
            self.delete_model(request, ban)


@admin.register(ModerationLog)
class ModerationLogAdmin(admin.ModelAdmin):
    list_display = (
        "created_at",
        "action",
        "actor",
        "subject",
        "response",
        "article",
        "status_before",
        "status_after",
        "reason",
    )
    list_filter = (
        "action",
        ("article", admin.RelatedOnlyFieldListFilter),
        ("actor", admin.RelatedOnlyFieldListFilter),
    )
    search_fields = ("reason", "subject__username", "actor__username", "comment__body")
    list_select_related = ("actor", "subject", "article", "comment")
    date_hierarchy = "created_at"

    @admin.display(description="response")
    def response(self, obj):
        if obj.comment_id is None:
            return "—"
        url = reverse("admin:comments_comment_change", args=[obj.comment_id])
        return format_html('<a href="{}">{}</a>', url, obj.comment)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ModerationWord)
class ModerationWordAdmin(admin.ModelAdmin):
    list_display = ("word", "action", "created_at")
    list_filter = ("action",)
    search_fields = ("word",)
