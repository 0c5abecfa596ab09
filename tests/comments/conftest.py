from datetime import timedelta

import pytest
from django.utils import timezone

from comments.services import refresh_response_count
from tests.comments.factories import CommentFactory
from tests.factories import ArticleFactory, UserFactory


@pytest.fixture(autouse=True)
def _site_default_open(settings):
    settings.BYLINE_RESPONSES_DEFAULT_MODE = "open"


@pytest.fixture
def article(db):
    return ArticleFactory()


@pytest.fixture
def reader(db):
    return UserFactory(username="reader")


@pytest.fixture
def trusted(db, article):
    """A reader whose earlier response was approved (so the first-response rule is passed)."""
    user = UserFactory(username="trusted")
    CommentFactory(
        article=ArticleFactory(), author=user, created_at=timezone.now() - timedelta(hours=1)
    )
    return user


@pytest.fixture
def moderator(db):
    user = UserFactory(username="mod", groups=["Moderators"])
    user.is_staff = True
    user.save()
    return user


@pytest.fixture
def piece_author(article):
    return article.author.user


@pytest.fixture
def approved(article, trusted):
    comment = CommentFactory(article=article, author=trusted)
    refresh_response_count(article.pk)
    return comment
