"""Keep each piece's search index current (PostgreSQL vector, SQLite FTS5 row), after the commit.

A piece's vector holds its title, subtitle, tag names and body, so it is recomputed when the
piece is saved, when its tags change (from either side of the relation), and when a tag it
carries is renamed or deleted. The UPDATE runs once per committed transaction, whatever the
number of changes in it.
"""

from django.db import connections, transaction
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_delete
from django.dispatch import receiver

from .models import Article, Tag
from .search import refresh_search_vectors

# Fields whose change alters the vector; a save limited to other fields leaves it alone.
INDEXED_FIELDS = {"title", "subtitle", "body", "body_html", "language", "search_vector"}


def indexing(using):
    return connections[using].vendor in {"postgresql", "sqlite"}


def tagged_article_ids(tag):
    return set(tag.articles.values_list("pk", flat=True))


def schedule_refresh(ids, using):
    """Recompute the vectors of pieces `ids` once the current transaction commits."""
    db_connection = connections[using]
    if not indexing(using) or not ids:
        return
    pending = db_connection.__dict__.setdefault("_byline_search_pending", set())
    pending.update(ids)

    def flush():
        # The first callback of a transaction takes every id queued in it; the rest find
        # nothing left. Ids queued in a rolled-back transaction go out with the next commit.
        todo = set(pending)
        pending.clear()
        if todo:
            refresh_search_vectors(db_connection, todo)

    transaction.on_commit(flush, using=using, robust=True)


@receiver(post_save, sender=Article, dispatch_uid="blog_search_article_saved")
def article_saved(sender, instance, created, raw, using, update_fields, **kwargs):
    if raw or (update_fields is not None and not INDEXED_FIELDS & set(update_fields)):
        return
    schedule_refresh({instance.pk}, using)


@receiver(post_delete, sender=Article, dispatch_uid="blog_search_article_deleted")
def article_deleted(sender, instance, using, **kwargs):
    schedule_refresh({instance.pk}, using)  # SQLite: drops its FTS5 row


@receiver(m2m_changed, sender=Article.tags.through, dispatch_uid="blog_search_tags_changed")
def article_tags_changed(sender, instance, action, reverse, model, pk_set, using, **kwargs):
    if action not in {"post_add", "post_remove", "pre_clear"} or not indexing(using):
        return
    if not reverse:
        schedule_refresh({instance.pk}, using)
    elif action == "pre_clear":  # tag.articles.clear(): find the pieces before the links go
        schedule_refresh(tagged_article_ids(instance), using)
    else:  # tag.articles.add(...) / .remove(...)
        schedule_refresh(set(pk_set or ()), using)


@receiver(post_save, sender=Tag, dispatch_uid="blog_search_tag_saved")
def tag_saved(sender, instance, created, raw, using, update_fields, **kwargs):
    if raw or created or not indexing(using):
        return
    if update_fields is None or "name" in update_fields:
        schedule_refresh(tagged_article_ids(instance), using)


@receiver(pre_delete, sender=Tag, dispatch_uid="blog_search_tag_deleting")
def tag_deleting(sender, instance, using, **kwargs):
    if indexing(using):
        instance._search_article_ids = tagged_article_ids(instance)


@receiver(post_delete, sender=Tag, dispatch_uid="blog_search_tag_deleted")
def tag_deleted(sender, instance, using, **kwargs):
    schedule_refresh(getattr(instance, "_search_article_ids", set()), using)


from .live import piece_went_live  # noqa: E402, F401 - the publish-time hook (blog/live.py)
