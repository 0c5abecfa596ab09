"""Account forms: every id that aria-describedby names is on the page (screen readers)."""

import re

import pytest

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PAGES = [
    ("get", "/accounts/signup/", {}),
    ("post", "/accounts/signup/", {"username": "bad name!", "email": "x", "password1": "1"}),
    ("get", "/accounts/login/", {}),
    ("post", "/accounts/login/", {"username": "nobody", "password": "wrong"}),
    ("get", "/accounts/password/reset/", {}),
    ("post", "/accounts/password/reset/", {"email": "not-an-address"}),
]


def dangling_references(html):
    ids = set(re.findall(r'\sid="([^"]+)"', html))
    referenced = {
        name for value in re.findall(r'aria-describedby="([^"]*)"', html) for name in value.split()
    }
    return referenced - ids, referenced


@pytest.mark.parametrize("method, url, data", PAGES)
def test_aria_describedby_points_at_elements_that_exist(client, method, url, data):
    response = getattr(client, method)(url, data)
    missing, referenced = dangling_references(response.content.decode())
    assert missing == set()
    if url == "/accounts/signup/":
        assert "id_username_helptext" in referenced  # the check looked at something
    if method == "post" and url == "/accounts/signup/":
        assert "id_username_error" in referenced


def test_the_password_change_form_too(client):
    client.force_login(UserFactory())
    response = client.post("/accounts/password/", {"old_password": "x"})
    missing, referenced = dangling_references(response.content.decode())
    assert referenced and missing == set()
