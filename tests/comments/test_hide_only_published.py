import pytest
from django.urls import reverse

from comments.models import Comment
from tests.comments.factories import CommentFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("status", ["pending", "spam", "removed", "hidden"])
def test_the_piece_author_cannot_open_responses_that_are_not_published(
    client, article, piece_author, status
):
    comment = CommentFactory(article=article, status=status, body="Not for the author's eyes")
    client.force_login(piece_author)
    response = client.get(reverse("comments:hide", args=[comment.pk]))
    assert response.status_code == 409
    assert b"Not for the author" not in response.content
    assert Comment.objects.get(pk=comment.pk).status == status
