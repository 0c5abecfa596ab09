"""Search in every language, folded, with suggestions; on each database its own way.

PostgreSQL: the unaccent and pg_trgm extensions; Byline's text-search configurations
(`byline_russian`, ... `byline_simple`: unaccent, then the language's stemmer); the
suggestions' vocabulary table with a trigram index; every piece's vector recomputed in its
language and its words added to the vocabulary.
SQLite: the FTS5 table (unicode61, diacritics removed) and its fts5vocab view, filled.
Neither changes the model state. Reversing drops what was created (the extensions stay:
other things may use them) and, on PostgreSQL, restores the English vectors.
"""

from django.db import migrations

from blog.languages import TEXT_SEARCH_CONFIGS, byline_config
from blog.search import (
    FTS_TABLE,
    FTS_VOCAB_TABLE,
    VOCABULARY_TABLE,
    refresh_search_vectors,
)


def stemmer(config):
    return "simple" if config == "simple" else f"{config}_stem"


def forward(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor == "sqlite":
        schema_editor.execute(
            f"CREATE VIRTUAL TABLE IF NOT EXISTS {FTS_TABLE} USING fts5"
            "(title, extra, body, tokenize = 'unicode61 remove_diacritics 2')"
        )
        schema_editor.execute(
            f"CREATE VIRTUAL TABLE IF NOT EXISTS {FTS_VOCAB_TABLE}"
            f" USING fts5vocab({FTS_TABLE}, row)"
        )
        refresh_search_vectors(connection)
        return
    if connection.vendor != "postgresql":
        return
    create_configurations(schema_editor)
    schema_editor.execute(f"CREATE TABLE IF NOT EXISTS {VOCABULARY_TABLE} (word text PRIMARY KEY)")
    schema_editor.execute(
        f"CREATE INDEX IF NOT EXISTS {VOCABULARY_TABLE}_trgm"
        f" ON {VOCABULARY_TABLE} USING gin (word gin_trgm_ops)"
    )
    refresh_search_vectors(connection)


def create_configurations(schema_editor):
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS unaccent")
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for config in sorted(set(TEXT_SEARCH_CONFIGS.values())):
        name = byline_config(config)
        schema_editor.execute(f"DROP TEXT SEARCH CONFIGURATION IF EXISTS {name}")
        schema_editor.execute(f"CREATE TEXT SEARCH CONFIGURATION {name} (COPY = {config})")
        schema_editor.execute(
            f"ALTER TEXT SEARCH CONFIGURATION {name}"
            f" ALTER MAPPING FOR hword, hword_part, word WITH unaccent, {stemmer(config)}"
        )


ENGLISH_VECTORS = """
UPDATE blog_article SET search_vector =
  setweight(to_tsvector('english', coalesce(blog_article.title, '')), 'A')
  || setweight(to_tsvector('english', concat_ws(' ', blog_article.subtitle,
       (SELECT string_agg(t.name, ' ') FROM blog_tag t JOIN blog_article_tags l
        ON l.tag_id = t.id WHERE l.article_id = blog_article.id))), 'B')
  || setweight(to_tsvector('english', coalesce(blog_article.body_html, '')), 'C')
"""


def backward(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor == "sqlite":
        schema_editor.execute(f"DROP TABLE IF EXISTS {FTS_VOCAB_TABLE}")
        schema_editor.execute(f"DROP TABLE IF EXISTS {FTS_TABLE}")
        return
    if connection.vendor != "postgresql":
        return
    schema_editor.execute(ENGLISH_VECTORS)
    schema_editor.execute(f"DROP TABLE IF EXISTS {VOCABULARY_TABLE}")
    for config in sorted(set(TEXT_SEARCH_CONFIGS.values())):
        schema_editor.execute(f"DROP TEXT SEARCH CONFIGURATION IF EXISTS {byline_config(config)}")


class Migration(migrations.Migration):
    dependencies = [("blog", "0006_article_language")]

    operations = [migrations.RunPython(forward, backward, elidable=False)]
