from django.conf import settings
from django.contrib.postgres.search import SearchVectorField
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from markdownx.models import MarkdownxField
from simple_history.models import HistoricalRecords

import markup
from accounts.models import AuthorProfile

from .languages import LANGUAGE_CHOICES, OG_LOCALES


class Tag(models.Model):
    name = models.CharField(max_length=60, unique=True)
    slug = models.SlugField(max_length=60, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("blog:tag", kwargs={"tag": self.slug})

    def save(self, *args, **kwargs):
        if not self.slug:
            self.slug = slugify(self.name)[:60]
        super().save(*args, **kwargs)


def default_language():
    """New pieces are in the site's language until their writer says otherwise."""
    return settings.BYLINE_DEFAULT_LANGUAGE


class ArticleQuerySet(models.QuerySet):
    def published(self):
        """The one definition of "visible to readers": published, and its time has come."""
        return self.filter(status=Article.Status.PUBLISHED, published_at__lte=timezone.now())

    def scheduled(self):
        """Published with a publish time still to come: they appear by themselves then."""
        return self.filter(status=Article.Status.PUBLISHED, published_at__gt=timezone.now())

    def drafts(self):
        """Not published (whatever their publish time says)."""
        return self.filter(status=Article.Status.DRAFT)

    def for_lists(self):
        """What a list of pieces shows: the author's card fields, no bodies."""
        return self.select_related("author").defer("body", "body_html", "search_vector")


class Article(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        PUBLISHED = "published", "Published"

    class ResponsesMode(models.TextChoices):
        DEFAULT = "", "Site default"
        OPEN = "open", "Open"
        PREMODERATED = "premoderated", "Pre-moderated (every response held for review)"
        LOCKED = "locked", "Locked (shown, no new responses)"
        OFF = "off", "Off (hidden, no new responses)"

    title = models.CharField(max_length=2000)
    subtitle = models.CharField(max_length=300, blank=True)
    slug = models.SlugField(max_length=200, allow_unicode=False)
    author = models.ForeignKey(AuthorProfile, on_delete=models.PROTECT, related_name="articles")
    body = MarkdownxField(
        help_text="Markdown. The preview shows exactly what readers will see.",
        validators=[markup.validate_markdown_length],
    )
    body_html = models.TextField(editable=False, default="")
    description = models.CharField(
        max_length=300,
        blank=True,
        help_text="For search engines and link previews; 50–160 characters work best. "
        "Left empty, the first paragraph is used.",
    )
    canonical_url = models.URLField(
        "canonical URL",
        max_length=500,
        blank=True,
        help_text="Where this piece first appeared, if elsewhere (e.g. its Medium address).",
    )
    cover_image = models.ImageField(upload_to="covers/%Y/%m/", blank=True)
    cover_alt = models.CharField(
        "cover alt text",
        max_length=300,
        blank=True,
        help_text="Describe the image for readers who cannot see it. Required with a cover image.",
    )
    cover_caption = models.CharField(max_length=300, blank=True)
    tags = models.ManyToManyField(Tag, blank=True, related_name="articles")
    language = models.CharField(
        max_length=8,
        choices=LANGUAGE_CHOICES,
        default=default_language,
        help_text="The piece's language: readers' browsers and search use it.",
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    published_at = models.DateTimeField(
        "publish time",
        null=True,
        blank=True,
        help_text="A time in the future schedules the piece; it appears by itself then.",
    )
    excerpt = models.CharField(max_length=300, blank=True, editable=False)
    responses_mode = models.CharField(
        max_length=12, choices=ResponsesMode.choices, default=ResponsesMode.DEFAULT, blank=True
    )
    word_count = models.PositiveIntegerField(default=0, editable=False)
    reading_time = models.PositiveSmallIntegerField(default=1, editable=False)
    response_count = models.PositiveIntegerField(default=0, editable=False)
    revision = models.PositiveIntegerField(
        default=1, editable=False, help_text="Bumped on every save; refuses stale edits."
    )
    search_vector = SearchVectorField(null=True, editable=False)
    edited_at = models.DateTimeField(
        null=True, blank=True, editable=False, help_text="Last change to the text after publishing."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ArticleQuerySet.as_manager()
    history = HistoricalRecords(
        excluded_fields=["body_html", "excerpt", "response_count", "search_vector"]
    )

    class Meta:
        verbose_name = "piece"  # the word readers and writers see (README's glossary)
        verbose_name_plural = "pieces"
        ordering = ["-published_at", "-id"]
        get_latest_by = "published_at"
        constraints = [
            models.UniqueConstraint(fields=["author", "slug"], name="article_unique_author_slug"),
            models.CheckConstraint(
                condition=Q(status="draft") | Q(published_at__isnull=False),
                name="article_published_has_time",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["draft", "published"]), name="article_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(responses_mode__in=["", "open", "premoderated", "locked", "off"]),
                name="article_responses_mode_valid",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "published_at"], name="article_status_pub_idx"),
        ]
        permissions = [
            ("publish_article", "Can publish, schedule and unpublish pieces"),
            ("change_any_article", "Can change every writer's pieces"),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("blog:article", kwargs={"author": self.author.slug, "slug": self.slug})

    def save(self, *args, **kwargs):
        if not self.slug:
            self.slug = slugify(self.title)[:200] or "untitled"
        if self.status == self.Status.PUBLISHED and self.published_at is None:
            self.published_at = timezone.now()
        self.render()
        before = self._stored_values() if self.pk else None
        if before and self.is_published and self._text_changed(before):
            self.edited_at = timezone.now()
        super().save(*args, **kwargs)
        if before and before["slug"] != self.slug and before["status"] == self.Status.PUBLISHED:
            ArticleRedirect.objects.update_or_create(
                author_id=before["author_id"], old_slug=before["slug"], defaults={"article": self}
            )
        ArticleRedirect.objects.filter(author=self.author, old_slug=self.slug).delete()

    def _stored_values(self):
        return (
            Article.objects.filter(pk=self.pk)
            .values("title", "subtitle", "body", "slug", "status", "author_id")
            .first()
        )

    def _text_changed(self, before):
        return (before["title"], before["subtitle"], before["body"]) != (
            self.title,
            self.subtitle,
            self.body,
        )

    def clean(self):
        if self.cover_image and not self.cover_alt.strip():
            raise ValidationError(
                {"cover_alt": "Describe the cover image for readers who cannot see it."}
            )

    def render(self):
        """Render the body once, at save time, with its counts."""
        self.body_html = markup.render_markdown(self.body)
        self.excerpt = markup.excerpt(self.body_html, limit=300)
        words, images = markup.text_stats(self.body_html)
        self.word_count = words
        self.reading_time = markup.reading_time_minutes(words, images + bool(self.cover_image))

    @property
    def is_published(self):
        return (
            self.status == self.Status.PUBLISHED
            and self.published_at is not None
            and self.published_at <= timezone.now()
        )

    @property
    def is_scheduled(self):
        """Published with a publish time to come (the instance twin of `scheduled()`)."""
        return self.status == self.Status.PUBLISHED and not self.is_published

    @property
    def effective_responses_mode(self):
        """The piece's responses mode, or the site default when it has none."""
        mode = self.responses_mode or settings.BYLINE_RESPONSES_DEFAULT_MODE
        return mode if mode in self.ResponsesMode.values and mode else self.ResponsesMode.OPEN

    @property
    def modified_at(self):
        return self.edited_at or self.published_at

    @property
    def og_locale(self):
        return OG_LOCALES.get(self.language, "")

    @property
    def summary(self):
        """The piece's own description, else the start of its first paragraph."""
        return self.description or markup.trim(self.excerpt, 160)

    def more_from_author(self, count=3):
        """The writer's other published pieces, newest first (a lazy queryset)."""
        return (
            Article.objects.published()
            .for_lists()
            .filter(author_id=self.author_id)
            .exclude(pk=self.pk)[:count]
        )


def next_scheduled_publish(using="default"):
    """When the next scheduled piece becomes visible, or None: the page cache's expiry.

    Named by the PAGECACHE_NEXT_CHANGE setting, so the page cache never imports blog.
    """
    return (
        Article.objects.using(using)
        .scheduled()
        .order_by("published_at")
        .values_list("published_at", flat=True)
        .first()
    )


def published_authors():
    """Writers with at least one published piece: the only ones with an author page and feeds.

    Drafts and scheduled pieces do not count, so a new account (staff included) stays unlisted.
    """
    return AuthorProfile.objects.filter(
        Exists(Article.objects.published().filter(author=OuterRef("pk")))
    )


def published_tags():
    """Tags that at least one published piece carries: the only ones with a page and feeds."""
    return Tag.objects.filter(Exists(Article.objects.published().filter(tags=OuterRef("pk"))))


class ArticleRedirect(models.Model):
    """An old address of a published piece whose slug changed: answered with a 301."""

    author = models.ForeignKey(AuthorProfile, on_delete=models.CASCADE, related_name="+")
    old_slug = models.SlugField(max_length=200)
    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="redirects")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["author", "old_slug"], name="articleredirect_unique_author_slug"
            )
        ]

    def __str__(self):
        return f"/@{self.author.slug}/{self.old_slug}/ → {self.article}"


class LiveEvent(models.Model):
    """A piece becoming visible to readers at `published_at`: processed once (blog.live)."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="live_events")
    published_at = models.DateTimeField()
    backfill = models.BooleanField(
        default=False, help_text="already in the past when saved (an import): not announced"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    processed_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=20, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["article", "published_at"], name="liveevent_unique_article_time"
            )
        ]

    def __str__(self):
        return f"{self.article} live at {self.published_at:%Y-%m-%d %H:%M}"
