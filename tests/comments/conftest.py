from datetime import timedelta

import pytest
from django.utils import timezone

from comments.models import Comment
from comments.services import refresh_response_count
from tests.comments.factories import CommentFactory
from tests.factories import ArticleFactory, UserFactory


@pytest.fixture(autouse=True)
def _roles(request):
    """The role groups exist in every database test, even after a transactional test's flush."""
    if request.node.get_closest_marker("django_db") is not None:
        ensure_moderators_group()


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


def count(article):
    article.refresh_from_db(fields=["response_count"])
    return article.response_count


def approved_total(article):
    return Comment.objects.filter(article=article, status=Comment.Status.APPROVED).count()


def ensure_moderators_group():
    """Recreate the Moderators group: a transactional test's flush drops migration data."""
    import importlib

    from django.contrib.auth.models import Group, Permission

    grant = importlib.import_module("comments.migrations.0002_moderators_permissions")
    roles = importlib.import_module("blog.migrations.0002_roles").ROLES
    for name in roles:
        Group.objects.get_or_create(name=name)
    group, _ = Group.objects.get_or_create(name="Moderators")
    group.permissions.add(
        *Permission.objects.filter(
            content_type__app_label="comments", codename__in=grant.MODERATOR_PERMISSIONS
        )
    )
    return group
