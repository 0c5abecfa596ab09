import pytest
from django.core.exceptions import ValidationError

from comments.models import Comment, ModerationLog, ModerationWord
from comments.services import ResponsesClosed, comment_create
from tests.utils import count

pytestmark = pytest.mark.django_db
Status = Comment.Status


@pytest.fixture(autouse=True)
def _no_flood_control(settings):
    settings.BYLINE_RESPONSES_FLOOD_SECONDS = 0


def create(article, author, body="A fair point, well made.", **kwargs):
    return comment_create(article=article, author=author, body=body, **kwargs)


def test_first_response_of_a_new_account_is_held(article, reader):
    comment = create(article, reader)
    assert comment.status == Status.PENDING
    log = ModerationLog.objects.get(comment=comment)
    assert log.actor is None and log.action == "hold" and "First response" in log.reason
    assert count(article) == 0


def test_a_reader_with_an_approved_response_is_published_at_once(article, trusted):
    comment = create(article, trusted)
    assert comment.status == Status.APPROVED
    assert count(article) == 1
    assert not ModerationLog.objects.filter(comment=comment).exists()


def test_a_reader_whose_first_response_waits_is_still_new(article, reader):
    create(article, reader)
    assert create(article, reader, body="Another one.").status == Status.PENDING


def test_two_links_hold_a_response_one_does_not(article, trusted):
    assert create(article, trusted, body="See https://a.example").status == Status.APPROVED
    held = create(article, trusted, body="See https://a.example and www.b.example")
    assert held.status == Status.PENDING
    assert "two or more links" in ModerationLog.objects.get(comment=held).reason


def test_words_on_the_hold_list_hold_the_response(article, trusted):
    ModerationWord.objects.create(word="casino", action="hold")
    assert create(article, trusted, body="Casinos are fine.").status == Status.APPROVED
    assert create(article, trusted, body="A CASINO, really.").status == Status.PENDING


def test_words_on_the_block_list_mark_spam(article, trusted):
    ModerationWord.objects.create(word="cheap pills", action="block")
    comment = create(article, trusted, body="Buy Cheap Pills today")
    assert comment.status == Status.SPAM
    assert ModerationLog.objects.get(comment=comment).action == "spam"
    assert count(article) == 0


def test_a_filled_honeypot_marks_spam(article, trusted):
    assert create(article, trusted, honeypot="http://spam.example").status == Status.SPAM


@pytest.mark.parametrize(
    "piece_mode, site_default, expected",
    [
        ("", "open", Status.APPROVED),
        ("", "premoderated", Status.PENDING),
        ("open", "premoderated", Status.APPROVED),
        ("premoderated", "open", Status.PENDING),
    ],
)
def test_modes_that_take_responses(article, trusted, settings, piece_mode, site_default, expected):
    settings.BYLINE_RESPONSES_DEFAULT_MODE = site_default
    article.responses_mode = piece_mode
    article.save()
    assert create(article, trusted).status == expected


@pytest.mark.parametrize(
    "piece_mode, site_default",
    [("locked", "open"), ("off", "open"), ("", "locked"), ("", "off")],
)
def test_locked_and_off_refuse_new_responses(article, trusted, settings, piece_mode, site_default):
    settings.BYLINE_RESPONSES_DEFAULT_MODE = site_default
    article.responses_mode = piece_mode
    article.save()
    with pytest.raises(ResponsesClosed):
        create(article, trusted)
    assert not Comment.objects.filter(article=article).exists()


@pytest.mark.parametrize("body", ["", "   \n  ", "x" * 5001])
def test_bodies_must_be_1_to_5000_characters(article, trusted, body):
    with pytest.raises(ValidationError):
        create(article, trusted, body=body)


def test_5000_characters_are_accepted(article, trusted):
    assert len(create(article, trusted, body="y" * 5000).body) == 5000
