"""Posting, editing, hiding and reporting through the site, with the permission matrix."""

import datetime

import pytest
from django.test import Client
from django.utils import timezone

from comments.models import Comment, ModerationLog, Report
from tests.factories import ArticleFactory, DraftFactory, UserFactory
from tests.utils import count, page_text

pytestmark = pytest.mark.django_db
Status = Comment.Status


def respond_url(article):
    return f"/responses/piece/{article.pk}/"


def test_anonymous_posting_is_sent_to_sign_in(client, article):
    response = client.post(respond_url(article), {"body": "Hello"})
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=")
    assert not Comment.objects.filter(article=article).exists()


def test_a_new_readers_response_awaits_moderation(client, article, reader):
    client.force_login(reader)
    response = client.post(respond_url(article), {"body": "My first words."}, follow=True)
    comment = Comment.objects.get(article=article)
    assert comment.status == Status.PENDING
    assert response.redirect_chain[-1][0] == f"{article.get_absolute_url()}#response-{comment.pk}"
    text = page_text(response)
    assert "Your response is awaiting moderation." in text
    assert "My first words." in text  # shown to its writer, in place


def test_a_trusted_readers_response_appears_in_place(client, article, trusted):
    client.force_login(trusted)
    response = client.post(respond_url(article), {"body": "Well said."}, follow=True)
    assert "Your response is published." in page_text(response)
    assert "1 response" in page_text(response)
    client.logout()
    assert "Well said." in client.get(article.get_absolute_url()).content.decode()


def test_the_honeypot_sender_sees_the_normal_success_page(client, article, trusted):
    client.force_login(trusted)
    response = client.post(
        respond_url(article), {"body": "Buy now", "website": "http://x.example"}, follow=True
    )
    assert response.status_code == 200
    assert "Your response is awaiting moderation." in page_text(response)
    assert Comment.objects.get(article=article).status == Status.SPAM


@pytest.mark.parametrize(
    "data, message",
    [
        ({"body": ""}, "Write something first."),
        ({"body": "   "}, "Write something first."),
        ({"body": "x" * 5001}, "Keep it under 5,000 characters (this has 5,001)."),
        ({"body": "ok", "parent": "abc"}, "The response you replied to is no longer here."),
        ({"body": "ok", "parent": str(2**70)}, "The response you replied to is no longer here."),
    ],
)
def test_clear_form_errors_and_nothing_lost(client, article, trusted, data, message):
    client.force_login(trusted)
    response = client.post(respond_url(article), data)
    assert response.status_code == 200
    assert message in page_text(response)
    assert not Comment.objects.filter(article=article).exists()
    if data["body"].strip():
        assert data["body"] in response.content.decode()


def test_a_reply_to_a_missing_response_is_refused_clearly(client, article, trusted):
    client.force_login(trusted)
    response = client.post(respond_url(article), {"body": "Hi", "parent": "999999"})
    assert "The response you replied to is no longer here." in page_text(response)


def test_a_second_response_within_15_seconds_gets_429(client, article, trusted):
    client.force_login(trusted)
    client.post(respond_url(article), {"body": "One."})
    response = client.post(respond_url(article), {"body": "Two, keep me."})
    assert response.status_code == 429
    assert "Wait 15 seconds between responses" in page_text(response)
    assert "Two, keep me." in response.content.decode()
    assert Comment.objects.filter(article=article).count() == 1


def test_the_per_ip_rate_limit_gets_429(client, article, settings):
    settings.BYLINE_RESPONSES_FLOOD_SECONDS = 0
    settings.BYLINE_RESPONSES_IP_RATE = (1, 600)
    client.force_login(UserFactory())
    assert client.post(respond_url(article), {"body": "One."}).status_code == 302
    client.force_login(UserFactory())
    assert client.post(respond_url(article), {"body": "Two."}).status_code == 429


def test_a_banned_reader_gets_403_with_a_message(client, article, trusted, moderator):
    from comments.services import reader_ban

    reader_ban(user=trusted, actor=moderator, reason="Abuse")
    client.force_login(trusted)
    response = client.post(respond_url(article), {"body": "Hello"})
    assert response.status_code == 403
    assert "may no longer respond" in page_text(response)


@pytest.mark.parametrize("mode", ["locked", "off"])
def test_closed_pieces_refuse_posts(client, article, trusted, mode):
    article.responses_mode = mode
    article.save()
    client.force_login(trusted)
    assert client.post(respond_url(article), {"body": "Hello"}).status_code == 403


def test_drafts_and_unknown_pieces_are_404(client, trusted):
    client.force_login(trusted)
    assert client.post(respond_url(DraftFactory()), {"body": "x"}).status_code == 404
    assert client.post("/responses/piece/999999999999999999/", {"body": "x"}).status_code == 404
    assert client.get(respond_url(ArticleFactory())).status_code == 405


def test_posting_requires_a_csrf_token(article, trusted):
    client = Client(enforce_csrf_checks=True)
    client.force_login(trusted)
    assert client.post(respond_url(article), {"body": "x"}).status_code == 403
    assert not Comment.objects.filter(article=article).exists()


# -- Permission matrix --------------------------------------------------------------------

ROLES = ["anonymous", "owner", "other_reader", "piece_author", "moderator"]


@pytest.fixture
def users(trusted, reader, piece_author, moderator):
    return {
        "anonymous": None,
        "owner": trusted,
        "other_reader": reader,
        "piece_author": piece_author,
        "moderator": moderator,
    }


def as_role(client, users, role):
    if users[role] is not None:
        client.force_login(users[role])
    return client


@pytest.mark.parametrize("role", ROLES)
def test_edit_permission_matrix(client, users, approved, role):
    as_role(client, users, role)
    response = client.post(f"/responses/{approved.pk}/edit/", {"body": "Changed."})
    approved.refresh_from_db()
    if role == "owner":
        assert response.status_code == 302 and approved.body == "Changed."
    else:
        assert response.status_code in (302, 403) and approved.body != "Changed."
        if role == "anonymous":
            assert response["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize("role", ROLES)
def test_delete_permission_matrix(client, users, approved, role):
    as_role(client, users, role)
    client.post(f"/responses/{approved.pk}/delete/")
    approved.refresh_from_db()
    assert (approved.status == Status.REMOVED) == (role == "owner")


@pytest.mark.parametrize("role", ROLES)
def test_hide_permission_matrix(client, users, approved, role):
    as_role(client, users, role)
    client.post(f"/responses/{approved.pk}/hide/", {"reason": "Off topic"})
    approved.refresh_from_db()
    assert (approved.status == Status.HIDDEN) == (role == "piece_author")


@pytest.mark.parametrize("role", ROLES)
def test_report_permission_matrix(client, users, approved, role):
    as_role(client, users, role)
    client.post(f"/responses/{approved.pk}/report/", {"reason": "Rude"})
    reported = Report.objects.filter(comment=approved).exists()
    assert reported == (role in ("other_reader", "piece_author", "moderator"))


def test_editing_after_15_minutes_is_refused(client, approved, trusted):
    approved.created_at = timezone.now() - datetime.timedelta(minutes=20)
    approved.save()
    client.force_login(trusted)
    response = client.post(f"/responses/{approved.pk}/edit/", {"body": "Late."})
    assert response.status_code == 403
    assert "15 minutes" in page_text(response)


def test_the_edit_window_comes_from_its_setting_in_every_message(
    client, approved, trusted, settings
):
    settings.BYLINE_RESPONSES_EDIT_SECONDS = 5 * 60
    client.force_login(trusted)
    assert "You can edit a response for 5 minutes after posting" in page_text(
        client.get(f"/responses/{approved.pk}/edit/")
    )
    approved.created_at = timezone.now() - datetime.timedelta(minutes=6)
    approved.save()
    for action, body in [("edit", {"body": "Late."}), ("delete", {})]:
        response = client.post(f"/responses/{approved.pk}/{action}/", body)
        assert response.status_code == 403
        assert "for 5 minutes after posting" in page_text(response)
        assert "15 minutes" not in page_text(response)


def test_the_author_hides_and_readers_see_the_placeholder(client, article, approved):
    client.force_login(article.author.user)
    client.post(f"/responses/{approved.pk}/hide/", {"reason": ""})
    assert count(article) == 0
    client.logout()
    html = client.get(article.get_absolute_url()).content.decode()
    assert "A response was hidden by the author" in html
    assert ModerationLog.objects.get(comment=approved).action == "author_hide"


def test_reporting_twice_says_so(client, approved, reader):
    client.force_login(reader)
    client.post(f"/responses/{approved.pk}/report/")
    response = client.post(f"/responses/{approved.pk}/report/", follow=True)
    assert "You have already reported this response." in page_text(response)


def test_notification_settings_page(client, reader):
    assert client.get("/responses/settings/").status_code == 302
    client.force_login(reader)
    assert client.get("/responses/settings/").status_code == 200
    client.post("/responses/settings/", {"approvals": "on"})
    prefs = reader.response_notifications
    assert (prefs.replies, prefs.approvals, prefs.moderation) == (False, True, False)
