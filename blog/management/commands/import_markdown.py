from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand

from blog.importers import markdown_files
from blog.importers.common import Importer


class Command(BaseCommand):
    help = (
        "Import Markdown files with YAML front matter (Jekyll, Hugo): one file or a folder. "
        "Safe to run again: pieces are matched by canonical_url, else by writer and slug."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", help="A Markdown file, or a folder searched recursively.")
        parser.add_argument(
            "--author",
            metavar="USERNAME",
            help="Give every piece to this user (default: the author in each file).",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="Show what would happen; save nothing."
        )
        parser.add_argument(
            "--redirect-map",
            metavar="PATH",
            help="Also write a CSV of canonical_url → new address for the imported pieces.",
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
            progress_label="Importing files",
        )
        markdown_files.import_files(Path(options["path"]), importer)
        if options["redirect_map"]:
            importer.write_redirect_map(options["redirect_map"])
        importer.finish()
