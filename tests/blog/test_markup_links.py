"""Link text is found in linear time, with exactly upstream Python-Markdown's results."""

import markdown
from hypothesis import given, settings
from hypothesis import strategies as st
from markdown import inlinepatterns

import markup

BRACKETY = st.text(alphabet="[]a !", max_size=400)


class Quick(markup._LinearLinkText):
    QUICK_SCAN = 3  # reach the bracket table on almost every `[`


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


@given(st.text(alphabet="[]()!^:a \n\"'<>*`", max_size=200))
@settings(max_examples=300, deadline=None)
def test_pages_render_as_upstream_renders_them(text):
    ours = markup.render_markdown(text)
    upstream = markdown.Markdown(
        extensions=markup.MARKDOWN_EXTENSIONS[1:], extension_configs=markup.MARKDOWN_CONFIG
    ).convert(text)
    assert ours == markup.sanitize_html(upstream)


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
