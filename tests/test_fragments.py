"""Fragments: parts of pages kept for the generation, for every reader, page cache on or off.

The change-by-change invalidation tests run in both layers in tests/test_pagecache.py
(the `layer` fixture); here: what is kept, for whom, and what never is.
"""

import datetime
from unittest import mock

import pytest
from django.db import transaction
from django.template import Context, Engine, Template, TemplateSyntaxError
from django.utils import timezone

from blog import views
from blog.models import Article
from comments.models import Comment
from pagecache import fragments
from pagecache.generation import generation
from tests.comments.factories import CommentFactory
from tests.factories import (
    ArticleFactory,
    AuthorProfileFactory,
    ScheduledFactory,
    TagFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _page_cache_off(settings, fresh_page_cache_generation):
    """Pages are rendered each time: only fragments are kept."""
    settings.PAGECACHE_ENABLED = False
    settings.BYLINE_RESPONSES_DEFAULT_MODE = "open"


@pytest.fixture
def piece():
    article = ArticleFactory(title="Growing tomatoes", tags=[TagFactory(name="Gardens")])
    ArticleFactory(author=article.author, title="Another piece")
    for n in range(3):
        CommentFactory(article=article, body=f"Response number {n}.")
    return article


def test_an_article_page_costs_no_query_once_its_fragments_are_kept(
    client, piece, django_assert_num_queries, django_assert_max_num_queries
):
    url = piece.get_absolute_url()
    with django_assert_max_num_queries(6):
        first = client.get(url)
    with django_assert_num_queries(0):
        second = client.get(url)
    assert second.status_code == 200
    assert second.get("X-Page-Cache") is None  # rendered, not served whole
    assert second.content == first.content
    text = second.content.decode()
    for shown in ("Growing tomatoes", "Another piece", "Response number 2.", "Gardens"):
        assert shown in text


def test_with_fragments_off_every_page_is_built_from_the_database(
    client, piece, settings, django_assert_max_num_queries
):
    settings.PAGECACHE_FRAGMENTS_ENABLED = False
    url = piece.get_absolute_url()
    client.get(url)
    with django_assert_max_num_queries(6) as queries:
        assert client.get(url).status_code == 200
    assert len(queries) >= 3


def test_a_signed_in_reader_shares_the_piece_but_gets_their_own_responses_and_nav(client, piece):
    url = piece.get_absolute_url()
    mine = CommentFactory(article=piece, body="My own words.")
    anonymous = client.get(url).content.decode()
    assert "Sign in to respond" in anonymous

    client.force_login(mine.author)
    signed_in = client.get(url).content.decode()
    assert "Growing tomatoes" in signed_in
    assert mine.author.username in signed_in  # the account nav is theirs
    assert "Sign out" in signed_in and "Sign in to respond" not in signed_in
    assert f"/responses/{mine.pk}/edit/" in signed_in
    assert "csrfmiddlewaretoken" in signed_in

    client.logout()
    again = client.get(url).content.decode()
    assert again == anonymous


def test_what_a_signed_in_reader_renders_first_never_reaches_anonymous_readers(client, piece):
    reader = UserFactory(username="ada-reader")
    CommentFactory(article=piece, author=reader, status=Comment.Status.PENDING, body="Held.")
    client.force_login(reader)
    assert "Held." in client.get(piece.get_absolute_url()).content.decode()
    client.logout()
    text = client.get(piece.get_absolute_url()).content.decode()
    for personal in ("ada-reader", "Held.", "csrfmiddlewaretoken", "Sign out", "Edit</a>"):
        assert personal not in text, personal


def test_absolute_addresses_are_kept_per_host(client, piece):
    url = piece.get_absolute_url()
    first = client.get(url, HTTP_HOST="localhost").content.decode()
    second = client.get(url, HTTP_HOST="127.0.0.1").content.decode()
    assert f'<link rel="canonical" href="http://localhost{url}">' in first
    assert f'<link rel="canonical" href="http://127.0.0.1{url}">' in second


def test_a_preview_neither_reads_nor_fills_fragments(client, piece):
    writer = piece.author.user
    writer.is_staff = writer.is_superuser = True
    writer.save()
    client.force_login(writer)
    with mock.patch.object(fragments, "remember", side_effect=AssertionError("kept")):
        response = client.get(f"/write/preview/{piece.pk}/")
    assert response.status_code == 200
    assert "Growing tomatoes" in response.content.decode()


def test_a_change_inside_an_open_transaction_is_never_hidden_by_a_fragment(client, piece):
    url = piece.get_absolute_url()
    client.get(url)
    with transaction.atomic():
        piece.title = "Growing peppers"
        piece.save()
        assert "Growing peppers" in client.get(url).content.decode()


def another_process_commits_while_the_page_renders(change):
    """Patch the article view's render: `change` commits elsewhere, and this process sees the
    new generation (its once-a-second check comes round) between the lookup and the template."""
    real_render = views.render

    def render(*args, **kwargs):
        change()
        generation.store.bump(None)
        generation._checked = 0.0
        return real_render(*args, **kwargs)

    return mock.patch.object(views, "render", render)


def test_a_page_rendering_across_a_change_keeps_nothing_for_the_new_generation(client, piece):
    url = piece.get_absolute_url()
    client.get(url)  # the piece is kept under the current generation
    rename = lambda: Article.objects.filter(pk=piece.pk).update(title="Growing peppers")  # noqa: E731
    with another_process_commits_while_the_page_renders(rename):
        client.get(url)  # looked up before the change, rendered after it
    text = client.get(url).content.decode()
    assert "<title>Growing peppers" in text
    assert '<h1 id="article-title" class="article__title">Growing peppers</h1>' in text


def test_responses_turned_off_during_a_render_are_off_for_the_next_reader(client, piece):
    CommentFactory(article=piece, body="Abusive words.")
    url = piece.get_absolute_url()
    client.get(url)
    turn_off = lambda: Article.objects.filter(pk=piece.pk).update(responses_mode="off")  # noqa: E731
    with another_process_commits_while_the_page_renders(turn_off):
        client.get(url)
    text = client.get(url).content.decode()
    assert "Responses are turned off" in text and "Abusive words." not in text


def test_nothing_rendered_inside_a_transaction_outlives_its_rollback(client, piece):
    url = piece.get_absolute_url()
    client.get(url)
    with pytest.raises(RuntimeError), transaction.atomic():
        piece.title = "Growing peppers"
        piece.save()
        assert "Growing peppers" in client.get(url).content.decode()
        raise RuntimeError("rolled back")
    assert "Growing peppers" not in client.get(url).content.decode()


def test_more_from_the_writer_never_outlives_the_next_scheduled_publish_time(client, piece):
    due = timezone.now() + datetime.timedelta(seconds=30)
    ScheduledFactory(author=piece.author, title="Coming soon", published_at=due)
    url = piece.get_absolute_url()
    client.get(url)
    assert "Coming soon" not in client.get(url).content.decode()
    with mock.patch("django.utils.timezone.now", return_value=due + datetime.timedelta(seconds=1)):
        assert "Coming soon" in client.get(url).content.decode()


def test_a_404_is_not_kept(client, piece):
    url = f"/@{piece.author.slug}/not-yet/"
    assert client.get(url).status_code == 404
    ArticleFactory(author=piece.author, slug="not-yet", title="Now it is")
    assert "Now it is" in client.get(url).content.decode()


def test_an_unreachable_shared_cache_serves_pages_built_fresh(client, piece, settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",  # nothing listens on port 1
            "OPTIONS": {"socket_connect_timeout": 0.1, "socket_timeout": 0.1},
        }
    }
    for _ in range(2):
        response = client.get(piece.get_absolute_url())
        assert response.status_code == 200
        assert "Growing tomatoes" in response.content.decode()


# --- The tag ------------------------------------------------------------------------------


def test_the_fragment_tag_keeps_its_block_per_name_and_values():
    template = Template('{% load pagecache %}{% fragment "t" key %}{{ value }}{% endfragment %}')
    assert template.render(Context({"key": 1, "value": "one"})) == "one"
    assert template.render(Context({"key": 1, "value": "changed"})) == "one"
    assert template.render(Context({"key": 2, "value": "two"})) == "two"
    assert template.render(Context({"key": 1, "value": "x", "no_fragments": True})) == "x"


def test_kept_html_stays_safe_and_text_stays_escaped():
    template = Template(
        '{% load pagecache %}{% fragment "escape" %}<b>{{ value }}</b>{% endfragment %}'
    )
    assert template.render(Context({"value": "<i>"})) == "<b>&lt;i&gt;</b>"
    assert template.render(Context({"value": "<i>"})) == "<b>&lt;i&gt;</b>"


def test_the_fragment_tag_needs_a_name():
    with pytest.raises(TemplateSyntaxError):
        Template("{% load pagecache %}{% fragment %}x{% endfragment %}")


def test_a_change_starts_a_new_generation_for_fragments_too():
    AuthorProfileFactory()  # any watched change
    calls = []
    assert fragments.remember("k", lambda: calls.append(1) or "v") == "v"
    assert fragments.remember("k", lambda: calls.append(1) or "w") == "v"
    AuthorProfileFactory()
    assert fragments.remember("k", lambda: calls.append(1) or "w") == "w"
    assert len(calls) == 2


def test_fragments_of_one_name_in_two_templates_are_kept_apart():
    engine = Engine(
        loaders=[
            (
                "django.template.loaders.locmem.Loader",
                {
                    name: '{% load pagecache %}{% fragment "same" %}' + name + "{% endfragment %}"
                    for name in ("a.html", "b.html")
                },
            )
        ],
        libraries={"pagecache": "pagecache.templatetags.pagecache"},
    )
    assert engine.get_template("a.html").render(Context()) == "a.html"
    assert engine.get_template("b.html").render(Context()) == "b.html"


def test_values_of_different_types_make_different_keys():
    template = Template('{% load pagecache %}{% fragment "typed" key %}{{ n }}{% endfragment %}')
    assert template.render(Context({"key": None, "n": 1})) == "1"
    assert template.render(Context({"key": "None", "n": 2})) == "2"
