"""Moderation in the admin when the decision cannot apply, and the ban admin's other pages."""

import pytest

from comments import services
from comments.models import Ban, Comment, ModerationLog
from tests.comments.factories import CommentFactory
from tests.utils import page_text

pytestmark = pytest.mark.django_db
Status = Comment.Status
CHANGELIST = "/admin/comments/comment/"


@pytest.fixture
def mod_client(client, moderator):
    client.force_login(moderator)
    return client


def change_form_data(comment, **changes):
    data = {}
    for prefix, related in [("log", comment.log), ("revisions", comment.revisions)]:
        total = related.count()
        data |= {f"{prefix}-TOTAL_FORMS": total, f"{prefix}-INITIAL_FORMS": total}
    total = comment.reports.count()
    data |= {"reports-TOTAL_FORMS": total, "reports-INITIAL_FORMS": total}
    return data | changes


def test_a_response_its_writer_deleted_cannot_be_restored(mod_client, article):
    comment = CommentFactory(article=article, status=Status.REMOVED, status_by=Comment.Actor.OWNER)
    url = f"{CHANGELIST}{comment.pk}/change/"
    response = mod_client.post(url, change_form_data(comment, decision="approve"))
    assert response.status_code == 200
    assert "Its writer deleted this response; it cannot be restored." in page_text(response)
    comment.refresh_from_db()
    assert comment.status == Status.REMOVED and not comment.log.exists()


def test_a_decision_the_status_cannot_take_is_explained(mod_client, article):
    comment = CommentFactory(article=article)  # already published
    url = f"{CHANGELIST}{comment.pk}/change/"
    response = mod_client.post(url, change_form_data(comment, decision="approve"))
    assert response.status_code == 200
    # Said in plain English ("A approved response ..." before).
    assert "This response is approved: it cannot take this decision." in page_text(response)
    assert not comment.log.exists()


def test_the_reported_queue_lists_only_reported_responses(mod_client, article):
    CommentFactory(article=article, body="Quiet and fine.")
    CommentFactory(article=article, status=Status.PENDING, body="Waiting its turn.")
    CommentFactory(article=article, body="Flagged by readers.", report_count=1)
    text = page_text(mod_client.get(f"{CHANGELIST}?queue=reported"))
    assert "Flagged by readers." in text
    assert "Quiet and fine." not in text and "Waiting its turn." not in text


def test_a_ban_for_an_unknown_username_is_refused_on_the_form(mod_client):
    response = mod_client.post("/admin/comments/ban/add/", {"username": "nobody", "reason": "x"})
    assert response.status_code == 200
    assert "No reader has this username." in page_text(response)
    assert not Ban.objects.exists()


def test_an_existing_ban_is_shown_read_only(mod_client, moderator, trusted):
    ban = services.reader_ban(user=trusted, actor=moderator, reason="Repeated spam.")
    response = mod_client.get(f"/admin/comments/ban/{ban.pk}/change/")
    assert response.status_code == 200
    text = page_text(response)
    assert "trusted" in text and "Repeated spam." in text
    assert b'name="reason"' not in response.content  # read-only: no field to post
    mod_client.post(f"/admin/comments/ban/{ban.pk}/change/", {"reason": "Changed."})
    ban.refresh_from_db()
    assert ban.reason == "Repeated spam."


def test_bans_lifted_in_bulk_are_logged_one_by_one(mod_client, moderator, trusted, reader):
    bans = [
        services.reader_ban(user=user, actor=moderator, reason="Spam.")
        for user in (trusted, reader)
    ]
    response = mod_client.post(
        "/admin/comments/ban/",
        {"action": "delete_selected", "_selected_action": [b.pk for b in bans], "post": "yes"},
    )
    assert response.status_code == 302
    assert not Ban.objects.exists()
    unbanned = ModerationLog.objects.filter(action="unban").values_list(
        "subject__username", flat=True
    )
    assert sorted(unbanned) == ["reader", "trusted"]


def test_the_log_shows_a_dash_for_entries_about_no_response(mod_client, moderator, trusted):
    services.reader_ban(user=trusted, actor=moderator, reason="Spam.")
    response = mod_client.get("/admin/comments/moderationlog/")
    assert response.status_code == 200
    text = page_text(response)
    assert "Spam." in text and "—" in text


def test_a_ban_needs_a_reason_and_only_moderators_lift_one(moderator, trusted, reader):
    from django.core.exceptions import PermissionDenied, ValidationError

    with pytest.raises(ValidationError, match="Give a reason"):
        services.reader_ban(user=trusted, actor=moderator, reason="   ")
    assert not Ban.objects.exists()
    services.reader_ban(user=trusted, actor=moderator, reason="Spam.")
    with pytest.raises(PermissionDenied, match="Only moderators can lift bans."):
        services.reader_unban(user=trusted, actor=reader)
    assert Ban.objects.filter(user=trusted).exists()


def test_lifting_a_ban_that_is_not_there_changes_and_logs_nothing(moderator, trusted):
    assert services.reader_unban(user=trusted, actor=moderator) is False
    assert not ModerationLog.objects.filter(action="unban").exists()


def test_a_writer_cannot_edit_their_response_once_it_is_hidden(client, approved, moderator):
    services.comment_hide(comment=approved, actor=moderator, reason="Off topic.")
    client.force_login(approved.author)
    response = client.get(f"/responses/{approved.pk}/edit/")
    assert response.status_code == 403
    assert "You can edit your own responses for" in page_text(response)
