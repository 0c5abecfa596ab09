"""Search follows tag changes from either side, on every database (the signals that refresh the
index), and a save that touches no indexed field leaves the index alone."""

import pytest
from django.urls import reverse

from blog.models import Article
from tests.factories import ArticleFactory, TagFactory

pytestmark = pytest.mark.django_db
URL = reverse("blog:search")


@pytest.fixture
def indexed(django_capture_on_commit_callbacks):
    return lambda: django_capture_on_commit_callbacks(execute=True)


def found(client, query):
    response = client.get(URL, {"q": query})
    assert response.status_code == 200
    return [article.title for article in response.context["articles"]]


def test_search_follows_tag_renames_links_and_deletion(client, indexed):
    with indexed():
        article = ArticleFactory(title="Quiet piece", body="Nothing special.")
        tag = TagFactory(name="Astronomy")
    assert found(client, "astronomy") == []
    with indexed():
        article.tags.add(tag)
    assert found(client, "astronomy") == ["Quiet piece"]
    with indexed():
        tag.name = "Cosmology"
        tag.save()
    assert found(client, "cosmology") == ["Quiet piece"]
    assert found(client, "astronomy") == []
    with indexed():
        tag.articles.clear()
    assert found(client, "cosmology") == []
    with indexed():
        tag.articles.add(article)
    assert found(client, "cosmology") == ["Quiet piece"]
    with indexed():
        tag.articles.remove(article)
    assert found(client, "cosmology") == []
    with indexed():
        article.tags.set([tag])
    with indexed():
        tag.delete()
    assert found(client, "cosmology") == []


def test_a_save_of_unindexed_fields_keeps_the_index(
    client, indexed, django_capture_on_commit_callbacks
):
    with indexed():
        article = ArticleFactory(title="Kingfisher notes", body="By the river.")
    Article.objects.filter(pk=article.pk).update(title="Heron notes")  # no signal: index stale
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        article.save(update_fields=["updated_at"])
    assert callbacks == []
    assert found(client, "kingfisher") == ["Heron notes"]  # still indexed under the old title
    with indexed():
        article.refresh_from_db()
        article.save(update_fields=["title"])
    assert found(client, "kingfisher") == [] and found(client, "heron") == ["Heron notes"]
