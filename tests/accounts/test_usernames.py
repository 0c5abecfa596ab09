"""Usernames that pass for someone else's, with look-alike characters, are refused."""

import pytest
from django.contrib.auth import get_user_model
from hypothesis import given
from hypothesis import strategies as st

from accounts.usernames import is_deceptive, skeleton
from tests.factories import UserFactory
from tests.utils import page_text

pytestmark = pytest.mark.django_db
User = get_user_model()
PASSWORD = "a-Long-enough-passphrase-42"


def signup(client, username, email="new@example.com"):
    data = {"username": username, "email": email, "password1": PASSWORD, "password2": PASSWORD}
    return client.post("/accounts/signup/", data)


@pytest.mark.parametrize(
    "username",
    [
        "j\u043ehn",  # Cyrillic о
        "\u0430lice",  # Cyrillic а
        "p\u0430ypal",
        "b\u03bfb",  # Greek omicron
    ],
)
def test_mixed_script_look_alikes_are_refused(client, username):
    response = signup(client, username)
    assert response.status_code == 200
    assert "look-alike characters" in page_text(response)
    assert not User.objects.filter(username=username).exists()


@pytest.mark.parametrize(
    "existing, impostor",
    [
        ("john", "J0HN"),
        ("john", "\u0458\u043e\u04bb\u0578"),  # all Cyrillic/Armenian look-alikes
        ("admin", "Admin"),
        ("mary", "rnary"),
        ("bill", "bi11"),
        ("jane.doe", "jane_doe"),
        ("will", "\uff57ill"),  # fullwidth w
    ],
)
def test_a_name_that_looks_like_an_existing_one_is_refused(client, existing, impostor):
    UserFactory(username=existing)
    response = signup(client, impostor)
    text = page_text(response)
    refusals = ["too close to an existing one", "look-alike characters", "already exists"]
    assert any(refusal in text for refusal in refusals), text
    assert User.objects.count() == 1


def test_the_skeleton_check_catches_what_the_script_check_lets_through(client):
    """All-Cyrillic `асе` is one script (not deceptive) but looks like Latin `ace`."""
    UserFactory(username="ace")
    assert not is_deceptive("\u0430\u0441\u0435")
    response = signup(client, "\u0430\u0441\u0435")
    assert "too close to an existing one" in page_text(response)


def test_an_ordinary_new_name_is_accepted(client):
    UserFactory(username="john")
    assert signup(client, "johanna").status_code == 302
    assert signup(client, "иван", email="ivan@example.com").status_code == 302  # one script


def test_the_admin_refuses_look_alikes_too(admin_client):
    UserFactory(username="editor")
    response = admin_client.post(
        "/admin/accounts/user/add/",
        {"username": "\u0435ditor", "usable_password": "false"},
    )
    assert response.status_code == 200
    assert not User.objects.filter(username="\u0435ditor").exists()


@given(st.text(alphabet="abcdefghjkmnpqrstuvwxyz", min_size=1, max_size=12))
def test_a_latin_name_and_its_cyrillic_twin_share_a_skeleton(name):
    twin = name.translate(str.maketrans("aceopxy", "\u0430\u0441\u0435\u043e\u0440\u0445\u0443"))
    assert skeleton(twin) == skeleton(name)
    assert not is_deceptive(name)
