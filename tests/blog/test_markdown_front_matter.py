"""Front matter shapes other static-site generators write, read by the Markdown importer."""

import datetime

import pytest

from blog.importers.common import SourceError
from blog.importers.markdown_files import parse_file


def test_a_date_only_value_is_midnight_in_the_site_time_zone():
    piece = parse_file("a.md", "---\ntitle: Dated\ndate: 2022-05-06\n---\nText.\n")
    assert piece.published_at.date() == datetime.date(2022, 5, 6)
    assert (piece.published_at.hour, piece.published_at.minute) == (0, 0)
    assert piece.published_at.tzinfo is not None


def test_a_date_that_is_a_number_is_refused_with_its_value():
    with pytest.raises(SourceError, match="`date` is not a date: “12345”"):
        parse_file("a.md", "---\ntitle: Odd\ndate: 12345\n---\nText.\n")


def test_authors_given_as_a_list_of_objects_name_the_first():
    text = "---\ntitle: Shared\nauthors:\n  - name: Ada  Lovelace\n  - name: Bob\n---\nText.\n"
    piece = parse_file("a.md", text)
    assert piece.writer.display_name == "Ada Lovelace" and piece.writer.username == ""


def test_an_empty_authors_list_means_no_writer():
    piece = parse_file("a.md", "---\ntitle: Nobody's\nauthors: []\n---\nText.\n")
    assert piece.writer is None


def test_tags_as_comma_separated_text_or_list_and_refused_otherwise():
    piece = parse_file("a.md", "---\ntitle: T\ntags: one, two ,, three\n---\nText.\n")
    assert piece.tags == ["one", "two", "three"]
    piece = parse_file("a.md", "---\ntitle: T\ntags: [Alpha, ' ', 3]\n---\nText.\n")
    assert piece.tags == ["Alpha", "3"]
    with pytest.raises(SourceError, match="`tags` must be a list"):
        parse_file("a.md", "---\ntitle: T\ntags: {a: 1}\n---\nText.\n")


def test_a_file_with_only_front_matter_is_refused():
    with pytest.raises(SourceError, match="no text below the front matter"):
        parse_file("a.md", "---\ntitle: Empty\n---\n\n")
