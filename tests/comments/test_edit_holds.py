"""An edit passes the same holds as a new response (issue 19, part 2)."""

import pytest

from blog.models import Article
from comments import services
from comments.models import Comment, ModerationLog, ModerationWord
from tests.comments.factories import CommentFactory
from tests.factories import ArticleFactory
from tests.utils import count, page_text

pytestmark = pytest.mark.django_db
Status = Comment.Status


def edit(client, comment, body):
    return client.post(f"/responses/{comment.pk}/edit/", {"body": body}, follow=True)


def test_an_edit_on_a_premoderated_piece_waits_for_a_moderator(client, trusted, moderator):
    article = ArticleFactory(responses_mode=Article.ResponsesMode.PREMODERATED)
    comment = CommentFactory(article=article, author=trusted, body="Approved words.")
    services.refresh_response_count(article.pk)
    client.force_login(trusted)
    response = edit(client, comment, "Something quite different now.")
    assert "Your response is awaiting moderation." in page_text(response)
    comment.refresh_from_db()
    assert comment.status == Status.PENDING and count(article) == 0
    client.logout()
    html = client.get(article.get_absolute_url()).content.decode()
    assert "Something quite different now." not in html
    log = ModerationLog.objects.filter(comment=comment, action="hold").get()
    assert log.reason == "Edited: The piece is pre-moderated."
    # The moderator approves the edit: the new text is published, the old one kept.
    services.comment_approve(comment=comment, actor=moderator)
    html = client.get(article.get_absolute_url()).content.decode()
    assert "Something quite different now." in html
    assert comment.revisions.get().body == "Approved words."


def test_a_first_time_responders_edit_waits_for_a_moderator(client, article, reader):
    """Their only approved response is the one edited: it does not vouch for itself."""
    comment = CommentFactory(article=article, author=reader, body="Approved by a moderator.")
    services.refresh_response_count(article.pk)
    client.force_login(reader)
    edit(client, comment, "Now with a new text nobody has read.")
    comment.refresh_from_db()
    assert comment.status == Status.PENDING and count(article) == 0
    client.logout()
    assert "nobody has read" not in client.get(article.get_absolute_url()).content.decode()


def test_an_established_readers_edit_stays_published(client, article, approved, trusted):
    client.force_login(trusted)
    response = edit(client, approved, "A fair correction.")
    assert "Your response is updated." in page_text(response)
    approved.refresh_from_db()
    assert approved.status == Status.APPROVED and count(article) == 1


@pytest.mark.parametrize(
    "word_action, body, status",
    [
        ("hold", "This has a holdword in it.", Status.PENDING),
        ("block", "This has a blockword in it.", Status.SPAM),
        (None, "Two links https://a.example and https://b.example here.", Status.PENDING),
    ],
)
def test_an_edit_passes_the_text_rules(client, approved, trusted, word_action, body, status):
    if word_action:
        ModerationWord.objects.create(word=f"{word_action}word", action=word_action)
    client.force_login(trusted)
    edit(client, approved, body)
    approved.refresh_from_db()
    assert approved.status == status


def test_a_pending_responses_edit_with_a_blocked_word_is_spam(client, article, reader):
    ModerationWord.objects.create(word="casino", action="block")
    comment = CommentFactory(article=article, author=reader, status=Status.PENDING)
    client.force_login(reader)
    edit(client, comment, "Visit my casino.")
    comment.refresh_from_db()
    assert comment.status == Status.SPAM


def test_a_banned_reader_cannot_edit(client, approved, trusted, moderator):
    services.reader_ban(user=trusted, actor=moderator, reason="Harassment.")
    client.force_login(trusted)
    response = client.post(f"/responses/{approved.pk}/edit/", {"body": "Sneaky new text."})
    assert response.status_code == 403
    approved.refresh_from_db()
    assert approved.body != "Sneaky new text."


def test_no_edits_on_a_locked_piece(client, article, approved, trusted):
    Article.objects.filter(pk=article.pk).update(responses_mode=Article.ResponsesMode.LOCKED)
    client.force_login(trusted)
    response = client.post(f"/responses/{approved.pk}/edit/", {"body": "Changed after lock."})
    assert response.status_code == 403
    assert "not taking responses" in page_text(response)
    approved.refresh_from_db()
    assert approved.body != "Changed after lock."
