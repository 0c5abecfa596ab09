"""One Medium story file or profile page, read on its own: what the imported piece gets, and
why a file is skipped or refused."""

import datetime

import pytest

from blog.importers import medium
from blog.importers.common import Skip, SourceError


def story(body="<p>Some words.</p>", title="A title", extra=""):
    name = f'<h1 class="p-name">{title}</h1>' if title is not None else ""
    return (
        f'<article class="h-entry">{name}{extra}'
        f'<section data-field="body" class="e-content">{body}</section></article>'
    ).encode()


def test_a_story_without_a_date_or_byline_has_neither():
    piece = medium.parse_story("posts/one.html", story())
    assert piece.title == "A title" and piece.body == "Some words.\n"
    assert piece.published_at is None and piece.writer is None and piece.canonical_url == ""


def test_a_date_without_a_time_zone_is_taken_as_utc():
    extra = '<time class="dt-published" datetime="2021-03-04T05:06:07">March 4</time>'
    piece = medium.parse_story("posts/one.html", story(extra=extra))
    assert piece.published_at == datetime.datetime(2021, 3, 4, 5, 6, 7, tzinfo=datetime.UTC)


def test_an_unreadable_date_is_a_clear_error():
    extra = '<time class="dt-published" datetime="last tuesday">?</time>'
    with pytest.raises(SourceError, match="unreadable publish date “last tuesday”"):
        medium.parse_story("posts/one.html", story(extra=extra))


def test_a_canonical_link_that_is_not_a_web_address_is_dropped():
    extra = '<a class="p-canonical" href="javascript:alert(1)">here</a>'
    assert medium.parse_story("posts/one.html", story(extra=extra)).canonical_url == ""


def test_an_empty_story_is_an_error_and_an_empty_draft_is_skipped():
    with pytest.raises(SourceError, match="the story body is empty"):
        medium.parse_story("posts/one.html", story(body="<p> </p>"))
    with pytest.raises(Skip, match="empty draft"):
        medium.parse_story("posts/draft_one.html", story(body="<p> </p>"))


def test_a_story_needs_a_title_but_a_draft_is_untitled():
    with pytest.raises(SourceError, match="no title"):
        medium.parse_story("posts/one.html", story(title=None))
    piece = medium.parse_story("posts/draft_one.html", story(title=None))
    assert piece.title == "Untitled draft" and piece.status == "draft"
    assert piece.canonical_url is None and piece.published_at is None


def test_a_profile_with_labelled_lines_names_its_writer():
    page = b"<ul><li>Display name: Ada Lovelace</li><li>Username: @ada</li></ul>"
    writer = medium.parse_profile(page)
    assert (writer.display_name, writer.username) == ("Ada Lovelace", "ada")


def test_a_profile_that_names_nobody_or_is_not_text_is_none():
    assert medium.parse_profile(b"<p>Nothing here</p>") is None
    assert medium.parse_profile(b"\xff\xfe\x00broken") is None


def test_an_oversized_profile_is_not_read():
    profile = medium.StoryFile("profile/profile.html", medium.MAX_PROFILE_BYTES + 1, None)
    writer, why = medium.read_profile(profile)
    assert writer is None
    assert why == "profile/profile.html is too large to be Medium's profile page"


def test_a_profile_without_a_writer_says_so():
    profile = medium.StoryFile("profile/profile.html", 10, lambda: b"<p>hello</p>")
    assert medium.read_profile(profile) == (
        None,
        "profile/profile.html names no writer (no .p-name or @handle)",
    )


def test_an_export_folder_skips_hidden_files_and_subfolders(tmp_path):
    posts = tmp_path / "posts"
    (posts / "images").mkdir(parents=True)
    (posts / "one.html").write_bytes(story())
    (posts / ".DS_Store").write_bytes(b"\0")
    with medium.open_export(tmp_path) as export:
        assert [s.name for s in export.stories] == ["posts/one.html"]
        assert export.profile is None
