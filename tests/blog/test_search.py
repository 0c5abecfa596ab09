"""Search: what readers find, in what order, on PostgreSQL and on the SQLite fallback."""

import datetime
import importlib
import re

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

import blog.search as search_module
from blog.models import Article, Tag
from blog.search import (
    MAX_QUERY_LENGTH,
    SEARCH_INDEX_NAME,
    clean_query,
    highlight,
    parse_simple_query,
    search_simple,
)
from tests.factories import ArticleFactory, DraftFactory, ScheduledFactory, TagFactory
from tests.utils import page_text

URL = reverse("blog:search")


@pytest.fixture
def indexed(django_capture_on_commit_callbacks):
    """Run the on-commit vector updates of everything created or changed inside the block."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


def search(client, query, **params):
    response = client.get(URL, {"q": query, **params})
    assert response.status_code == 200
    return response


def found_titles(response):
    return [article.title for article in response.context["articles"]]


# --- Ranking and syntax (PostgreSQL) ------------------------------------------------------


@pytest.mark.postgres
def test_title_match_outranks_body_match(client, db, indexed):
    with indexed():
        ArticleFactory(
            title="A walk in the woods",
            body="We passed a mushroom patch, then another mushroom, then more mushrooms.",
        )
        ArticleFactory(title="Growing mushrooms", body="They like the dark and the damp.")
        ArticleFactory(title="Notes from the orchard", body="Pruning apple trees in winter.")
    assert found_titles(search(client, "mushroom")) == ["Growing mushrooms", "A walk in the woods"]


@pytest.mark.postgres
def test_subtitle_and_tags_outrank_body(client, db, indexed):
    with indexed():
        ArticleFactory(title="Body only", body="Bread dough rises slowly in a cold kitchen.")
        ArticleFactory(title="Subtitle", subtitle="On sourdough bread", body="Flour and water.")
        ArticleFactory(title="Tagged", body="Flour and water.", tags=[TagFactory(name="Bread")])
    titles = found_titles(search(client, "bread"))
    assert titles[-1] == "Body only"
    assert set(titles[:2]) == {"Subtitle", "Tagged"}


@pytest.mark.postgres
def test_quoted_phrase_matches_words_in_order_only(client, db, indexed):
    with indexed():
        ArticleFactory(title="One", body="The slow web is a movement.")
        ArticleFactory(title="Two", body="The web is slow today.")
    assert found_titles(search(client, '"slow web"')) == ["One"]
    assert set(found_titles(search(client, "slow web"))) == {"One", "Two"}


@pytest.mark.postgres
def test_minus_excludes_and_or_widens(client, db, indexed):
    with indexed():
        ArticleFactory(title="Python the language", body="Types, loops and packaging.")
        ArticleFactory(title="Python the snake", body="A snake that squeezes.")
        ArticleFactory(title="Rust", body="Ownership and borrowing.")
    assert found_titles(search(client, "python -snake")) == ["Python the language"]
    assert set(found_titles(search(client, "rust or snake"))) == {"Rust", "Python the snake"}


@pytest.mark.postgres
def test_stemming_finds_other_forms(client, db, indexed):
    with indexed():
        ArticleFactory(title="Gardening", body="She was planting tulips.")
    assert found_titles(search(client, "plants")) == ["Gardening"]


@pytest.mark.postgres
def test_snippet_highlights_matches_and_escapes_the_text(client, db, indexed):
    with indexed():
        ArticleFactory(
            title="Markup",
            body="Write `<script>alert(1)</script>` & the word lighthouse in a sentence.",
        )
    response = search(client, "lighthouse")
    html = response.content.decode()
    assert "<mark>lighthouse</mark>" in html
    assert "<script>alert" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "lighthouse in a sentence" in page_text(response)


@pytest.mark.postgres
def test_snippets_of_long_pieces_come_from_their_start(client, db, indexed):
    filler = "Plain words about nothing in particular. " * 800  # past SNIPPET_SOURCE_CHARS
    with indexed():
        ArticleFactory(title="Long", body=f"An albatross early on.\n\n{filler}\n\nA pelican late.")
    early = search(client, "albatross")
    assert "<mark>albatross</mark>" in early.content.decode()
    late = search(client, "pelican")
    assert found_titles(late) == ["Long"]  # found by its whole body...
    assert "<mark>" not in late.content.decode()  # ...shown with its opening words
    assert "An albatross early on" in page_text(late)


def test_highlight_only_emits_its_own_tags():
    marked = "a <b>bold</b> &lt;img src=x onerror=alert(1)&gt; \ue000word\ue001 and \ue000 stray"
    assert highlight(marked) == (
        "a bold &lt;img src=x onerror=alert(1)&gt; <mark>word</mark> and  stray"
    )
    assert highlight("cut at <a href=") == "cut at"
    assert highlight("an  \ue000emphasis\ue001 . Next") == "an <mark>emphasis</mark>. Next"


# --- Visibility ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_drafts_and_scheduled_pieces_are_never_found(client, indexed):
    with indexed():
        ArticleFactory(title="Visible zeppelin")
        DraftFactory(title="Draft zeppelin")
        ScheduledFactory(title="Scheduled zeppelin")
    assert found_titles(search(client, "zeppelin")) == ["Visible zeppelin"]


@pytest.mark.django_db
def test_unpublishing_hides_a_piece(client, indexed):
    with indexed():
        article = ArticleFactory(title="Vanishing zeppelin")
    assert found_titles(search(client, "zeppelin")) == ["Vanishing zeppelin"]
    with indexed():
        article.status = Article.Status.DRAFT
        article.save()
    assert found_titles(search(client, "zeppelin")) == []


# --- Keeping the vector current (PostgreSQL) ---------------------------------------------


def vector(article):
    return Article.objects.values_list("search_vector", flat=True).get(pk=article.pk) or ""


@pytest.mark.postgres
def test_vector_is_written_after_commit_only(db, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        article = ArticleFactory(title="Aardvark")
    assert "aardvark" not in vector(article)
    for callback in callbacks:
        callback()
    assert "'aardvark':1A" in vector(article)


@pytest.mark.postgres
def test_vector_follows_an_edit(client, db, indexed):
    with indexed():
        article = ArticleFactory(title="Old heron", body="Nothing here.")
    with indexed():
        article = Article.objects.get(pk=article.pk)  # a loaded vector is saved back, stale
        article.title = "New kingfisher"
        article.body = "Rivers and reeds."
        article.save()
    assert found_titles(search(client, "kingfisher")) == ["New kingfisher"]
    assert found_titles(search(client, "reeds")) == ["New kingfisher"]
    assert found_titles(search(client, "heron")) == []


@pytest.mark.postgres
def test_vector_follows_tag_changes_from_both_sides(client, db, indexed):
    with indexed():
        article = ArticleFactory(title="Quiet piece", body="Nothing special.")
        tag = TagFactory(name="Astronomy")
    assert found_titles(search(client, "astronomy")) == []

    with indexed():
        article.tags.add(tag)
    assert found_titles(search(client, "astronomy")) == ["Quiet piece"]
    assert re.search(r"'astronomi':\d+B", vector(article))  # tags weigh B

    with indexed():
        tag.name = "Cosmology"
        tag.save()
    assert found_titles(search(client, "cosmology")) == ["Quiet piece"]
    assert found_titles(search(client, "astronomy")) == []

    with indexed():
        tag.articles.clear()
    assert found_titles(search(client, "cosmology")) == []

    with indexed():
        tag.articles.add(article)
    assert found_titles(search(client, "cosmology")) == ["Quiet piece"]

    with indexed():
        article.tags.remove(tag)
    assert found_titles(search(client, "cosmology")) == []

    with indexed():
        article.tags.set([tag])
    assert found_titles(search(client, "cosmology")) == ["Quiet piece"]

    with indexed():
        tag.delete()
    assert found_titles(search(client, "cosmology")) == []


@pytest.mark.postgres
def test_one_update_per_transaction(db, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks, transaction.atomic():
        article = ArticleFactory(title="Batched")
        article.tags.set([TagFactory(name="One"), TagFactory(name="Two")])
        article.save()
    assert len(callbacks) >= 3  # several changes were queued...
    with CaptureQueriesContext(connection) as queries:
        for callback in callbacks:
            callback()
    updates = [q["sql"] for q in queries.captured_queries if "SET search_vector" in q["sql"]]
    assert len(updates) == 1  # ...and went out in one UPDATE
    assert re.search(r"'one':\d+B", vector(article))


@pytest.mark.postgres
def test_saving_other_fields_leaves_the_vector_alone(db, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        article = ArticleFactory(title="Counted")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        article.save(update_fields=["response_count"])
    assert callbacks == []


# --- The migration (PostgreSQL) -----------------------------------------------------------


@pytest.mark.postgres
def test_migration_created_the_named_gin_index(db):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexdef FROM pg_indexes WHERE tablename = 'blog_article' AND indexname = %s",
            [SEARCH_INDEX_NAME],
        )
        (definition,) = cursor.fetchone()
    assert "USING gin (search_vector)" in definition
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT attstorage FROM pg_attribute"
            " WHERE attrelid = 'blog_article'::regclass AND attname = 'search_vector'"
        )
        # Out of the row (TOAST): finding the newest matches reads narrow heap rows only.
        assert cursor.fetchone() == ("x",)


@pytest.mark.postgres
def test_migration_backfills_existing_pieces(client, db):
    ArticleFactory(title="Pelican brief")  # on-commit callbacks never run here: no vector yet
    Article.objects.update(search_vector=None)
    assert found_titles(search(client, "pelican")) == []
    migration = importlib.import_module("blog.migrations.0007_search_languages_folding_suggestions")
    with connection.cursor() as cursor:  # CREATE INDEX refuses to run beside pending FK checks
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    with connection.schema_editor() as schema_editor:
        migration.forward(None, schema_editor)
    assert found_titles(search(client, "pelican")) == ["Pelican brief"]


@pytest.mark.django_db
def test_models_and_migrations_agree():
    call_command("makemigrations", "blog", "--check", "--dry-run", verbosity=0)


# --- The SQLite fallback (runs on both backends) ------------------------------------------


@pytest.mark.django_db
def test_fallback_matches_title_subtitle_and_body_of_published_pieces():
    ArticleFactory(title="Kestrel at dawn")
    ArticleFactory(title="Birds", subtitle="A kestrel hovering")
    ArticleFactory(title="Fields", body="Above the field a KESTREL waited.")
    ArticleFactory(title="Owls", body="Nocturnal.")
    DraftFactory(title="Draft kestrel")
    assert {a.title for a in search_simple("kestrel")} == {"Kestrel at dawn", "Birds", "Fields"}


@pytest.mark.django_db
def test_fallback_understands_phrases_exclusions_and_or():
    ArticleFactory(title="One", body="The slow web is a movement.")
    ArticleFactory(title="Two", body="The web is slow today.")
    ArticleFactory(title="Three", body="Fast food.")
    assert {a.title for a in search_simple('"slow web"')} == {"One"}
    assert {a.title for a in search_simple("web -today")} == {"One"}
    assert {a.title for a in search_simple("today or food")} == {"Two", "Three"}
    assert {a.title for a in search_simple("100%_")} == set()  # LIKE wildcards are literal


def test_parse_simple_query():
    assert parse_simple_query('"slow web" -fast or tea') == [
        (["slow web"], ["fast"]),
        (["tea"], []),
    ]
    assert parse_simple_query('"lone -') == [(["lone"], [])]
    assert parse_simple_query("-only") == []


@pytest.mark.django_db
def test_sqlite_search_uses_fts5_with_snippets(client, indexed):
    if connection.vendor != "sqlite":
        pytest.skip("FTS5 is what SQLite uses")
    with indexed():
        ArticleFactory(title="Kestrel at dawn", body="Early birds and a kestrel.")
        DraftFactory(title="Draft kestrel")
    response = search(client, "kestrel")
    assert found_titles(response) == ["Kestrel at dawn"]
    assert "Early birds and a <mark>kestrel</mark>." in response.content.decode()


# --- The page -----------------------------------------------------------------------------


@pytest.mark.django_db
def test_empty_query_gets_a_friendly_page(client):
    for params in ({}, {"q": ""}, {"q": "   "}, {"q": "\x00\x01"}):
        response = client.get(URL, params)
        assert response.status_code == 200
        text = page_text(response)
        assert "Type a few words in the search box" in text
        assert response.context["page_obj"] is None


@pytest.mark.django_db
def test_no_match_says_so(client):
    ArticleFactory(title="Something")
    text = page_text(search(client, "xylophone"))
    assert "No pieces match “xylophone”" in text


HOSTILE_QUERIES = [
    "x" * 10_000,
    "word " * 2_000,
    '"',
    "'",
    '"unclosed phrase',
    "'; DROP TABLE blog_article; --",
    "1' OR '1'='1",
    "a\x00b",
    "\x00",
    "tab\tnew\nline\r\x1b[31m\x7f",
    "!!! & | ( ) : * <-> \\",
    "-",
    "or",
    "-or -",
    "the and of",  # stop words only: an empty tsquery
    "<script>alert(1)</script>",
    "%_%",
    "émigré naïve 東京 🐍",
]


@pytest.mark.django_db
@pytest.mark.parametrize("query", HOSTILE_QUERIES, ids=range(len(HOSTILE_QUERIES)))
def test_any_query_gets_a_normal_page(client, query, indexed):
    with indexed():
        ArticleFactory(title="Something about scripts and tables", body="Drop the table.")
    response = client.get(URL, {"q": query})
    assert response.status_code == 200
    shown = response.context["query"]
    assert len(shown) <= MAX_QUERY_LENGTH
    assert "\x00" not in shown
    assert "<script>alert" not in response.content.decode()


@pytest.mark.django_db
def test_undecodable_bytes_get_a_normal_page(client):
    response = client.get(URL + "?q=%ED%A0%80%FF%00caf%C3")
    assert response.status_code == 200


def test_clean_query():
    assert clean_query("  a\x00b\tc  ") == "a b c"
    assert clean_query(None) == ""
    assert len(clean_query("y" * 10_000)) == MAX_QUERY_LENGTH


@pytest.mark.django_db
def test_results_are_paginated_and_keep_the_query(client, indexed):
    with indexed():
        for number in range(12):
            ArticleFactory(title=f"Walrus {number}")
    first = search(client, "walrus")
    assert len(first.context["articles"]) == 10
    assert "12 pieces found." in page_text(first)
    assert 'href="?page=2&amp;q=walrus"' in first.content.decode()
    second = search(client, "walrus", page=2)
    assert len(second.context["articles"]) == 2
    shown = found_titles(first) + found_titles(second)
    assert sorted(shown) == sorted(f"Walrus {number}" for number in range(12))
    for page in (9, 0, -1, "abc", "2.5", 10**30, "9" * 5000):
        assert client.get(URL, {"q": "walrus", "page": page}).status_code == 404


@pytest.mark.django_db
def test_header_box_shows_the_query(client):
    html = search(client, 'say "hi"').content.decode()
    assert 'value="say &quot;hi&quot;"' in html


@pytest.mark.django_db
def test_results_page_query_count_is_pinned(client, indexed, django_assert_num_queries):
    with indexed():
        tags = [TagFactory(name=f"Tag {n}") for n in range(3)]
        for number in range(12):
            ArticleFactory(title=f"Narwhal {number}", tags=tags)
    # Tags and bodies not fetched: one query ranks (ids and total), one fetches the page's
    # pieces with their authors and snippets, and page 1 looks for a tag or writer named like
    # the query. A query finding (almost) nothing also asks the vocabulary for suggestions.
    # On PostgreSQL the ranking runs in a transaction (BEGIN, the planner's settings and the
    # date of the RECENT-th newest piece, the ranking, COMMIT): three more.
    more = 3 if connection.vendor == "postgresql" else 0
    with django_assert_num_queries(3 + more):
        response = search(client, "narwhal")
    assert len(response.context["articles"]) == 10
    with django_assert_num_queries(2 + more):
        search(client, "narwhal", page=2)
    with django_assert_num_queries(3 + more):
        search(client, "nothing-like-it")


def _aged(days, **fields):
    return ArticleFactory(published_at=timezone.now() - datetime.timedelta(days=days), **fields)


@pytest.mark.django_db
def test_a_word_in_every_piece_ranks_only_the_newest_matches(client, indexed, monkeypatch):
    monkeypatch.setattr(search_module, "MAX_RANKED", 5)
    monkeypatch.setattr(search_module, "RECENT", 8)  # PostgreSQL looks among the 8 newest first
    with indexed():
        for days in range(1, 6):  # the five newest say "walrus" in their body only...
            _aged(days, title=f"Recent {days}", body="A walrus on the ice.")
        for days in range(6, 13):  # ...older ones in their title, which would rank higher
            _aged(days, title=f"Walrus {days}", body="On the ice.")
    response = search(client, "walrus")
    assert set(found_titles(response)) == {f"Recent {days}" for days in range(1, 6)}
    assert "More than 5 pieces found: the best matches among the newest 5 are shown." in (
        page_text(response)
    )
    assert client.get(URL, {"q": "walrus", "page": 2}).status_code == 404


@pytest.mark.django_db
def test_matches_older_than_the_newest_pieces_are_all_found(client, indexed, monkeypatch):
    monkeypatch.setattr(search_module, "MAX_RANKED", 5)
    monkeypatch.setattr(search_module, "RECENT", 8)
    with indexed():
        for days in range(1, 13):
            _aged(days, title=f"Ice {days}", body="Narwhal." if days in (3, 10, 11, 12) else "")
    response = search(client, "narwhal")
    assert found_titles(response) == ["Ice 3", "Ice 10", "Ice 11", "Ice 12"]  # newest first
    text = page_text(response)
    assert "4 pieces found." in text
    assert "More than" not in text


@pytest.mark.postgres
def test_tag_names_are_indexed_not_fetched(client, db, indexed):
    with indexed():
        ArticleFactory(title="Plain", tags=[Tag.objects.create(name="Photography")])
    assert found_titles(search(client, "photography")) == ["Plain"]
