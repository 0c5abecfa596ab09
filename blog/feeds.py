from django.conf import settings
from django.contrib.syndication.views import Feed
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.feedgenerator import Atom1Feed, Rss201rev2Feed

from pagecache import cache_public

from .models import Article, published_authors, published_tags

FEED_SIZE = 20


@method_decorator(cache_public, name="__call__")
class LatestRssFeed(Feed):
    """The newest published pieces, with their full sanitized text."""

    feed_type = Rss201rev2Feed

    @property
    def language(self):
        return settings.BYLINE_DEFAULT_LANGUAGE  # site-level: the site's language

    def title(self, obj=None):
        return settings.SITE_NAME

    def description(self, obj=None):
        return f"The newest writing on {settings.SITE_NAME}."

    def link(self, obj=None):
        return reverse("blog:home")

    def pieces(self, obj):
        return Article.objects.published().select_related("author").prefetch_related("tags")

    def items(self, obj=None):
        return self.pieces(obj)[:FEED_SIZE]

    def item_title(self, item):
        return item.title

    def item_description(self, item):
        return item.body_html

    def item_author_name(self, item):
        return item.author.display_name

    def item_pubdate(self, item):
        return item.published_at

    def item_updateddate(self, item):
        return item.modified_at

    def item_categories(self, item):
        return [tag.name for tag in item.tags.all()]


class LatestAtomFeed(LatestRssFeed):
    feed_type = Atom1Feed
    subtitle = LatestRssFeed.description


class AuthorRssFeed(LatestRssFeed):
    def get_object(self, request, author):
        return get_object_or_404(published_authors(), slug=author)

    def title(self, obj=None):
        return f"{obj.display_name} on {settings.SITE_NAME}"

    def description(self, obj=None):
        return f"Writing by {obj.display_name}."

    def link(self, obj=None):
        return obj.get_absolute_url()

    def pieces(self, obj):
        return super().pieces(obj).filter(author=obj)


class AuthorAtomFeed(AuthorRssFeed):
    feed_type = Atom1Feed
    subtitle = AuthorRssFeed.description


class TagRssFeed(LatestRssFeed):
    def get_object(self, request, tag):
        return get_object_or_404(published_tags(), slug=tag)

    def title(self, obj=None):
        return f"{obj.name} on {settings.SITE_NAME}"

    def description(self, obj=None):
        return f"Writing tagged “{obj.name}”."

    def link(self, obj=None):
        return obj.get_absolute_url()

    def pieces(self, obj):
        return super().pieces(obj).filter(tags=obj)


class TagAtomFeed(TagRssFeed):
    feed_type = Atom1Feed
    subtitle = TagRssFeed.description
