from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand

from blog.importers import medium
from blog.importers.common import Importer

DEFAULT_REDIRECT_MAP = "medium-redirects.csv"


class Command(BaseCommand):
    help = (
        "Import stories from Medium's export (the .zip, or the folder it unpacks to). "
        "Safe to run again: pieces are matched by their Medium address and updated."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", help="The export .zip, or the folder it unpacks to.")
        parser.add_argument(
            "--author",
            metavar="USERNAME",
            help="Give every story to this user (default: match or create writers by name).",
        )
        parser.add_argument(
            "--download-images",
            action="store_true",
            help="Copy the images into Byline's media storage instead of linking to Medium.",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="Show what would happen; save nothing."
        )
        parser.add_argument(
            "--redirect-map",
            metavar="PATH",
            default=DEFAULT_REDIRECT_MAP,
            help=f"Where to write the CSV of Medium addresses → new addresses "
            f"(default: {DEFAULT_REDIRECT_MAP} in the current folder).",
        )
        parser.add_argument(
            "--base-url",
            metavar="URL",
            default=getattr(settings, "SITE_URL", ""),
            help="This site's address (https://…) for full URLs in the redirect map.",
        )

    def handle(self, *args, **options):
        importer = Importer(
            stdout=self.stdout,
            stderr=self.stderr,
            style=self.style,
            author_username=options["author"],
            dry_run=options["dry_run"],
            verbosity=options["verbosity"],
            base_url=options["base_url"] or "",
            progress_label="Importing stories",
        )
        medium.import_export(
            Path(options["path"]), importer, download_images=options["download_images"]
        )
        importer.write_redirect_map(options["redirect_map"])
        importer.finish()
