import html as html_lib
import re


def page_text(response):
    """The text a reader sees in a response's HTML body, white space folded."""
    markup = response.content.decode()
    markup = re.sub(r"<(script|style)\b.*?</\1>", " ", markup, flags=re.S)
    markup = re.sub(r"<head>.*?</head>", " ", markup, flags=re.S)
    return " ".join(html_lib.unescape(re.sub(r"<[^>]+>", " ", markup)).split()).replace(" ·", " ·")


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
