"""The responses shown under a piece, as threads, in one query."""

from django.core.exceptions import ObjectDoesNotExist
from django.db.models import Exists, OuterRef, Q

from accounts.models import initials
from blog.models import Article

from . import services
from .models import Comment, display_name

Status = Comment.Status
Actor = Comment.Actor

PLACEHOLDERS = {
    (Status.HIDDEN, Actor.PIECE_AUTHOR): "A response was hidden by the author",
    (Status.HIDDEN, Actor.MODERATOR): "A response was hidden by a moderator",
    (Status.REMOVED, Actor.MODERATOR): "A response was removed by a moderator",
    (Status.REMOVED, Actor.OWNER): "A response was deleted by its writer",
}
UNAVAILABLE = "This response is not available"


def thread_queryset(article, user=None):
    """Approved responses, placeholders for hidden ones, and the reader's own pending ones."""
    parents_of_replies = Comment.objects.filter(
        article=article, status=Status.APPROVED, parent__isnull=False
    ).values("parent_id")
    shown = (
        Q(status__in=[Status.APPROVED, Status.HIDDEN])
        | Q(status=Status.REMOVED, status_by=Actor.MODERATOR)
        | Q(pk__in=parents_of_replies)
    )
    if user is not None:
        shown |= Q(author=user, status=Status.PENDING)
    return (
        Comment.objects.filter(article=article)
        .filter(shown)
        .select_related("author__author_profile")
        # A responder's name links to their author page only where that page exists.
        .annotate(
            author_has_page=Exists(
                Article.objects.published().filter(author__user_id=OuterRef("author_id"))
            )
        )
        .defer("body")
        .order_by("created_at", "id")
    )


def _placeholder(comment, user):
    if comment.status == Status.APPROVED:
        return ""
    if comment.status == Status.PENDING and user is not None and comment.author_id == user.pk:
        return ""
    return PLACEHOLDERS.get((comment.status, comment.status_by), UNAVAILABLE)


def _profile(user):
    if user is None:
        return None
    try:
        return user.author_profile
    except ObjectDoesNotExist:
        return None


def build_threads(article, user=None):
    """Return the top-level responses, each with `.thread_replies`, ready for the template."""
    items = list(thread_queryset(article, user))
    by_id = {item.pk: item for item in items}
    piece_author = user is not None and services.is_piece_author(user, article)
    threads = []
    for item in items:
        item.thread_replies = []
        item.placeholder = _placeholder(item, user)
        item.name = display_name(item.author)
        item.profile = _profile(item.author)
        item.profile_url = (
            item.profile.get_absolute_url() if item.profile and item.author_has_page else ""
        )
        item.initials = initials(item.name)
        if user is not None:
            item.can_edit = services.can_edit(item, user)
            item.can_hide = piece_author and item.status == Status.APPROVED
            item.can_unhide = (
                piece_author
                and item.status == Status.HIDDEN
                and item.status_by == Actor.PIECE_AUTHOR
            )
            item.can_report = item.status == Status.APPROVED and item.author_id != user.pk
    for item in items:
        if item.parent_id is None:
            threads.append(item)
        elif item.parent_id in by_id:
            by_id[item.parent_id].thread_replies.append(item)
    return threads
