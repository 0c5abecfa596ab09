import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from comments import services
from comments.models import Ban, Comment, CommentRevision, ModerationLog, Report
from tests.comments.factories import CommentFactory
from tests.factories import UserFactory
from tests.utils import approved_total, count, established_reader

pytestmark = pytest.mark.django_db
Status = Comment.Status

MOVES = {
    Status.APPROVED: services.comment_approve,
    Status.HIDDEN: services.comment_hide,
    Status.SPAM: services.comment_mark_spam,
    Status.REMOVED: services.comment_remove,
    Status.PENDING: services.comment_requeue,
}


@pytest.mark.parametrize("start", list(Status))
@pytest.mark.parametrize("target", list(Status))
def test_status_machine_and_the_count_stay_consistent(article, moderator, start, target):
    comment = CommentFactory(article=article, status=start)
    CommentFactory(article=article)  # another approved response, always counted
    services.refresh_response_count(article.pk)
    allowed = target in services.TRANSITIONS[start]
    if allowed:
        MOVES[target](comment=comment, actor=moderator, reason="Because.")
        comment.refresh_from_db()
        assert comment.status == target
        log = ModerationLog.objects.get(comment=comment)
        assert (log.actor, log.status_before, log.status_after, log.reason) == (
            moderator,
            start,
            target,
            "Because.",
        )
    else:
        with pytest.raises(services.InvalidTransition):
            MOVES[target](comment=comment, actor=moderator, reason="Because.")
        comment.refresh_from_db()
        assert comment.status == start
        assert not ModerationLog.objects.filter(comment=comment).exists()
    assert count(article) == approved_total(article)


@pytest.mark.parametrize("move", [services.comment_hide, services.comment_remove])
@pytest.mark.parametrize("reason", ["", "   "])
def test_hide_and_remove_require_a_reason(article, moderator, move, reason):
    comment = CommentFactory(article=article)
    with pytest.raises(ValidationError):
        move(comment=comment, actor=moderator, reason=reason)
    comment.refresh_from_db()
    assert comment.status == Status.APPROVED


@pytest.mark.parametrize("who", ["reader", "piece_author", "writer"])
def test_only_moderators_can_moderate(article, who, reader, piece_author):
    actor = {"reader": reader, "piece_author": piece_author}.get(who) or UserFactory(
        groups=["Writers"]
    )
    comment = CommentFactory(article=article, status=Status.PENDING)
    for move in MOVES.values():
        with pytest.raises(PermissionDenied):
            move(comment=comment, actor=actor, reason="x")
    assert Comment.objects.get(pk=comment.pk).status == Status.PENDING


def test_counts_follow_every_change_through_a_whole_life(article, moderator, trusted):
    comment = services.comment_create(article=article, author=trusted, body="Hello.")
    assert count(article) == 1
    services.comment_hide(comment=comment, actor=moderator, reason="Rude.")
    assert count(article) == 0
    services.comment_approve(comment=comment, actor=moderator)
    assert count(article) == 1
    services.comment_mark_spam(comment=comment, actor=moderator)
    assert count(article) == 0
    services.comment_approve(comment=comment, actor=moderator)
    services.comment_remove(comment=comment, actor=moderator, reason="Illegal.")
    assert count(article) == 0
    assert list(
        ModerationLog.objects.filter(comment=comment)
        .order_by("id")
        .values_list("action", flat=True)
    ) == ["hide", "approve", "spam", "approve", "remove"]


def test_a_hard_delete_recounts(article, approved):
    assert count(article) == 1
    approved.delete()
    assert count(article) == 0


def test_replies_join_the_top_level_thread(article, trusted, approved, settings):
    settings.BYLINE_RESPONSES_FLOOD_SECONDS = 0
    reply = services.comment_create(article=article, author=trusted, body="Yes.", parent=approved)
    again = services.comment_create(article=article, author=trusted, body="And.", parent=reply)
    assert reply.parent == approved and again.parent == approved
    assert count(article) == 3


@pytest.mark.parametrize("status", [Status.PENDING, Status.HIDDEN, Status.SPAM])
def test_only_published_responses_take_replies(article, trusted, status):
    parent = CommentFactory(article=article, status=status)
    with pytest.raises(ValidationError):
        services.comment_create(article=article, author=trusted, body="Hi.", parent=parent)


def test_replies_must_be_on_the_same_piece(article, trusted):
    elsewhere = CommentFactory()
    with pytest.raises(ValidationError):
        services.comment_create(article=article, author=trusted, body="Hi.", parent=elsewhere)


# -- Editing and deleting -----------------------------------------------------------------


def test_the_writer_edits_within_15_minutes_and_the_old_text_is_kept(approved, trusted):
    services.comment_edit(comment=approved, user=trusted, body="Better words.")
    approved.refresh_from_db()
    assert approved.body == "Better words." and approved.edited_at is not None
    assert "Better words." in approved.body_html
    assert CommentRevision.objects.get(comment=approved).body.startswith("Response number")
    assert ModerationLog.objects.get(comment=approved).action == "edit"


def test_no_edit_or_delete_after_15_minutes(approved, trusted):
    approved.created_at = timezone.now() - datetime.timedelta(minutes=16)
    approved.save()
    with pytest.raises(PermissionDenied):
        services.comment_edit(comment=approved, user=trusted, body="Late.")
    with pytest.raises(PermissionDenied):
        services.comment_delete(comment=approved, user=trusted)


def test_nobody_else_edits_or_deletes(approved, reader, moderator, piece_author):
    for user in (reader, moderator, piece_author):
        with pytest.raises(PermissionDenied):
            services.comment_edit(comment=approved, user=user, body="Mine now.")
        with pytest.raises(PermissionDenied):
            services.comment_delete(comment=approved, user=user)


def test_an_edit_that_adds_links_goes_back_to_review(article, approved, trusted):
    services.comment_edit(
        comment=approved, user=trusted, body="https://a.example https://b.example"
    )
    approved.refresh_from_db()
    assert approved.status == Status.PENDING
    assert count(article) == 0


def test_deleting_keeps_the_text_for_moderators_and_is_final(article, approved, trusted, moderator):
    services.comment_delete(comment=approved, user=trusted)
    approved.refresh_from_db()
    assert (approved.status, approved.status_by) == (Status.REMOVED, "owner")
    assert approved.body.startswith("Response number")
    assert count(article) == 0
    with pytest.raises(services.InvalidTransition):
        services.comment_approve(comment=approved, actor=moderator)


# -- The piece's author -------------------------------------------------------------------


def test_the_piece_author_hides_and_shows_again(article, approved, piece_author):
    services.comment_hide_by_author(comment=approved, user=piece_author, reason="Off topic")
    approved.refresh_from_db()
    assert (approved.status, approved.status_by) == (Status.HIDDEN, "piece_author")
    assert count(article) == 0
    log = ModerationLog.objects.get(comment=approved)
    assert (log.actor, log.action, log.reason) == (piece_author, "author_hide", "Off topic")
    services.comment_unhide_by_author(comment=approved, user=piece_author)
    assert count(article) == 1


def test_other_authors_cannot_hide_and_the_author_cannot_approve(approved, reader, piece_author):
    other_writer = UserFactory()
    for user in (reader, other_writer):
        with pytest.raises(PermissionDenied):
            services.comment_hide_by_author(comment=approved, user=user)
    with pytest.raises(PermissionDenied):
        services.comment_approve(comment=approved, actor=piece_author)


def test_the_author_cannot_unhide_what_a_moderator_hid(approved, moderator, piece_author):
    services.comment_hide(comment=approved, actor=moderator, reason="Abuse.")
    with pytest.raises(services.InvalidTransition):
        services.comment_unhide_by_author(comment=approved, user=piece_author)


# -- Reports ------------------------------------------------------------------------------


def test_three_reports_return_a_response_to_pending(article, approved):
    readers = [established_reader() for _ in range(3)]
    assert services.comment_report(comment=approved, reporter=readers[0]) is False
    assert services.comment_report(comment=approved, reporter=readers[1], reason="Rude") is False
    assert count(article) == 1
    assert services.comment_report(comment=approved, reporter=readers[2]) is True
    approved.refresh_from_db()
    assert approved.status == Status.PENDING and approved.report_count == 3
    assert count(article) == 0
    assert ModerationLog.objects.filter(comment=approved, action="requeue").exists()


def test_the_threshold_is_configurable(settings, approved):
    settings.BYLINE_RESPONSES_REPORT_THRESHOLD = 1
    assert services.comment_report(comment=approved, reporter=established_reader()) is True


def test_a_reader_reports_once(approved, reader):
    services.comment_report(comment=approved, reporter=reader)
    with pytest.raises(services.InvalidTransition):
        services.comment_report(comment=approved, reporter=reader)
    assert Report.objects.filter(comment=approved).count() == 1


def test_nobody_reports_their_own_response(approved, trusted):
    with pytest.raises(PermissionDenied):
        services.comment_report(comment=approved, reporter=trusted)


def test_a_moderators_decision_resolves_the_reports(settings, approved, moderator):
    settings.BYLINE_RESPONSES_REPORT_THRESHOLD = 2
    first, second, third = (established_reader() for _ in range(3))
    services.comment_report(comment=approved, reporter=first)
    services.comment_report(comment=approved, reporter=second)
    services.comment_approve(comment=approved, actor=moderator, reason="It is fine.")
    approved.refresh_from_db()
    assert approved.report_count == 0
    assert services.comment_report(comment=approved, reporter=third) is False


# -- Bans and flood control ---------------------------------------------------------------


def test_a_banned_reader_is_refused(article, trusted, moderator):
    services.reader_ban(user=trusted, actor=moderator, reason="Harassment.")
    with pytest.raises(services.ReaderBanned):
        services.comment_create(article=article, author=trusted, body="Hi.")
    assert ModerationLog.objects.get(action="ban").subject == trusted


def test_a_ban_can_hide_past_responses(article, trusted, moderator):
    past = [CommentFactory(article=article, author=trusted) for _ in range(2)]
    services.refresh_response_count(article.pk)
    services.reader_ban(user=trusted, actor=moderator, reason="Spam.", hide_past=True)
    assert {c.status for c in Comment.objects.filter(pk__in=[c.pk for c in past])} == {
        Status.HIDDEN
    }
    assert count(article) == 0
    services.reader_unban(user=trusted, actor=moderator)
    assert not Ban.objects.exists()


def test_only_moderators_ban(reader, trusted):
    with pytest.raises(PermissionDenied):
        services.reader_ban(user=trusted, actor=reader, reason="No.")


def test_a_second_response_within_15_seconds_is_refused(article, trusted):
    services.comment_create(article=article, author=trusted, body="One.")
    with pytest.raises(services.TooSoon) as refused:
        services.comment_create(article=article, author=trusted, body="Two.")
    assert refused.value.status == 429
    assert Comment.objects.filter(author=trusted, article=article).count() == 1


def test_the_flood_check_uses_the_database_too(article, trusted):
    CommentFactory(article=article, author=trusted)  # just written, e.g. by another process
    with pytest.raises(services.TooSoon):
        services.comment_create(article=article, author=trusted, body="Two.")


def test_the_per_ip_limit(settings, article):
    settings.BYLINE_RESPONSES_FLOOD_SECONDS = 0
    settings.BYLINE_RESPONSES_IP_RATE = (2, 600)
    users = [UserFactory() for _ in range(3)]
    for user in users[:2]:
        services.comment_create(article=article, author=user, body="Hi.", ip_address="10.0.0.1")
    with pytest.raises(services.RateLimited) as refused:
        services.comment_create(article=article, author=users[2], body="Hi.", ip_address="10.0.0.1")
    assert refused.value.status == 429
    services.comment_create(article=article, author=users[2], body="Hi.", ip_address="10.0.0.2")
