"""What a source file becomes before it is saved: a Piece, its Writer, or a reason why not."""

import datetime
from dataclasses import dataclass, field

from blog.models import Article

PUBLISHED = Article.Status.PUBLISHED
DRAFT = Article.Status.DRAFT


class SourceError(Exception):
    """A file that cannot be imported; the message says why, in words a writer understands."""


class Skip(Exception):  # noqa: N818 (a signal, not an error)
    """A file with nothing to import (an empty draft, a file that is not a piece)."""


@dataclass
class Writer:
    """Who wrote a piece, as the source names them."""

    display_name: str = ""
    username: str = ""  # wanted username for a new writer (Medium handle, author_username)
    by_username: bool = False  # find the writer by username rather than by display name


@dataclass
class Piece:
    """One piece as read from a source file. None means "not in the source: leave it alone"."""

    source: str
    title: str
    body: str
    writer: Writer | None = None
    status: str = PUBLISHED
    published_at: datetime.datetime | None = None
    canonical_url: str | None = None
    slug: str = ""  # an explicit address; otherwise made from the title
    subtitle: str | None = None
    description: str | None = None
    tags: list[str] | None = None
    notes: list[str] = field(default_factory=list)  # warnings shown with the piece
    # A draft with no public address (Medium's drafts): matched by writer and title among
    # pieces with no canonical URL, and never allowed to unpublish one.
    unlisted_draft: bool = False
