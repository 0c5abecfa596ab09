from django.core.paginator import InvalidPage, Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.views.generic import ListView, MonthArchiveView

from accounts.models import AuthorProfile

from .metadata import article_structured_data
from .models import Article, Tag
from .search import clean_query, search_articles

PAGE_SIZE = 10


def paginate(request, queryset, per_page=PAGE_SIZE):
    """Return the requested page; an unknown or out-of-range page is a 404."""
    paginator = Paginator(queryset, per_page, allow_empty_first_page=True)
    try:
        return paginator.page(request.GET.get("page") or 1)
    except InvalidPage as error:
        raise Http404("No such page.") from error


class HomeView(ListView):
    template_name = "blog/home.html"
    queryset = Article.objects.published().for_lists()
    paginate_by = PAGE_SIZE
    context_object_name = "articles"


def article_detail(request, author, slug):
    article = get_object_or_404(
        Article.objects.published().select_related("author").prefetch_related("tags"),
        author__slug=author,
        slug=slug,
    )
    more_from_author = (
        Article.objects.published()
        .for_lists()
        .filter(author=article.author)
        .exclude(pk=article.pk)[:3]
    )
    return render(
        request,
        "blog/article_detail.html",
        {
            "article": article,
            "author": article.author,
            "more_from_author": more_from_author,
            "structured_data": article_structured_data(request, article),
        },
    )


def author_detail(request, author):
    profile = get_object_or_404(AuthorProfile, slug=author)
    page = paginate(request, Article.objects.published().for_lists().filter(author=profile))
    return render(
        request,
        "blog/author_detail.html",
        {"author": profile, "page_obj": page, "articles": page.object_list},
    )


def tag_detail(request, tag):
    tag = get_object_or_404(Tag, slug=tag)
    page = paginate(request, Article.objects.published().for_lists().filter(tags=tag))
    return render(
        request, "blog/tag_detail.html", {"tag": tag, "page_obj": page, "articles": page.object_list}
    )


def archive_index(request):
    months = Article.objects.published().dates("published_at", "month", order="DESC")
    return render(request, "blog/archive_index.html", {"months": months})


class ArchiveMonthView(MonthArchiveView):
    template_name = "blog/archive_month.html"
    queryset = Article.objects.published().for_lists()
    date_field = "published_at"
    month_format = "%m"
    paginate_by = PAGE_SIZE
    context_object_name = "articles"
    allow_empty = False


def search(request):
    query = clean_query(request.GET.get("q"))
    context = {"query": query, "articles": [], "page_obj": None}
    if query:
        page = paginate(request, search_articles(query))
        context.update(page_obj=page, articles=page.object_list)
    return render(request, "blog/search.html", context)
