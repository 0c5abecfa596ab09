"""People and images for the publishing tests (writers, editors, moderators); the role groups
themselves come from the autouse fixture in tests/conftest.py."""

import io

from PIL import Image

from tests.factories import AuthorProfileFactory, UserFactory

PASSWORD = "correct-horse-battery"


def make_user(username, *groups, staff=True, superuser=False, profile=False, **extra):
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
