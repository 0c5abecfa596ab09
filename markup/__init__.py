"""Byline's single Markdown pipeline: render once, sanitize once, measure once.

Writers' articles, author bios and the editor's live preview all go through
`render_markdown`, so what the preview shows is exactly what readers get.
"""

import contextlib
import functools
import html
import math
import re
import unicodedata

import nh3
import pygments
from django.core.exceptions import ValidationError
from markdown_it import MarkdownIt
from markdown_it.common.utils import escapeHtml
from markdown_it.token import Token
from mdit_py_plugins.deflist import deflist_plugin
from mdit_py_plugins.footnote import footnote_plugin
from pygments.formatters import HtmlFormatter
from pygments.lexers import TextLexer, get_lexer_by_name
from pygments.token import STANDARD_TYPES
from pygments.util import ClassNotFound

__all__ = [
    "MAX_MARKDOWN_LENGTH",
    "MAX_RENDER_OPERATIONS",
    "TOO_COMPLEX_MESSAGE",
    "markdown_length",
    "render_operations",
    "too_complex",
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


# The longest Markdown a writer may save or preview: about 33,000 words, longer than any piece
# read in one sitting, and a bound on what one render may cost.
MAX_MARKDOWN_LENGTH = 200_000


def markdown_length(text: str) -> int:
    """Characters as the writer counts them (a line break is one, whatever the browser sent)."""
    return len((text or "").replace("\r\n", "\n").strip())


TOO_COMPLEX_MESSAGE = (
    "This Markdown is too intricate to render quickly (thousands of list items, footnote "
    "references, table rows or code blocks): split it into parts."
)


def validate_markdown_length(text: str) -> None:
    """The one check on bodies, bios and imports: the length cap, then the render budget."""
    length = markdown_length(text)
    if length > MAX_MARKDOWN_LENGTH:
        raise ValidationError(
            f"Keep it under {MAX_MARKDOWN_LENGTH:,} characters (this has {length:,}): "
            "split it into parts.",
            code="too_long",
        )
    if too_complex(text):
        raise ValidationError(TOO_COMPLEX_MESSAGE, code="too_complex")


def too_complex(text: str) -> bool:
    """Would rendering `text` take more than MAX_RENDER_OPERATIONS?"""
    return _render(text or "") is None


# --- The renderer: markdown-it-py (CommonMark) and its plugins --------------------------------
#
# markdown-it-py is built to parse any input in linear time (its fuzzing and the CommonMark
# "pathological" tests), unlike Python-Markdown, which is worse than quadratic on footnote
# references, abbreviations, emphasis runs and fences. The few extras Byline keeps on top
# (heading ids and permalinks, `[TOC]`, abbreviations, Pygments) are single passes over tokens.

_TOC_MARKER = "[TOC]"
_ATTR_LIST_RE = re.compile(r"[ \t]*\{:?[ \t]*([^{}\n]*?)[ \t]*\}[ \t]*$")
_ID_IN_ATTR_LIST_RE = re.compile(r"(?:^|\s)#([\w:.-]+)")
_LANG_IN_BRACES_RE = re.compile(r"(?:^|[\s{])\.([\w+#-]+)")
_HL_LINES_RE = re.compile(r"""hl_lines=["']?([\d ]+)["']?""")
_ABBR_DEF_RE = re.compile(r"^ {0,3}\*\[([^\]\\\n]{1,64})\][ ]?:[ \t]*(.*)$", re.MULTILINE)
_FORMATTER = HtmlFormatter(cssclass="highlight", wrapcode=True)


@functools.lru_cache(maxsize=64)
def _lexer(name: str):
    try:
        return get_lexer_by_name(name) if name else TextLexer()
    except ClassNotFound:
        return TextLexer()


def _highlight(code: str, info: str) -> str:
    """Pygments classes inside `<div class="highlight"><pre><code>`, as the CSS expects.

    Only a language (```` ```python ```` or ```` ```{.python} ````) and `hl_lines="2 3"` are read
    from the info string; nothing else reaches Pygments (options such as `style=` or `tabsize=`
    used to crash or blow up the old renderer).
    """
    info = info.strip()
    if info.startswith("{"):
        lang = _LANG_IN_BRACES_RE.search(info)
        lang = lang.group(1) if lang else ""
    else:
        lang = info.split(maxsplit=1)[0] if info else ""
    formatter = _FORMATTER
    if hl := _HL_LINES_RE.search(info):
        lines = code.count("\n") + 1
        wanted = [int(n) for n in hl.group(1).split() if len(n) < 7 and 0 < int(n) <= lines]
        if wanted:
            formatter = HtmlFormatter(cssclass="highlight", wrapcode=True, hl_lines=wanted)
    return pygments.highlight(code, _lexer(lang.lower()[:50]), formatter)


def _render_fence(self, tokens, idx, options, env):
    token = tokens[idx]
    _spend(env, FENCE_COST + len(token.content) // 20)  # Pygments: a lexer run per block
    return _highlight(token.content, token.info if token.type == "fence" else "")


def _slugify(text: str) -> str:
    """Python-Markdown's toc slugs, so links to sections of stored pieces keep working."""
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    text = re.sub(r"[^\w\s-]", "", text).strip().lower()
    return re.sub(r"[-\s]+", "-", text) or "section"


def _plain_text(inline) -> str:
    return "".join(
        child.content for child in inline.children or () if child.type in ("text", "code_inline")
    )


def _take_attr_list(inline, colon=False) -> str | None:
    """Remove a trailing `{: ... }` (or on headings `{ ... }`) attribute list; return its text."""
    children = inline.children or []
    if not children or children[-1].type != "text":
        return None
    match = _ATTR_LIST_RE.search(children[-1].content)
    if not match or (colon and "{:" not in match.group()):
        return None
    children[-1].content = children[-1].content[: match.start()]
    return match.group(1)


def _headings_and_toc(state):
    """Heading ids (unique, in one pass), `#` permalinks, `{: #id }`, and `[TOC]`."""
    tokens, used, headings, toc_at = state.tokens, set(), [], []
    for index, token in enumerate(tokens):
        if token.type == "inline" and index and tokens[index - 1].type == "paragraph_open":
            if token.content.strip() == _TOC_MARKER:
                toc_at.append(index)
            else:
                _take_attr_list(token, colon=True)  # classes, ids on paragraphs: never kept
        if token.type != "heading_open":
            continue
        inline = tokens[index + 1]
        attrs = _take_attr_list(inline)
        custom = _ID_IN_ATTR_LIST_RE.search(attrs) if attrs else None
        base = custom.group(1) if custom else _slugify(_plain_text(inline))
        slug, n = base, 0
        while slug in used:
            n += 1
            slug = f"{base}_{n}"
        used.add(slug)
        token.attrSet("id", slug)
        headings.append((int(token.tag[1]), slug, _plain_text(inline)))
        anchor = Token("link_open", "a", 1)
        anchor.attrs = {"class": "heading-anchor", "href": f"#{slug}"}
        anchor.attrs["title"] = "Link to this section"
        text = Token("text", "", 0)
        text.content = "#"
        inline.children = [*(inline.children or []), anchor, text, Token("link_close", "a", -1)]
    if toc_at:
        toc = Token("html_block", "", 0)
        toc.content = _toc_html(headings)
        for index in toc_at:  # the marker's paragraph_open, inline, paragraph_close
            tokens[index - 1 : index + 2] = [toc, _text(""), _text("")]


def _toc_html(headings) -> str:
    """Nested lists of links to the headings, like Python-Markdown's `[TOC]`."""
    out, stack = ['<div class="toc">\n<ul>\n'], []
    for level, slug, title in headings:
        while stack and stack[-1] > level:
            stack.pop()
            out.append("</li>\n</ul>\n")
        if stack and stack[-1] == level:
            out.append("</li>\n")
        elif stack:
            out.append("<ul>\n")
        if not stack or stack[-1] < level:
            stack.append(level)
        out.append(f'<li><a href="#{html.escape(slug)}">{html.escape(title)}</a>')
    if stack:
        out.append("</li>\n" + "</ul>\n</li>\n" * (len(stack) - 1))
    out.append("</ul>\n</div>\n")
    return "".join(out)


def _table_alignment(state):
    """`align="left"` on cells, as before (markdown-it writes a style attribute nh3 drops)."""
    for token in state.tokens:
        if token.type in ("th_open", "td_open") and token.attrs.get("style"):
            align = str(token.attrs.pop("style")).removeprefix("text-align:")
            token.attrSet("align", align)


def _abbreviations(state):
    """`*[HTML]: Hyper Text Markup Language` definitions become `<abbr title>` in the text.

    Definitions are taken out of the source before parsing (see `render_markdown`); matching
    uses one regular expression built as a trie of the terms (at most 64 characters each), so
    the cost per character of text is bounded by the longest term, not by their number.
    """
    terms = state.env.get("abbreviations")
    if not terms:
        return
    pattern = re.compile(r"(?<!\w)(?:" + _trie_regex(sorted(terms)) + r")(?!\w)")
    for token in state.tokens:
        if token.type != "inline" or not token.children:
            continue
        children, in_link = [], 0
        for child in token.children:
            in_link += child.type == "link_open"
            in_link -= child.type == "link_close"
            if child.type != "text" or in_link:
                children.append(child)
                continue
            last = 0
            for match in pattern.finditer(child.content):
                children.append(_text(child.content[last : match.start()]))
                opener = Token("abbr_open", "abbr", 1)
                opener.attrs = {"title": terms[match.group()]}
                children += [opener, _text(match.group()), Token("abbr_close", "abbr", -1)]
                last = match.end()
            children.append(_text(child.content[last:]) if last else child)
        token.children = children


def _text(content):
    token = Token("text", "", 0)
    token.content = content
    return token


def _trie_regex(words) -> str:
    trie = {}
    for word in words:
        node = trie
        for char in word:
            node = node.setdefault(char, {})
        node[""] = {}

    def build(node):
        end = "" in node
        branches = [re.escape(char) + build(child) for char, child in node.items() if char]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        return f"(?:{body})?" if end else body

    return build(trie)


def _take_abbreviations(text: str):
    terms = {}

    def keep(match):
        terms[match.group(1)] = match.group(2).strip()
        return ""

    return _ABBR_DEF_RE.sub(keep, text), terms


def _footnote_ids(token):
    label = token.meta.get("label") or str(token.meta["id"] + 1)
    sub = token.meta.get("subId", 0)
    return f"fn:{label}", f"fnref{sub + 1 if sub > 0 else ''}:{label}"


def _render_footnote_ref(self, tokens, idx, options, env):
    note, ref = (html.escape(value) for value in _footnote_ids(tokens[idx]))
    number = tokens[idx].meta["id"] + 1
    return f'<sup id="{ref}"><a class="footnote-ref" href="#{note}">{number}</a></sup>'


def _render_footnote_open(self, tokens, idx, options, env):
    return f'<li id="{html.escape(_footnote_ids(tokens[idx])[0])}">\n'


def _render_footnote_anchor(self, tokens, idx, options, env):
    ref = html.escape(_footnote_ids(tokens[idx])[1])
    number = tokens[idx].meta["id"] + 1
    title = f"Jump back to footnote {number} in the text"
    space = "" if tokens[idx].meta.get("subId", 0) > 0 else "\xa0"
    return f'{space}<a class="footnote-backref" href="#{ref}" title="{title}">\u21a9</a>'


def _render_image(self, tokens, idx, options, env):
    """`<img alt src title>`: the old renderer's attribute order, so stored HTML compares."""
    token = tokens[idx]
    alt = self.renderInlineAsText(token.children or [], options, env)
    attrs = {"alt": alt, **{k: v for k, v in token.attrs.items() if k != "alt"}}
    return "<img" + "".join(f' {k}="{escapeHtml(str(v))}"' for k, v in attrs.items()) + ">"


# The work one render may do, counted in parser rule calls and tokens (deterministic, unlike a
# timer): 200,000 characters of prose need about 9,000, of prose with a heading, a list, a
# quote, a table, code and a footnote every 2,000 characters about 43,000. Past it the text is
# refused on save and in the preview (`validate_markdown_length`) and already stored text
# renders as plain paragraphs.
MAX_RENDER_OPERATIONS = 100_000
FENCE_COST = 40
MAX_NESTING = 100  # blockquotes, lists and brackets; deeper is shown as plain text


class _TooComplex(Exception):
    pass


def _spend(env, operations=1):
    env["budget"] -= operations
    if env["budget"] < 0:
        raise _TooComplex


def _counted(rule):
    """Charge one operation per parser rule call."""

    def counted_rule(state, *args):
        env = state.env
        env["budget"] -= 1
        if env["budget"] < 0:
            raise _TooComplex
        return rule(state, *args)

    return counted_rule


class _ChargedTokens(list):
    """A token stream that charges one operation per token (a table's rows are one rule call)."""

    def __init__(self, env, tokens=()):
        super().__init__(tokens)
        self.env = env

    def append(self, token):
        _spend(self.env)
        super().append(token)


def _charge_block_tokens(state):
    state.tokens = _ChargedTokens(state.env, state.tokens)


def _charge_inline_tokens(state):
    for token in state.tokens:
        if token.type == "inline":
            token.children = _ChargedTokens(state.env, token.children or ())


def _make_parser() -> MarkdownIt:
    md = (
        MarkdownIt("commonmark", {"html": True, "xhtmlOut": False, "maxNesting": MAX_NESTING})
        .enable(["table", "strikethrough"])
        .use(footnote_plugin)
        .use(deflist_plugin)
    )
    md.core.ruler.before("block", "byline_charge_block", _charge_block_tokens)
    md.core.ruler.before("inline", "byline_charge_inline", _charge_inline_tokens)
    md.core.ruler.push("byline_headings", _headings_and_toc)
    md.core.ruler.push("byline_tables", _table_alignment)
    md.core.ruler.push("byline_abbreviations", _abbreviations)
    for ruler in (md.block.ruler, md.inline.ruler):
        for rule in ruler.__rules__:
            rule.fn = _counted(rule.fn)
        ruler.__cache__ = None
    # markdown-it drops what is nested deeper than maxNesting; Byline shows it all as plain
    # text instead (`_render`), as it did when Python-Markdown hit the recursion limit.
    tokenize = md.block.tokenize

    def tokenize_or_refuse(state, start_line, end_line):
        if state.level >= MAX_NESTING:
            raise RecursionError("nested too deep")
        tokenize(state, start_line, end_line)

    md.block.tokenize = tokenize_or_refuse
    md.validateLink = lambda url: True  # the sanitizer drops unsafe URLs, keeping the text
    md.add_render_rule("image", _render_image)
    md.add_render_rule("fence", _render_fence)
    md.add_render_rule("code_block", _render_fence)
    md.add_render_rule("footnote_ref", _render_footnote_ref)
    md.add_render_rule("footnote_block_open", lambda *a: '<div class="footnote">\n<hr>\n<ol>\n')
    md.add_render_rule("footnote_block_close", lambda *a: "</ol>\n</div>\n")
    md.add_render_rule("footnote_open", _render_footnote_open)
    md.add_render_rule("footnote_anchor", _render_footnote_anchor)
    return md


_PARSER = _make_parser()

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


# Responses are plain text: after escaping and linking, only links and line breaks remain, and
# every link gets the same rel (user-generated content). The second of Byline's two nh3
# configurations; pieces use sanitize_html above.
RESPONSE_LINK_REL = "nofollow ugc noopener"


def sanitize_response_html(linked: str) -> str:
    """Keep only <a href> (http, https, mailto) and <br> in a response's rendered HTML."""
    return nh3.clean(
        linked,
        tags={"a", "br"},
        attributes={"a": {"href"}},
        url_schemes={"http", "https", "mailto"},
        link_rel=RESPONSE_LINK_REL,
        strip_comments=True,
    )


def _render_plain(text: str) -> str:
    paragraphs = (part.strip() for part in re.split(r"\n\s*\n", text))
    return "\n".join(f"<p>{html.escape(part)}</p>" for part in paragraphs if part)


_SURROGATE_RE = re.compile("[\ud800-\udfff]")
_CONTROL_RE = re.compile("[\x01-\x08\x0b\x0e-\x1f\x7f]")


def render_markdown(text: str) -> str:
    """Render writer Markdown to sanitized HTML (the only renderer in Byline).

    Lone surrogates (possible from JSON, never from UTF-8) become U+FFFD and byte-order
    marks are dropped (parsers drop a leading one, so re-sanitizing would change the HTML).
    Markdown nested deeper than Python's recursion limit (hundreds of list levels) is shown
    as escaped plain text rather than failing the save.
    """
    rendered = _render(text or "")
    return rendered if rendered is not None else _render(text or "", budget=None)


@functools.lru_cache(maxsize=4)  # the validator and the save render the same text
def _render(text: str, budget: int | None = MAX_RENDER_OPERATIONS) -> str | None:
    """Sanitized HTML, or None when `budget` rule calls were not enough (budget=None: the
    plain-text fallback instead)."""
    text = _SURROGATE_RE.sub("\ufffd", text).replace("\ufeff", "")
    text = _CONTROL_RE.sub("", text)  # invalid in HTML; NUL becomes U+FFFD (CommonMark)
    if budget is None:
        return sanitize_html(_render_plain(text))
    env = {"abbreviations": {}, "budget": budget}
    try:
        text, env["abbreviations"] = _take_abbreviations(_markdown_in_html(text, env))
        rendered = _PARSER.render(text, env).rstrip("\n")
    except RecursionError:
        rendered = _render_plain(text)
    except _TooComplex:
        return None
    return sanitize_html(rendered)


_MARKDOWN_IN_HTML_RE = re.compile(
    r'<([a-z][a-z0-9]*)\b([^>\n]{0,200}?)\s+markdown="(?:1|block)"([^>\n]{0,200})>'
)
_MARKDOWN_SPAN_RE = re.compile(
    r'<([a-z][a-z0-9]*)\b([^>\n]{0,200}?)\s+markdown="span"([^>\n]{0,200})>([^\n]*?)</\1>'
)


def _markdown_in_html(text: str, env: dict) -> str:
    """Python-Markdown's `<figure markdown="1">` (written by the Medium importer until the
    move to CommonMark): blank lines inside the element instead, so its Markdown renders;
    a one-line `markdown="span"` element gets its content rendered inline."""
    if 'markdown="' not in text:
        return text
    text = _MARKDOWN_SPAN_RE.sub(
        lambda m: f"<{m[1]}{m[2]}{m[3]}>{_PARSER.renderInline(m[4], env)}</{m[1]}>", text
    )
    names = set()

    def opener(match):
        names.add(match.group(1))
        return f"<{match.group(1)}{match.group(2)}{match.group(3)}>\n\n"

    text = _MARKDOWN_IN_HTML_RE.sub(opener, text)
    if not names:
        return text
    closers = re.compile("</(?:" + "|".join(sorted(names)) + ")>")
    return closers.sub(lambda match: "\n\n" + match.group(), text)


def render_operations(text: str) -> int:
    """Parser rule calls that rendering `text` takes (for tests and the docs' figures)."""
    env = {"abbreviations": {}, "budget": 10**12}
    with contextlib.suppress(RecursionError):  # too deep: shown as plain text
        text, env["abbreviations"] = _take_abbreviations(_markdown_in_html(text, env))
        _PARSER.render(text, env)
    return 10**12 - env["budget"]


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
