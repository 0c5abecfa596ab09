import factory
from django.utils import timezone

from comments.models import Comment
from tests.factories import ArticleFactory, UserFactory


class CommentFactory(factory.django.DjangoModelFactory):
    """A response stored directly (no rules, no log): use the services to test behaviour."""

    class Meta:
        model = Comment

    article = factory.SubFactory(ArticleFactory)
    author = factory.SubFactory(UserFactory)
    body = factory.Sequence(lambda n: f"Response number {n}, with a thought.")
    status = Comment.Status.APPROVED
    approved_at = factory.LazyAttribute(
        lambda o: timezone.now() if o.status == Comment.Status.APPROVED else None
    )
