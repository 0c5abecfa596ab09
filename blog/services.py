"""Writing a piece: the one path every writer of pieces takes.

The admin (its form, bulk actions and history restore), both importers and `load_demo` call
these functions. Each save here:

- checks the revision: a save starting from an older revision than the stored one is refused
  with `StaleRevision` and changes nothing (compare and swap on `Article.revision`);
- bumps the revision and records a history entry with its actor (django-simple-history);
- renders the body and writes the old-slug redirect of a published piece (`Article.save`,
  which only fills derived fields);
- leaves the search vector to the after-commit refresh in blog/signals.py (one place), and the
  "went live" event to blog/live.py, both triggered by the save.

Two bulk paths exist for speed, each saying what it still guarantees: `articles_bulk_create`
(`generate_pieces`: thousands of new pieces) and `articles_rerender` (`rerender_markdown`:
derived HTML only, no new revision).
"""

from django.db import connections, transaction
from django.db.models import F
from simple_history.utils import bulk_create_with_history

from .models import Article
from .search import refresh_search_vectors

# Columns kept current by other code with queryset.update(); a save never writes them back.
NOT_EDITED = {"id", "response_count", "search_vector", "created_at"}
RENDERED_FIELDS = ("body_html", "excerpt", "word_count", "reading_time")
SAVED_FIELDS = [f.name for f in Article._meta.concrete_fields if f.name not in NOT_EDITED]


class StaleRevision(Exception):
    """Someone saved the piece after this editor opened it: refuse, overwrite nothing."""


def stale_message(article_id, base_revision):
    history = Article.history.filter(id=article_id).select_related("history_user").first()
    who = "someone else"
    when = ""
    if history is not None:
        user = history.history_user
        who = (user.get_full_name() or user.get_username()) if user else "someone else"
        when = f" at {history.history_date:%Y-%m-%d %H:%M %Z}"
    return (
        f"{who[:1].upper()}{who[1:]} changed this piece{when}, after you opened it "
        f"(you started from revision {base_revision}). Your changes were NOT saved and nothing "
        "was overwritten: copy your text somewhere safe, reload the page to see the current "
        "version, then apply your changes again."
    )


def article_save(*, article, actor=None, expected_revision=None, reason=None, tags=None):
    """Save `article` (new or changed in memory) as a new revision.

    `expected_revision` is the revision the change started from (default: the instance's);
    a stored revision other than it raises `StaleRevision`. `tags`, if given, replace the
    piece's tags in the same transaction.
    """
    if actor is not None:  # else simple-history's middleware names the request's user, if any
        article._history_user = actor
    if reason:
        article._change_reason = reason
    with transaction.atomic():
        if article.pk is None or article._state.adding:
            article.revision = 1
            article.save()
        else:
            if expected_revision is None:
                expected_revision = article.revision
            swapped = Article.objects.filter(pk=article.pk, revision=expected_revision).update(
                revision=F("revision") + 1
            )
            if not swapped:
                raise StaleRevision(stale_message(article.pk, expected_revision))
            article.revision = expected_revision + 1
            article.save(update_fields=SAVED_FIELDS)
        if tags is not None:
            article.tags.set(tags)
    return article


def article_create(*, author, actor=None, reason=None, tags=None, validate=False, **fields):
    """Create a piece by `author` with `fields`; `validate` runs the model's field checks."""
    article = Article(author=author, **fields)
    if validate:
        article.full_clean(validate_unique=False, validate_constraints=False)
    return article_save(article=article, actor=actor, reason=reason, tags=tags)


def article_update(
    *, article, expected_revision=None, actor=None, reason=None, tags=None, validate=False,
    **fields,
):  # fmt: skip
    """Change `fields` of `article` and save it as a new revision (see `article_save`)."""
    for name, value in fields.items():
        setattr(article, name, value)
    if validate:
        article.full_clean(validate_unique=False, validate_constraints=False)
    return article_save(
        article=article,
        actor=actor,
        expected_revision=expected_revision,
        reason=reason,
        tags=tags,
    )


def articles_bulk_create(*, articles, tags=None, reason="", using="default"):
    """Insert many new, already rendered pieces at once (benchmark data: `generate_pieces`).

    One INSERT per batch instead of a save per piece. Each piece is revision 1 with a history
    record, gets its tags (`tags`: one list per piece) and its search vector in this
    transaction. Sends no post_save: no "went live" event is recorded for these pieces, and
    the caller bumps the page cache if it needs to.
    """
    for article in articles:
        article.revision = 1
    with transaction.atomic(using=using):
        created = bulk_create_with_history(
            articles, Article, batch_size=500, default_change_reason=reason or None
        )
        if tags is not None:
            through = Article.tags.through
            through.objects.using(using).bulk_create(
                [
                    through(article_id=article.pk, tag_id=tag.pk)
                    for article, chosen in zip(created, tags, strict=True)
                    for tag in chosen
                ]
            )
        refresh_search_vectors(connections[using], [article.pk for article in created])
    return created


def articles_rerender(*, articles, using="default"):
    """Store the derived fields of pieces rendered again (`Article.render()`) in bulk.

    Only what the renderer derives from the text changes, so no new revision, history record
    or edit date; search vectors are refreshed here, as bulk_update sends no signals.
    """
    with transaction.atomic(using=using):
        Article.objects.using(using).bulk_update(articles, RENDERED_FIELDS, batch_size=200)
        refresh_search_vectors(connections[using], [article.pk for article in articles])
    return articles
