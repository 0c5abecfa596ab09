import html as html_lib
import re

from django.urls import reverse
from django.utils import timezone

from comments.models import Comment


def page_text(response):
    """The text a reader sees in a response's HTML body, white space folded."""
    markup = response.content.decode()
    markup = re.sub(r"<(script|style)\b.*?</\1>", " ", markup, flags=re.S)
    markup = re.sub(r"<head>.*?</head>", " ", markup, flags=re.S)
    return " ".join(html_lib.unescape(re.sub(r"<[^>]+>", " ", markup)).split()).replace(" ·", " ·")


def run_worker():
    """One `db_worker --batch` pass in this process: every task that is due, then return.

    The worker closes "old" connections between tasks; inside a test's transaction that would
    close the test's own connection (PostgreSQL), so that step is left out here.
    """
    from unittest import mock

    from django.core.management import call_command

    with mock.patch("django_tasks_db.management.commands.db_worker.close_old_connections"):
        call_command("db_worker", batch=True, no_startup_delay=True, reload=False, verbosity=0)


def established_reader(**kwargs):
    """A confirmed reader of long standing with a published response: their report counts 1."""
    import datetime

    from django.utils import timezone

    from tests.comments.factories import CommentFactory
    from tests.factories import ArticleFactory, UserFactory

    kwargs.setdefault("date_joined", timezone.now() - datetime.timedelta(days=60))
    user = UserFactory(**kwargs)
    CommentFactory(article=ArticleFactory(), author=user)
    return user


# --- The article change form in the admin ---------------------------------------------------


def form_data(article, **changes):
    """What the change form posts for `article`, with `changes`."""
    data = {
        "base_revision": article.revision,
        "title": article.title,
        "subtitle": article.subtitle,
        "slug": article.slug,
        "author": article.author_id,
        "body": article.body,
        "tags": [tag.pk for tag in article.tags.all()],
        "cover_alt": article.cover_alt,
        "cover_caption": article.cover_caption,
        "status": article.status,
        "published_at_0": "",
        "published_at_1": "",
        "responses_mode": article.responses_mode,
        "description": article.description,
        "canonical_url": article.canonical_url,
        "_save": "Save",
    }
    if article.published_at:
        local = timezone.localtime(article.published_at)
        data["published_at_0"] = local.strftime("%Y-%m-%d")
        data["published_at_1"] = local.strftime("%H:%M:%S")
    data.update(changes)
    return data


def save(client, article, **changes):
    return client.post(
        reverse("admin:blog_article_change", args=[article.pk]), form_data(article, **changes)
    )


# --- Responses ------------------------------------------------------------------------------


def count(article):
    article.refresh_from_db(fields=["response_count"])
    return article.response_count


def approved_total(article):
    return Comment.objects.filter(article=article, status=Comment.Status.APPROVED).count()
