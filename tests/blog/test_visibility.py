"""Drafts and scheduled pieces never reach readers, wherever they look."""

import datetime
from unittest import mock

import pytest
from django.utils import timezone

from blog.models import Article, next_scheduled_publish
from tests.factories import (
    ArticleFactory,
    AuthorProfileFactory,
    DraftFactory,
    ScheduledFactory,
    TagFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def pieces():
    tag = TagFactory(name="Shared")
    visible = ArticleFactory(title="Visible piece", tags=[tag])
    author = visible.author
    draft = DraftFactory(title="Secret draft", author=author, tags=[tag], body="draftword")
    scheduled = ScheduledFactory(title="Future piece", author=author, tags=[tag], body="futureword")
    return visible, draft, scheduled, tag


def test_published_scheduled_and_drafts_split_the_pieces_and_move_with_time(pieces):
    visible, draft, scheduled, _ = pieces
    assert list(Article.objects.published()) == [visible]
    assert list(Article.objects.scheduled()) == [scheduled]
    assert list(Article.objects.drafts()) == [draft]
    assert scheduled.is_scheduled and not visible.is_scheduled and not draft.is_scheduled
    assert next_scheduled_publish() == scheduled.published_at
    with mock.patch("django.utils.timezone.now", return_value=scheduled.published_at):
        assert set(Article.objects.published()) == {visible, scheduled}
        assert not Article.objects.scheduled().exists()
        assert next_scheduled_publish() is None


def reader_urls(visible, tag):
    author = visible.author.slug
    return [
        "/", "/archive/", f"/@{author}/", f"/tag/{tag.slug}/", visible.get_absolute_url(),
        "/feed/atom/", "/feed/rss/", f"/@{author}/feed/atom/", f"/@{author}/feed/rss/",
        f"/tag/{tag.slug}/feed/atom/", f"/tag/{tag.slug}/feed/rss/", "/sitemap.xml",
        "/search/?q=draftword", "/search/?q=futureword", "/search/?q=piece",
    ]  # fmt: skip


def test_drafts_and_scheduled_pieces_appear_nowhere(client, pieces):
    visible, draft, scheduled, tag = pieces
    for url in reader_urls(visible, tag):
        response = client.get(url)
        assert response.status_code == 200, url
        body = response.content.decode()
        for hidden in (draft, scheduled):
            assert hidden.title not in body, (url, hidden.title)
            assert hidden.slug not in body, (url, hidden.slug)


def test_draft_and_scheduled_article_pages_are_404(client, pieces):
    _, draft, scheduled, _ = pieces
    for hidden in (draft, scheduled):
        assert client.get(hidden.get_absolute_url()).status_code == 404


def test_scheduled_piece_appears_by_itself_when_its_time_comes(client, pieces, settings):
    import datetime
    from unittest import mock

    from django.utils import timezone

    _, _, scheduled, _ = pieces
    later = timezone.now() + datetime.timedelta(days=3)
    with mock.patch("django.utils.timezone.now", return_value=later):
        assert client.get(scheduled.get_absolute_url()).status_code == 200
        assert scheduled.title in client.get("/").content.decode()


def test_archive_month_of_only_drafts_is_404(client):
    draft = DraftFactory()
    draft.published_at = draft.created_at
    draft.save()
    url = f"/archive/{draft.published_at:%Y/%m}/"
    assert client.get(url).status_code == 404


# --- Author and tag pages exist only with a published piece -------------------------------


def author_and_tag_urls(author_slug, tag_slug):
    return [
        f"/@{author_slug}/", f"/@{author_slug}/feed/atom/", f"/@{author_slug}/feed/rss/",
        f"/@{author_slug}/?page=1", f"/tag/{tag_slug}/", f"/tag/{tag_slug}/feed/atom/",
        f"/tag/{tag_slug}/feed/rss/",
    ]  # fmt: skip


@pytest.mark.usefixtures("fresh_page_cache_generation")  # no page kept from another test
@pytest.mark.parametrize("kind", ["nothing", "draft", "scheduled"])
@pytest.mark.parametrize("who", ["anonymous", "staff", "themself"])
def test_an_author_or_tag_with_no_published_piece_is_404_like_an_unknown_one(client, kind, who):
    """A new staff account must not get a public page (it would disclose staff usernames),
    and a tag only drafts or scheduled pieces carry must not disclose them either."""
    profile = AuthorProfileFactory(
        user=UserFactory(username="newstaff", is_staff=True), slug="newstaff"
    )
    tag = TagFactory(name="Unannounced")
    if kind == "draft":
        DraftFactory(author=profile, tags=[tag], title="Quiet draft")
    elif kind == "scheduled":
        ScheduledFactory(author=profile, tags=[tag], title="Quiet future")
    if who == "staff":
        client.force_login(UserFactory(username="editor", is_staff=True, is_superuser=True))
    elif who == "themself":
        client.force_login(profile.user)
    for url in author_and_tag_urls("newstaff", tag.slug) + author_and_tag_urls("nobody", "none"):
        assert client.get(url).status_code == 404, url
    sitemap = client.get("/sitemap.xml").content.decode()
    assert "newstaff" not in sitemap and tag.slug not in sitemap


@pytest.mark.usefixtures("fresh_page_cache_generation")
def test_the_author_and_tag_pages_appear_with_the_first_published_piece(client):
    profile = AuthorProfileFactory(slug="debut")
    tag = TagFactory(name="Firsts")
    ScheduledFactory(author=profile, tags=[tag], title="Debut piece")
    assert client.get("/@debut/").status_code == 404
    later = timezone.now() + datetime.timedelta(days=3)
    with mock.patch("django.utils.timezone.now", return_value=later):
        for url in author_and_tag_urls("debut", tag.slug):
            assert client.get(url).status_code == 200, url
        sitemap = client.get("/sitemap.xml").content.decode()
        assert "/@debut/" in sitemap and f"/tag/{tag.slug}/" in sitemap
