"""Find or create the writers and tags that imported pieces name."""

import re

from django.contrib.auth import get_user_model
from django.core.management.base import CommandError
from django.utils.text import slugify

from accounts.models import AuthorProfile
from accounts.services import author_profile_ensure
from blog.models import Tag

from .pieces import SourceError


def user_for_username(username):
    """Return the user named on the command line (--author), or stop with a clear message."""
    user = get_user_model().objects.filter(username=username).first()
    if user is None:
        raise CommandError(
            f"There is no user “{username}”. Create the account first, or leave out --author "
            "to match (or create) writers by the name in each file.",
            returncode=2,
        )
    return user


def unique(base, taken, max_length):
    candidate, number = base[:max_length], 1
    while taken(candidate):
        number += 1
        suffix = f"-{number}"
        candidate = base[: max_length - len(suffix)] + suffix
    return candidate


_USERNAME_RE = re.compile(r"^[\w.@+-]+\Z")


def create_writer(display_name, username=""):
    """Create a User (no usable password: they set one through password reset) and profile."""
    User = get_user_model()  # noqa: N806
    display_name = " ".join(display_name.split())[:120] or username
    base = username if username and _USERNAME_RE.match(username) else slugify(display_name)
    username = unique(
        base or "writer", lambda name: User.objects.filter(username__iexact=name).exists(), 150
    )
    first, _, last = display_name.partition(" ")
    user = User(username=username, first_name=first[:150], last_name=last[:150])
    user.set_unusable_password()
    user.save()
    return profile_for_user(user, display_name)[0]


def profile_for_user(user, display_name=""):
    """Return (profile, created): the user's author profile, its slug made from the username."""
    return author_profile_ensure(user=user, display_name=display_name, slug=user.username)


def tags_named(names):
    """Tags for these names, reusing existing ones whatever their case, creating the rest."""
    tags = []
    for name in names:
        name = " ".join(str(name).split())[:60]
        slug = slugify(name)[:60]
        if not slug:
            continue
        tag = Tag.objects.filter(name__iexact=name).first() or Tag.objects.filter(slug=slug).first()
        if tag is None:
            tag = Tag.objects.create(name=name, slug=slug)
        if tag not in tags:
            tags.append(tag)
    return tags


def find_writer(writer, *, author_username=None):
    """Return (profile, created) for a piece: --author, else by username or name, else new."""
    if author_username:
        return profile_for_user(user_for_username(author_username))
    if writer is None or not (writer.display_name or writer.username):
        raise SourceError("no author in the file: name one with --author <username>")
    if writer.by_username and writer.username:
        user = get_user_model().objects.filter(username=writer.username).first()
        if user is not None:
            return profile_for_user(user, writer.display_name)
        return create_writer(writer.display_name, writer.username), True
    profiles = list(AuthorProfile.objects.filter(display_name=writer.display_name)[:2])
    if len(profiles) > 1:
        raise SourceError(
            f"several writers are called “{writer.display_name}”: "
            "choose one with --author <username>"
        )
    if profiles:
        return profiles[0], False
    return create_writer(writer.display_name, writer.username), True
