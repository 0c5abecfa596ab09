"""On PostgreSQL: store search vectors out of the row (TOAST) again, keeping the heap narrow.

Search now ranks a capped set of candidates (blog.search.MAX_RANKED), so it no longer reads
every match's vector; what it reads for every match is the heap row (its date and status),
and a 4 KB vector kept in the row made that row wide: two rows a page, a common word's
matches spread over most of the table. Out of the row, about twenty rows share a page.

Existing rows keep their inline vectors until rewritten: on a large table, run
`VACUUM FULL blog_article` (it locks the table) or let edits move them; see docs/search.md.
Model state is unchanged; on SQLite this does nothing.
"""

from django.db import migrations


def set_storage(storage):
    def operation(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        table = schema_editor.quote_name("blog_article")
        schema_editor.execute(f"ALTER TABLE {table} ALTER COLUMN search_vector SET STORAGE {storage}")

    return operation


class Migration(migrations.Migration):
    dependencies = [("blog", "0009_piece_verbose_name")]

    operations = [
        migrations.RunPython(set_storage("EXTENDED"), set_storage("MAIN"), elidable=False),
    ]
