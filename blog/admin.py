"""Publishing through the admin: writers write their own pieces, editors run the publication.

Roles (groups created by blog/migrations/0002_roles.py):
- Writers add and change their own pieces only; the author is always the logged-in writer.
- Editors (blog.change_any_article + blog.publish_article) change, publish, schedule and
  unpublish every piece, in bulk too, and manage tags.
- Everyone else (moderators, readers) has no access to pieces.
"""

import difflib

from django.contrib import admin, messages
from django.db import models, transaction
from django.db.models import F
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from simple_history.admin import SimpleHistoryAdmin

from accounts.models import AuthorProfile
from accounts.roles import can_bulk_publish, can_change_any_piece, can_write
from accounts.services import author_profile_ensure

from .forms import ArticleAdminForm
from .models import Article, Tag
from .services import StaleRevision, article_save


class StatusFilter(admin.SimpleListFilter):
    title = "status"
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return [("draft", "Draft"), ("scheduled", "Scheduled"), ("published", "Published")]

    def queryset(self, request, queryset):
        if self.value() == "draft":
            return queryset.drafts()
        if self.value() == "scheduled":
            return queryset.scheduled()
        if self.value() == "published":
            return queryset.published()
        return queryset


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    list_display = ("name", "slug")
    search_fields = ("name", "slug")
    prepopulated_fields = {"slug": ("name",)}


@admin.register(Article)
class ArticleAdmin(SimpleHistoryAdmin):
    form = ArticleAdminForm
    list_display = (
        "title",
        "state",
        "author",
        "published_at",
        "reading_time_label",
        "response_count",
    )
    list_select_related = ("author",)
    search_fields = ("title", "subtitle", "slug", "author__display_name")
    date_hierarchy = "published_at"
    ordering = (F("published_at").desc(nulls_first=True), "-id")
    prepopulated_fields = {"slug": ("title",)}
    autocomplete_fields = ("tags",)
    actions = ("publish_selected", "unpublish_selected")
    history_list_display = ("revision", "status")
    object_history_template = "admin/blog/article/object_history.html"
    object_history_list_template = "admin/blog/article/object_history_list.html"
    change_form_template = "admin/blog/article/change_form.html"

    # --- Permissions ----------------------------------------------------------------------

    def get_queryset(self, request):
        queryset = super().get_queryset(request).select_related("author")
        match = getattr(request, "resolver_match", None)
        if match is not None and match.url_name == "blog_article_changelist":
            queryset = queryset.defer("body", "body_html", "search_vector")
        if can_change_any_piece(request.user):
            return queryset
        return queryset.filter(author__user=request.user)

    def _allowed(self, request, obj):
        if obj is None or can_change_any_piece(request.user):
            return True
        return obj.author.user_id == request.user.pk

    def has_module_permission(self, request):
        return can_write(request.user) and super().has_module_permission(request)

    def has_view_permission(self, request, obj=None):
        return (
            can_write(request.user)
            and super().has_view_permission(request, obj)
            and self._allowed(request, obj)
        )

    def has_add_permission(self, request):
        return can_write(request.user) and super().has_add_permission(request)

    def has_change_permission(self, request, obj=None):
        return (
            can_write(request.user)
            and super().has_change_permission(request, obj)
            and self._allowed(request, obj)
        )

    def has_delete_permission(self, request, obj=None):
        return (
            can_write(request.user)
            and super().has_delete_permission(request, obj)
            and self._allowed(request, obj)
        )

    def has_publish_permission(self, request):
        return can_bulk_publish(request.user)

    # --- The form -------------------------------------------------------------------------

    def get_fieldsets(self, request, obj=None):
        main = ["base_revision", "title", "subtitle", "slug"]
        if can_change_any_piece(request.user):
            main.append("author")
        main += ["body", "tags", "language"]
        return [
            (None, {"fields": main}),
            ("Cover image", {"fields": ["cover_image", "cover_alt", "cover_caption"]}),
            ("Publishing", {"fields": ["status", "published_at", "responses_mode"]}),
            (
                "Search engines and sharing",
                {"fields": ["description", "canonical_url"], "classes": ["collapse"]},
            ),
        ]

    def get_readonly_fields(self, request, obj=None):
        if request.user.has_perm("blog.publish_article"):
            return ()
        return ("status", "published_at")

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        if can_change_any_piece(request.user):
            return form
        profile = getattr(request.user, "author_profile", None)
        return type(form.__name__, (form,), {"fixed_author": profile})

    def get_changeform_initial_data(self, request):
        initial = super().get_changeform_initial_data(request)
        profile = AuthorProfile.objects.filter(user=request.user).first()
        if profile and can_change_any_piece(request.user):
            initial.setdefault("author", profile.pk)
        return initial

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if isinstance(db_field, models.URLField):
            kwargs["assume_scheme"] = "https"
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "author":
            kwargs["queryset"] = AuthorProfile.objects.order_by("display_name")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        if not change and not can_change_any_piece(request.user):
            obj.author = author_profile_ensure(user=request.user)[0]
        article_save(
            article=obj,
            actor=request.user,
            expected_revision=form.cleaned_data.get("base_revision"),
        )

    # --- Views ----------------------------------------------------------------------------

    def _welcome_writer(self, request):
        """A writer without an author profile gets one, named after them, to edit later."""
        if can_change_any_piece(request.user) or not can_write(request.user):
            return
        if AuthorProfile.objects.filter(user=request.user).exists():
            return
        profile = author_profile_ensure(user=request.user)[0]
        url = reverse("admin:accounts_authorprofile_change", args=[profile.pk])
        messages.info(
            request,
            format_html(
                'Welcome! Your author profile was created as “{}”: <a href="{}">add your bio '
                "and picture</a>.",
                profile.display_name,
                url,
            ),
        )

    def changelist_view(self, request, extra_context=None):
        if self.has_view_or_change_permission(request):
            self._welcome_writer(request)
        return super().changelist_view(request, extra_context)

    def add_view(self, request, form_url="", extra_context=None):
        if self.has_add_permission(request):
            self._welcome_writer(request)
        return super().add_view(request, form_url, extra_context)

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        extra_context = dict(extra_context or {})
        if object_id:
            obj = self.get_queryset(request).filter(pk=_int_or_none(object_id)).first()
            if obj is not None and not obj.is_published:
                extra_context["preview_url"] = reverse("editor:preview", args=[obj.pk])
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except StaleRevision as error:  # the narrow race the form's check cannot see
            messages.error(request, str(error))
            return HttpResponseRedirect(request.path)

    def view_on_site(self, obj):
        """Published pieces only: drafts and scheduled ones have "Preview" instead."""
        return obj.get_absolute_url() if obj.is_published else None

    def history_view(self, request, object_id, extra_context=None):
        self._get_visible_or_404(request, object_id)
        return super().history_view(request, object_id, extra_context)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        self._get_visible_or_404(request, object_id)
        try:
            with transaction.atomic():
                return super().history_form_view(request, object_id, version_id, extra_context)
        except StaleRevision as error:
            messages.error(request, str(error))
            return HttpResponseRedirect(request.path)

    def _get_visible_or_404(self, request, object_id):
        obj = self.get_queryset(request).filter(pk=_int_or_none(object_id)).first()
        if obj is None or not self.has_view_or_change_permission(request, obj):
            raise Http404("No such piece.")
        return obj

    def get_urls(self):
        compare = path(
            "<path:object_id>/history/compare/",
            self.admin_site.admin_view(self.compare_view),
            name="blog_article_compare",
        )
        return [compare, *super().get_urls()]

    def compare_view(self, request, object_id):
        """Show what changed between two revisions: title, subtitle and body, line by line."""
        obj = self._get_visible_or_404(request, object_id)
        records = obj.history.select_related("history_user")
        older = records.filter(history_id=_int_or_none(request.GET.get("a"))).first()
        newer = records.filter(history_id=_int_or_none(request.GET.get("b"))).first()
        if older is None or newer is None:
            latest = list(records[:2])
            if len(latest) < 2:
                messages.info(request, "This piece has only one revision: nothing to compare.")
                return redirect("admin:blog_article_history", obj.pk)
            newer, older = latest
        if older.history_date > newer.history_date:
            older, newer = newer, older
        context = {
            **self.admin_site.each_context(request),
            "title": f"Changes to “{obj}”",
            "opts": self.model._meta,
            "object": obj,
            "older": older,
            "newer": newer,
            "diffs": [
                (label, diff_lines(getattr(older, field), getattr(newer, field)))
                for label, field in (("Title", "title"), ("Subtitle", "subtitle"), ("Body", "body"))
            ],
        }
        return TemplateResponse(request, "admin/blog/article/compare.html", context)

    # --- The list -------------------------------------------------------------------------

    def get_list_filter(self, request):
        if can_change_any_piece(request.user):
            return (StatusFilter, ("author", admin.RelatedOnlyFieldListFilter), "tags")
        return (StatusFilter, ("tags", admin.RelatedOnlyFieldListFilter))

    @admin.display(description="status", ordering="status")
    def state(self, obj):
        if obj.status == Article.Status.DRAFT:
            return "Draft"
        if obj.is_published:
            return "Published"
        return "Scheduled"

    @admin.display(description="reading time", ordering="reading_time")
    def reading_time_label(self, obj):
        return f"{obj.reading_time} min"

    @admin.action(
        description="Publish selected pieces (now, or at their publish time)",
        permissions=["publish"],
    )
    def publish_selected(self, request, queryset):
        done = self._set_status(request, queryset, Article.Status.PUBLISHED)
        scheduled = sum(1 for article in done if not article.is_published)
        self.message_user(
            request,
            f"{len(done) - scheduled} piece(s) published, {scheduled} scheduled.",
            messages.SUCCESS,
        )

    @admin.action(description="Unpublish selected pieces (back to draft)", permissions=["publish"])
    def unpublish_selected(self, request, queryset):
        done = self._set_status(request, queryset, Article.Status.DRAFT)
        self.message_user(request, f"{len(done)} piece(s) unpublished.", messages.SUCCESS)

    def _set_status(self, request, queryset, status):
        """Save each piece with `status` as a new revision (history, redirects, rendering)."""
        done = []
        for article in queryset.exclude(status=status).select_related("author"):
            article.status = status
            try:
                article_save(article=article, actor=request.user)
            except StaleRevision:
                message = f"“{article}” changed meanwhile and was left as it is."
                self.message_user(request, message, messages.WARNING)
                continue
            done.append(article)
        return done


def _int_or_none(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def diff_lines(old, new):
    """A unified diff of two texts as (kind, line) pairs: kind is add, remove, hunk or same.

    Lines stay text: the template escapes them.
    """
    lines = difflib.unified_diff(
        (old or "").splitlines(), (new or "").splitlines(), lineterm="", n=3
    )
    result = []
    for line in lines:
        if line.startswith(("---", "+++")):
            continue
        if line.startswith("@@"):
            result.append(("hunk", line))
        elif line.startswith("+"):
            result.append(("add", line[1:]))
        elif line.startswith("-"):
            result.append(("remove", line[1:]))
        else:
            result.append(("same", line[1:]))
    return result
