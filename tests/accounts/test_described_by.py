"""Screen readers announce a field's help and errors: every aria-describedby names an element."""

import re

import pytest
from django.contrib.auth.tokens import default_token_generator
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def dangling_references(html):
    ids = set(re.findall(r'\bid="([^"]+)"', html))
    described = re.findall(r'aria-describedby="([^"]+)"', html)
    assert described, "no field is described: the check would prove nothing"
    return [ref for refs in described for ref in refs.split() if ref not in ids]


def test_account_forms_describe_fields_with_elements_that_exist(client):
    user = UserFactory(username="ann")
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    pages = {
        "sign-up": client.get("/accounts/signup/"),
        "sign-up with errors": client.post("/accounts/signup/", {"username": "a b", "email": "x"}),
        "reset confirm": client.get(f"/accounts/password/reset/{uid}/{token}/", follow=True),
    }
    client.force_login(user)
    pages["password change"] = client.get("/accounts/password/")
    pages["password change with errors"] = client.post("/accounts/password/", {})
    for name, response in pages.items():
        assert response.status_code == 200, name
        assert dangling_references(response.content.decode()) == [], name


def test_the_help_and_the_error_are_what_is_announced(client):
    html = client.post("/accounts/signup/", {"username": "a b", "email": "x"}).content.decode()
    error = re.search(r'<ul class="errorlist" id="id_email_error">(.*?)</ul>', html, re.S)
    assert error and "valid email" in error.group(1)
    assert re.search(r'<div class="meta" id="id_password1_helptext">', html)
