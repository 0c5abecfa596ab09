"""The renderer (markdown-it-py): bounded work on any input, CommonMark results, links."""

import io
import time

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt

import markup

SIZE = markup.MAX_MARKDOWN_LENGTH


def fill(pattern, size=SIZE, head="", tail=""):
    body = size - len(head) - len(tail)
    return head + (pattern * (body // len(pattern) + 1))[:body] + tail


# Each of these stalled Python-Markdown for seconds to minutes at this length (footnote
# references, abbreviations, emphasis runs and fences were worse than quadratic).
PATHOLOGICAL = {
    "footnote references": fill("x[^1] ", tail="\n\n[^1]: note"),
    "footnote definitions": fill("[^a]: b\n"),
    "abbreviation definitions": "".join(f"*[A{i}]: t\n" for i in range(18_000))[: SIZE - 2000]
    + "\n\n"
    + " ".join(f"A{i}" for i in range(300)),
    "long abbreviations": fill("a", head="*[" + "a" * 63 + "]: t\n*[aaaa]: u\n\n"),
    "emphasis runs": fill("*_"),
    "emphasis openers": fill("**a"),
    "thousands of fences": fill("```\nx\n```\n"),
    "highlighted fences": fill("```python\nx = 1\n```\n"),
    "unclosed fences": fill("```a\n"),
    "open brackets": fill("["),
    "nested brackets": "[" * (SIZE // 2) + "]" * (SIZE // 2),
    "open parens": fill("(", head="[a]("),
    "link openers": fill("[a]("),
    "image openers": fill("!["),
    "backticks": fill("`a``"),
    "deep blockquotes": fill(">"),
    "deep lists": "".join("  " * depth + "- x\n" for depth in range(400)),
    "many list items": fill("- a\n"),
    "long table": fill("| 1 | 2 | 3 |\n", head="| a | b | c |\n|---|---|---|\n"),
    "wide table": fill("|x", head="|" + "a|" * 5000 + "\n|" + "-|" * 5000 + "\n"),
    "identical headings": fill("# a\n"),
    "table of contents": fill("## a b\n", head="[TOC]\n\n"),
    "html openers": fill("<a "),
    "html comments": fill("<!--"),
    "entities": fill("&#"),
    "reference definitions": fill("[a]: /u\n"),
    "attribute lists": fill("# x {: #a }\n"),
    "emphasis in links": fill("*[a*](b)"),
    "definition lists": fill("T\n: d\n"),
}


def prose(size=SIZE):
    """Ordinary writing of the same length: the demo piece's paragraphs, over and over."""
    from pathlib import Path

    text = (Path(__file__).parents[2] / "blog" / "demo" / "article.md").read_text()
    return fill(text.split("---", 2)[2].strip() + "\n\n", size)


@pytest.mark.parametrize("name", PATHOLOGICAL)
def test_pathological_input_is_rendered_or_refused_within_the_budget(name):
    text = PATHOLOGICAL[name]
    assert len(text) <= SIZE

    rendered = markup.render_markdown(text)

    if markup.too_complex(text):
        assert rendered.startswith("<p>")  # stored text of that kind shows as plain paragraphs
        with pytest.raises(ValidationError) as refused:
            markup.validate_markdown_length(text)
        assert refused.value.code == "too_complex"
    else:
        assert markup.render_operations(text) <= markup.MAX_RENDER_OPERATIONS
        markup.validate_markdown_length(text)


@pytest.mark.parametrize(
    "name", ["footnote references", "emphasis runs", "many list items", "long table"]
)
def test_work_grows_linearly_with_the_input(name):
    """Four times the text is at most about four times the parser's work (no quadratic)."""
    text = PATHOLOGICAL[name]
    quarter = text[: len(text) // 4]

    assert markup.render_operations(text) <= 4.5 * markup.render_operations(quarter)


def test_ordinary_long_prose_is_far_within_the_budget():
    assert markup.render_operations(prose()) < markup.MAX_RENDER_OPERATIONS / 10
    assert not markup.too_complex(prose())


@pytest.mark.parametrize("name", ["footnote references", "emphasis runs", "thousands of fences"])
def test_pathological_input_costs_a_small_multiple_of_plain_prose(name):
    """Not a timed test: both timings come from the same run; Python-Markdown took 1,000x."""
    text, plain = PATHOLOGICAL[name], prose()

    def cost(value):
        markup._render.cache_clear()
        start = time.perf_counter()
        markup.render_markdown(value)
        markup.too_complex(value)
        return time.perf_counter() - start

    cost(plain)  # warm up (lexers, regular expressions)
    assert cost(text) < 60 * max(cost(plain), 0.005)


# --- Same results as plain CommonMark, where Byline adds nothing ---------------------------

REFERENCE = MarkdownIt("commonmark", {"html": True})
# Everything except what Byline renders differently on purpose: headings (ids, permalinks),
# tables, strikethrough, footnotes, attribute lists, definition lists, code (Pygments),
# images (attribute order) and link schemes (the sanitizer drops them, keeping the link text).
COMMON = st.lists(
    st.sampled_from(
        [
            "a",
            "b c",
            " ",
            "\n",
            "\n\n",
            "*",
            "_",
            "**",
            "`",
            "[",
            "]",
            "(",
            ")",
            "<",
            ">",
            "\\",
            "&amp;",
            "&#35;",
            "/u",
            "[r]",
            "[r]: /ref\n",
            '"t"',
            "'",
            "1. ",
            "+ ",
            "> ",
            "<em>",
            "</em>",
            "<div>",
            "</div>",
            "<!-- c -->",
            "<https://x.org>",
            "é",
        ]
    ),  # fmt: skip
    max_size=50,
).map("".join)


@given(COMMON)
@settings(max_examples=400, deadline=None)
def test_common_markdown_renders_as_commonmark_does(text):
    assume("```" not in text)  # fenced code: highlighted by Pygments
    assume("*[" not in text)  # an abbreviation definition
    assume(not any(line.startswith("    ") for line in text.splitlines()))  # indented code
    expected = markup.sanitize_html(REFERENCE.render(text).rstrip("\n"))

    assert markup.render_markdown(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "[a][b](/u)\n\n[b]: /ref",
        '[a](/u "title (with parens)") and [b](</v w>) and [c](/x(y)z)',
        "[a](/u 'unclosed title) [b](/v)",
        "[" * 150 + "a](/u)" + "]" * 150,
        "[a](" + "/x" * 950 + ")",
        "*emphasis **strong** and `code`*",
    ],
)
def test_links_and_emphasis_render_as_commonmark_does(text):
    assert markup.render_markdown(text) == markup.sanitize_html(REFERENCE.render(text).strip())


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


def test_reference_style_images_render():
    assert markup.render_markdown("![logo][r]\n\n[r]: /logo.png") == (
        '<p><img alt="logo" src="/logo.png"></p>'
    )


def test_strikethrough_is_new():
    assert markup.render_markdown("~~gone~~ here") == "<p><s>gone</s> here</p>"


@pytest.mark.django_db
def test_rerender_markdown_refreshes_html_stored_by_an_older_renderer(client):
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


def test_figures_written_by_the_medium_importer_before_commonmark_still_render():
    rendered = markup.render_markdown(
        '<figure markdown="1">\n![A desk](/desk.jpg)\n'
        '<figcaption markdown="span">Photo by [Someone](https://example.org/@s)</figcaption>\n'
        "</figure>"
    )

    assert '<figure>\n<p><img alt="A desk" src="/desk.jpg"></p>\n<figcaption>Photo by <a' in (
        rendered
    )
    assert "markdown=" not in rendered and "](" not in rendered
