"""Roles, people and images for the publishing tests (writers, editors, moderators)."""

import importlib
import io

from django.contrib.auth.models import Group, Permission
from PIL import Image

from tests.factories import AuthorProfileFactory, UserFactory

ROLES = importlib.import_module("blog.migrations.0002_roles").ROLES
PASSWORD = "correct-horse-battery"


def ensure_roles():
    """Make sure the role groups exist (a transactional test's flush removes them)."""
    for name, codenames in ROLES.items():
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.add(
            *(
                Permission.objects.get(content_type__app_label=app, codename=codename)
                for app, codename in codenames
            )
        )


def make_user(username, *groups, staff=True, superuser=False, profile=False, **extra):
    ensure_roles()
    user = UserFactory(
        username=username,
        is_staff=staff or superuser,
        is_superuser=superuser,
        groups=list(groups),
        **extra,
    )
    if profile:
        AuthorProfileFactory(
            user=user,
            display_name=username.replace("_", " ").title(),
            slug=username.replace("_", "-"),
        )
    return user


def image_bytes(fmt="PNG", size=(64, 48), color=(200, 30, 30), **save):
    buffer = io.BytesIO()
    mode = "RGBA" if fmt in {"PNG", "WEBP"} else "RGB"
    Image.new(mode, size, color).save(buffer, fmt, **save)
    return buffer.getvalue()
