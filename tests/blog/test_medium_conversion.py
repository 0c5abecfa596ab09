"""How pieces of a Medium export's HTML come out as Markdown in the imported piece."""

import pytest
from bs4 import BeautifulSoup

from blog.importers.medium_html import body_to_markdown


def convert(html, **kwargs):
    body = BeautifulSoup(f'<section name="body">{html}</section>', "html.parser").section
    return body_to_markdown(body, **kwargs)


@pytest.mark.parametrize(
    ("html", "markdown"),
    [
        # A heading repeating the title or subtitle goes: the piece shows them already.
        ("<h3>My Title</h3><p>Text.</p>", "Text.\n"),
        ("<h4>A subtitle</h4><p>Text.</p>", "Text.\n"),
        # An empty code block is dropped; a code block's unknown language is left out.
        ("<p>Before.</p><pre>\n\xa0\n</pre>", "Before.\n"),
        (
            '<pre data-code-block-lang="c++; rm -rf">x = 1</pre>',
            "```\nx = 1\n```\n",
        ),
        # A code block containing a fence gets a longer fence.
        ("<pre>a\n```\nb</pre>", "````\na\n```\nb\n````\n"),
        # An image without a source is nothing; a linked image stays a linked image.
        ('<p>Look <img alt="x"> here.</p>', "Look  here.\n"),
        (
            '<p><a href="https://example.com/"><img alt="A logo" src="l.png"></a></p>',
            "[![A logo](l.png)](https://example.com/)\n",
        ),
        # In a heading, an image is its alt text.
        ('<h2>Results <img alt="(chart)" src="c.png"></h2>', "## Results (chart)\n"),
        # A figure with an image and no caption is a plain image.
        ('<figure><img src="a b.png" alt="  two   words "></figure>', "![two words](a%20b.png)\n"),
        # An embedded video becomes a link, labelled by its caption or "Embedded media".
        (
            '<figure><iframe src="https://v.example/1"></iframe>'
            "<figcaption>The talk</figcaption></figure>",
            "[The talk](https://v.example/1)\n",
        ),
        (
            '<figure><iframe src="https://v.example/2"></iframe></figure>',
            "[Embedded media](https://v.example/2)\n",
        ),
        (
            '<p>See</p><iframe src="https://v.example/3"></iframe>',
            "See\n\n[Embedded media](https://v.example/3)\n",
        ),
        ("<p>Gone</p><iframe></iframe>", "Gone\n"),
        # A figure with neither image nor frame keeps its text; an empty one disappears.
        ("<figure><p>Just words.</p></figure>", "Just words.\n"),
        ("<p>Only this.</p><figure></figure>", "Only this.\n"),
        # A caption outside a figure is ordinary text; scripts and styles vanish.
        ("<figcaption>Loose caption</figcaption>", "Loose caption\n"),
        ("<p>Kept.</p><script>alert(1)</script><style>p{}</style>", "Kept.\n"),
        # A link card (mixtape embed) becomes a link named by its bold title.
        (
            '<div class="graf--mixtapeEmbed"><a class="markup--mixtapeEmbed-anchor" '
            'href="https://ex.com/a"><strong>Card title</strong> more</a></div>',
            "[Card title](https://ex.com/a)\n",
        ),
        (
            '<div class="graf--mixtapeEmbed"><a href="https://ex.com/b"></a></div>',
            "[https://ex.com/b](https://ex.com/b)\n",
        ),
        # Nothing at all is an empty body, not a lone newline.
        ("<p> </p>", ""),
    ],
)
def test_medium_html_becomes_markdown(html, markdown):
    assert convert(html, title="My title", subtitle="A Subtitle") == markdown
