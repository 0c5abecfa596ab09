from pathlib import Path

import yaml
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction

from accounts.models import AuthorProfile
from blog.models import Article, Tag

DEMO_DIR = Path(__file__).resolve().parents[2] / "demo"


def read_front_matter(path):
    """Split a Markdown file into its YAML front matter and body."""
    text = path.read_text(encoding="utf-8")
    _, head, body = text.split("---", 2)
    return yaml.safe_load(head), body.strip() + "\n"


class Command(BaseCommand):
    help = "Create the demo writer and publish the demo piece. Safe to run again: changes nothing."

    @transaction.atomic
    def handle(self, *args, **options):
        meta, body = read_front_matter(DEMO_DIR / "article.md")
        user, _ = get_user_model().objects.get_or_create(
            username=meta["author_username"],
            defaults={"first_name": "Christian", "last_name": "Baghai"},
        )
        profile, _ = AuthorProfile.objects.get_or_create(
            user=user, defaults={"display_name": meta["author"], "slug": meta["author_username"]}
        )
        article = Article.objects.filter(author=profile, title=meta["title"]).first()
        created = article is None
        if created:
            article = Article(
                author=profile,
                title=meta["title"],
                body=body,
                status=Article.Status.PUBLISHED,
                published_at=meta["published"],
            )
            article.save()
            tags = [Tag.objects.get_or_create(name=name)[0] for name in meta.get("tags", [])]
            article.tags.set(tags)
        verb = "Published" if created else "Already there:"
        self.stdout.write(
            self.style.SUCCESS(f"{verb} “{article.title}” at {article.get_absolute_url()}")
        )
