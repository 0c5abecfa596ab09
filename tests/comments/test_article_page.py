"""What readers see under a piece."""

from urllib.parse import quote

import pytest

from comments import services
from comments.models import Comment
from tests.comments.factories import CommentFactory
from tests.factories import AuthorProfileFactory, UserFactory
from tests.utils import page_text

pytestmark = pytest.mark.django_db
Status = Comment.Status


def test_anonymous_page_is_cacheable_and_invites_to_sign_in(client, article, approved):
    response = client.get(article.get_absolute_url())
    html = response.content.decode()
    assert response.status_code == 200
    assert "csrfmiddlewaretoken" not in html
    assert "csrftoken" not in response.cookies
    assert "Sign in to respond" in html
    assert f"/accounts/login/?next={quote(article.get_absolute_url())}%23responses" in html
    assert "<textarea" not in html and "Report" not in html
    assert "1 response" in page_text(response)


def test_signed_in_reader_gets_the_form_with_csrf(client, article, approved, reader):
    client.force_login(reader)
    html = client.get(article.get_absolute_url()).content.decode()
    assert "csrfmiddlewaretoken" in html
    assert f'action="/responses/piece/{article.pk}/"' in html
    assert "Sign in to respond" not in html
    assert f'href="/responses/{approved.pk}/report/"' in html


def test_responses_are_listed_oldest_first_with_replies_under_their_parent(
    client, article, approved
):
    later = CommentFactory(article=article, body="Second top-level.")
    reply = CommentFactory(article=article, parent=approved, body="A reply to the first.")
    services.refresh_response_count(article.pk)
    html = client.get(article.get_absolute_url()).content.decode()
    first = html.index(f'id="response-{approved.pk}"')
    assert first < html.index(f'id="response-{reply.pk}"') < html.index(f'id="response-{later.pk}"')
    assert f'class="response response--reply" id="response-{reply.pk}"' in html
    assert "3 responses" in html


def test_each_response_shows_name_avatar_and_date(client, article):
    writer = AuthorProfileFactory(display_name="Ada Lovelace")
    CommentFactory(article=article, author=writer.user)
    plain = UserFactory(username="bob", first_name="Bob", last_name="Reader")
    comment = CommentFactory(article=article, author=plain)
    response = client.get(article.get_absolute_url())
    text = page_text(response)
    assert "Ada Lovelace" in text and "Bob Reader" in text
    html = response.content.decode()
    assert 'avatar--initials" aria-hidden="true">AL<' in html
    assert 'avatar--initials" aria-hidden="true">BR<' in html
    assert f'datetime="{comment.created_at.isoformat()[:19]}' in html


@pytest.mark.parametrize(
    "status, status_by, placeholder",
    [
        (Status.HIDDEN, "piece_author", "A response was hidden by the author"),
        (Status.HIDDEN, "moderator", "A response was hidden by a moderator"),
        (Status.REMOVED, "moderator", "A response was removed by a moderator"),
    ],
)
def test_hidden_responses_leave_a_placeholder_never_a_gap(
    client, article, status, status_by, placeholder
):
    comment = CommentFactory(
        article=article, status=status, status_by=status_by, body="Secret words."
    )
    html = client.get(article.get_absolute_url()).content.decode()
    assert placeholder in html
    assert f'id="response-{comment.pk}"' in html
    assert "Secret words." not in html


@pytest.mark.parametrize("status", [Status.PENDING, Status.SPAM])
def test_pending_and_spam_are_not_shown_to_readers(client, article, status):
    CommentFactory(article=article, status=status, body="Not for readers.")
    assert "Not for readers." not in client.get(article.get_absolute_url()).content.decode()


def test_a_parent_that_is_gone_keeps_its_replies_under_a_placeholder(client, article):
    parent = CommentFactory(article=article, status=Status.SPAM, body="Spam text.")
    CommentFactory(article=article, parent=parent, body="A real reply.")
    html = client.get(article.get_absolute_url()).content.decode()
    assert "This response is not available" in html and "A real reply." in html
    assert "Spam text." not in html


def test_the_writer_sees_their_own_pending_response_awaiting_moderation(client, article, reader):
    CommentFactory(article=article, author=reader, status=Status.PENDING, body="My words.")
    assert "My words." not in client.get(article.get_absolute_url()).content.decode()
    client.force_login(reader)
    html = client.get(article.get_absolute_url()).content.decode()
    assert "My words." in html and "Your response is awaiting moderation." in html


def test_the_piece_author_sees_hide_links_readers_do_not(client, article, approved, reader):
    client.force_login(reader)
    hide = f'href="/responses/{approved.pk}/hide/"'
    assert hide not in client.get(article.get_absolute_url()).content.decode()
    client.force_login(article.author.user)
    assert hide in client.get(article.get_absolute_url()).content.decode()


def test_xss_in_bodies_usernames_and_display_names_renders_inert(client, article):
    evil = UserFactory(username="evil", first_name="<script>alert(1)</script>")
    CommentFactory(article=article, author=evil, body='<img src=x onerror="alert(2)">')
    profile = AuthorProfileFactory(display_name='"><svg onload=alert(3)>')
    CommentFactory(article=article, author=profile.user, body="fine")
    html = client.get(article.get_absolute_url()).content.decode()
    assert "<script>alert(1)" not in html
    assert "<img src=x" not in html
    assert "<svg onload" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


@pytest.mark.parametrize("mode", ["locked", "off"])
def test_locked_shows_responses_off_hides_them(client, article, approved, mode):
    article.responses_mode = mode
    article.save()
    client.force_login(UserFactory())
    html = client.get(article.get_absolute_url()).content.decode()
    assert "<textarea" not in html
    if mode == "locked":
        assert "Responses are closed for this piece." in html
        assert approved.body in html
    else:
        assert "Responses are turned off for this piece." in html
        assert approved.body not in html


def test_json_ld_comment_count_matches_the_summary(client, article, approved, moderator):
    CommentFactory(article=article, status=Status.PENDING)
    services.refresh_response_count(article.pk)
    html = client.get(article.get_absolute_url()).content.decode()
    assert '"commentCount": 1' in html and "1 response" in html


def test_a_responders_name_links_to_their_author_page_only_once_it_exists(client, article):
    """A writer with no published piece has no author page: their name in a thread is plain text."""
    from tests.factories import ArticleFactory

    unpublished = AuthorProfileFactory(slug="quiet-writer", display_name="Quiet Writer")
    CommentFactory(article=article, author=unpublished.user, body="From a quiet writer.")
    ArticleFactory(author=unpublished, status="draft")
    html = client.get(article.get_absolute_url()).content.decode()
    assert "Quiet Writer" in html
    assert 'href="/@quiet-writer/"' not in html
    assert client.get("/@quiet-writer/").status_code == 404

    ArticleFactory(author=unpublished)  # published now
    html = client.get(article.get_absolute_url()).content.decode()
    assert 'href="/@quiet-writer/"' in html
    assert client.get("/@quiet-writer/").status_code == 200
