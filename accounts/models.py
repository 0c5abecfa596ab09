import uuid

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils.text import slugify

import markup
import uploads

from .usernames import skeleton

AVATAR_SIZE = 400  # pixels, square


class User(AbstractUser):
    """Byline's user: readers, writers, editors and moderators alike."""

    # Only the self-service sign-up creates unconfirmed accounts; accounts made in the admin,
    # by createsuperuser or in the shell are usable as they are (hence the default).
    email_confirmed = models.BooleanField(
        default=True,
        help_text="The reader followed the link mailed at sign-up (needed to respond or report).",
    )
    username_skeleton = models.CharField(
        max_length=600,
        editable=False,
        default="",
        db_index=True,
        help_text="The username with look-alike characters folded (accounts.usernames).",
    )

    class Meta(AbstractUser.Meta):
        swappable = "AUTH_USER_MODEL"
        constraints = [
            # One email address, one account (any case); accounts without an address are allowed.
            models.UniqueConstraint(
                Lower("email"), condition=~Q(email=""), name="user_email_unique_ci"
            ),
        ]

    def save(self, *args, **kwargs):
        self.username_skeleton = skeleton(self.username)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "username" in update_fields:
            kwargs["update_fields"] = {*update_fields, "username_skeleton"}
        super().save(*args, **kwargs)


def initials(name):
    """Up to two capitals from a name, for an avatar without a picture ("Ada Lovelace" -> "AL")."""
    parts = [part for part in name.split() if part[:1].isalnum()]
    return "".join(part[0] for part in parts[:2]).upper() or "?"


class AuthorProfile(models.Model):
    """The public face of a writer: one per writer, shown in bylines and on author pages."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="author_profile"
    )
    display_name = models.CharField(max_length=120)
    slug = models.SlugField(
        max_length=80, unique=True, help_text="The author page lives at /@<slug>/."
    )
    bio = models.TextField(
        blank=True,
        help_text="Markdown. Shown on the author card and page.",
        validators=[markup.validate_markdown_length],
    )
    bio_html = models.TextField(blank=True, editable=False)
    avatar = models.ImageField(upload_to="avatars/", blank=True)
    website = models.URLField(blank=True)
    links = models.TextField(
        blank=True, help_text="Other places to find you: one web address per line."
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["display_name"]

    def __str__(self):
        return self.display_name

    def get_absolute_url(self):
        return reverse("blog:author", kwargs={"author": self.slug})

    def clean(self):
        self.process_avatar()

    def save(self, *args, **kwargs):
        self.process_avatar()
        if not self.slug:
            self.slug = slugify(self.display_name)[:80] or f"author-{self.user_id}"
        self.bio_html = markup.render_markdown(self.bio)
        super().save(*args, **kwargs)

    def process_avatar(self):
        """Check a newly uploaded avatar by decoding it; store it re-encoded, square, small."""
        if not self.avatar or self.avatar._committed:
            return
        if getattr(self, "_processed_avatar", None) is self.avatar.file:
            return
        try:
            content, ext = uploads.process_image(self.avatar, max_width=AVATAR_SIZE, square=True)
        except uploads.ImageRejected as error:
            raise ValidationError({"avatar": error.message}, code=error.code) from error
        content.name = f"{uuid.uuid4().hex}.{ext}"
        self.avatar = content
        self._processed_avatar = self.avatar.file

    @property
    def initials(self):
        return initials(self.display_name)

    @property
    def link_list(self):
        """Return the web addresses to show on the author page, website first."""
        lines = [self.website, *self.links.splitlines()]
        return [line.strip() for line in lines if line.strip().startswith(("https://", "http://"))]

    @property
    def bio_text(self):
        return markup.html_to_text(self.bio_html)
