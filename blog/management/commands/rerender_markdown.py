"""Render every piece's body and every author bio again with the current renderer.

Markdown is rendered once, at save time; after the renderer changes (an upgrade of Markdown or
nh3, a change to markup/), stored HTML keeps the old output until this runs. Only rows whose
output changed are written (blog.services.articles_rerender), without touching revisions or
edit dates; search vectors and cached pages follow.
"""

from django.core.management.base import BaseCommand
from django.db import transaction

import markup
from accounts.models import AuthorProfile
from blog.models import Article
from blog.services import RENDERED_FIELDS as DERIVED
from blog.services import articles_rerender
from pagecache.invalidation import content_changed


class Command(BaseCommand):
    help = "Render every piece and author bio again with the current Markdown renderer."

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run", action="store_true", help="Count what would change; write nothing."
        )

    def handle(self, *args, dry_run=False, **options):
        pieces, bios = [], []
        for article in Article.objects.only("body", "cover_image", *DERIVED).iterator():
            before = [getattr(article, name) for name in DERIVED]
            article.render()
            if [getattr(article, name) for name in DERIVED] != before:
                pieces.append(article)
        for profile in AuthorProfile.objects.only("bio", "bio_html").iterator():
            bio_html = markup.render_markdown(profile.bio)
            if bio_html != profile.bio_html:
                profile.bio_html = bio_html
                bios.append(profile)
        verb = "Would re-render" if dry_run else "Re-rendered"
        if not dry_run and (pieces or bios):
            with transaction.atomic():
                articles_rerender(articles=pieces)
                AuthorProfile.objects.bulk_update(bios, ["bio_html"], batch_size=200)
                content_changed()  # bulk_update sends no signals: every cached page goes
        self.stdout.write(f"{verb} {len(pieces)} pieces and {len(bios)} author bios.")
