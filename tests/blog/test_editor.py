"""The editor: its live preview renders like the published page; private previews of drafts."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

import markup
from tests.factories import ArticleFactory, DraftFactory, ScheduledFactory
from tests.utils import page_text

pytestmark = pytest.mark.django_db

MARKDOWNIFY = "/write/markdownx/markdownify/"

HOSTILE = [
    ("<script>alert(1)</script>", "<script"),
    ('<img src="x" onerror="alert(1)">', "onerror"),
    ("[click](javascript:alert(1))", "javascript:"),
    ('<a href="https://example.com" onclick="steal()">x</a>', "onclick"),
    ("<iframe src=https://evil.example></iframe>", "<iframe"),
    ('<div style="background:url(javascript:alert(1))">x</div>', "style="),
]


@pytest.fixture
def writer_client(client, people):
    client.force_login(people["writer_a"])
    return client


@pytest.mark.parametrize(("source", "forbidden"), HOSTILE)
def test_preview_sanitizes_like_the_published_page(writer_client, people, source, forbidden):
    text = f"Intro **bold**.\n\n{source}\n"
    response = writer_client.post(MARKDOWNIFY, {"content": text})
    html = response.content.decode()
    assert response.status_code == 200
    assert forbidden not in html.lower()
    assert "<strong>bold</strong>" in html
    article = DraftFactory(author=people["writer_a"].author_profile, body=text)
    assert html == article.body_html == markup.render_markdown(text)
    assert response["Cache-Control"] == "private, no-store"


def test_preview_of_nothing_is_empty(writer_client):
    response = writer_client.post(MARKDOWNIFY, {})
    assert response.status_code == 200 and response.content == b""


def test_the_form_uses_the_markdownx_editor_with_the_site_styles(writer_client):
    html = writer_client.get(reverse("admin:blog_article_add")).content.decode()
    assert 'class="markdownx-preview prose"' in html
    assert 'data-markdownx-urls-path="/write/markdownx/markdownify/"' in html
    assert 'data-markdownx-upload-urls-path="/write/markdownx/upload/"' in html
    assert "/static/editor/editor.css" in html and "/static/editor/editor.js" in html
    assert "markdownx/js/markdownx" in html
    for name in (
        "title",
        "subtitle",
        "slug",
        "body",
        "tags",
        "cover_image",
        "cover_alt",
        "cover_caption",
        "description",
        "canonical_url",
        "status",
        "published_at_0",
        "responses_mode",
    ):
        assert f'name="{name}"' in html, name


def test_editor_css_layers_the_site_stylesheet():
    from django.contrib.staticfiles import finders

    with open(finders.find("editor/editor.css")) as stylesheet:
        css = stylesheet.read()
    assert '@import url("../css/site.css") layer(site);' in css
    assert "all: revert-layer" in css


def test_drafts_have_a_preview_link_and_published_pieces_view_on_site(writer_client, people):
    profile = people["writer_a"].author_profile
    draft = DraftFactory(author=profile)
    scheduled = ScheduledFactory(author=profile)
    live = ArticleFactory(author=profile)
    for article, preview in ((draft, True), (scheduled, True), (live, False)):
        html = writer_client.get(reverse("admin:blog_article_change", args=[article.pk]))
        html = html.content.decode()
        assert (reverse("editor:preview", args=[article.pk]) in html) is preview
        assert (f'href="{article.get_absolute_url()}"' in html) is not preview
        assert ("View on site" in html) is not preview


def test_preview_of_a_draft_renders_the_article_page_privately(writer_client, people):
    article = DraftFactory(
        author=people["writer_a"].author_profile, title="Unfinished", body="Work in *progress*."
    )
    response = writer_client.get(reverse("editor:preview", args=[article.pk]))
    assert response.status_code == 200
    assert response["Cache-Control"] == "private, no-store"
    assert response["X-Robots-Tag"] == "noindex, nofollow"
    text = page_text(response)
    assert "Preview — not published" in text and "Unfinished" in text
    assert "<em>progress</em>" in response.content.decode()
    assert '<meta name="robots" content="noindex, nofollow">' in response.content.decode()
    # Readers still get nothing.
    writer_client.logout()
    assert writer_client.get(article.get_absolute_url()).status_code == 404


def test_preview_of_a_scheduled_piece_says_when_it_appears(writer_client, people):
    when = timezone.now() + datetime.timedelta(days=3)
    article = ScheduledFactory(author=people["writer_a"].author_profile, published_at=when)
    text = page_text(writer_client.get(reverse("editor:preview", args=[article.pk])))
    assert "Scheduled to appear by itself on" in text
    assert when.strftime("%b %-d, %Y") in text


def test_preview_of_unknown_piece_is_404(writer_client):
    assert writer_client.get(reverse("editor:preview", args=[999999])).status_code == 404


def test_a_preview_too_long_to_publish_says_so_instead_of_rendering(writer_client):
    body = "A sentence of a long piece.\r\n" * 8250  # 231,000 characters as the writer counts
    response = writer_client.post(MARKDOWNIFY, {"content": body})
    assert response.status_code == 200
    html = response.content.decode()
    assert "230,999 characters" in html and "200,000" in html  # the last line break trimmed
    assert "A sentence" not in html


def test_a_second_concurrent_preview_by_the_same_writer_is_refused_with_429(writer_client, people):
    from django.core.cache import cache

    cache.add(f"editor-preview:{people['writer_a'].pk}", 1)  # a first preview still rendering
    try:
        busy = writer_client.post(MARKDOWNIFY, {"content": "*hello*"})
    finally:
        cache.delete(f"editor-preview:{people['writer_a'].pk}")
    assert busy.status_code == 429
    assert "previous preview is still being rendered" in busy.content.decode()
    assert busy["Cache-Control"] == "private, no-store"

    # Once it has answered, the next preview renders (the lock is released after each one).
    for _ in range(2):
        response = writer_client.post(MARKDOWNIFY, {"content": "*hello*"})
        assert response.status_code == 200
        assert response.content.decode() == "<p><em>hello</em></p>"


def test_a_preview_too_intricate_to_render_says_so(writer_client):
    response = writer_client.post(MARKDOWNIFY, {"content": "x[^1] " * 30_000 + "\n\n[^1]: n"})

    assert response.status_code == 200
    assert markup.TOO_COMPLEX_MESSAGE in response.content.decode()
    assert "<sup" not in response.content.decode()


def test_the_editor_sends_one_preview_at_a_time():
    from django.contrib.staticfiles import finders

    with open(finders.find("editor/editor.js"), encoding="utf-8") as script:
        js = script.read()
    assert "if (previewBusy) { previewQueued = [this, body]; return; }" in js


def test_the_editor_shows_the_body_exactly_as_stored(writer_client, people):
    """Template indentation must never reach the text area: a writer's text comes back unchanged."""
    import html
    import re

    body = "First line, flush left.\n\n    An indented code line\n\nLast line."
    piece = DraftFactory(author=people["writer_a"].author_profile, body=body)
    page = writer_client.get(reverse("admin:blog_article_change", args=[piece.pk])).content.decode()
    shown = re.search(r'<textarea name="body"[^>]*>(.*?)</textarea>', page, re.S).group(1)
    assert html.unescape(shown).removeprefix("\n").replace("\r\n", "\n") == body
