"""Byline's single Markdown pipeline: render once, sanitize once, measure once.

Writers' articles, author bios and the editor's live preview all go through
`render_markdown`, so what the preview shows is exactly what readers get.
"""

import html
import math
import re

import markdown
import nh3

__all__ = [
    "ALLOWED_TAGS",
    "excerpt",
    "reading_time_minutes",
    "render_markdown",
    "sanitize_html",
    "text_stats",
    "trim",
]

MARKDOWN_EXTENSIONS = [
    "markdown.extensions.extra",  # tables, footnotes, fenced code, attribute lists, abbreviations
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
_HEADING_ATTRS = {"id"}
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title", "id", "class"},
    "abbr": {"title"},
    "img": {"src", "alt", "title", "width", "height"},
    "code": {"class"},
    "div": {"class"},
    "pre": {"class"},
    "span": {"class"},
    "sup": {"id", "class"},
    "li": {"id"},
    "ol": {"start"},
    "hr": {"class"},
    "td": {"align"},
    "th": {"align"},
    **{f"h{level}": _HEADING_ATTRS for level in range(1, 7)},
}
URL_SCHEMES = {"http", "https", "mailto"}


def sanitize_html(dirty: str) -> str:
    """Keep only allow-listed tags, attributes and URL schemes."""
    return nh3.clean(
        dirty,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer",
        strip_comments=True,
    )


def render_markdown(text: str) -> str:
    """Render writer Markdown to sanitized HTML (the only renderer in Byline)."""
    md = markdown.Markdown(extensions=MARKDOWN_EXTENSIONS, extension_configs=MARKDOWN_CONFIG)
    return sanitize_html(md.convert(text or ""))


_TAG_RE = re.compile(r"<[^>]+>")
_IMG_RE = re.compile(r"<img\b", re.IGNORECASE)
_PARAGRAPH_RE = re.compile(r"<p>(.*?)</p>", re.DOTALL)
_SPACE_RE = re.compile(r"\s+")


def html_to_text(rendered: str) -> str:
    return _SPACE_RE.sub(" ", html.unescape(_TAG_RE.sub(" ", rendered))).strip()


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
    """Plain text of the first paragraph, trimmed on a word boundary to `limit` characters."""
    match = _PARAGRAPH_RE.search(rendered)
    return trim(html_to_text(match.group(1) if match else rendered), limit)


def trim(text: str, limit: int) -> str:
    """Shorten plain text to at most `limit` characters on a word boundary."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1].rsplit(" ", 1)[0].rstrip(",.;:—- ")
    return cut + "…"
