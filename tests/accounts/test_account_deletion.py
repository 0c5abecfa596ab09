"""Deleting an account from the admin: confirmed, explained, and nothing readers see breaks."""

import html as html_lib
import re

import pytest
from django.contrib.auth import get_user_model

from blog.models import Article
from comments.models import Comment, NotificationSettings, Report
from tests.comments.factories import CommentFactory
from tests.factories import ArticleFactory, UserFactory
from tests.utils import page_text

pytestmark = pytest.mark.django_db
User = get_user_model()


@pytest.fixture(autouse=True)
def _responses_open(settings):
    settings.BYLINE_RESPONSES_DEFAULT_MODE = "open"


@pytest.fixture
def admin_client(client):
    client.force_login(UserFactory(username="boss", is_staff=True, is_superuser=True))
    return client


@pytest.fixture
def thread():
    """A piece; a response by the reader who leaves; a reply to it by another reader."""
    article = ArticleFactory(title="A piece with a thread")
    leaving = UserFactory(username="leaving", first_name="Lena", last_name="Leaving")
    staying = UserFactory(username="staying", first_name="Sam", last_name="Staying")
    response = CommentFactory(article=article, author=leaving, body="The leaver's thought.")
    reply = CommentFactory(article=article, author=staying, parent=response, body="A reply.")
    NotificationSettings.objects.create(user=leaving, replies=False)
    Report.objects.create(comment=reply, reporter=leaving, reason="Off topic")
    return article, leaving, response, reply


def delete_url(user):
    return f"/admin/accounts/user/{user.pk}/delete/"


def test_the_admin_asks_first_and_lists_what_goes_with_the_account(admin_client, thread):
    article, leaving, response, reply = thread
    page = admin_client.get(delete_url(leaving))
    assert page.status_code == 200
    text = page_text(page)
    assert 'Are you sure you want to delete the user "leaving"?' in text
    assert 'type="submit" value="Yes, I’m sure"' in page.content.decode()
    # The objects deleted with the account are listed...
    assert f"Report: Report on response {reply.pk}" in text
    assert "Notification settings: Notification settings of leaving" in text
    counts = dict(page.context["model_count"])
    assert counts == {"users": 1, "reports": 1, "notification settings": 1}
    # ...and the responses, which stay, are not.
    assert "The leaver" not in text and "Response:" not in text
    assert User.objects.filter(pk=leaving.pk).exists()  # nothing happens before confirming


def test_after_deletion_the_thread_stays_under_a_deleted_account(admin_client, client, thread):
    article, leaving, response, reply = thread
    before = page_text(client.get(article.get_absolute_url()))  # anonymous, now cached
    assert "Lena Leaving" in before

    confirmed = admin_client.post(delete_url(leaving), {"post": "yes"})
    assert confirmed.status_code == 302
    assert not User.objects.filter(username="leaving").exists()
    response.refresh_from_db()
    assert response.author is None and response.status == Comment.Status.APPROVED
    assert Comment.objects.filter(pk=reply.pk, parent=response).exists()
    assert not Report.objects.filter(reporter__username="leaving").exists()

    admin_client.logout()
    page = client.get(article.get_absolute_url())
    assert page.status_code == 200
    html = page.content.decode()
    text = page_text(page)
    assert "Lena Leaving" not in text and "leaving" not in text.split()
    # The response keeps its place and its text, and the reply stays under it.
    start = html.index(f'id="response-{response.pk}"')
    reply_at = html.index(f'id="response-{reply.pk}"')
    assert start < reply_at
    block = page_text_of(html[start:reply_at])
    assert "Deleted account" in block and "The leaver's thought." in block
    assert "Sam Staying" in page_text_of(html[reply_at:]) and "A reply." in text
    assert 'class="response response--reply"' in html[reply_at - 60 : reply_at + 40]


def page_text_of(markup):
    """The text of a fragment of HTML, white space folded."""
    return " ".join(html_lib.unescape(re.sub(r"<[^>]+>", " ", markup)).split())


def test_a_signed_in_reader_can_still_reply_under_a_deleted_account(client, thread):
    article, leaving, response, reply = thread
    leaving.delete()
    client.force_login(User.objects.get(username="staying"))
    html = client.get(article.get_absolute_url()).content.decode()
    assert "Your reply to a deleted account" in html


def test_a_writer_with_pieces_cannot_be_deleted_and_the_admin_says_why(admin_client):
    piece = ArticleFactory(title="Still here")
    writer = piece.author.user
    page = admin_client.get(delete_url(writer))
    assert page.status_code == 200
    text = page_text(page)
    assert (
        f"Deleting the user '{writer.username}' would require deleting the following "
        "protected related objects:" in text
    )
    assert "Piece: Still here" in text
    assert "Yes, I’m sure" not in page.content.decode()

    refused = admin_client.post(delete_url(writer), {"post": "yes"})
    assert refused.status_code == 200
    assert "protected related objects" in page_text(refused)
    assert User.objects.filter(pk=writer.pk).exists()
    assert Article.objects.filter(pk=piece.pk, author__user=writer).exists()
