from django.urls import path

from . import feeds, search, views

app_name = "blog"

urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
    path("feed/atom/", feeds.LatestAtomFeed(), name="feed_atom"),
    path("feed/rss/", feeds.LatestRssFeed(), name="feed_rss"),
    path("archive/", views.archive_index, name="archive"),
    path("search/", search.search_view, name="search"),
    path("archive/<int:year>/<int:month>/", views.ArchiveMonthView.as_view(), name="archive_month"),
    path("tag/<slug:tag>/", views.tag_detail, name="tag"),
    path("tag/<slug:tag>/feed/atom/", feeds.TagAtomFeed(), name="tag_feed_atom"),
    path("tag/<slug:tag>/feed/rss/", feeds.TagRssFeed(), name="tag_feed_rss"),
    path("@<slug:author>/", views.author_detail, name="author"),
    path("@<slug:author>/feed/atom/", feeds.AuthorAtomFeed(), name="author_feed_atom"),
    path("@<slug:author>/feed/rss/", feeds.AuthorRssFeed(), name="author_feed_rss"),
    path("@<slug:author>/<slug:slug>/", views.article_detail, name="article"),
]
