"""Bench data on top of load_demo and generate_pieces: 50 approved responses by 20 readers.

    DJANGO_SETTINGS_MODULE=bench.settings python -m bench.prepare

Written through the comments app's services (the rules, the counts), the flood limits lifted.
Prints the URLs the bench measures, as JSON.
"""

import json
import os
import random

import django


def main():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
    django.setup()
    from django.db.models import Count
    from django.test.utils import override_settings

    from accounts.models import User
    from blog.models import Article, Tag
    from comments import services
    from comments.models import Comment

    article = Article.objects.select_related("author").get(author__slug="christianbaghai")
    rng = random.Random(1)
    with override_settings(
        BYLINE_RESPONSES_FLOOD_SECONDS=0,
        BYLINE_RESPONSES_IP_RATE=(0, 600),
        BYLINE_RESPONSES_DEFAULT_MODE="open",
    ):
        moderator, _ = User.objects.get_or_create(
            username="bench-moderator", defaults={"is_staff": True, "is_superuser": True}
        )
        Comment.objects.filter(article=article).delete()
        readers = [
            User.objects.get_or_create(
                username=f"bench-reader-{n}",
                defaults={"first_name": f"Reader {n}", "last_name": "Bench"},
            )[0]
            for n in range(20)
        ]
        top_level = []
        for n in range(50):
            reader = readers[n % 20]
            parent = rng.choice(top_level) if top_level and n % 4 == 3 else None
            body = (
                f"Response {n + 1}: a considered thought about this piece, with enough words to "
                "look like what readers really write, and a second sentence for good measure."
            )
            comment = services.comment_create(
                article=article, author=reader, body=body, parent=parent
            )
            if comment.status != Comment.Status.APPROVED:
                comment = services.comment_approve(comment=comment, actor=moderator)
            if parent is None:
                top_level.append(comment)
        services.refresh_response_count(article.pk)
    article.refresh_from_db()
    tag = Tag.objects.annotate(n=Count("articles")).order_by("-n").first()
    others = list(
        Article.objects.published().exclude(pk=article.pk).order_by("-published_at")[:100]
    )
    print(
        json.dumps(
            {
                "responses": Comment.objects.filter(
                    article=article, status=Comment.Status.APPROVED
                ).count(),
                "replies": Comment.objects.filter(article=article, parent__isnull=False).count(),
                "readers": Comment.objects.filter(article=article)
                .values("author")
                .distinct()
                .count(),
                "pieces": Article.objects.published().count(),
                "article": article.get_absolute_url(),
                "author": article.author.get_absolute_url(),
                "tag": tag.get_absolute_url(),
                "others": [piece.get_absolute_url() for piece in others],
            }
        )
    )


if __name__ == "__main__":
    main()
