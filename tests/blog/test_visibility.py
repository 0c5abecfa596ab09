"""Drafts and scheduled pieces never reach readers, wherever they look."""

import pytest

from tests.factories import ArticleFactory, DraftFactory, ScheduledFactory, TagFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def pieces():
    tag = TagFactory(name="Shared")
    visible = ArticleFactory(title="Visible piece", tags=[tag])
    author = visible.author
    draft = DraftFactory(title="Secret draft", author=author, tags=[tag], body="draftword")
    scheduled = ScheduledFactory(title="Future piece", author=author, tags=[tag], body="futureword")
    return visible, draft, scheduled, tag


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
