"""Turn the body of a Medium story (its export HTML) into clean Markdown.

Medium repeats the title and subtitle at the top of the body, starts every section with a
divider, splits code blocks at blank lines and wraps everything in layout markup; this module
tidies that up, then lets markdownify write the Markdown, with Medium's pieces (figures with
captions, code blocks with their language, link cards, embeds) written by hand.
"""

import re
from collections.abc import Callable

from bs4 import BeautifulSoup, NavigableString
from markdownify import ATX, MarkdownConverter

# Medium's big heading is an <h3>, its small one an <h4>; the page's <h1> is the title.
HEADING_LEVELS = {1: 2, 2: 2, 3: 2, 4: 3, 5: 4, 6: 4}
BLOCKS = ["p", "h1", "h2", "h3", "h4", "h5", "h6", "figure", "pre", "blockquote", "ul", "ol"]
_LANGUAGE_RE = re.compile(r"^[\w+#.-]{1,30}$")


def plain(element):
    """The text of an element, white space folded."""
    return " ".join(element.get_text().split()) if element is not None else ""


def _escape_brackets(text):
    return text.replace("[", r"\[").replace("]", r"\]")


def _safe_url(url):
    return url.strip().replace(" ", "%20").replace("(", "%28").replace(")", "%29")


def _drop_title_and_subtitle(body, title, subtitle):
    for element in body.select(".graf--title, .graf--subtitle"):
        element.decompose()
    repeated = {" ".join(text.split()).casefold() for text in (title, subtitle) if text}
    for element in body.find_all(BLOCKS, limit=2):
        if element.name in {"h1", "h2", "h3", "h4"} and plain(element).casefold() in repeated:
            element.decompose()


def _sections_to_separators(body):
    """Medium starts each section with a divider: drop those before any text, keep the rest."""
    decisions, seen_text = [], False
    for node in body.descendants:
        if isinstance(node, NavigableString):
            seen_text = seen_text or bool(node.strip())
        elif node.name == "img":
            seen_text = True
        elif "section-divider" in (node.get("class") or []) and not node.find_parent(
            class_="section-divider"
        ):
            decisions.append((node, seen_text))
    for divider, keep in decisions:
        if keep:
            divider.replace_with(BeautifulSoup("<hr>", "html.parser").hr)
        else:
            divider.decompose()


def _drop_empty(body):
    for element in body.find_all(["p", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote"]):
        if element.decomposed:
            continue
        if not element.get_text(strip=True) and not element.find(["img", "iframe"]):
            element.decompose()


def _join_code_blocks(body):
    """Line breaks in <pre> become newlines; adjacent <pre>s (one block in Medium) merge."""
    for pre in body.find_all("pre"):
        for br in pre.find_all("br"):
            br.replace_with(NavigableString("\n"))
    for pre in body.find_all("pre"):
        previous = pre.find_previous_sibling()
        if (
            previous is not None
            and previous.name == "pre"
            and previous.get("data-code-block-lang") == pre.get("data-code-block-lang")
        ):
            previous.append(NavigableString("\n\n" + pre.get_text()))
            pre.decompose()


class MediumConverter(MarkdownConverter):
    def __init__(self, image_src: Callable[[str], str] | None = None, **options):
        self.image_src = image_src or (lambda src: src)
        options.setdefault("heading_style", ATX)
        options.setdefault("bullets", "-")
        options.setdefault("strong_em_symbol", "*")
        super().__init__(**options)

    def convert_hN(self, n, el, text, parent_tags):  # noqa: N802 (markdownify's name)
        return super().convert_hN(HEADING_LEVELS.get(n, n), el, text, parent_tags)

    def convert_pre(self, el, text, parent_tags):
        code = el.get_text().replace("\xa0", " ").strip("\n")
        if not code.strip():
            return ""
        language = el.get("data-code-block-lang") or ""
        language = language if _LANGUAGE_RE.match(language) else ""
        fence = "```"
        while fence in code:
            fence += "`"
        return f"\n\n{fence}{language}\n{code}\n{fence}\n\n"

    def _image(self, img):
        src = img.get("src") or img.get("data-src") or ""
        if not src:
            return ""
        alt = " ".join((img.get("alt") or "").split())
        return f"![{_escape_brackets(alt)}]({_safe_url(self.image_src(src))})"

    def convert_img(self, el, text, parent_tags):
        if "figure" in parent_tags:
            return ""  # written by convert_figure, with its caption
        if "_inline" in parent_tags:
            return el.get("alt") or ""
        return self._image(el)

    def _caption(self, figure, parent_tags):
        caption = figure.find("figcaption")
        if caption is None:
            return ""
        text = self.process_tag(caption, parent_tags=set(parent_tags) | {"figure"})
        return " ".join(text.split())

    def convert_figure(self, el, text, parent_tags):
        caption = self._caption(el, parent_tags)
        img = el.find("img")
        if img is not None:
            image = self._image(img)
            if not caption:
                return f"\n\n{image}\n\n"
            return (
                f'\n\n<figure markdown="1">\n{image}\n'
                f'<figcaption markdown="span">{caption}</figcaption>\n</figure>\n\n'
            )
        frame = el.find("iframe")
        if frame is not None and frame.get("src"):
            label = caption or "Embedded media"
            return f"\n\n[{label}]({_safe_url(frame['src'])})\n\n"
        return f"\n\n{text.strip()}\n\n" if text.strip() else ""

    def convert_figcaption(self, el, text, parent_tags):
        if "figure" in parent_tags:
            return text
        return super().convert_figcaption(el, text, parent_tags)

    def convert_div(self, el, text, parent_tags):
        if "graf--mixtapeEmbed" in (el.get("class") or []):
            link = el.find("a", class_="markup--mixtapeEmbed-anchor") or el.find("a", href=True)
            if link is not None and link.get("href"):
                label = plain(link.find("strong")) or plain(link) or link["href"]
                return f"\n\n[{_escape_brackets(label)}]({_safe_url(link['href'])})\n\n"
        return super().convert_div(el, text, parent_tags)

    def convert_iframe(self, el, text, parent_tags):
        src = el.get("src")
        return f"\n\n[Embedded media]({_safe_url(src)})\n\n" if src else ""

    def convert_script(self, el, text, parent_tags):
        return ""

    def convert_style(self, el, text, parent_tags):
        return ""


def body_to_markdown(body, *, title="", subtitle="", image_src=None):
    """Return the Markdown of a story body element (a BeautifulSoup Tag, changed in place)."""
    _drop_title_and_subtitle(body, title, subtitle)
    _sections_to_separators(body)
    _drop_empty(body)
    _join_code_blocks(body)
    markdown = MediumConverter(image_src=image_src).convert_soup(body)
    markdown = re.sub(r"\n{3,}", "\n\n", markdown)
    return markdown.strip() + "\n" if markdown.strip() else ""
