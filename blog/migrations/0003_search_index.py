"""On PostgreSQL: a named GIN index on Article.search_vector, and vectors for existing pieces.

The index and the column's storage exist only on PostgreSQL and are not declared in
Article.Meta, so this migration leaves the model state alone and `makemigrations --check`
stays clean. On SQLite it does nothing.
"""

from django.db import migrations

from blog.search import SEARCH_INDEX_NAME


def create_index_and_backfill(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor != "postgresql":
        return
    table = schema_editor.quote_name("blog_article")
    index = schema_editor.quote_name(SEARCH_INDEX_NAME)
    # Keep vectors in the row (compressed) rather than in the TOAST table: ranking reads the
    # vector of every match, and an inline read costs about half as much.
    schema_editor.execute(f"ALTER TABLE {table} ALTER COLUMN search_vector SET STORAGE MAIN")
    # Vectors are filled by 0007_search_languages_folding_suggestions, which needs the
    # language column and the text-search configurations of later migrations.
    schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {index} ON {table} USING gin (search_vector)")


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f"DROP INDEX IF EXISTS {schema_editor.quote_name(SEARCH_INDEX_NAME)}")
    table = schema_editor.quote_name("blog_article")
    schema_editor.execute(f"ALTER TABLE {table} ALTER COLUMN search_vector SET STORAGE EXTENDED")


class Migration(migrations.Migration):
    dependencies = [("blog", "0002_roles")]

    operations = [
        migrations.RunPython(create_index_and_backfill, drop_index, elidable=False),
    ]
