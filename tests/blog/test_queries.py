"""Pinned query counts: reader pages cost the same with 1 piece or 30, 1 tag or 10."""

import pytest

from tests.factories import ArticleFactory, AuthorProfileFactory, TagFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(params=[1, 30], ids=["few", "many"])
def site(request):
    author = AuthorProfileFactory()
    tags = [TagFactory(name=f"Tag {n}") for n in range(1 if request.param == 1 else 10)]
    articles = [ArticleFactory(author=author, tags=tags) for _ in range(request.param)]
    return articles[0], tags[0]


@pytest.mark.parametrize(
    "page, queries",
    [
        ("article", 4),  # piece + author, its tags, more from the author, responses
        ("home", 2),  # count, page of pieces with authors
        ("author", 3),  # profile, count, page
        ("tag", 3),  # tag, count, page
        ("archive", 1),
        ("archive_month", 6),  # month check, count, page, previous and next months
        ("feed_atom", 2),  # pieces with authors, tags
        ("author_feed", 3),
        ("tag_feed", 3),
        ("sitemap", 6),  # count and page for pieces, authors and tags
    ],
)
def test_reader_pages_have_pinned_query_counts(
    client, site, django_assert_num_queries, page, queries
):
    article, tag = site
    urls = {
        "article": article.get_absolute_url(),
        "home": "/",
        "author": article.author.get_absolute_url(),
        "tag": tag.get_absolute_url(),
        "archive": "/archive/",
        "archive_month": f"/archive/{article.published_at:%Y/%m}/",
        "feed_atom": "/feed/atom/",
        "author_feed": f"/@{article.author.slug}/feed/atom/",
        "tag_feed": f"/tag/{tag.slug}/feed/rss/",
        "sitemap": "/sitemap.xml",
    }
    with django_assert_num_queries(queries):
        response = client.get(urls[page])
    assert response.status_code == 200
