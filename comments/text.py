"""Plain-text response bodies: escape everything, keep line breaks, link web addresses."""

import re

from django.utils.html import urlize

import markup

LINK_REL = markup.RESPONSE_LINK_REL
_NEWLINES = re.compile(r"\r\n?")
_LINK = re.compile(r"<a\s", re.IGNORECASE)


def normalize_body(text: str) -> str:
    """Unify line endings and trim surrounding white space."""
    return _NEWLINES.sub("\n", text or "").strip()


def render_body(text: str) -> str:
    """Return the safe HTML of a plain-text body (rendered once, at save time)."""
    linked = urlize(normalize_body(text), nofollow=True, autoescape=True)
    linked = linked.replace("\n", "<br>")
    # Belt and braces: only <a href> and <br> survive, and every link gets the same rel.
    return markup.sanitize_response_html(linked)


def count_links(html: str) -> int:
    return len(_LINK.findall(html))
