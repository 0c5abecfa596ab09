"""The response pages' less travelled paths: confirmation pages on GET, showing a hidden
response again, replies, refusals that come from the services. Never a 500."""

import pytest
from django.contrib.messages import get_messages

from comments.models import Comment, ModerationLog
from comments.services import comment_hide_by_author
from tests.comments.factories import CommentFactory
from tests.utils import page_text

pytestmark = pytest.mark.django_db


def flashed(response):
    return [str(message) for message in get_messages(response.wsgi_request)]


def test_an_unknown_response_is_a_404_on_every_page(client, reader):
    client.force_login(reader)
    for page in ("edit", "delete", "hide", "report"):
        assert client.get(f"/responses/999999/{page}/").status_code == 404
    assert client.post("/responses/999999/unhide/").status_code == 404


def test_a_response_on_a_draft_is_a_404(client, reader):
    from tests.factories import DraftFactory

    comment = CommentFactory(article=DraftFactory(), author=reader)
    client.force_login(reader)
    assert client.get(f"/responses/{comment.pk}/edit/").status_code == 404


def test_delete_asks_first_and_keeps_the_response_on_get(client, article, trusted):
    comment = CommentFactory(article=article, author=trusted, body="Second thoughts here")
    client.force_login(trusted)
    response = client.get(f"/responses/{comment.pk}/delete/")
    assert response.status_code == 200
    text = page_text(response)
    assert "Delete your response?" in text and "Second thoughts here" in text
    assert Comment.objects.get(pk=comment.pk).status == Comment.Status.APPROVED


def test_hide_asks_first_on_get(client, approved, piece_author):
    client.force_login(piece_author)
    response = client.get(f"/responses/{approved.pk}/hide/")
    assert response.status_code == 200
    assert "Hide this response on your piece?" in page_text(response)
    assert Comment.objects.get(pk=approved.pk).status == Comment.Status.APPROVED


def test_the_author_shows_a_response_they_hid_again(client, article, approved, piece_author):
    comment_hide_by_author(comment=approved, user=piece_author, reason="Off topic")
    client.force_login(piece_author)
    response = client.post(f"/responses/{approved.pk}/unhide/")
    assert response.status_code == 302
    assert response["Location"].endswith(f"#response-{approved.pk}")
    assert flashed(response) == ["The response is shown again."]
    assert Comment.objects.get(pk=approved.pk).status == Comment.Status.APPROVED
    actions = ModerationLog.objects.filter(comment=approved).values_list("action", flat=True)
    assert sorted(actions) == ["author_hide", "author_unhide"]


def test_only_the_piece_author_can_show_a_hidden_response(client, approved, piece_author, reader):
    comment_hide_by_author(comment=approved, user=piece_author)
    client.force_login(reader)
    response = client.post(f"/responses/{approved.pk}/unhide/")
    assert response.status_code == 403
    assert "Only the piece's author can do this." in page_text(response)
    assert Comment.objects.get(pk=approved.pk).status == Comment.Status.HIDDEN


def test_showing_a_response_that_is_not_hidden_is_a_clear_409(client, approved, piece_author):
    client.force_login(piece_author)
    response = client.post(f"/responses/{approved.pk}/unhide/")
    assert response.status_code == 409
    assert "Only responses you hid yourself can be shown again." in page_text(response)


def test_unhide_answers_only_post(client, approved, piece_author):
    client.force_login(piece_author)
    assert client.get(f"/responses/{approved.pk}/unhide/").status_code == 405


def test_a_confirmed_reader_gets_the_report_form(client, approved, reader):
    client.force_login(reader)
    response = client.get(f"/responses/{approved.pk}/report/")
    assert response.status_code == 200
    assert b'name="reason"' in response.content
    assert "Report this response" in page_text(response)


def test_a_reply_to_a_published_response_is_stored_under_it(
    client, settings, article, approved, trusted
):
    settings.BYLINE_RESPONSES_FLOOD_SECONDS = 0  # `approved` is trusted's own, just posted
    client.force_login(trusted)
    response = client.post(
        f"/responses/piece/{article.pk}/", {"body": "Agreed, and more.", "parent": approved.pk}
    )
    assert response.status_code == 302
    reply = Comment.objects.get(body="Agreed, and more.")
    assert reply.parent_id == approved.pk and reply.status == Comment.Status.APPROVED


def test_a_reply_to_a_response_awaiting_moderation_is_refused_on_the_form(client, article, trusted):
    pending = CommentFactory(article=article, status=Comment.Status.PENDING)
    client.force_login(trusted)
    response = client.post(
        f"/responses/piece/{article.pk}/", {"body": "A reply too early.", "parent": pending.pk}
    )
    assert response.status_code == 200
    # The parent field is hidden, so its error is shown above the form.
    assert "You can only reply to a published response." in page_text(response)
    assert not Comment.objects.filter(body="A reply too early.").exists()
