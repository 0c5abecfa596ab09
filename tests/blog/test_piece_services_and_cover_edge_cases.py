"""Pieces written through the services without the form's checks, the bulk insert without
tags, and covers that Pillow reads but Byline does not accept."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from blog import services
from blog.models import Article
from tests.blog.factories import image_bytes
from tests.factories import AuthorProfileFactory, DraftFactory
from tests.utils import save

pytestmark = pytest.mark.django_db


def test_create_then_update_without_validation_counts_revisions_and_history():
    author = AuthorProfileFactory()
    article = services.article_create(
        author=author, title="First words", slug="first-words", body="Hello.", reason="Imported"
    )
    assert article.revision == 1
    services.article_update(article=article, title="Better words", actor=author.user)
    stored = Article.objects.get(pk=article.pk)
    assert (stored.title, stored.revision) == ("Better words", 2)
    history = list(Article.history.filter(id=article.pk).order_by("history_date"))
    assert [h.title for h in history] == ["First words", "Better words"]
    assert history[0].history_change_reason == "Imported"
    assert history[1].history_user == author.user


def test_an_update_from_an_old_revision_names_who_saved_in_between():
    author = AuthorProfileFactory(user__first_name="Grace", user__last_name="Hopper")
    article = services.article_create(author=author, title="Shared", slug="shared", body="v1")
    services.article_update(article=article, body="v2", actor=author.user)
    stale = Article.objects.get(pk=article.pk)
    with pytest.raises(services.StaleRevision) as caught:
        services.article_update(article=stale, expected_revision=1, body="v3")
    assert str(caught.value).startswith("Grace Hopper changed this piece at ")
    assert "(you started from revision 1)" in str(caught.value)
    assert Article.objects.get(pk=article.pk).body == "v2"


def test_bulk_created_pieces_without_tags_are_stored_and_searchable(client):
    author = AuthorProfileFactory()
    pieces = [
        Article(
            author=author,
            title=f"Bulk walrus {n}",
            slug=f"bulk-walrus-{n}",
            body="Body.",
            body_html="<p>Body.</p>",
            status=Article.Status.PUBLISHED,
            published_at=f"2024-01-0{n + 1}T10:00:00Z",
        )
        for n in range(3)
    ]
    created = services.articles_bulk_create(articles=pieces)
    assert sorted(a.revision for a in Article.objects.filter(pk__in=[a.pk for a in created])) == [
        1,
        1,
        1,
    ]
    assert not Article.tags.through.objects.filter(article_id__in=[a.pk for a in created])
    response = client.get(reverse("blog:search"), {"q": "walrus"})
    assert len(response.context["articles"]) == 3


def test_a_cover_pillow_reads_but_byline_refuses_is_explained(client, people):
    client.force_login(people["writer_a"])
    article = DraftFactory(author=people["writer_a"].author_profile)
    cover = SimpleUploadedFile("cover.bmp", image_bytes("BMP"), "image/bmp")
    response = save(client, article, cover_image=cover, cover_alt="A square")
    assert response.status_code == 200
    assert "This file is not an image Byline accepts" in response.content.decode()
    article.refresh_from_db()
    assert not article.cover_image
