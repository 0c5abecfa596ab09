"""Moderators never see nor search readers' email addresses; superusers do."""

import pytest
from django.contrib.auth.models import Permission

from tests.comments.factories import CommentFactory
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
CHANGELIST = "/admin/comments/comment/"
SECRET = "hidden.person@private.example"


@pytest.fixture
def response_by_secret(article):
    return CommentFactory(
        article=article, author=UserFactory(username="quiet", email=SECRET), body="Hello there."
    )


def pages(client, comment):
    urls = [
        CHANGELIST,
        f"{CHANGELIST}{comment.pk}/change/",
        f"{CHANGELIST}?q=quiet",
        "/admin/comments/report/",
        "/admin/comments/moderationlog/",
        "/admin/comments/ban/",
    ]
    return [client.get(url).content.decode() for url in urls]


def test_moderators_see_no_address_anywhere(client, moderator, response_by_secret):
    client.force_login(moderator)
    for html in pages(client, response_by_secret):
        assert SECRET not in html and "private.example" not in html


@pytest.mark.parametrize("query", [SECRET, "private.example", "hidden.person"])
def test_moderators_cannot_search_by_address(client, moderator, response_by_secret, query):
    client.force_login(moderator)
    html = client.get(CHANGELIST, {"q": query}).content.decode()
    assert "Hello there." not in html


@pytest.mark.parametrize(
    "lookup", ["author__email", "author__email__startswith", "author__email__icontains"]
)
def test_moderators_cannot_filter_by_address(client, moderator, response_by_secret, lookup):
    client.force_login(moderator)
    response = client.get(CHANGELIST, {lookup: "hidden"})
    assert "Hello there." not in response.content.decode()


def test_moderators_with_user_permissions_still_see_no_address(
    client, moderator, response_by_secret
):
    moderator.user_permissions.add(*Permission.objects.filter(codename__in=["view_user"]))
    client.force_login(moderator)
    quiet = response_by_secret.author
    for url in [
        "/admin/accounts/user/",
        f"/admin/accounts/user/{quiet.pk}/change/",
        "/admin/accounts/user/?q=private.example",
    ]:
        response = client.get(url)
        assert response.status_code == 200, url
        assert SECRET not in response.content.decode(), url
    listing = client.get("/admin/accounts/user/", {"q": "private.example"}).content.decode()
    assert ">quiet<" not in listing


def test_superusers_keep_the_addresses(client, response_by_secret):
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    html = client.get(CHANGELIST, {"q": "private.example"}).content.decode()
    assert "Hello there." in html
    user_page = client.get(f"/admin/accounts/user/{response_by_secret.author.pk}/change/")
    assert SECRET in user_page.content.decode()
    listing = client.get("/admin/accounts/user/", {"q": "private.example"}).content.decode()
    assert "quiet" in listing
