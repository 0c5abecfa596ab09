"""Every redirect target read from a request stays on this site, whatever the payload."""

import re
from urllib.parse import urlsplit

import pytest
from django.test import Client

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
PASSWORD = "correct-horse-battery"
HOST = "testserver"

PAYLOADS = [
    "//evil.example",
    "//evil.example/path",
    "///evil.example",
    "////evil.example",
    "/\\evil.example",
    "\\/evil.example",
    "\\\\evil.example",
    "https:evil.example",
    "https:/evil.example",
    "https://evil.example",
    "http://evil.example/",
    "HTTPS://EVIL.EXAMPLE",
    "ftp://evil.example",
    "/%2F%2Fevil.example",
    "%2F%2Fevil.example",
    "https%3A%2F%2Fevil.example",
    "javascript:alert(1)",
    "JaVaScRiPt:alert(1)",
    " javascript:alert(1)",
    "java\tscript:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "http://testserver@evil.example",
    "https://testserver@evil.example/",
    "http://testserver.evil.example/",
    "http://evil.example#@testserver/",
    "http://evil.example?@testserver/",
    "/\t/evil.example",
    "/\n/evil.example",
    "\t//evil.example",
    "\n//evil.example",
    " //evil.example",
    "\x00//evil.example",
    "\x0b//evil.example",
    "/\r\n/evil.example",
    "http:\\\\evil.example",
    "//evil%2Eexample",
    "//evil.example\\@testserver",
    "//%65vil.example",
    "///\\evil.example",
]


def browser_view(location):
    """What a browser makes of a Location: tab/newline removed, leading controls and spaces
    stripped, backslashes read as slashes (WHATWG URL parsing of special schemes)."""
    cleaned = re.sub(r"[\t\n\r]", "", location)
    cleaned = cleaned.lstrip("".join(chr(c) for c in range(0x21)))
    return cleaned.replace("\\", "/")


def stays_on_site(location):
    seen = browser_view(location)
    parts = urlsplit(seen)
    if parts.scheme or parts.netloc:
        return parts.scheme in ("http", "https") and parts.netloc == HOST
    return not seen.startswith("//")  # a path on this site, absolute or relative


def assert_safe_redirect(response):
    assert response.status_code == 302, response.status_code
    location = response["Location"]
    assert stays_on_site(location), f"redirects off the site: {location!r}"
    return location


def test_the_checker_itself_catches_escapes():
    """The predicate above must flag every payload as it stands (else the tests prove nothing)."""
    encoded = ("/%2F", "%2F", "https%3A")  # paths on this site, harmless as they stand
    for payload in PAYLOADS:
        assert stays_on_site(payload) == payload.startswith(encoded), payload
    assert stays_on_site("/@someone/piece/#responses")
    assert stays_on_site("http://testserver/somewhere/")


@pytest.fixture
def reader():
    return UserFactory(username="reader")


def escapes(send):
    """Send every payload; return the (payload, Location) pairs that leave the site."""
    client = Client()  # one client (its handler loads the middleware once), fresh cookies
    found = []
    for payload in PAYLOADS:
        client.cookies.clear()
        response = send(payload, client)
        assert response.status_code == 302, (payload, response.status_code)
        if not stays_on_site(response["Location"]):
            found.append((payload, response["Location"]))
    return found


def test_login_post_next(reader):
    def send(payload, client):
        data = {"username": "reader", "password": PASSWORD, "next": payload}
        return client.post("/accounts/login/", data)

    assert escapes(send) == []


def test_login_query_next(reader):
    def send(payload, client):
        data = {"username": "reader", "password": PASSWORD}
        return client.post("/accounts/login/", data, QUERY_STRING=f"next={payload}")

    assert escapes(send) == []


def test_login_page_when_signed_in(reader):
    def send(payload, client):
        client.force_login(reader)
        return client.get("/accounts/login/", {"next": payload})

    assert escapes(send) == []


def test_login_and_signup_pages_do_not_carry_a_foreign_next(client):
    for url in ("/accounts/login/", "/accounts/signup/"):
        for payload in PAYLOADS:
            response = client.get(url, {"next": payload})
            assert response.status_code == 200
            carried = response.context["next"]
            assert not carried or stays_on_site(carried), (url, payload, carried)


def test_signup_post_next(settings):
    settings.BYLINE_ACCOUNT_NETWORK_RATE = (0, 3600)  # many sign-ups from one test network
    names = iter(range(len(PAYLOADS)))

    def send(payload, client):
        number = next(names)
        data = {
            "username": "reader" + "x" * (number + 1),
            "email": f"new{number}@example.com",
            "password1": "a-Long-enough-passphrase-42",
            "password2": "a-Long-enough-passphrase-42",
            "next": payload,
        }
        return client.post("/accounts/signup/", data)

    assert escapes(send) == []


def test_signup_page_when_signed_in(reader):
    def send_get(payload, client):
        client.force_login(reader)
        return client.get("/accounts/signup/", {"next": payload})

    def send_post(payload, client):
        client.force_login(reader)
        return client.post("/accounts/signup/", {"next": payload})

    assert escapes(send_get) == []
    assert escapes(send_post) == []


def test_logout_next(reader):
    def send_form(payload, client):
        client.force_login(reader)
        return client.post("/accounts/logout/", {"next": payload})

    def send_query(payload, client):
        client.force_login(reader)
        return client.post("/accounts/logout/", QUERY_STRING=f"next={payload}")

    assert escapes(send_form) == []
    assert escapes(send_query) == []


def test_admin_login_next():
    UserFactory(username="staff", is_staff=True, is_superuser=True)

    def send(payload, client):
        data = {"username": "staff", "password": PASSWORD, "next": payload}
        return client.post("/admin/login/", data)

    assert escapes(send) == []


def test_a_safe_next_is_kept(client, reader):
    """The guard is not simply dropping every next (else the tests above could not fail)."""
    response = client.post(
        "/accounts/login/", {"username": "reader", "password": PASSWORD, "next": "/tags/x/"}
    )
    assert response["Location"] == "/tags/x/"
    client.post("/accounts/logout/")
    response = client.post(
        "/accounts/login/",
        {"username": "reader", "password": PASSWORD, "next": "http://testserver/tags/y/"},
    )
    assert response["Location"] == "http://testserver/tags/y/"
