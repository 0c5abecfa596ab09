"""Read Markdown files with YAML front matter (Jekyll, Hugo, blog/demo/article.md).

Front matter keys: title, subtitle, author (a display name), author_username, published
(or Hugo/Jekyll's date), tags, canonical_url, draft, and optionally slug and description.
Jekyll's `published: false` and files under a `_drafts/` folder are drafts; a date in a
Jekyll file name (2023-11-27-title.md) is used when the front matter has none.
"""

import datetime
import re
from pathlib import Path

import yaml
from django.core.management.base import CommandError
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from .common import DRAFT, PUBLISHED, Piece, Skip, SourceError, Writer

EXTENSIONS = {".md", ".markdown", ".mdown", ".mkd"}
MAX_FILE_BYTES = 5 * 1024 * 1024
_FRONT_MATTER_RE = re.compile(
    r"\A---[ \t]*\r?\n(.*?)^(?:---|\.\.\.)[ \t]*(?:\r?\n|\Z)", re.S | re.M
)
_HEADING_RE = re.compile(r"\A#[ \t]+(.+?)[ \t#]*(?:\r?\n|\Z)")
_JEKYLL_DATE_RE = re.compile(r"^(\d{4}-\d{2}-\d{2})-")


def find_files(path):
    """Return the Markdown files at `path` (a file or a folder); else a CommandError (2)."""
    path = Path(path).expanduser()
    if not path.exists():
        raise CommandError(f"{path} does not exist.", returncode=2)
    if path.is_file():
        if path.suffix.lower() not in EXTENSIONS:
            raise CommandError(
                f"{path} is not a Markdown file (expected {', '.join(sorted(EXTENSIONS))}).",
                returncode=2,
            )
        return path.parent, [path]
    files = sorted(
        file
        for file in path.rglob("*")
        if file.is_file()
        and file.suffix.lower() in EXTENSIONS
        and not any(part.startswith(".") for part in file.relative_to(path).parts)
    )
    if not files:
        raise CommandError(f"{path} holds no Markdown files (.md, .markdown).", returncode=2)
    return path, files


def split_front_matter(text):
    """Return (front matter dict, body) of a Markdown file's text; raise Skip or SourceError."""
    text = text.lstrip("\ufeff")
    if text.startswith("+++"):
        raise SourceError("TOML front matter (+++) is not supported: convert it to YAML (---)")
    match = _FRONT_MATTER_RE.match(text)
    if match is None:
        raise Skip("no YAML front matter (a block between --- lines at the top)")
    try:
        meta = yaml.safe_load(match.group(1)) or {}
    except yaml.YAMLError as error:
        where = getattr(error, "problem_mark", None)
        line = f" (line {where.line + 2})" if where else ""
        problem = getattr(error, "problem", None) or str(error)
        raise SourceError(f"the front matter is not valid YAML: {problem}{line}") from error
    if not isinstance(meta, dict):
        raise SourceError("the front matter is not a list of `key: value` lines")
    return meta, text[match.end() :].strip() + "\n"


def _moment(value, key):
    """A front-matter date or date-time as an aware datetime."""
    if isinstance(value, str):
        text = value.strip()
        value = parse_datetime(text) or parse_date(text)
        if value is None:
            try:
                value = datetime.datetime.fromisoformat(text)
            except ValueError as error:
                raise SourceError(f"`{key}` is not a date: “{text}”") from error
    if isinstance(value, datetime.datetime):
        return value if timezone.is_aware(value) else timezone.make_aware(value)
    if isinstance(value, datetime.date):
        return timezone.make_aware(datetime.datetime.combine(value, datetime.time()))
    raise SourceError(f"`{key}` is not a date: “{value}”")


def _text(meta, *keys):
    for key in keys:
        value = meta.get(key)
        if isinstance(value, list):
            value = value[0] if value else None
        if isinstance(value, dict):
            value = value.get("name")
        if value is not None and not isinstance(value, dict | list):
            return " ".join(str(value).split())
    return None


def _tags(value):
    if value is None:
        return None
    if isinstance(value, str):
        return [tag.strip() for tag in value.split(",") if tag.strip()]
    if isinstance(value, list):
        return [str(tag).strip() for tag in value if str(tag).strip()]
    raise SourceError("`tags` must be a list (tags: [One, Two]) or comma-separated text")


def _is_true(value):
    return value is True or str(value).strip().lower() in {"true", "yes", "1"}


def parse_file(name, text, *, in_drafts_folder=False, file_date=None):
    """Return the Piece in one Markdown file's text."""
    meta, body = split_front_matter(text)
    title = _text(meta, "title")
    if not title:
        heading = _HEADING_RE.match(body)
        if heading is None:
            raise SourceError("no title: add `title:` to the front matter")
        title, body = heading.group(1).strip(), body[heading.end() :].strip() + "\n"
    if not body.strip():
        raise SourceError("the piece has no text below the front matter")

    published = meta.get("published")
    draft = _is_true(meta.get("draft", False)) or in_drafts_folder or published is False
    when = published if published not in (None, True, False) else meta.get("date", file_date)
    published_at = _moment(when, "published" if "published" in meta else "date") if when else None

    username = _text(meta, "author_username")
    display_name = _text(meta, "author", "authors") or ""
    writer = None
    if username or display_name:
        writer = Writer(
            display_name=display_name, username=username or "", by_username=bool(username)
        )

    canonical = _text(meta, "canonical_url", "canonicalURL", "canonical")
    return Piece(
        source=name,
        title=title,
        body=body,
        writer=writer,
        status=DRAFT if draft else PUBLISHED,
        published_at=published_at,
        canonical_url=canonical,
        slug=_text(meta, "slug") or "",
        subtitle=_text(meta, "subtitle"),
        description=_text(meta, "description", "summary"),
        tags=_tags(meta.get("tags")),
    )


def load_file(root, file):
    """Read and parse one file (for Importer.run)."""
    name = str(file.relative_to(root))
    if file.stat().st_size > MAX_FILE_BYTES:
        raise SourceError("larger than 5 MB: not a piece of writing")
    if file.name.startswith("_index."):
        raise Skip("a Hugo section page, not a piece")
    try:
        text = file.read_bytes().decode("utf-8")
    except UnicodeDecodeError as error:
        raise SourceError(f"not UTF-8 text ({error.reason} at byte {error.start})") from error
    jekyll = _JEKYLL_DATE_RE.match(file.name)
    return parse_file(
        name,
        text,
        in_drafts_folder="_drafts" in file.relative_to(root).parts,
        file_date=jekyll.group(1) if jekyll else None,
    )


def import_files(path, importer):
    """Import the Markdown file or folder at `path` with `importer`; return the outcomes."""
    root, files = find_files(path)
    return importer.run(
        (str(file.relative_to(root)), lambda file=file: load_file(root, file)) for file in files
    )
