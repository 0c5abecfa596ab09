from pathlib import Path

from blog.importers import markdown_files
from blog.importers.command import ImportCommand


class Command(ImportCommand):
    help = (
        "Import Markdown files with YAML front matter (Jekyll, Hugo): one file or a folder. "
        "Safe to run again: pieces are matched by canonical_url, else by writer and slug."
    )
    path_help = "A Markdown file, or a folder searched recursively."
    author_help = "Give every piece to this user (default: the author in each file)."
    redirect_map_help = "Also write a CSV of canonical_url → new address for the imported pieces."
    progress_label = "Importing files"

    def handle(self, *args, **options):
        importer = self.importer(options)
        markdown_files.import_files(Path(options["path"]), importer)
        if options["redirect_map"]:
            importer.write_redirect_map(options["redirect_map"])
        importer.finish()
