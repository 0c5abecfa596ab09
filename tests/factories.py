"""Test data factories shared by every app's tests."""

import datetime

import factory
from django.utils import timezone

from accounts.models import AuthorProfile, User
from blog.models import Article, Tag


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda user: f"{user.username}@example.com")
    password = factory.PostGenerationMethodCall("set_password", "correct-horse-battery")

    @factory.post_generation
    def groups(self, create, extracted, **kwargs):
        from django.contrib.auth.models import Group

        if create and extracted:
            for name in extracted:
                self.groups.add(Group.objects.get(name=name))
        if create:
            self.save()


class AuthorProfileFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AuthorProfile

    user = factory.SubFactory(UserFactory)
    display_name = factory.Sequence(lambda n: f"Writer Number{n}")
    slug = factory.Sequence(lambda n: f"writer-{n}")
    bio = "Writes about *things*."


class TagFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Tag
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Topic {n}")


class ArticleFactory(factory.django.DjangoModelFactory):
    """A published piece (publish time in the past)."""

    class Meta:
        model = Article
        skip_postgeneration_save = True

    title = factory.Sequence(lambda n: f"Piece number {n}")
    slug = factory.Sequence(lambda n: f"piece-{n}")
    author = factory.SubFactory(AuthorProfileFactory)
    body = "A first paragraph of **text**.\n\nA second paragraph."
    status = Article.Status.PUBLISHED
    published_at = factory.LazyFunction(lambda: timezone.now() - datetime.timedelta(days=1))

    @factory.post_generation
    def tags(self, create, extracted, **kwargs):
        if create and extracted:
            self.tags.set(extracted)


class DraftFactory(ArticleFactory):
    status = Article.Status.DRAFT
    published_at = None


class ScheduledFactory(ArticleFactory):
    published_at = factory.LazyFunction(lambda: timezone.now() + datetime.timedelta(days=2))
