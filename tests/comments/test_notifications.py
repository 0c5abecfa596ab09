"""Emails: sent after commit, opt-out respected, a broken mail server never fails a request."""

import pytest
from django.core import mail

from comments import services
from comments.models import Comment, NotificationSettings
from tests.comments.factories import CommentFactory
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
Status = Comment.Status


@pytest.fixture(autouse=True)
def _no_flood(settings):
    settings.BYLINE_RESPONSES_FLOOD_SECONDS = 0


def recipients():
    return sorted(address for message in mail.outbox for address in message.to)


def test_moderators_are_told_when_a_response_is_held(
    article, reader, moderator, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        comment = services.comment_create(article=article, author=reader, body="Hello there.")
        assert mail.outbox == []  # nothing before the commit
    assert callbacks, "the email waits for the commit"
    assert recipients() == [moderator.email]
    message = mail.outbox[0]
    assert message.alternatives == [], "moderators get plain text"
    assert "waiting for review" in message.subject
    assert "First response from this account." in message.body
    assert f"/admin/comments/comment/{comment.pk}/change/" in message.body


def test_moderators_who_opted_out_are_not_told(
    article, reader, moderator, django_capture_on_commit_callbacks
):
    NotificationSettings.objects.create(user=moderator, moderation=False)
    with django_capture_on_commit_callbacks(execute=True):
        services.comment_create(article=article, author=reader, body="Hello there.")
    assert mail.outbox == []


def test_the_piece_author_is_told_when_a_response_is_approved(
    article, reader, moderator, piece_author, django_capture_on_commit_callbacks
):
    comment = CommentFactory(article=article, author=reader, status=Status.PENDING)
    with django_capture_on_commit_callbacks(execute=True):
        services.comment_approve(comment=comment, actor=moderator, site_url="https://byline.test/")
    assert recipients() == [piece_author.email]
    assert f"https://byline.test{article.get_absolute_url()}#response-{comment.pk}" in (
        mail.outbox[0].body
    )
    mail.outbox.clear()
    # approved a second time (after a hide): no second email
    services.comment_hide(comment=comment, actor=moderator, reason="x")
    with django_capture_on_commit_callbacks(execute=True):
        services.comment_approve(comment=comment, actor=moderator)
    assert mail.outbox == []


def test_the_piece_author_can_opt_out(
    article, trusted, piece_author, django_capture_on_commit_callbacks
):
    NotificationSettings.objects.create(user=piece_author, approvals=False)
    with django_capture_on_commit_callbacks(execute=True):
        services.comment_create(article=article, author=trusted, body="Nice.")
    assert mail.outbox == []


def test_a_reader_is_told_when_someone_replies(
    article, approved, piece_author, django_capture_on_commit_callbacks
):
    NotificationSettings.objects.create(user=piece_author, approvals=False)
    replier = UserFactory()
    CommentFactory(author=replier, article=CommentFactory().article)  # not a new account
    with django_capture_on_commit_callbacks(execute=True):
        services.comment_create(article=article, author=replier, body="I agree", parent=approved)
    assert recipients() == [approved.author.email]
    assert "replied to your response" in mail.outbox[0].subject
    html, mimetype = mail.outbox[0].alternatives[0]  # readers get an HTML part too
    assert mimetype == "text/html" and "I agree" in html and "<p>" in html


def test_replying_to_yourself_sends_nothing_and_opt_out_works(
    article, approved, trusted, piece_author, django_capture_on_commit_callbacks
):
    NotificationSettings.objects.create(user=piece_author, approvals=False)
    with django_capture_on_commit_callbacks(execute=True):
        services.comment_create(article=article, author=trusted, body="Also.", parent=approved)
    assert mail.outbox == []
    NotificationSettings.objects.create(user=trusted, replies=False)
    other = UserFactory()
    CommentFactory(author=other)
    with django_capture_on_commit_callbacks(execute=True):
        services.comment_create(article=article, author=other, body="Hm.", parent=approved)
    assert mail.outbox == []


def test_moderators_are_told_about_reports(approved, moderator, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        services.comment_report(comment=approved, reporter=UserFactory(), reason="Rude")
    assert recipients() == [moderator.email]
    assert "reported" in mail.outbox[0].subject


@pytest.mark.django_db(transaction=True)
def test_a_failing_mail_server_is_logged_and_the_response_kept(client, caplog, settings):
    """With real commits the send runs (immediate backend): its failure stays out of the request."""
    from outbox.models import OutboundMail
    from tests.factories import ArticleFactory

    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", 1  # nothing listens there
    article = ArticleFactory()
    UserFactory(username="mod", email="mod@example.com", groups=["Moderators"])
    reader = UserFactory(username="newcomer")
    client.force_login(reader)
    response = client.post(f"/responses/piece/{article.pk}/", {"body": "Kept."})
    assert response.status_code == 302
    assert Comment.objects.filter(article=article, body="Kept.", status="pending").exists()
    held = OutboundMail.objects.get(to=["mod@example.com"])
    assert held.state == "queued" and held.attempts == 1, "the email was attempted, kept for later"
    assert "attempt 1 failed" in caplog.text
