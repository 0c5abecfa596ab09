from django.contrib.sitemaps import Sitemap
from django.urls import reverse

from .models import Article, published_authors, published_tags


class HomeSitemap(Sitemap):
    changefreq = "daily"

    def items(self):
        return ["blog:home"]

    def location(self, item):
        return reverse(item)


class ArticleSitemap(Sitemap):
    changefreq = "weekly"

    def items(self):
        return Article.objects.published().for_lists().order_by("-published_at")

    def lastmod(self, item):
        return item.modified_at


class AuthorSitemap(Sitemap):
    changefreq = "weekly"

    def items(self):
        return published_authors()


class TagSitemap(Sitemap):
    changefreq = "weekly"

    def items(self):
        return published_tags()


SITEMAPS = {
    "home": HomeSitemap,
    "articles": ArticleSitemap,
    "authors": AuthorSitemap,
    "tags": TagSitemap,
}
