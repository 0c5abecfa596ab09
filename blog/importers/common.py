"""What both importers share: create-or-update, the per-file report, summary, redirect map.

A source module (medium.py, markdown_files.py) turns each file into a `Piece`; `Importer.run`
creates or updates one Article per piece through blog/services.py (a new revision each time),
each in its own savepoint, so one broken file never stops the others. A dry run does
exactly the same work inside a transaction that is rolled back at the end.
"""

import contextlib
import csv
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import CommandError
from django.db import DatabaseError, transaction
from django.utils.text import slugify
from tqdm import tqdm

from accounts.models import AuthorProfile
from blog.models import Article
from blog.services import article_create, article_update

from .lookups import find_writer, tags_named, unique, user_for_username
from .pieces import DRAFT, PUBLISHED, Piece, Skip, SourceError, Writer

__all__ = [
    "CREATED", "DRAFT", "FAILED", "PUBLISHED", "SKIPPED", "UNCHANGED", "UPDATED",
    "Importer", "Outcome", "Piece", "Skip", "SourceError", "Writer",
]  # fmt: skip

# Outcomes of one file; "unchanged" counts as skipped in the summary.
CREATED = "created"
UPDATED = "updated"
UNCHANGED = "unchanged"
SKIPPED = "skipped"
FAILED = "failed"
IMPORT_REASON = "import"  # the history entry's change reason


@dataclass
class Outcome:
    source: str
    action: str
    article: Article | None = None
    reason: str = ""
    changes: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    new_writer: AuthorProfile | None = None


def _describe(error):
    if isinstance(error, ValidationError) and hasattr(error, "error_dict"):
        return "; ".join(
            f"{name}: {' '.join(messages)}" for name, messages in error.message_dict.items()
        )
    if isinstance(error, ValidationError):
        return " ".join(error.messages)
    if isinstance(error, SourceError | Skip):
        return str(error)
    return f"{type(error).__name__}: {error}"


class Importer:
    """Create or update pieces, report each one, and sum up."""

    def __init__(
        self,
        *,
        stdout,
        stderr,
        style=None,
        author_username=None,
        dry_run=False,
        verbosity=1,
        base_url="",
        progress_label="Importing",
    ):
        self.stdout, self.stderr, self.style = stdout, stderr, style
        self.author_username = author_username
        self.dry_run = dry_run
        self.verbosity = verbosity
        self.base_url = base_url.rstrip("/")
        self.progress_label = progress_label
        self.outcomes: list[Outcome] = []
        self._bar = None
        self._new_writer = None
        if author_username:
            user_for_username(author_username)  # fail early, before any file is read

    # Running -------------------------------------------------------------------------------

    def run(self, items: Iterable[tuple[str, Callable[[], Piece]]]):
        """Import every (name, load) pair; `load()` parses the file and returns a Piece."""
        items = list(items)
        with self._dry_run_transaction(), self._progress(items) as bar:
            for name, load in bar:
                self._import_one(name, load)
        return self.outcomes

    @contextlib.contextmanager
    def _dry_run_transaction(self):
        if not self.dry_run:
            yield
            return
        with transaction.atomic():
            yield
            transaction.set_rollback(True)

    @contextlib.contextmanager
    def _progress(self, items):
        stream = getattr(self.stderr, "_out", self.stderr)
        on_terminal = hasattr(stream, "isatty") and stream.isatty()
        bar = tqdm(
            items,
            desc=self.progress_label,
            unit="file",
            file=stream,
            disable=not on_terminal or self.verbosity == 0,
            leave=False,
        )
        self._bar = None if bar.disable else bar
        try:
            yield bar
        finally:
            bar.close()
            self._bar = None

    def _import_one(self, name, load):
        self._new_writer = None
        try:
            piece = load()
            with transaction.atomic():
                outcome = self._save(piece)
                outcome.new_writer = self._new_writer
        except Skip as reason:
            outcome = Outcome(name, SKIPPED, reason=_describe(reason))
        except (SourceError, ValidationError, DatabaseError, ValueError, OSError) as error:
            outcome = Outcome(name, FAILED, reason=_describe(error))
        except Exception as error:  # an unexpected file must not stop the rest of the import
            outcome = Outcome(name, FAILED, reason=f"unexpected problem: {_describe(error)}")
        self.outcomes.append(outcome)
        self._report(outcome)

    # Create or update ----------------------------------------------------------------------

    def _save(self, piece: Piece) -> Outcome:
        existing = None
        if piece.canonical_url:
            existing = (
                Article.objects.filter(canonical_url=piece.canonical_url)
                .select_related("author")
                .order_by("pk")
                .first()
            )
        author = existing.author if existing else self._writer_for(piece)
        slug = piece.slug or slugify(piece.title)[:200] or "untitled"
        if existing is None and piece.unlisted_draft:
            existing = (
                Article.objects.filter(author=author, canonical_url="", title=piece.title)
                .order_by("pk")
                .first()
            )
            if existing is not None and existing.status != DRAFT:
                raise Skip("published on Byline since it was imported: left as it is")
        elif existing is None and not piece.canonical_url:
            existing = Article.objects.filter(author=author, slug=slug).first()
        if existing is None:
            article = self._create(piece, author, slug)
            return Outcome(piece.source, CREATED, article, notes=piece.notes)
        changes = self._update(existing, piece, piece.slug or None)
        action = UPDATED if changes else UNCHANGED
        return Outcome(piece.source, action, existing, changes=changes, notes=piece.notes)

    def _writer_for(self, piece):
        profile, created = find_writer(piece.writer, author_username=self.author_username)
        if created:
            self._new_writer = profile
        return profile

    def _create(self, piece, author, slug):
        slug = unique(slug, lambda s: Article.objects.filter(author=author, slug=s).exists(), 200)
        return article_create(
            author=author,
            slug=slug,
            title=piece.title,
            subtitle=piece.subtitle or "",
            body=piece.body,
            description=piece.description or "",
            canonical_url=piece.canonical_url or "",
            status=piece.status,
            published_at=None if piece.status == DRAFT else piece.published_at,
            tags=tags_named(piece.tags) if piece.tags else None,
            reason=IMPORT_REASON,
            validate=True,
        )

    def _update(self, article, piece, slug):
        wanted = {"title": piece.title, "body": piece.body, "status": piece.status}
        for name in ("subtitle", "description", "canonical_url"):
            if getattr(piece, name) is not None:
                wanted[name] = getattr(piece, name)
        if piece.status == DRAFT:
            wanted["published_at"] = None
        elif piece.published_at is not None:
            wanted["published_at"] = piece.published_at
        if slug and slug != article.slug:
            taken = Article.objects.filter(author=article.author, slug=slug).exists()
            if taken:
                raise SourceError(f"{article.author.slug} already has a piece at “{slug}”")
            wanted["slug"] = slug
        changes = [name for name, value in wanted.items() if getattr(article, name) != value]
        tags = None
        if piece.tags is not None:
            tags = tags_named(piece.tags)
            if {tag.pk for tag in tags} != set(article.tags.values_list("pk", flat=True)):
                changes.append("tags")
            else:
                tags = None
        if changes:
            # A new revision: an editor's form opened before the import is refused, not saved
            # over it.
            fields = {name: wanted[name] for name in changes if name != "tags"}
            article_update(
                article=article, tags=tags, reason=IMPORT_REASON, validate=True, **fields
            )
        return changes

    # Reporting -----------------------------------------------------------------------------

    def _write(self, stream, message, style=None):
        if self._bar is not None:
            with tqdm.external_write_mode(file=getattr(self.stderr, "_out", self.stderr)):
                stream.write(message, style_func=style) if style else stream.write(message)
        elif style:
            stream.write(message, style_func=style)
        else:
            stream.write(message)

    def _style(self, name):
        return getattr(self.style, name, None) if self.style else None

    def _report(self, outcome):
        if outcome.action == FAILED:
            self._write(
                self.stderr, f"failed     {outcome.source}: {outcome.reason}", self._style("ERROR")
            )
            return
        if self.verbosity == 0:
            return
        if outcome.action == SKIPPED:
            line = f"skipped    {outcome.source}: {outcome.reason}"
        else:
            where = outcome.article.get_absolute_url()
            state = "" if outcome.article.status == PUBLISHED else " (draft)"
            line = f"{outcome.action:<10} {outcome.source} → {where}{state}"
            if outcome.changes:
                line += f" [{', '.join(outcome.changes)}]"
        self._write(self.stdout, line)
        for note in outcome.notes:
            self._write(self.stderr, f"           {outcome.source}: {note}", self._style("WARNING"))

    @property
    def counts(self):
        counts = Counter(outcome.action for outcome in self.outcomes)
        return {
            CREATED: counts[CREATED],
            UPDATED: counts[UPDATED],
            SKIPPED: counts[SKIPPED] + counts[UNCHANGED],
            FAILED: counts[FAILED],
        }

    def summary(self):
        c = self.counts
        text = (
            f"created {c[CREATED]}, updated {c[UPDATED]}, skipped {c[SKIPPED]}, failed {c[FAILED]}"
        )
        if self.dry_run:
            return f"Dry run, nothing was saved. Would have {text}."
        return text[0].upper() + text[1:] + "."

    @property
    def writers_created(self):
        return [outcome.new_writer for outcome in self.outcomes if outcome.new_writer]

    def finish(self):
        """Print the summary; exit with status 1 if any file failed."""
        if self.writers_created and self.verbosity:
            names = ", ".join(f"{p.display_name} (@{p.slug})" for p in self.writers_created)
            verb = "Would create" if self.dry_run else "Created"
            self.stdout.write(
                f"{verb} writers (accounts without a password: they set one through "
                f"“Forgot password”): {names}"
            )
        failed = self.counts[FAILED]
        if self.verbosity:
            style = self._style("WARNING" if failed else "SUCCESS")
            self._write(self.stdout, self.summary(), style)
        if failed:
            raise CommandError(
                f"{failed} file{'s' if failed != 1 else ''} could not be imported; "
                "the reasons are listed above. Fix them and run the import again: "
                "pieces already imported are updated, not duplicated."
            )

    # Redirect map --------------------------------------------------------------------------

    def redirect_rows(self):
        """(old address, new address) for each published piece imported from an address."""
        rows = []
        for outcome in self.outcomes:
            article = outcome.article
            if article is None or article.status != PUBLISHED or not article.canonical_url:
                continue
            rows.append((article.canonical_url, self.base_url + article.get_absolute_url()))
        return rows

    def write_redirect_map(self, path):
        """Write the CSV (old_url,new_url) and say where; a dry run only says where it would."""
        path = Path(path).expanduser().resolve()
        rows = self.redirect_rows()
        if self.dry_run:
            self.stdout.write(
                f"Dry run: the redirect map ({len(rows)} addresses) would go to {path}"
            )
            return path
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            with path.open("w", newline="", encoding="utf-8") as handle:
                writer = csv.writer(handle)
                writer.writerow(["old_url", "new_url"])
                writer.writerows(rows)
        except OSError as error:
            raise CommandError(f"Could not write the redirect map to {path}: {error}") from error
        self.stdout.write(f"Redirect map ({len(rows)} addresses): {path}")
        if rows and not self.base_url:
            self.stdout.write(
                "The new addresses are paths on this site; pass --base-url https://your.site "
                "to write full addresses."
            )
        return path
