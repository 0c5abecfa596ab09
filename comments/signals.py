"""Keep Article.response_count exact when responses are deleted outright (admin, cascades)."""

from django.db.models.signals import post_delete
from django.dispatch import receiver

from .models import Comment


@receiver(post_delete, sender=Comment, dispatch_uid="comments_recount_on_delete")
def recount_after_delete(sender, instance, **kwargs):
    from .services import refresh_response_count

    refresh_response_count(instance.article_id)
