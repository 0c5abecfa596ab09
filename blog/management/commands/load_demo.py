from pathlib import Path

from django.core.management.base import BaseCommand

from blog.importers import markdown_files
from blog.importers.common import CREATED, UNCHANGED, Importer

DEMO_DIR = Path(__file__).resolve().parents[2] / "demo"


class Command(BaseCommand):
    help = "Create the demo writer and publish the demo piece. Safe to run again: changes nothing."

    def handle(self, *args, **options):
        importer = Importer(stdout=self.stdout, stderr=self.stderr, style=self.style, verbosity=0)
        [outcome] = markdown_files.import_files(DEMO_DIR / "article.md", importer)
        importer.finish()  # a broken demo file stops here, with the reason
        verb = {CREATED: "Published", UNCHANGED: "Already there:"}.get(outcome.action, "Updated")
        article = outcome.article
        self.stdout.write(
            self.style.SUCCESS(f"{verb} “{article.title}” at {article.get_absolute_url()}")
        )
