"""On PostgreSQL: a named GIN index on Article.search_vector, and vectors for existing pieces.

The index is not declared in Article.Meta (it exists only on PostgreSQL), so this migration
leaves the model state alone and `makemigrations --check` stays clean. On SQLite it does nothing.
"""

from django.db import migrations

from blog.search import SEARCH_INDEX_NAME, refresh_search_vectors


def create_index_and_backfill(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor != "postgresql":
        return
    table = schema_editor.quote_name("blog_article")
    index = schema_editor.quote_name(SEARCH_INDEX_NAME)
    refresh_search_vectors(connection)  # before the index: one build instead of many updates
    schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {index} ON {table} USING gin (search_vector)")


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f"DROP INDEX IF EXISTS {schema_editor.quote_name(SEARCH_INDEX_NAME)}")


class Migration(migrations.Migration):
    dependencies = [("blog", "0002_roles")]

    operations = [
        migrations.RunPython(create_index_and_backfill, drop_index, elidable=False),
    ]
