"""Reader accounts: sign up, sign in and out, passwords, throttled failures."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.core import mail

from tests.factories import UserFactory
from tests.utils import page_text

pytestmark = pytest.mark.django_db
User = get_user_model()
PASSWORD = "correct-horse-battery"


def signup(client, **overrides):
    data = {
        "username": "newreader",
        "email": "new@example.com",
        "password1": "a-Long-enough-passphrase-42",
        "password2": "a-Long-enough-passphrase-42",
        **overrides,
    }
    return client.post("/accounts/signup/", data)


def test_sign_up_creates_an_unconfirmed_account_and_asks_to_check_the_inbox(client):
    response = signup(client)
    assert response.status_code == 302 and response["Location"] == "/accounts/signup/sent/"
    user = User.objects.get(username="newreader")
    assert user.email == "new@example.com" and not user.is_staff
    assert not user.email_confirmed
    assert "Check your inbox" in page_text(client.get(response["Location"]))
    assert not client.get("/").context["user"].is_authenticated


def test_sign_up_keeps_a_safe_next_address_for_after_confirmation(client):
    signup(client, next="/@someone/piece/#responses")
    html = client.get("/accounts/signup/sent/").content.decode()
    assert 'href="/@someone/piece/#responses"' in html


@pytest.mark.parametrize(
    "target", ["https://evil.example/", "//evil.example/", "javascript:alert(1)", "\\\\evil"]
)
def test_sign_up_ignores_foreign_next_addresses(client, target):
    response = signup(client, next=target)
    assert response["Location"] == "/accounts/signup/sent/"
    assert "evil" not in client.get("/accounts/signup/sent/").content.decode()


@pytest.mark.parametrize(
    "overrides, message",
    [
        ({"password1": "123", "password2": "123"}, "This password is too short."),
        ({"password1": "password", "password2": "password"}, "This password is too common."),
        ({"password2": "different-Pass-99"}, "The two password fields didn’t match."),
        ({"email": "not-an-email"}, "Enter a valid email address."),
        ({"username": "bad name!"}, "Enter a valid username."),
    ],
)
def test_sign_up_errors_are_clear(client, overrides, message):
    response = signup(client, **overrides)
    assert response.status_code == 200
    assert message in page_text(response)
    assert not User.objects.filter(username="newreader").exists()


def test_usernames_are_unique_regardless_of_case(client):
    UserFactory(username="NewReader")
    assert "already exists" in page_text(signup(client))


def test_log_in_and_log_out(client):
    UserFactory(username="ann")
    response = client.post("/accounts/login/", {"username": "ann", "password": PASSWORD})
    assert response.status_code == 302
    assert client.get("/").context["user"].username == "ann"
    assert client.get("/accounts/logout/").status_code == 405  # only a POST signs out
    client.post("/accounts/logout/")
    assert not client.get("/").context["user"].is_authenticated


def test_log_in_refuses_foreign_next(client):
    UserFactory(username="ann")
    response = client.post(
        "/accounts/login/",
        {"username": "ann", "password": PASSWORD, "next": "https://evil.example/"},
    )
    assert response["Location"] == "/"


def test_five_failures_lock_the_account_on_that_network_for_15_minutes(client):
    UserFactory(username="ann")
    for _ in range(5):
        response = client.post("/accounts/login/", {"username": "ann", "password": "wrong"})
    response = client.post("/accounts/login/", {"username": "ann", "password": PASSWORD})
    assert response.status_code == 429
    text = page_text(response)
    assert "Too many failed sign-ins" in text and "15 minutes" in text
    assert not client.get("/").context["user"].is_authenticated


NETWORK_A, NETWORK_B = "203.0.113.7", "198.51.100.9"


def sign_in(client, username, password, address):
    return client.post(
        "/accounts/login/", {"username": username, "password": password}, REMOTE_ADDR=address
    )


@pytest.mark.parametrize("staff", [False, True], ids=["writer", "superuser"])
def test_failures_from_one_network_do_not_lock_the_owner_out_elsewhere(client, staff):
    UserFactory(username="ann", is_staff=staff, is_superuser=staff)
    for _ in range(8):
        sign_in(client, "ann", "wrong", NETWORK_A)
    # The guesser's network is locked, even with the right password...
    assert sign_in(client, "ann", PASSWORD, NETWORK_A).status_code == 429
    # ...but the owner signs in from their own network.
    owner = client.__class__()
    response = sign_in(owner, "ann", PASSWORD, NETWORK_B)
    assert response.status_code == 302
    assert owner.get("/").context["user"].username == "ann"


def test_the_username_is_matched_case_insensitively_for_the_lock_on_a_network(client):
    UserFactory(username="ann")
    for n in range(5):
        sign_in(client, "ANN" if n % 2 else "ann", "wrong", NETWORK_A)
    assert sign_in(client, "Ann", PASSWORD, NETWORK_A).status_code == 429
    assert sign_in(client.__class__(), "ann", PASSWORD, NETWORK_B).status_code == 302


def test_guessing_from_each_network_stays_limited(client):
    UserFactory(username="ann")
    for address in (NETWORK_A, NETWORK_B):
        statuses = [sign_in(client, "ann", "wrong", address).status_code for _ in range(6)]
        assert statuses == [200] * 4 + [429] * 2  # the fifth failure locks


@pytest.mark.parametrize(
    "addresses",
    [
        [f"2001:db8:1:2::{n:x}" for n in range(1, 7)],  # a fresh address from one /64 each time
        ["::ffff:203.0.113.7", "203.0.113.7"] * 3,  # the same IPv4 address, written two ways
    ],
    ids=["ipv6-64", "ipv4-mapped"],
)
def test_a_network_cannot_dodge_the_limit_by_changing_its_address(client, addresses):
    UserFactory(username="ann")
    statuses = [sign_in(client, "ann", "wrong", address).status_code for address in addresses]
    assert statuses == [200] * 4 + [429] * 2
    assert sign_in(client, "ann", PASSWORD, "2001:db8:1:3::1").status_code == 302


def test_a_forged_forwarded_for_header_does_not_change_the_network(client):
    UserFactory(username="ann")
    statuses = [
        client.post(
            "/accounts/login/",
            {"username": "ann", "password": "wrong"},
            REMOTE_ADDR=NETWORK_A,
            HTTP_X_FORWARDED_FOR=f"198.18.0.{n}",
        ).status_code
        for n in range(6)
    ]
    assert statuses == [200] * 4 + [429] * 2


def test_failures_lock_the_ip_across_usernames(client):
    for n in range(5):
        client.post("/accounts/login/", {"username": f"guess{n}", "password": "wrong"})
    UserFactory(username="ann")
    response = client.post("/accounts/login/", {"username": "ann", "password": PASSWORD})
    assert response.status_code == 429


def test_password_change(client):
    user = UserFactory(username="ann")
    client.force_login(user)
    assert client.get("/accounts/password/").status_code == 200
    response = client.post(
        "/accounts/password/",
        {
            "old_password": PASSWORD,
            "new_password1": "Another-fine-passphrase-7",
            "new_password2": "Another-fine-passphrase-7",
        },
    )
    assert response["Location"] == "/accounts/password/done/"
    user.refresh_from_db()
    assert user.check_password("Another-fine-passphrase-7")


def test_password_reset_by_email(client, django_capture_on_commit_callbacks):
    user = UserFactory(username="ann", email="ann@example.com")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/accounts/password/reset/", {"email": "ann@example.com"})
    assert response["Location"] == "/accounts/password/reset/sent/"
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["ann@example.com"]
    assert "Byline" in mail.outbox[0].subject
    html, mimetype = mail.outbox[0].alternatives[0]
    assert mimetype == "text/html" and '<a href="http://testserver/accounts/password/reset/' in html
    link = re.search(r"http://testserver(/accounts/password/reset/\S+/)", mail.outbox[0].body)
    response = client.get(link.group(1), follow=True)
    assert "Choose a new password" in page_text(response)
    response = client.post(
        response.redirect_chain[-1][0],
        {"new_password1": "Brand-new-passphrase-3", "new_password2": "Brand-new-passphrase-3"},
    )
    assert response["Location"] == "/accounts/password/reset/complete/"
    user.refresh_from_db()
    assert user.check_password("Brand-new-passphrase-3")


def test_unknown_reset_addresses_look_the_same(client):
    response = client.post("/accounts/password/reset/", {"email": "nobody@example.com"})
    assert response["Location"] == "/accounts/password/reset/sent/"
    assert mail.outbox == []


def test_header_shows_static_links_to_anonymous_readers(client):
    html = client.get("/").content.decode()
    assert 'href="/accounts/login/"' in html and 'href="/accounts/signup/"' in html
    assert "csrfmiddlewaretoken" not in html


def test_header_shows_the_username_and_a_sign_out_form(client):
    client.force_login(UserFactory(username="ann"))
    html = client.get("/").content.decode()
    assert "ann" in page_text(client.get("/"))
    assert re.search(r'<form[^>]+method="post" action="/accounts/logout/"', html)


def test_every_account_form_has_csrf_protection(client):
    for url in ["/accounts/login/", "/accounts/signup/", "/accounts/password/reset/"]:
        assert "csrfmiddlewaretoken" in client.get(url).content.decode(), url
