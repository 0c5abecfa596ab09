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
