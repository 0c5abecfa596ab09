"""Link text is found in linear time, with exactly upstream Python-Markdown's results."""

import markdown
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from markdown import inlinepatterns

import markup

BRACKETY = st.text(alphabet="[]a !", max_size=400)


class Quick(markup._LinearLinkText):
    QUICK_SCAN = 3  # reach the bracket table on almost every `[`


def upstream_markdown():
    return markdown.Markdown(
        extensions=markup.MARKDOWN_EXTENSIONS[1:], extension_configs=markup.MARKDOWN_CONFIG
    )


def upstream(text):
    return markup.sanitize_html(upstream_markdown().convert(text))


def upstream_get_text(data, index):
    return inlinepatterns.LinkInlineProcessor.getText(None, data, index)


def same(ours, theirs):
    """The text matters only when the brackets close (callers drop it otherwise)."""
    return ours[1:] == theirs[1:] and (not ours[2] or ours[0] == theirs[0])


@given(BRACKETY)
@settings(max_examples=300, deadline=None)
def test_link_text_is_found_as_upstream_finds_it(data):
    for finder in (markup._LinearLinkText(), Quick()):
        for position, char in enumerate(data):
            if char == "[":
                assert same(
                    finder.getText(data, position + 1), upstream_get_text(data, position + 1)
                )


PIECES = st.lists(
    st.sampled_from(
        [
            "[",
            "]",
            "(",
            ")",
            "!",
            "^",
            ":",
            "a",
            " ",
            "\n",
            '"',
            "'",
            "<",
            ">",
            "*",
            "`",
            "\\",
            "/u",
            "[r]",
            "[r]: /ref\n",
            '\n\n[r]: /ref "T"\n',
            "[^1]",
            "[^1]: n\n",
            "<b>",
            "</b>",
            "<!-- c -->",
            "x" * 40,
        ]
    ),  # fmt: skip
    max_size=60,
).map("".join)


@given(PIECES)
@settings(max_examples=500, deadline=None)
def test_pages_render_as_upstream_renders_them(text):
    assert markup.render_markdown(text) == upstream(text)


@pytest.mark.parametrize(
    "text",
    [
        "![logo][r]\n\n[r]: /logo.png",
        'See ![chart][fig] below.\n\n[fig]: /chart.png "Chart"',
        "[a][b](/u)\n\n[b]: /ref",
        '[a](/u "title (with parens)") and [b](</v w>) and [c](/x(y)z)',
        "[a](/u 'unclosed title) [b](/v)",
        "[" * 150 + "a](/u)" + "]" * 150,
        "[a](" + "/x" * 950 + ")",  # destinations up to LINK_SCAN (2,000) characters
    ],
)
def test_references_titles_and_long_links_render_as_upstream(text):
    assert markup.render_markdown(text) == upstream(text)


def test_link_processors_run_in_upstreams_order():
    ours = markdown.Markdown(
        extensions=markup.MARKDOWN_EXTENSIONS, extension_configs=markup.MARKDOWN_CONFIG
    )

    def order(md):
        list(md.inlinePatterns)  # sorts the registry by priority
        return [(item.name, item.priority) for item in md.inlinePatterns._priority]

    assert order(ours) == order(upstream_markdown())


def test_twenty_thousand_open_brackets_build_one_table(monkeypatch):
    """Upstream rescanned the paragraph for every `[` (minutes for this one): one pass now."""
    tables = []
    real = markup._closing_brackets
    monkeypatch.setattr(markup, "_closing_brackets", lambda data: tables.append(1) or real(data))
    assert markup.render_markdown("[" * 20_000).count("[") == 20_000
    assert len(tables) <= 6  # one per link processor, for the one version of the paragraph


def test_links_and_images_still_work():
    html = markup.render_markdown(
        'A [link](https://example.com "Title"), a [reference][r], ![an image](/media/a.png) '
        "and [nested [brackets]](https://example.org).\n\n[r]: https://example.net"
    )
    rel = 'rel="noopener noreferrer"'
    assert f'<a href="https://example.com" title="Title" {rel}>link</a>' in html
    assert f'<a href="https://example.net" {rel}>reference</a>' in html
    assert '<img alt="an image" src="/media/a.png">' in html
    assert f'<a href="https://example.org" {rel}>nested [brackets]</a>' in html


@pytest.mark.django_db
def test_rerender_markdown_refreshes_html_stored_by_an_older_renderer(client):
    import io

    from django.core.management import call_command

    from accounts.models import AuthorProfile
    from blog.models import Article
    from tests.factories import ArticleFactory

    piece = ArticleFactory(body="![logo][r]\n\n[r]: /logo.png")
    Article.objects.filter(pk=piece.pk).update(body_html="<p>![logo]old</p>", word_count=99)
    AuthorProfile.objects.filter(pk=piece.author_id).update(bio_html="<p>old bio</p>")
    assert "old" in client.get(piece.get_absolute_url()).content.decode()

    out = io.StringIO()
    call_command("rerender_markdown", "--dry-run", stdout=out)
    assert "Would re-render 1 pieces and 1 author bios." in out.getvalue()
    assert Article.objects.get(pk=piece.pk).word_count == 99

    call_command("rerender_markdown", stdout=out)
    piece.refresh_from_db()
    assert piece.body_html == '<p><img alt="logo" src="/logo.png"></p>'
    text = client.get(piece.get_absolute_url()).content.decode()
    assert '<img alt="logo" src="/logo.png">' in text and "old bio" not in text
    assert piece.history.count() == 1, "no revision is recorded for a re-render"
    call_command("rerender_markdown", stdout=out)
    assert out.getvalue().endswith("Re-rendered 0 pieces and 0 author bios.\n")
