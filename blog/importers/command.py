"""What the import commands share: their common options and the Importer they build."""

from django.conf import settings
from django.core.management.base import BaseCommand

from .common import Importer


class ImportCommand(BaseCommand):
    path_help = ""
    author_help = ""
    redirect_map_default = None
    redirect_map_help = ""
    progress_label = "Importing"

    def add_arguments(self, parser):
        parser.add_argument("path", help=self.path_help)
        parser.add_argument("--author", metavar="USERNAME", help=self.author_help)
        parser.add_argument(
            "--dry-run", action="store_true", help="Show what would happen; save nothing."
        )
        parser.add_argument(
            "--redirect-map",
            metavar="PATH",
            default=self.redirect_map_default,
            help=self.redirect_map_help,
        )
        parser.add_argument(
            "--base-url",
            metavar="URL",
            default=settings.BYLINE_SITE_URL,
            help="This site's address (https://…) for full URLs in the redirect map.",
        )

    def importer(self, options):
        return Importer(
            stdout=self.stdout,
            stderr=self.stderr,
            style=self.style,
            author_username=options["author"],
            dry_run=options["dry_run"],
            verbosity=options["verbosity"],
            base_url=options["base_url"] or "",
            progress_label=self.progress_label,
        )
