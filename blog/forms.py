"""The article form writers and editors use in the admin."""

import uuid

from django import forms
from django.contrib.admin.widgets import AdminTextareaWidget
from django.core.files.uploadedfile import UploadedFile
from django.db import models, transaction
from django.forms.renderers import TemplatesSetting
from django.utils import timezone
from django.utils.text import slugify
from markdownx.widgets import MarkdownxWidget

import uploads

from .models import Article, default_language
from .services import StaleRevision, stale_message  # noqa: F401 (StaleRevision: old home)

_PROJECT_TEMPLATES = TemplatesSetting()


class MarkdownEditorWidget(MarkdownxWidget):
    """markdownx's editor, its preview pane styled like the published page (`.prose`)."""

    template_name = "admin/blog/markdown_editor.html"

    def __init__(self, attrs=None):
        super().__init__(attrs={"class": "vLargeTextField", "rows": 24, **(attrs or {})})

    def render(self, name, value, attrs=None, renderer=None):
        # Rendered by the project's template engine so templates/admin/** can define it.
        return super().render(name, value, attrs or {}, renderer=_PROJECT_TEMPLATES)

    class Media:
        css = {"all": ["editor/editor.css"]}
        js = ["editor/editor.js"]


def current_revision(article_id, *, lock=False):
    queryset = Article.objects.filter(pk=article_id)
    if lock and transaction.get_connection().in_atomic_block:
        queryset = queryset.select_for_update()
    return queryset.values_list("revision", flat=True).first()


def https_urls(db_field, **kwargs):
    """Form fields for model fields, web addresses typed without a scheme taken as https."""
    if isinstance(db_field, models.URLField):
        kwargs["assume_scheme"] = "https"
    return db_field.formfield(**kwargs)


class ArticleAdminForm(forms.ModelForm):
    """The admin's article form: optimistic locking and image checks on top of the model's.

    `fixed_author` (set by the admin for writers) is the author of a piece whose form has no
    author field.
    """

    base_revision = forms.IntegerField(widget=forms.HiddenInput, required=False)
    fixed_author = None

    class Meta:
        model = Article
        formfield_callback = https_urls
        fields = [
            "title",
            "subtitle",
            "slug",
            "author",
            "body",
            "tags",
            "language",
            "cover_image",
            "cover_alt",
            "cover_caption",
            "status",
            "published_at",
            "responses_mode",
            "description",
            "canonical_url",
        ]
        widgets = {
            "body": MarkdownEditorWidget,
            "description": AdminTextareaWidget(attrs={"rows": 3, "data-count-chars": "160"}),
        }

    def clean_language(self):
        return self.cleaned_data.get("language") or self.instance.language or default_language()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "slug" in self.fields:
            self.fields["slug"].required = False
            self.fields["slug"].help_text = (
                "The piece's address; filled from the title. Changing it after publishing "
                "keeps the old address working (a permanent redirect)."
            )
        if "cover_image" in self.fields:
            self.fields["cover_image"].widget.attrs["accept"] = uploads.ACCEPT
        if "language" in self.fields:
            self.fields["language"].required = False  # left out: the piece's, else the site's
        if self.instance.pk and not self.is_bound:
            # The revision stored now, not the instance's: a restore form carries an old one.
            self.initial["base_revision"] = current_revision(self.instance.pk)

    def clean_slug(self):
        slug = self.cleaned_data.get("slug") or slugify(self.data.get("title", ""))[:200]
        return slug or "untitled"

    def clean_cover_image(self):
        image = self.cleaned_data.get("cover_image")
        if isinstance(image, UploadedFile):
            try:
                content, ext = uploads.process_image(image, max_width=2000)
            except uploads.ImageRejected as error:
                raise forms.ValidationError(error.message, code=error.code) from error
            content.name = f"{uuid.uuid4().hex}.{ext}"
            return content
        return image

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("status") == Article.Status.PUBLISHED and not cleaned.get("published_at"):
            cleaned["published_at"] = timezone.now()  # publish now
        author = cleaned.get("author") if "author" in self.fields else self.author()
        slug = cleaned.get("slug")
        if author is not None and slug and "author" not in self.fields:
            # The model's (author, slug) constraint is skipped when author is not a form field.
            taken = Article.objects.filter(author=author, slug=slug).exclude(pk=self.instance.pk)
            if taken.exists():
                self.add_error("slug", "You already have a piece at this address: choose another.")
        if self.instance.pk:
            self._check_revision(cleaned.get("base_revision"))
        return cleaned

    def author(self):
        if self.instance.pk:
            return self.instance.author
        return self.fixed_author

    def _check_revision(self, base_revision):
        current = current_revision(self.instance.pk, lock=True)
        if current is None:
            raise forms.ValidationError("This piece has been deleted.", code="deleted")
        if base_revision is None:
            raise forms.ValidationError(
                "This form is missing the revision it started from: reload the page.",
                code="stale",
            )
        if base_revision != current:
            raise forms.ValidationError(
                stale_message(self.instance.pk, base_revision), code="stale"
            )

    def _post_clean(self):
        if "author" not in self.fields and not self.instance.pk and self.fixed_author:
            self.instance.author = self.fixed_author
        super()._post_clean()
