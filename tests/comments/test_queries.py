"""The article page costs the same with 0, 5 or 50 responses."""

import pytest

from comments.services import refresh_response_count
from tests.comments.factories import CommentFactory
from tests.factories import AuthorProfileFactory, UserFactory

pytestmark = pytest.mark.django_db

PAGE_WITHOUT_RESPONSES = 3  # piece + author, its tags, more from the author
TAG_QUERIES = 1  # the responses with their writers and profiles


def add_responses(article, n):
    for i in range(n):
        author = AuthorProfileFactory().user if i % 2 else UserFactory()
        parent = CommentFactory(article=article, author=author)
        if i % 3 == 0:
            CommentFactory(article=article, parent=parent)
        if i % 5 == 0:
            CommentFactory(article=article, status="hidden", status_by="piece_author")
    refresh_response_count(article.pk)


@pytest.mark.parametrize("n", [0, 5, 50])
def test_anonymous_article_page_query_count_is_constant(
    client, article, django_assert_num_queries, n
):
    add_responses(article, n)
    with django_assert_num_queries(PAGE_WITHOUT_RESPONSES + TAG_QUERIES):
        response = client.get(article.get_absolute_url())
    assert response.status_code == 200
    assert PAGE_WITHOUT_RESPONSES + TAG_QUERIES <= 6


@pytest.mark.parametrize("n", [0, 5, 50])
def test_signed_in_article_page_query_count_is_constant(
    client, article, django_assert_max_num_queries, n
):
    add_responses(article, n)
    reader = UserFactory(groups=["Moderators"])
    client.force_login(reader)
    # + session, user, and the moderator permission check (user and group permissions)
    with django_assert_max_num_queries(PAGE_WITHOUT_RESPONSES + TAG_QUERIES + 4):
        response = client.get(article.get_absolute_url())
    assert response.status_code == 200
