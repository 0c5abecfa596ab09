"""Byline's single Markdown pipeline: render once, sanitize once, measure once.

Writers' articles, author bios and the editor's live preview all go through
`render_markdown`, so what the preview shows is exactly what readers get.
"""

import html
import math
import re

import markdown
import nh3
from django.core.exceptions import ValidationError
from markdown import inlinepatterns
from markdown.extensions import Extension
from markdown.extensions.fenced_code import FencedBlockPreprocessor
from pygments.token import STANDARD_TYPES

__all__ = [
    "MAX_MARKDOWN_LENGTH",
    "markdown_length",
    "validate_markdown_length",
    "ALLOWED_ATTRIBUTE_VALUES",
    "ALLOWED_ATTRIBUTES",
    "ALLOWED_CLASSES",
    "ALLOWED_TAGS",
    "URL_SCHEMES",
    "excerpt",
    "reading_time_minutes",
    "render_markdown",
    "sanitize_html",
    "text_stats",
    "trim",
]


class _FencedCodeWithoutOptions(FencedBlockPreprocessor):
    """Fenced code that takes only a language from `{.lang ...}`, never Pygments options.

    Upstream passes every `key=value` in the braces to Pygments as keyword arguments, so a
    writer could turn on inline `style` output, write bytes instead of text (`encoding=`),
    blow up memory (`tabsize=`) or crash the save outright (`style=` collides with a named
    argument). Ids and extra classes are dropped too: they are not ours to choose.
    """

    def handle_attrs(self, attrs):
        classes = [value for key, value in attrs if key == "." and value]
        return "", classes[:1], {}


class _SafeFencedCodeExtension(Extension):
    def extendMarkdown(self, md):
        current = md.preprocessors["fenced_code_block"]
        md.preprocessors.register(
            _FencedCodeWithoutOptions(md, current.config), "fenced_code_block", 25
        )


# The longest Markdown a writer may save or preview: about 33,000 words, longer than any piece
# read in one sitting, and a bound on what one render may cost.
MAX_MARKDOWN_LENGTH = 200_000


def markdown_length(text: str) -> int:
    """Characters as the writer counts them (a line break is one, whatever the browser sent)."""
    return len((text or "").replace("\r\n", "\n").strip())


def validate_markdown_length(text: str) -> None:
    length = markdown_length(text)
    if length > MAX_MARKDOWN_LENGTH:
        raise ValidationError(
            f"Keep it under {MAX_MARKDOWN_LENGTH:,} characters (this has {length:,}): "
            "split it into parts.",
            code="too_long",
        )


_BRACKETS = re.compile(r"[\[\]]")


def _closing_brackets(data):
    """{position of each `[`: position of the `]` that closes it}, in one pass."""
    opened, closes = [], {}
    for match in _BRACKETS.finditer(data):
        if match.group() == "[":
            opened.append(match.start())
        elif opened:
            closes[opened.pop()] = match.start()
    return closes


class _LinearLinkText:
    """Find a link's `[text]` in linear time, and give up on its `(destination)` early.

    Upstream scans to the end of the paragraph for every `[` that never closes, and for every
    `(` that never closes, so a paragraph of 20,000 `[` took minutes (long enough for the
    server to kill the save). Same results for the text: a short scan finds most closing
    brackets; past it, one table of every bracket pair in the paragraph answers, built once
    per version of the text. Destinations: upstream's parser, on at most LINK_SCAN characters
    (no link is longer), and none at all when nothing after the `(` could close it.
    """

    QUICK_SCAN = 100
    LINK_SCAN = 2000

    def getText(self, data, index):  # noqa: N802 - upstream's name
        end = min(len(data), index + self.QUICK_SCAN)
        depth = 1
        for position in range(index, end):
            char = data[position]
            if char == "]":
                depth -= 1
                if depth == 0:
                    return data[index:position], position + 1, True
            elif char == "[":
                depth += 1
        if end < len(data):
            close = self._table(data)[0].get(index - 1)
            if close is not None:
                return data[index:close], close + 1, True
        return data[index:], len(data), False

    def getLink(self, data, index):  # noqa: N802 - upstream's name
        _, last_close, last_quote = self._table(data)
        if index > last_close and index > last_quote:
            # Upstream would scan to the end and find nothing to close the link with.
            return "", None, len(data), False
        # Upstream's parser reads only from `index` on: give it the window and shift back.
        href, title, end, handled = super().getLink(data[index : index + self.LINK_SCAN], 0)
        return href, title, (end + index if end != -1 else end), handled

    def _table(self, data):
        table = getattr(self, "_last", None)
        if table is None or table[0] is not data:
            quotes = max(data.rfind('"'), data.rfind("'"))
            table = self._last = (data, (_closing_brackets(data), data.rfind(")"), quotes))
        return table[1]


class _LinearLinksExtension(Extension):
    # Python-Markdown's own link processors, swapped in place (same names, same priorities).
    PROCESSORS = {
        "link": inlinepatterns.LinkInlineProcessor,
        "image_link": inlinepatterns.ImageInlineProcessor,
        "reference": inlinepatterns.ReferenceInlineProcessor,
        "short_reference": inlinepatterns.ShortReferenceInlineProcessor,
        "image_reference": inlinepatterns.ImageReferenceInlineProcessor,
        "short_image_ref": inlinepatterns.ShortImageReferenceInlineProcessor,
    }

    def extendMarkdown(self, md):  # noqa: N802 - upstream's name
        priorities = {item.name: item.priority for item in md.inlinePatterns._priority}
        for name, upstream in self.PROCESSORS.items():
            current = md.inlinePatterns[name]
            assert type(current) is upstream, f"{name} is no longer {upstream.__name__}"
            linear = type(f"Linear{upstream.__name__}", (_LinearLinkText, upstream), {})
            md.inlinePatterns.register(linear(current.pattern, md), name, priorities[name])


MARKDOWN_EXTENSIONS = [
    _LinearLinksExtension(),
    "markdown.extensions.extra",  # tables, footnotes, fenced code, attribute lists, abbreviations
    _SafeFencedCodeExtension(),  # must come after `extra`, whose fenced code it replaces
    "markdown.extensions.codehilite",
    "markdown.extensions.toc",
    "markdown.extensions.sane_lists",
]
MARKDOWN_CONFIG = {
    "markdown.extensions.codehilite": {"css_class": "highlight", "guess_lang": False},
    "markdown.extensions.toc": {
        "permalink": "#",
        "permalink_class": "heading-anchor",
        "permalink_title": "Link to this section",
    },
    "markdown.extensions.extra": {"tables": {"use_align_attribute": True}},
}

ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "caption", "code", "dd", "del", "details", "div",
    "dl", "dt", "em", "figcaption", "figure", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i",
    "img", "ins", "kbd", "li", "mark", "ol", "p", "pre", "s", "samp", "small", "span",
    "strong", "sub", "summary", "sup", "table", "tbody", "td", "tfoot", "th", "thead", "tr",
    "u", "ul", "var",
}  # fmt: skip
# Ids are kept so in-page anchors (headings, footnotes) work; Byline pages run no script that
# could be misled by a clobbered global. `class` values are narrowed by ALLOWED_CLASSES.
_HEADING_ATTRS = {"id"}
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title", "class"},
    "abbr": {"title"},
    "div": {"class"},
    "span": {"class"},
    "img": {"src", "alt", "title", "width", "height"},
    "sup": {"id"},
    "li": {"id"},
    "ol": {"start"},
    **{f"h{level}": _HEADING_ATTRS for level in range(1, 7)},
}
_ALIGNMENTS = {"left", "center", "right"}
ALLOWED_ATTRIBUTE_VALUES = {"td": {"align": _ALIGNMENTS}, "th": {"align": _ALIGNMENTS}}
# Only the classes the renderer itself emits: a writer's `{: .button}` or `<span class="...">`
# must not borrow the site's own styles (spoofed buttons, messages, hidden text).
ALLOWED_CLASSES = {
    "a": {"heading-anchor", "footnote-ref", "footnote-backref"},
    "div": {"highlight", "footnote", "toc"},
    "span": {name for name in STANDARD_TYPES.values() if name} | {"hll"},  # Pygments tokens
}
URL_SCHEMES = {"http", "https", "mailto"}

_URL_ATTRIBUTES = {"href", "src"}
_INVISIBLE_RE = re.compile(r"[\x00-\x20\x7f-\x9f]+")
_SCHEME_RE = re.compile(r"([a-z][a-z0-9+.-]*):")


def _filter_attribute(tag: str, name: str, value: str) -> str | None:
    """Keep only our own classes; drop URLs whose scheme is not allowed once spaces are removed.

    nh3 already rejects `javascript:` and encoded variants that browsers decode; this also
    rejects spellings such as `jav ascript:` that only lenient (legacy) parsers would run.
    """
    if name == "class":
        allowed = ALLOWED_CLASSES.get(tag, set())
        return " ".join(cls for cls in value.split() if cls in allowed) or None
    if name in _URL_ATTRIBUTES:
        scheme = _SCHEME_RE.match(_INVISIBLE_RE.sub("", value).lower())
        if scheme and scheme.group(1) not in URL_SCHEMES:
            return None
    return value


def sanitize_html(dirty: str) -> str:
    """Keep only allow-listed tags, attributes, classes and URL schemes."""
    return nh3.clean(
        dirty,
        tags=ALLOWED_TAGS,
        clean_content_tags={"script", "style"},
        attributes=ALLOWED_ATTRIBUTES,
        attribute_filter=_filter_attribute,
        tag_attribute_values=ALLOWED_ATTRIBUTE_VALUES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer",
        strip_comments=True,
    )


def _render_plain(text: str) -> str:
    paragraphs = (part.strip() for part in re.split(r"\n\s*\n", text))
    return "\n".join(f"<p>{html.escape(part)}</p>" for part in paragraphs if part)


_SURROGATE_RE = re.compile("[\ud800-\udfff]")


def render_markdown(text: str) -> str:
    """Render writer Markdown to sanitized HTML (the only renderer in Byline).

    Lone surrogates (possible from JSON, never from UTF-8) become U+FFFD and byte-order
    marks are dropped (parsers drop a leading one, so re-sanitizing would change the HTML).
    Markdown nested deeper than Python's recursion limit (hundreds of list levels) is shown
    as escaped plain text rather than failing the save.
    """
    text = _SURROGATE_RE.sub("\ufffd", text or "").replace("\ufeff", "")
    md = markdown.Markdown(extensions=MARKDOWN_EXTENSIONS, extension_configs=MARKDOWN_CONFIG)
    try:
        rendered = md.convert(text)
    except RecursionError:
        rendered = _render_plain(text)
    return sanitize_html(rendered)


# Renderer furniture that is not prose: heading permalinks ("#"), footnote markers and
# back-links, and the table of contents (which repeats the headings).
_FURNITURE_RE = re.compile(
    r'<a\b[^>]*\bclass="(?:heading-anchor|footnote-ref|footnote-backref)"[^>]*>.*?</a>'
    r'|<div class="toc">.*?</div>',
    re.DOTALL,
)
# Inline tags join the text around them ("H<sub>2</sub>O" is one word); any other tag
# (paragraphs, list items, cells, line breaks, images) separates words.
_INLINE_TAG_RE = re.compile(
    r"</?(?:a|abbr|b|code|del|em|i|ins|kbd|mark|s|samp|small|span|strong|sub|sup|u|var)\b[^>]*>"
)
_TAG_RE = re.compile(r"<[^>]+>")
_IMG_RE = re.compile(r"<img\b", re.IGNORECASE)
_PARAGRAPH_RE = re.compile(r"<p>(.*?)</p>", re.DOTALL)
_SPACE_RE = re.compile(r"\s+")


def html_to_text(rendered: str) -> str:
    """Plain, single-spaced text of rendered HTML, without permalinks, footnote marks or TOC."""
    text = _INLINE_TAG_RE.sub("", _FURNITURE_RE.sub("", rendered))
    return _SPACE_RE.sub(" ", html.unescape(_TAG_RE.sub(" ", text))).strip()


def text_stats(rendered: str) -> tuple[int, int]:
    """Return (word count, image count) of rendered HTML."""
    return len(html_to_text(rendered).split()), len(_IMG_RE.findall(rendered))


WORDS_PER_MINUTE = 265


def reading_time_minutes(words: int, images: int = 0) -> int:
    """Medium's rule: 265 words a minute; 12 s for the first image, 1 s less each, 3 s floor."""
    seconds = words * 60 / WORDS_PER_MINUTE
    seconds += sum(max(12 - index, 3) for index in range(images))
    return max(1, math.ceil(seconds / 60))


def excerpt(rendered: str, limit: int = 160) -> str:
    """Plain text of the first paragraph that has any, trimmed on a word boundary to `limit`.

    An image-only opening paragraph is skipped; without paragraphs, all the text is used.
    """
    for paragraph in _PARAGRAPH_RE.findall(rendered):
        if text := html_to_text(paragraph):
            return trim(text, limit)
    return trim(html_to_text(rendered), limit)


def trim(text: str, limit: int) -> str:
    """Shorten plain text to at most `limit` characters on a word boundary."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    if text[limit - 1] != " ":  # the cut falls inside a word: drop that word
        cut = cut.rsplit(" ", 1)[0]
    return cut.rstrip(",.;:—- ") + "…"
