"""Rendered Markdown is inert for every payload of the XSS corpus, and still rich for prose."""

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import markup

CORPUS_PATH = Path(__file__).parent / "data" / "xss_payloads.txt"
SEPARATOR = re.compile(r"^-----$", re.MULTILINE)


def load_payloads() -> list[str]:
    """Split the corpus on lines of five dashes; the first entry is the file's header comment."""
    entries = SEPARATOR.split(CORPUS_PATH.read_text(encoding="utf-8"))[1:]
    return [entry.strip("\n") for entry in entries if entry.strip()]


PAYLOADS = load_payloads()

FORBIDDEN_TAGS = {
    "script", "iframe", "frame", "frameset", "object", "embed", "applet", "form", "input",
    "button", "select", "textarea", "style", "link", "meta", "base", "svg", "math", "template",
    "noscript", "xmp", "noembed", "title", "video", "audio", "source", "marquee", "body",
}  # fmt: skip
URL_ATTRIBUTES = {
    "href", "src", "srcset", "action", "formaction", "background", "data", "poster",
    "xlink:href", "cite", "longdesc", "lowsrc", "dynsrc", "usemap", "codebase",
}  # fmt: skip
DANGEROUS_SCHEMES = ("javascript:", "vbscript:", "data:", "livescript:", "mocha:")
# Whitespace and C0/C1 control characters, which browsers ignore or strip inside a URL scheme.
INVISIBLE = re.compile(r"[\x00-\x20\x7f-\x9f\u00ad\u200b-\u200f\u2028\u2029\ufeff]+")
SCHEME = re.compile(r"^([a-z][a-z0-9+.-]*):")


class TagCollector(HTMLParser):
    """Collect every start tag with its attributes, the way a browser tokenizer sees them."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, attrs))

    def handle_startendtag(self, tag, attrs):
        self.tags.append((tag, attrs))


def parse(rendered: str) -> list[tuple[str, list[tuple[str, str | None]]]]:
    collector = TagCollector()
    collector.feed(rendered)
    collector.close()
    return collector.tags


def normalised_url(value: str) -> str:
    # HTMLParser already decoded character references in attribute values.
    return INVISIBLE.sub("", value).lower()


def allowed_attributes(tag: str) -> set[str]:
    allowed = set(markup.ALLOWED_ATTRIBUTES.get(tag, ()))
    allowed |= set(markup.ALLOWED_ATTRIBUTE_VALUES.get(tag, ()))
    return allowed | {"rel"} if tag == "a" else allowed  # nh3 adds rel="noopener noreferrer"


def problems_in(rendered: str) -> list[str]:
    problems = []
    for tag, attrs in parse(rendered):
        if tag in FORBIDDEN_TAGS:
            problems.append(f"forbidden tag <{tag}>")
        if tag not in markup.ALLOWED_TAGS:
            problems.append(f"tag <{tag}> is not on the allow-list")
        allowed_here = allowed_attributes(tag)
        for name, value in attrs:
            value = value or ""
            if name.startswith("on"):
                problems.append(f"event handler {name} on <{tag}>")
            if name == "style":
                problems.append(f"style attribute on <{tag}>")
            if name not in allowed_here and name != "class":
                problems.append(f"attribute {name} is not allowed on <{tag}>")
            restricted = markup.ALLOWED_ATTRIBUTE_VALUES.get(tag, {}).get(name)
            if restricted is not None and value not in restricted:
                problems.append(f"value {name}={value!r} on <{tag}>")
            if name == "rel" and value != "noopener noreferrer":
                problems.append(f"rel={value!r} on <{tag}>")
            if name == "class":
                extra = set(value.split()) - markup.ALLOWED_CLASSES.get(tag, set())
                if extra:
                    problems.append(f"classes {sorted(extra)} on <{tag}>")
            if name in URL_ATTRIBUTES:
                url = normalised_url(value)
                if url.startswith(DANGEROUS_SCHEMES):
                    problems.append(f"dangerous URL {name}={value!r} on <{tag}>")
                scheme = SCHEME.match(url)
                if scheme and scheme.group(1) not in markup.URL_SCHEMES:
                    problems.append(f"scheme {scheme.group(1)!r} in {name} on <{tag}>")
    return problems


def payload_id(payload: str) -> str:
    return payload.splitlines()[0][:50] if payload.strip() else "blank"


def test_corpus_is_big_enough():
    assert len(PAYLOADS) >= 60
    assert len(set(PAYLOADS)) == len(PAYLOADS), "duplicate payloads in the corpus"


@pytest.mark.parametrize("payload", PAYLOADS, ids=[payload_id(p) for p in PAYLOADS])
def test_payload_is_rendered_inert(payload):
    rendered = markup.render_markdown(payload)

    assert problems_in(rendered) == [], rendered


@pytest.mark.parametrize("payload", PAYLOADS, ids=[payload_id(p) for p in PAYLOADS])
def test_rendering_is_stable_under_a_second_sanitization(payload):
    rendered = markup.render_markdown(payload)

    assert markup.sanitize_html(rendered) == rendered


@pytest.mark.parametrize(
    ("dirty", "problem"),
    [
        ('<img src="x" onerror="alert(1)">', "event handler onerror on <img>"),
        ('<p style="color:red">x</p>', "style attribute on <p>"),
        ('<a href="jav&#x09;ascript:alert(1)">x</a>', "dangerous URL"),
        ('<a href=" DATA:text/html,x">x</a>', "dangerous URL"),
        ("<svg></svg>", "forbidden tag <svg>"),
        ('<SCRIPT SRC="x"></SCRIPT>', "forbidden tag <script>"),
        ('<span class="messages">x</span>', "classes ['messages'] on <span>"),
        ('<a href="ftp://x">x</a>', "scheme 'ftp'"),
        ('<td align="justify">x</td>', "value align='justify'"),
        ('<a href="/" rel="opener">x</a>', "rel='opener'"),
        ("<a href=/ target=_blank>x</a>", "attribute target is not allowed"),
    ],
)
def test_the_checker_itself_catches_unsafe_html(dirty, problem):
    """Guard against a checker that could never fail."""
    assert any(problem in found for found in problems_in(dirty))


# --- positive features -------------------------------------------------------------------


def test_headings_get_an_id_and_an_anchor_link():
    rendered = markup.render_markdown("## Why we *write*\n\ntext")

    tags = parse(rendered)
    assert tags[0] == ("h2", [("id", "why-we-write")])
    anchor = next(tag for tag in tags if tag[0] == "a")
    assert ("href", "#why-we-write") in anchor[1]
    assert ("class", "heading-anchor") in anchor[1]
    assert ("title", "Link to this section") in anchor[1]


def test_custom_heading_id_from_attribute_list_is_kept():
    rendered = markup.render_markdown("## Setup {: #install }")

    assert '<h2 id="install">Setup<a class="heading-anchor" href="#install"' in rendered


def test_lists_are_rendered_and_ordered_start_is_kept():
    rendered = markup.render_markdown("- one\n- two\n\n3. three\n4. four\n")

    assert "<ul>\n<li>one</li>\n<li>two</li>\n</ul>" in rendered
    assert '<ol start="3">\n<li>three</li>\n<li>four</li>\n</ol>' in rendered


def test_blockquotes_are_rendered():
    rendered = markup.render_markdown("> quoted *words*")

    assert "<blockquote>\n<p>quoted <em>words</em></p>\n</blockquote>" in rendered


def test_tables_keep_their_column_alignment():
    rendered = markup.render_markdown("| L | C | R |\n|:--|:-:|--:|\n| 1 | 2 | 3 |\n")

    assert '<th align="left">L</th>' in rendered
    assert '<th align="center">C</th>' in rendered
    assert '<td align="right">3</td>' in rendered
    assert "<table>" in rendered and "<thead>" in rendered and "<tbody>" in rendered


def test_footnotes_link_both_ways():
    rendered = markup.render_markdown("Claim[^src].\n\n[^src]: The source.")

    assert '<sup id="fnref:src"><a class="footnote-ref" href="#fn:src"' in rendered
    assert '<div class="footnote">' in rendered
    assert '<li id="fn:src">' in rendered
    assert 'class="footnote-backref" href="#fnref:src"' in rendered


def test_fenced_code_is_highlighted_with_pygments_classes():
    rendered = markup.render_markdown('```python\ndef f():\n    return "s"  # note\n```')

    assert rendered.startswith('<div class="highlight"><pre>')
    assert '<span class="k">def</span>' in rendered
    assert '<span class="nf">f</span>' in rendered
    assert '<span class="s2">"s"</span>' in rendered
    assert '<span class="c1"># note</span>' in rendered


def test_fenced_code_with_brace_attributes_is_highlighted_but_options_are_ignored():
    rendered = markup.render_markdown(
        '```{.python #main .messages noclasses=true linenums=true style="x"}\nimport os\n```'
    )

    assert rendered.startswith('<div class="highlight"><pre>')
    assert '<span class="kn">import</span>' in rendered
    assert "messages" not in rendered
    assert "main" not in rendered
    assert "<table" not in rendered  # linenums ignored


def test_code_is_escaped_not_interpreted():
    rendered = markup.render_markdown("`<b>not bold</b>`\n\n```\n<i>x</i> & y\n```")

    assert "<code>&lt;b&gt;not bold&lt;/b&gt;</code>" in rendered
    assert "&lt;i&gt;x&lt;/i&gt; &amp; y" in rendered


def test_images_keep_src_and_alt_text():
    rendered = markup.render_markdown('![A red kite over the hill](/media/kite.jpg "Kite")')

    assert '<img alt="A red kite over the hill" src="/media/kite.jpg" title="Kite">' in rendered


def test_https_links_keep_href():
    rendered = markup.render_markdown("[Docs](https://example.org/a?b=1&c=2)")

    expected = '<a href="https://example.org/a?b=1&amp;c=2" rel="noopener noreferrer">Docs</a>'
    assert expected in rendered


@pytest.mark.parametrize(
    "url",
    ["#section-2", "/about/", "../up", "mailto:hi@example.org", "http://example.org/"],
)
def test_internal_relative_and_mail_links_are_kept(url):
    rendered = markup.render_markdown(f"[here]({url})")

    assert f'href="{url}"' in rendered


def test_unsafe_link_loses_only_its_href():
    rendered = markup.render_markdown("[click me](javascript:alert(1)) after")

    assert rendered == '<p><a rel="noopener noreferrer">click me</a> after</p>'


def test_raw_html_that_is_allowed_survives():
    rendered = markup.render_markdown(
        "<details><summary>More</summary>Hidden <mark>text</mark> H<sub>2</sub>O</details>"
    )

    assert "<details><summary>More</summary>Hidden <mark>text</mark> H<sub>2</sub>O</details>" in (
        rendered
    )


def test_script_and_style_content_is_dropped_not_shown_as_text():
    rendered = markup.render_markdown("a <script>alert(1)</script><style>p{}</style> b")

    assert "alert" not in rendered
    assert "p{}" not in rendered


def test_classes_from_attribute_lists_are_limited_to_the_renderer_s_own():
    rendered = markup.render_markdown(
        "Paragraph {: .visually-hidden }\n\n[Log in](/accounts/login/){: .button .messages }"
    )

    assert "class=" not in rendered


def test_abbreviations_and_figures_with_captions_are_kept():
    # CommonMark: Markdown inside HTML blocks needs blank lines around it (no markdown="1").
    rendered = markup.render_markdown(
        "<figure>\n\n![A desk](/desk.jpg)\n\n<figcaption>\n\n"
        "Photo by [Someone](https://example.org/@s)\n\n</figcaption>\n"
        "</figure>\n\n*[HTML]: Hyper Text Markup Language\n\nHTML is fun."
    )

    assert '<figure>\n<p><img alt="A desk" src="/desk.jpg"></p>\n<figcaption>\n<p>Photo by' in (
        rendered
    )
    assert '<abbr title="Hyper Text Markup Language">HTML</abbr> is fun.' in rendered


def test_table_of_contents_marker_renders_links():
    rendered = markup.render_markdown("[TOC]\n\n# One\n\n## Two")

    assert '<div class="toc">' in rendered
    assert '<a href="#two" rel="noopener noreferrer">Two</a>' in rendered


@pytest.mark.parametrize("text", [None, "", "   \n\n"])
def test_empty_input_renders_nothing(text):
    assert markup.render_markdown(text) == ""


# --- robustness: anything a writer can type renders without an exception ------------------


@pytest.mark.parametrize(
    "options",
    [
        'style="monokai"',  # collided with CodeHilite's own `style` argument: TypeError
        "encoding=latin-1",  # made Pygments return bytes
        "outencoding=utf-8",
        "tabsize=99999999",  # memory blow-up
        "pygments_formatter=img",  # needs PIL: ImportError
        "pygments_style=nonexistent noclasses=true",
        "linenums=true linenostep=0",
        "use_pygments=false lang_prefix='\" onmouseover=alert(1) x='",
        'hl_lines="1 x 99999999"',
        "full=true cssfile=/tmp/byline-pwned.css",
    ],
)
def test_fenced_code_options_are_ignored(options):
    rendered = markup.render_markdown(f"```{{.python {options}}}\nprint(1)\n```")

    assert rendered.startswith('<div class="highlight"><pre><span></span><code>')
    assert '<span class="nb">print</span>' in rendered
    assert problems_in(rendered) == []
    assert not Path("/tmp/byline-pwned.css").exists()


def test_legacy_hl_lines_still_highlight_lines():
    rendered = markup.render_markdown('```python hl_lines="2"\na = 1\nb = 2\n```')

    assert '<span class="hll">' in rendered


def test_nesting_deeper_than_the_recursion_limit_falls_back_to_escaped_text():
    text = "".join("  " * depth + "- item <b>\n" for depth in range(600))

    rendered = markup.render_markdown(text)

    assert rendered.startswith("<p>- item &lt;b&gt;")
    assert problems_in(rendered) == []


def test_deep_blockquotes_render():
    rendered = markup.render_markdown(">" * 2000 + " deep")

    assert "deep" in rendered
    assert problems_in(rendered) == []


def test_lone_surrogates_and_byte_order_marks_do_not_break_rendering():
    rendered = markup.render_markdown("\ufeffbad \ud800 pair")

    assert rendered == "<p>bad \ufffd pair</p>"


def test_markdown_placeholders_typed_by_a_writer_stay_inert():
    text = "```\n<script>alert(1)</script>\n```\n\n\x02wzxhzdk:0\x03 and \x02wzxhzdk:7\x03"

    rendered = markup.render_markdown(text)

    assert problems_in(rendered) == []
    assert "\x02" not in rendered and "\x03" not in rendered


# --- generated input ----------------------------------------------------------------------

FRAGMENTS = [
    "<", ">", "/", "=", '"', "'", "`", "&", "#", ";", ":", "(", ")", "[", "]", "{", "}", "!",
    "*", "_", "|", "-", "~", "^", " ", "\t", "\n", "\n\n", "    ", "```", "~~~", "{: ", "[^1]",
    "[^1]: ", "<script>", "</script>", "<img src=x onerror=alert(1)>", "<svg", "<math>",
    "<style>", "<!--", "-->", "<![CDATA[", "]]>", "javascript:", "jav&#x09;ascript:",
    "&#106;", "&#x6A", "data:text/html,", "vbscript:", "onclick=", "onerror=", "style=",
    'href="', "src=", "<a ", "</a>", "<p ", "<div markdown=\"1\">", "</div>", "<noscript>",
    "<template>", "<textarea>", "<title>", "<iframe", "alert(1)", "](", "![", "> ", "1. ",
    "- ", "| a |", "|---|", "[TOC]", "*[", "]: ", ".python", "#id", ".class", "x", "é",
    "\x00", "\x0b", "\x0c", "\r", "\ufeff", "\ud800", "\u2028", "\u00a0",
    "\x02wzxhzdk:0\x03", "\x02wzxhzdk:9\x03", "\x02klzzwxh:0\x03",  # Markdown's own placeholders
]  # fmt: skip


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(FRAGMENTS), max_size=60).map("".join))
def test_generated_markdown_never_crashes_and_is_always_inert(text):
    rendered = markup.render_markdown(text)

    assert problems_in(rendered) == [], rendered
    assert markup.sanitize_html(rendered) == rendered
