"""Sign-ups and password-reset mails are limited per address and per network."""

import pytest
from django.contrib.auth import get_user_model
from django.core import mail

from tests.factories import UserFactory
from tests.utils import page_text

pytestmark = pytest.mark.django_db
User = get_user_model()
PASSWORD = "a-Long-enough-passphrase-42"


def signup(client, name, email, ip="203.0.113.7"):
    data = {"username": name, "email": email, "password1": PASSWORD, "password2": PASSWORD}
    return client.post("/accounts/signup/", data, REMOTE_ADDR=ip)


def test_sign_ups_are_limited_per_network(client, settings):
    settings.BYLINE_ACCOUNT_NETWORK_RATE = (3, 3600)
    names = ["amber", "basil", "cedar", "delta"]
    # Neighbours in one /24 share the budget.
    statuses = [
        signup(client, name, f"{name}@example.com", ip=f"203.0.113.{n + 1}").status_code
        for n, name in enumerate(names)
    ]
    assert statuses == [302, 302, 302, 429]
    assert not User.objects.filter(username="delta").exists()
    assert "Too many requests" in page_text(signup(client, "ember", "ember@example.com"))
    # Another network is not affected.
    assert signup(client, "fable", "fable@example.com", ip="198.51.100.9").status_code == 302


def test_ipv6_neighbours_share_a_64(client, settings):
    settings.BYLINE_ACCOUNT_NETWORK_RATE = (1, 3600)
    assert signup(client, "amber", "a@example.com", ip="2001:db8::1").status_code == 302
    assert signup(client, "basil", "b@example.com", ip="2001:db8::ffff:2").status_code == 429


def test_sign_ups_are_limited_per_address(client, settings):
    settings.BYLINE_ACCOUNT_ADDRESS_RATE = (2, 3600)
    UserFactory(username="owner", email="target@example.com")
    statuses = [
        signup(client, name, "TARGET@example.com", ip=f"198.51.{n}.1").status_code
        for n, name in enumerate(["amber", "basil", "cedar"])
    ]
    assert statuses == [302, 302, 429]  # no flood of notices to the owner either


def test_password_reset_mails_are_limited_per_address(
    client, settings, django_capture_on_commit_callbacks
):
    settings.BYLINE_ACCOUNT_ADDRESS_RATE = (2, 3600)
    UserFactory(username="ann", email="ann@example.com")

    def reset(n):
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(
                "/accounts/password/reset/", {"email": "ann@example.com"}, REMOTE_ADDR=f"10.{n}.0.1"
            ).status_code

    assert [reset(0), reset(1)] == [302, 302]
    # Two resets in the same second carry the same token, hence the same idempotency key.
    allowed = len(mail.outbox)
    assert allowed >= 1 and all(m.to == ["ann@example.com"] for m in mail.outbox)
    assert [reset(2), reset(3)] == [429, 429]
    assert len(mail.outbox) == allowed


def test_password_reset_mails_are_limited_per_network(client, settings):
    settings.BYLINE_ACCOUNT_NETWORK_RATE = (2, 3600)
    for name in ["ann", "bob", "cat"]:
        UserFactory(username=name, email=f"{name}@example.com")
    statuses = [
        client.post("/accounts/password/reset/", {"email": f"{name}@example.com"}).status_code
        for name in ["ann", "bob", "cat"]
    ]
    assert statuses == [302, 302, 429]
    response = client.post("/accounts/password/reset/", {"email": "nobody@example.com"})
    assert "Too many requests" in page_text(response)  # unknown addresses count the same
