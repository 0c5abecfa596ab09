"""Finding pieces by their words, on any database Byline runs on."""

from django.db.models import Q
from django.shortcuts import render

from .models import Article
from .views import paginate

MAX_QUERY_LENGTH = 200


def clean_query(raw):
    """Drop control characters and trim the query to a sane length."""
    text = "".join(ch if ch.isprintable() else " " for ch in (raw or ""))
    return " ".join(text.split())[:MAX_QUERY_LENGTH]


def search_articles(query):
    """Published pieces whose title, subtitle or body contain every word of the query."""
    articles = Article.objects.published().for_lists()
    for word in query.split()[:10]:
        articles = articles.filter(
            Q(title__icontains=word) | Q(subtitle__icontains=word) | Q(body__icontains=word)
        )
    return articles


def search_view(request):
    query = clean_query(request.GET.get("q"))
    context = {"query": query, "articles": [], "page_obj": None}
    if query:
        page = paginate(request, search_articles(query))
        context.update(page_obj=page, articles=page.object_list)
    return render(request, "blog/search.html", context)
