"""Read Medium's "Download your information" export: one h-entry HTML file per story.

The export is a zip (or the folder it unpacks to) whose `posts/` folder holds the stories;
drafts are named `draft_….html`. Each story becomes a `common.Piece`. The export belongs to one
account, which `profile/profile.html` names: stories without a "By …" footer (drafts) are that
writer's.
"""

import contextlib
import datetime
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from bs4 import BeautifulSoup
from django.core.management.base import CommandError

from . import images
from .common import DRAFT, PUBLISHED, Piece, Skip, SourceError, Writer
from .medium_html import body_to_markdown, plain

MAX_STORY_BYTES = 20 * 1024 * 1024
IMAGE_FOLDER = "imports/medium"
_HANDLE_RE = re.compile(r"medium\.com/@([\w.-]+)")
_LABELLED_HANDLE_RE = re.compile(r"^(?:username|profile|handle)\s*:?\s*@([\w.-]+)$", re.I)
_LABELLED_NAME_RE = re.compile(r"^(?:display name|name)\s*:\s*(.+)$", re.I)
NOT_AN_EXPORT = (
    "{path} is not a Medium export: expected the .zip from Medium's Settings → "
    "Security and apps → Download your information, or the folder it unpacks to "
    "(with a posts/ folder of .html stories)."
)


@dataclass
class StoryFile:
    name: str  # as shown to the writer, e.g. "posts/2023-11-27_My-story-1a2b3c.html"
    size: int
    read: object  # () -> bytes


@dataclass
class Export:
    stories: list  # of StoryFile, by name
    profile: StoryFile | None  # profile/profile.html, if the export has one


PROFILE_NAME = "profile.html"
PROFILE_FOLDER = "profile"
MAX_PROFILE_BYTES = 2 * 1024 * 1024


def _hidden(parts):
    return any(part.startswith(".") or part == "__MACOSX" for part in parts)


@contextlib.contextmanager
def open_export(path):
    """Yield the Export (stories and profile) in a zip or folder; else a CommandError (2)."""
    path = Path(path).expanduser()
    if not path.exists():
        raise CommandError(f"{path} does not exist.", returncode=2)
    if path.is_dir():
        yield _folder_stories(path)
        return
    if not zipfile.is_zipfile(path):
        raise CommandError(NOT_AN_EXPORT.format(path=path), returncode=2)
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as error:
        raise CommandError(f"{path} is a damaged zip file: {error}", returncode=2) from error
    with archive:
        yield _zip_stories(path, archive)


def _zip_stories(path, archive):
    stories, has_posts, profiles = [], False, []
    for info in archive.infolist():
        member = PurePosixPath(info.filename)
        if _hidden(member.parts):
            continue
        in_profile = (member.name, member.parent.name) == (PROFILE_NAME, PROFILE_FOLDER)
        if in_profile and not info.is_dir():
            profiles.append(
                StoryFile(str(member), info.file_size, lambda info=info: archive.read(info))
            )
        if "posts" not in member.parts[:-1]:
            continue
        has_posts = True
        if info.is_dir() or member.parent.name != "posts":
            continue
        stories.append(StoryFile(str(member), info.file_size, lambda info=info: archive.read(info)))
    if not has_posts:
        raise CommandError(NOT_AN_EXPORT.format(path=path), returncode=2)
    shallowest = sorted(profiles, key=lambda file: (len(PurePosixPath(file.name).parts), file.name))
    return Export(sorted(stories, key=lambda story: story.name), next(iter(shallowest), None))


def _folder_stories(path):
    candidates = [path / "posts", *sorted(path.glob("*/posts"))]
    posts = next((folder for folder in candidates if folder.is_dir()), None)
    if posts is None and (path.name == "posts" or any(path.glob("*.html"))):
        posts = path
    if posts is None:
        raise CommandError(NOT_AN_EXPORT.format(path=path), returncode=2)
    stories = []
    for file in sorted(posts.iterdir()):
        if file.is_dir() or _hidden([file.name]):
            continue
        name = str(file.relative_to(posts.parent))
        stories.append(StoryFile(name, file.stat().st_size, file.read_bytes))
    profile = posts.parent / PROFILE_FOLDER / PROFILE_NAME
    if not profile.is_file():
        return Export(stories, None)
    name = str(profile.relative_to(posts.parent))
    return Export(stories, StoryFile(name, profile.stat().st_size, profile.read_bytes))


def _date(entry):
    time = entry.select_one("time.dt-published[datetime]")
    if time is None:
        return None
    value = time["datetime"].strip()
    try:
        moment = datetime.datetime.fromisoformat(value)
    except ValueError as error:
        raise SourceError(f"unreadable publish date “{value}”") from error
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=datetime.UTC)
    return moment


def _writer(entry):
    author = entry.select_one(".p-author")
    if author is None:
        return None
    match = _HANDLE_RE.search(author.get("href") or "")
    return Writer(display_name=plain(author), username=match.group(1) if match else "")


def parse_profile(data):
    """The Writer that an export's profile/profile.html names (an h-card), or None."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return None
    page = BeautifulSoup(text, "html.parser")
    card = page.select_one(".h-card") or page
    name = plain(card.select_one(".p-name"))
    handle = ""
    for link in [card.select_one("a.u-url[href]"), *card.select("a[href]")]:
        match = _HANDLE_RE.search(link.get("href") or "") if link is not None else None
        if match:
            handle = match.group(1)
            break
    for line in (plain(item) for item in card.find_all(["li", "p", "div", "td"])):
        if not handle and (match := _LABELLED_HANDLE_RE.match(line)):
            handle = match.group(1)
        if not name and (match := _LABELLED_NAME_RE.match(line)):
            name = match.group(1)[:120]
    if not (name or handle):
        return None
    return Writer(display_name=name or handle, username=handle)


def read_profile(profile):
    """(Writer or None, why not) for the export's profile StoryFile (or None)."""
    if profile is None:
        return None, "the export has no profile/profile.html to take the writer from"
    if profile.size > MAX_PROFILE_BYTES:
        return None, f"{profile.name} is too large to be Medium's profile page"
    writer = parse_profile(profile.read())
    if writer is None:
        return None, f"{profile.name} names no writer (no .p-name or @handle)"
    return writer, ""


def parse_story(name, data, *, image_src=None, default_writer=None):
    """Return the Piece in one story file (bytes); raise SourceError or Skip."""
    if not name.lower().endswith(".html"):
        raise Skip("not a story (a Medium export has only .html files in posts/)")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise SourceError(f"not UTF-8 text ({error.reason} at byte {error.start})") from error
    entry = BeautifulSoup(text, "html.parser").select_one(".h-entry")
    if entry is None:
        raise SourceError("not a Medium story: it has no h-entry article")
    is_draft = PurePosixPath(name).name.startswith("draft_")
    title = plain(entry.select_one(".p-name"))
    subtitle_element = entry.select_one('section[data-field="subtitle"]') or entry.select_one(
        ".p-summary"
    )
    subtitle = plain(subtitle_element)
    body_element = entry.select_one('section[data-field="body"]') or entry.select_one(".e-content")
    if body_element is None:
        raise SourceError('no story body (section data-field="body" / .e-content)')
    notes = []

    def keep_image(src):
        if image_src is None:
            return src
        try:
            return image_src(src)
        except images.ImageError as error:
            notes.append(f"kept the original address of {src}: {error}")
            return src

    body = body_to_markdown(body_element, title=title, subtitle=subtitle, image_src=keep_image)
    if not body.strip():
        if is_draft:
            raise Skip("empty draft")
        raise SourceError("the story body is empty")
    if not title:
        if not is_draft:
            raise SourceError("the story has no title (.p-name)")
        title = "Untitled draft"
    canonical = entry.select_one("a.p-canonical[href]")
    canonical_url = canonical["href"].strip() if canonical else ""
    if not canonical_url.startswith(("https://", "http://")):
        canonical_url = ""
    return Piece(
        source=name,
        title=title,
        subtitle=subtitle,
        body=body,
        writer=_writer(entry) or default_writer,
        status=DRAFT if is_draft else PUBLISHED,
        published_at=None if is_draft else _date(entry),
        # A draft's Medium address is not public: it is no canonical for search engines.
        canonical_url=None if is_draft else canonical_url,
        unlisted_draft=is_draft,
        notes=notes,
    )


def import_export(path, importer, *, download_images=False):
    """Import every story of the export at `path` with `importer`; return the outcomes."""
    store = images.ImageStore(IMAGE_FOLDER) if download_images else None
    image_src = None
    if store is not None and not importer.dry_run:
        image_src = store.local_url

    with open_export(path) as export:
        owner, no_owner = read_profile(export.profile)

        def loader(story):
            def load():
                if story.size > MAX_STORY_BYTES:
                    raise SourceError("larger than 20 MB: not a story")
                piece = parse_story(
                    story.name, story.read(), image_src=image_src, default_writer=owner
                )
                if piece.writer is None and not importer.author_username:
                    raise SourceError(
                        f"no “By …” line in the file, and {no_owner}: "
                        "give the stories a writer with --author <username>"
                    )
                return piece

            return load

        return importer.run((story.name, loader(story)) for story in export.stories)
