import pytest

from tests.blog.factories import make_user
from tests.factories import ArticleFactory, DraftFactory


@pytest.fixture
def people(db):
    """Everyone in the permission matrix (anonymous is simply nobody logged in)."""
    return {
        "reader": make_user("reader", staff=False),
        "writer_a": make_user("writer_a", "Writers", profile=True),
        "writer_b": make_user("writer_b", "Writers", profile=True),
        "editor": make_user("editor", "Editors", profile=True),
        "moderator": make_user("moderator", "Moderators"),
        "superuser": make_user("superuser", superuser=True),
    }


@pytest.fixture
def piece_a(people):
    return DraftFactory(
        author=people["writer_a"].author_profile, title="A's draft", body="Draft *text* by A."
    )


@pytest.fixture
def published_a(people):
    return ArticleFactory(author=people["writer_a"].author_profile, title="A's published piece")


@pytest.fixture
def piece_b(people):
    return DraftFactory(author=people["writer_b"].author_profile, title="B's draft")
