from pathlib import Path

from blog.importers import medium
from blog.importers.command import ImportCommand

DEFAULT_REDIRECT_MAP = "medium-redirects.csv"


class Command(ImportCommand):
    help = (
        "Import stories from Medium's export (the .zip, or the folder it unpacks to). "
        "Safe to run again: pieces are matched by their Medium address and updated."
    )
    path_help = "The export .zip, or the folder it unpacks to."
    author_help = "Give every story to this user (default: match or create writers by name)."
    redirect_map_default = DEFAULT_REDIRECT_MAP
    redirect_map_help = (
        "Where to write the CSV of Medium addresses → new addresses "
        f"(default: {DEFAULT_REDIRECT_MAP} in the current folder)."
    )
    progress_label = "Importing stories"

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument(
            "--download-images",
            action="store_true",
            help="Copy the images into Byline's media storage instead of linking to Medium.",
        )

    def handle(self, *args, **options):
        importer = self.importer(options)
        medium.import_export(
            Path(options["path"]), importer, download_images=options["download_images"]
        )
        importer.write_redirect_map(options["redirect_map"])
        importer.finish()
