"""One service makes sure a user has an author profile with a free slug (admin and importers)."""

import pytest

from accounts.services import author_profile_ensure
from tests.factories import AuthorProfileFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_a_new_profile_is_named_after_the_user_with_a_free_slug():
    AuthorProfileFactory(slug="ada-lovelace")
    user = UserFactory(username="ada", first_name="Ada", last_name="Lovelace")
    profile, created = author_profile_ensure(user=user)
    assert created
    assert (profile.display_name, profile.slug) == ("Ada Lovelace", "ada-lovelace-2")
    assert profile.get_absolute_url() == "/@ada-lovelace-2/"


def test_an_existing_profile_is_returned_unchanged():
    user = UserFactory(username="grace")
    first, _ = author_profile_ensure(user=user, display_name="Grace H.")
    again, created = author_profile_ensure(user=user, display_name="Someone else", slug="x")
    assert not created and again.pk == first.pk and again.display_name == "Grace H."


def test_importers_ask_for_a_slug_from_the_username():
    user = UserFactory(username="Medium.Handle", first_name="Lin", last_name="Ng")
    profile, _ = author_profile_ensure(user=user, display_name="Lin Ng", slug=user.username)
    assert (profile.display_name, profile.slug) == ("Lin Ng", "mediumhandle")
