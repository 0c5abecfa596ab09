"""A writer who opens "Author profiles" in the admin lands on their own profile, or on the form
that creates it; they never see a list of other writers."""

import pytest
from django.urls import reverse

from accounts.models import AuthorProfile
from tests.blog.factories import make_user

pytestmark = pytest.mark.django_db
CHANGELIST = "/admin/accounts/authorprofile/"


def test_a_writer_with_a_profile_goes_straight_to_it(client):
    writer = make_user("ada_writer", "Writers", profile=True)
    make_user("someone_else", "Writers", profile=True)
    client.force_login(writer)
    response = client.get(CHANGELIST)
    profile = AuthorProfile.objects.get(user=writer)
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:accounts_authorprofile_change", args=[profile.pk])


def test_a_writer_without_a_profile_is_asked_to_create_it(client):
    writer = make_user("new_writer", "Writers")
    make_user("someone_else", "Writers", profile=True)
    client.force_login(writer)
    response = client.get(CHANGELIST)
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:accounts_authorprofile_add")


def test_a_superuser_sees_every_profile(client):
    make_user("first_writer", "Writers", profile=True)
    make_user("second_writer", "Writers", profile=True)
    client.force_login(make_user("boss", superuser=True))
    response = client.get(CHANGELIST)
    assert response.status_code == 200
    assert b"First Writer" in response.content and b"Second Writer" in response.content
