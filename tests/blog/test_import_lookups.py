"""How imported files find their tags and writers when names are odd or ambiguous."""

import pytest

from blog.importers.common import SourceError, Writer
from blog.importers.lookups import find_writer, tags_named
from blog.models import Tag
from tests.factories import AuthorProfileFactory, TagFactory

pytestmark = pytest.mark.django_db


def test_tag_names_without_letters_are_left_out_and_case_variants_reuse_one_tag():
    existing = TagFactory(name="Gardening")
    tags = tags_named(["!!!", "gardening", "GARDENING", "  New   tag  ", "—"])
    assert [tag.name for tag in tags] == ["Gardening", "New tag"]
    assert tags[0] == existing
    assert Tag.objects.count() == 2


def test_a_name_two_writers_share_is_refused_with_the_way_out():
    AuthorProfileFactory(display_name="Sam Lee")
    AuthorProfileFactory(display_name="Sam Lee")
    with pytest.raises(SourceError, match="several writers are called “Sam Lee”"):
        find_writer(Writer(display_name="Sam Lee"))


def test_a_file_naming_no_one_asks_for_author():
    with pytest.raises(SourceError, match="--author <username>"):
        find_writer(Writer(display_name="", username=""))
