"""The moderation queue in the admin, for the Moderators group."""

import pytest
from django.contrib.auth.models import Group

from comments.models import Comment, ModerationLog
from tests.comments.factories import CommentFactory
from tests.factories import UserFactory
from tests.utils import count, page_text

pytestmark = pytest.mark.django_db
Status = Comment.Status
CHANGELIST = "/admin/comments/comment/"


@pytest.fixture
def mod_client(client, moderator):
    client.force_login(moderator)
    return client


def test_moderators_have_the_responses_permissions_and_not_the_pieces():
    codenames = set(
        Group.objects.get(name="Moderators").permissions.values_list("codename", flat=True)
    )
    assert {"can_moderate", "change_comment", "view_moderationlog"} <= codenames
    assert not {"change_article", "add_article", "delete_article", "publish_article"} & codenames


def test_moderators_cannot_change_pieces(mod_client, article):
    assert mod_client.get(f"/admin/blog/article/{article.pk}/change/").status_code in (403, 404)


def test_writers_cannot_reach_the_queue(client):
    writer = UserFactory(groups=["Writers"])
    writer.is_staff = True
    writer.save()
    client.force_login(writer)
    assert client.get(CHANGELIST).status_code == 403


def test_the_queue_lists_pending_and_reported_first(mod_client, article):
    old = CommentFactory(article=article, body="Plain approved.")
    reported = CommentFactory(article=article, body="Reported one.", report_count=2)
    pending = CommentFactory(article=article, status=Status.PENDING, body="Waiting one.")
    html = mod_client.get(CHANGELIST).content.decode()
    assert html.index("Waiting one.") < html.index("Reported one.") < html.index("Plain approved.")
    assert old and reported and pending


@pytest.mark.parametrize(
    "query, shown, not_shown",
    [
        ("status__exact=pending", "Waiting one.", "Plain approved."),
        ("q=Waiting", "Waiting one.", "Plain approved."),
        ("queue=todo", "Waiting one.", "Plain approved."),
    ],
)
def test_filters_and_search(mod_client, article, query, shown, not_shown):
    CommentFactory(article=article, body="Plain approved.")
    CommentFactory(article=article, status=Status.PENDING, body="Waiting one.")
    html = mod_client.get(f"{CHANGELIST}?{query}").content.decode()
    assert shown in html and not_shown not in html


def test_filter_by_piece_and_author(mod_client, article, reader):
    CommentFactory(article=article, author=reader, body="Mine here.")
    CommentFactory(body="Elsewhere.")
    html = mod_client.get(f"{CHANGELIST}?article__id__exact={article.pk}").content.decode()
    assert "Mine here." in html and "Elsewhere." not in html
    html = mod_client.get(f"{CHANGELIST}?author__id__exact={reader.pk}").content.decode()
    assert "Mine here." in html and "Elsewhere." not in html


def test_bulk_approve(mod_client, article, moderator):
    pending = [CommentFactory(article=article, status=Status.PENDING) for _ in range(2)]
    response = mod_client.post(
        CHANGELIST,
        {"action": "approve_selected", "_selected_action": [c.pk for c in pending], "index": 0},
    )
    assert response.status_code == 302
    assert count(article) == 2
    assert ModerationLog.objects.filter(action="approve", actor=moderator).count() == 2


@pytest.mark.parametrize(
    "action, status", [("hide_selected", "hidden"), ("remove_selected", "removed")]
)
def test_bulk_hide_and_remove_ask_for_a_reason(mod_client, article, action, status):
    comment = CommentFactory(article=article)
    data = {"action": action, "_selected_action": [comment.pk]}
    response = mod_client.post(CHANGELIST, {**data, "index": 0})
    assert response.status_code == 200 and "Reason" in page_text(response)
    response = mod_client.post(CHANGELIST, {**data, "apply": "1", "reason": "  "})
    assert "Give a reason" in page_text(response)
    comment.refresh_from_db()
    assert comment.status == Status.APPROVED
    mod_client.post(CHANGELIST, {**data, "apply": "1", "reason": "Insults."})
    comment.refresh_from_db()
    assert comment.status == status
    assert ModerationLog.objects.get(comment=comment).reason == "Insults."


def test_bulk_spam(mod_client, article):
    comment = CommentFactory(article=article, status=Status.PENDING)
    mod_client.post(
        CHANGELIST, {"action": "spam_selected", "_selected_action": [comment.pk], "index": 0}
    )
    comment.refresh_from_db()
    assert comment.status == Status.SPAM


def test_staff_without_can_moderate_have_no_actions(client, article):
    viewer = UserFactory()
    viewer.is_staff = True
    viewer.save()
    from django.contrib.auth.models import Permission

    viewer.user_permissions.add(
        *Permission.objects.filter(codename__in=["view_comment", "change_comment"])
    )
    comment = CommentFactory(article=article, status=Status.PENDING)
    client.force_login(viewer)
    html = client.get(CHANGELIST).content.decode()
    assert "approve_selected" not in html
    client.post(
        CHANGELIST, {"action": "approve_selected", "_selected_action": [comment.pk], "index": 0}
    )
    comment.refresh_from_db()
    assert comment.status == Status.PENDING


def inline_management(comment):
    data = {}
    for prefix, total in [
        ("log", comment.log.count()),
        ("revisions", comment.revisions.count()),
        ("reports", comment.reports.count()),
    ]:
        data |= {f"{prefix}-TOTAL_FORMS": total, f"{prefix}-INITIAL_FORMS": total}
    return data


def test_change_form_applies_a_decision_and_shows_the_log(mod_client, article, moderator):
    comment = CommentFactory(article=article, status=Status.PENDING)
    url = f"{CHANGELIST}{comment.pk}/change/"
    data = inline_management(comment)
    response = mod_client.post(url, {**data, "decision": "hide", "reason": ""})
    assert response.status_code == 200 and "Give a reason" in page_text(response)
    response = mod_client.post(url, {**data, "decision": "hide", "reason": "Personal attack."})
    assert response.status_code == 302
    comment.refresh_from_db()
    assert comment.status == Status.HIDDEN
    text = page_text(mod_client.get(url))
    assert "Personal attack." in text and "Hidden" in text


def test_the_log_per_piece(mod_client, article, moderator):
    comment = CommentFactory(article=article, status=Status.PENDING)
    other = CommentFactory(status=Status.PENDING)
    from comments.services import comment_approve

    comment_approve(comment=comment, actor=moderator, reason="Fine here.")
    comment_approve(comment=other, actor=moderator, reason="Fine there.")
    html = mod_client.get(
        f"/admin/comments/moderationlog/?article__id__exact={article.pk}"
    ).content.decode()
    assert "Fine here." in html and "Fine there." not in html


def test_ban_action_with_hide_past(mod_client, article, trusted):
    comment = CommentFactory(article=article, author=trusted)
    mod_client.post(
        CHANGELIST,
        {
            "action": "ban_authors",
            "_selected_action": [comment.pk],
            "apply": "1",
            "reason": "Harassment.",
            "hide_past": "on",
        },
    )
    comment.refresh_from_db()
    assert comment.status == Status.HIDDEN
    assert trusted.response_ban.reason == "Harassment."


def test_ban_and_unban_in_the_ban_admin(mod_client, trusted):
    response = mod_client.post(
        "/admin/comments/ban/add/", {"username": "TRUSTED", "reason": "Spam."}
    )
    assert response.status_code == 302
    ban = trusted.response_ban
    mod_client.post(f"/admin/comments/ban/{ban.pk}/delete/", {"post": "yes"})
    assert not type(ban).objects.exists()
    assert list(ModerationLog.objects.values_list("action", flat=True)) == ["unban", "ban"]
