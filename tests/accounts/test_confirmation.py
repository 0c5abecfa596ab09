"""Sign-up confirms the email address before the account may respond, reply or report."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.management import call_command

from accounts import services
from comments.models import Comment
from tests.comments.factories import CommentFactory
from tests.factories import ArticleFactory, UserFactory
from tests.utils import page_text

pytestmark = pytest.mark.django_db
User = get_user_model()
PASSWORD = "a-Long-enough-passphrase-42"


def signup(client, django_capture_on_commit_callbacks, **overrides):
    data = {
        "username": "newreader",
        "email": "new@example.com",
        "password1": PASSWORD,
        "password2": PASSWORD,
        **overrides,
    }
    with django_capture_on_commit_callbacks(execute=True):
        return client.post("/accounts/signup/", data)


def confirmation_path(message):
    return re.search(r"http://testserver(/accounts/confirm/\S+/)", message.body).group(1)


def test_the_mailed_link_confirms_the_address(client, django_capture_on_commit_callbacks):
    signup(client, django_capture_on_commit_callbacks)
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["new@example.com"]
    message = mail.outbox[0]
    assert "Confirm your email address" in message.subject
    assert message.alternatives and "text/html" in message.alternatives[0][1]
    path = confirmation_path(message)
    page = client.get(path)  # a mail scanner following the link confirms nothing
    assert "Confirm my address" in page_text(page)
    assert not User.objects.get(username="newreader").email_confirmed
    response = client.post(path, follow=True)
    assert "Your email address is confirmed" in page_text(response)
    assert User.objects.get(username="newreader").email_confirmed


@pytest.mark.parametrize("tamper", ["bad", "x:y:z"])
def test_a_forged_link_confirms_nothing(client, tamper):
    response = client.post(f"/accounts/confirm/{tamper}/")
    assert response.status_code == 400
    assert "This link no longer works" in page_text(response)


def test_an_old_link_confirms_nothing(client, settings):
    user = UserFactory(email_confirmed=False)
    token = services.make_confirmation_token(user)
    settings.BYLINE_CONFIRMATION_MAX_AGE = -1
    assert client.post(f"/accounts/confirm/{token}/").status_code == 400
    user.refresh_from_db()
    assert not user.email_confirmed


def test_a_link_for_a_changed_address_confirms_nothing(client):
    user = UserFactory(email_confirmed=False, email="first@example.com")
    token = services.make_confirmation_token(user)
    user.email = "second@example.com"
    user.save()
    assert client.post(f"/accounts/confirm/{token}/").status_code == 400


def test_an_unconfirmed_reader_is_told_what_to_do_on_the_piece(client):
    article = ArticleFactory()
    parent = CommentFactory(article=article)
    client.force_login(UserFactory(email_confirmed=False))
    text = page_text(client.get(article.get_absolute_url()))
    assert "Confirm your email address to respond" in text
    assert "Confirm your email address to reply" in text
    html = client.get(article.get_absolute_url()).content.decode()
    assert 'name="body"' not in html and parent.body in html


def test_an_unconfirmed_reader_cannot_respond(client):
    article = ArticleFactory()
    client.force_login(UserFactory(email_confirmed=False))
    response = client.post(f"/responses/piece/{article.pk}/", {"body": "Hello"})
    assert response.status_code == 403
    assert "Confirm your email address" in page_text(response)
    assert not Comment.objects.filter(body="Hello").exists()


def test_resending_the_link_is_rate_limited(client, settings, django_capture_on_commit_callbacks):
    settings.BYLINE_ACCOUNT_ADDRESS_RATE = (2, 3600)
    user = UserFactory(email_confirmed=False)
    client.force_login(user)
    assert "Send me a new link" in page_text(client.get("/accounts/confirm/"))
    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(2):
            assert client.post("/accounts/confirm/").status_code == 302
        limited = client.post("/accounts/confirm/")
    assert limited.status_code == 429 and "Too many requests" in page_text(limited)
    assert len(mail.outbox) == 2
    client.post(confirmation_path(mail.outbox[-1]))
    user.refresh_from_db()
    assert user.email_confirmed


def test_accounts_made_by_staff_or_commands_are_confirmed(client, admin_client):
    call_command("createsuperuser", interactive=False, username="boss", email="b@example.com")
    assert User.objects.get(username="boss").email_confirmed
    assert User.objects.create_user("shelly", "s@example.com", "pw").email_confirmed
    admin_client.post(
        "/admin/accounts/user/add/",
        {
            "username": "staffmade",
            "usable_password": "true",
            "password1": PASSWORD,
            "password2": PASSWORD,
        },
    )
    assert User.objects.get(username="staffmade").email_confirmed


def test_existing_accounts_were_marked_confirmed_by_the_migration():
    from importlib import import_module

    from django.apps import apps

    migration = import_module(
        "accounts.migrations.0003_email_confirmed_unique_email_username_skeleton"
    )
    user = UserFactory(username="oldtimer")
    User.objects.filter(pk=user.pk).update(email_confirmed=False, username_skeleton="")
    migration.existing_users(apps, None)
    user.refresh_from_db()
    assert user.email_confirmed and user.username_skeleton == "oldtlmer"


def test_a_password_reset_by_email_confirms_the_address(client, django_capture_on_commit_callbacks):
    UserFactory(username="ann", email="ann@example.com", email_confirmed=False)
    with django_capture_on_commit_callbacks(execute=True):  # the mail leaves after the commit
        client.post("/accounts/password/reset/", {"email": "ann@example.com"})
    link = re.search(r"http://testserver(/accounts/password/reset/\S+/)", mail.outbox[0].body)
    response = client.get(link.group(1), follow=True)
    client.post(
        response.redirect_chain[-1][0],
        {"new_password1": "Brand-new-passphrase-3", "new_password2": "Brand-new-passphrase-3"},
    )
    assert User.objects.get(username="ann").email_confirmed


# -- One address, one account ----------------------------------------------------------------


def test_an_address_in_use_is_not_revealed(client, django_capture_on_commit_callbacks):
    UserFactory(username="owner", email="Taken@Example.com")
    fresh = signup(client, django_capture_on_commit_callbacks, email="fresh@example.com")
    taken = signup(
        client, django_capture_on_commit_callbacks, username="other", email="taken@example.COM"
    )
    assert fresh.status_code == taken.status_code == 302
    assert fresh["Location"] == taken["Location"]
    assert not User.objects.filter(username="other").exists()
    # The owner hears of it; the new address gets its confirmation link.
    to = {tuple(message.to): message for message in mail.outbox}
    assert "tried to sign up" in to[("Taken@Example.com",)].subject
    assert "Confirm" in to[("fresh@example.com",)].subject


def test_the_database_holds_one_account_per_address():
    from django.db import IntegrityError, transaction

    UserFactory(email="one@example.com")
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create_user("dup", "ONE@example.com", "pw")
    User.objects.create_user("blank1", "", "pw")
    User.objects.create_user("blank2", "", "pw")  # accounts without an address are fine


def test_the_admin_refuses_an_address_in_use(admin_client):
    UserFactory(email="one@example.com")
    user = UserFactory(username="two", email="two@example.com")
    data = {
        "username": "two",
        "email": "ONE@example.com",
        "date_joined_0": "2026-01-01",
        "date_joined_1": "10:00:00",
        "is_active": "on",
        "email_confirmed": "on",
    }
    response = admin_client.post(f"/admin/accounts/user/{user.pk}/change/", data)
    assert response.status_code == 200
    assert "Another account uses this email address." in page_text(response)
    user.refresh_from_db()
    assert user.email == "two@example.com"
