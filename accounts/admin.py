"""Users and author profiles in the admin: each writer edits their own profile, nobody else's."""

from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.db import models
from django.shortcuts import redirect
from django.utils.html import format_html

import uploads

from .forms import AdminUserChangeForm, AdminUserCreationForm
from .models import AuthorProfile, User
from .roles import can_add_pieces, sees_every_profile
from .services import unique_author_slug


def hide_emails(fields):
    """The same fields without any that reveal a reader's email address."""
    return tuple(field for field in fields if "email" not in str(field))


@admin.register(User)
class BylineUserAdmin(UserAdmin):
    """Accounts: only superusers see or search email addresses (the sign-up form promises so)."""

    form = AdminUserChangeForm
    add_form = AdminUserCreationForm
    list_display = (
        "username",
        "email",
        "first_name",
        "last_name",
        "is_staff",
        "is_active",
        "email_confirmed",
    )
    list_filter = ("is_staff", "is_superuser", "is_active", "email_confirmed", "groups")
    fieldsets = (
        *UserAdmin.fieldsets[:2],
        (None, {"fields": ("email_confirmed",)}),
        *UserAdmin.fieldsets[2:],
    )

    def get_list_display(self, request):
        fields = super().get_list_display(request)
        return fields if request.user.is_superuser else hide_emails(fields)

    def get_search_fields(self, request):
        fields = super().get_search_fields(request)
        return fields if request.user.is_superuser else hide_emails(fields)

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if request.user.is_superuser:
            return fieldsets
        return [
            (name, {**options, "fields": hide_emails(options["fields"])})
            for name, options in fieldsets
        ]


def https_urls(db_field, **kwargs):
    """Form fields for model fields, web addresses typed without a scheme taken as https."""
    if isinstance(db_field, models.URLField):
        kwargs["assume_scheme"] = "https"
    return db_field.formfield(**kwargs)


class AuthorProfileForm(forms.ModelForm):
    class Meta:
        model = AuthorProfile
        formfield_callback = https_urls
        fields = ["user", "display_name", "slug", "bio", "avatar", "website", "links"]

    def clean_slug(self):
        slug = self.cleaned_data.get("slug")
        if slug:
            return slug
        return unique_author_slug(self.data.get("display_name", ""), exclude_pk=self.instance.pk)


@admin.register(AuthorProfile)
class AuthorProfileAdmin(admin.ModelAdmin):
    form = AuthorProfileForm
    list_display = ("display_name", "slug", "user", "updated_at")
    search_fields = ("display_name", "slug", "user__username")
    list_select_related = ("user",)
    readonly_fields = ("avatar_preview",)

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if sees_every_profile(request.user):
            return queryset
        return queryset.filter(user=request.user)

    def _own(self, request, obj):
        return obj is None or request.user.is_superuser or obj.user_id == request.user.pk

    def has_view_permission(self, request, obj=None):
        if obj is not None and not sees_every_profile(request.user):
            return super().has_view_permission(request, obj) and self._own(request, obj)
        return super().has_view_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and self._own(request, obj)

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser and super().has_delete_permission(request, obj)

    def has_add_permission(self, request):
        if super().has_add_permission(request):
            return True
        # A writer without a profile creates their own.
        user = request.user
        return can_add_pieces(user) and not AuthorProfile.objects.filter(user=user).exists()

    def has_module_permission(self, request):
        return super().has_module_permission(request) or self.has_add_permission(request)

    def get_fields(self, request, obj=None):
        fields = ["display_name", "slug", "bio", "avatar", "avatar_preview", "website", "links"]
        if request.user.is_superuser:
            fields.insert(0, "user")
        return fields

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and not request.user.is_superuser:
            return ("slug", "avatar_preview")  # the author page's address stays put
        return self.readonly_fields

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if isinstance(db_field, models.URLField):
            kwargs["assume_scheme"] = "https"
        field = super().formfield_for_dbfield(db_field, request, **kwargs)
        if db_field.name == "avatar" and field is not None:
            field.widget.attrs["accept"] = uploads.ACCEPT
            field.help_text = "JPEG, PNG, GIF or WebP; cropped to a square and resized."
        if db_field.name == "slug" and field is not None:
            field.required = False
            field.help_text = "Your author page's address, /@<slug>/; filled from your name."
        return field

    @admin.display(description="current picture")
    def avatar_preview(self, obj):
        if obj is None or not obj.avatar:
            return "—"
        return format_html(
            '<img src="{}" alt="" width="96" height="96" class="byline-avatar">',
            obj.avatar.url,
        )

    def save_model(self, request, obj, form, change):
        if not change and not request.user.is_superuser:
            obj.user = request.user
        super().save_model(request, obj, form, change)

    def changelist_view(self, request, extra_context=None):
        """A writer goes straight to their own profile (or to creating it)."""
        if not sees_every_profile(request.user):
            profile = AuthorProfile.objects.filter(user=request.user).first()
            if profile is not None and self.has_change_permission(request, profile):
                return redirect("admin:accounts_authorprofile_change", profile.pk)
            if profile is None and self.has_add_permission(request):
                return redirect("admin:accounts_authorprofile_add")
        return super().changelist_view(request, extra_context)
