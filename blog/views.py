from django.core.paginator import InvalidPage, Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.decorators import method_decorator
from django.views.generic import ListView, MonthArchiveView

from pagecache import cache_public, fragments

from .models import Article, ArticleRedirect, published_authors, published_tags

PAGE_SIZE = 10


def paginate(request, queryset, per_page=PAGE_SIZE):
    """Return the requested page; an unknown or out-of-range page is a 404."""
    paginator = Paginator(queryset, per_page, allow_empty_first_page=True)
    try:
        return paginator.page(request.GET.get("page") or 1)
    except InvalidPage as error:
        raise Http404("No such page.") from error


@method_decorator(cache_public, name="dispatch")
class HomeView(ListView):
    template_name = "blog/home.html"
    paginate_by = PAGE_SIZE
    context_object_name = "articles"

    def get_queryset(self):
        # Built per request: published() compares with the current time.
        return Article.objects.published().for_lists()


def published_article(author, slug):
    """The published piece at this address, with what its page shows, or None."""
    return (
        Article.objects.published()
        .select_related("author")
        .prefetch_related("tags")
        .defer("body", "search_vector")
        .filter(author__slug=author, slug=slug)
        .first()
    )


@cache_public
def article_detail(request, author, slug):
    # Kept for the generation: any change to the piece, its author or its tags starts a new one.
    article = fragments.remember(
        f"article:{author}:{slug}", lambda: published_article(author, slug)
    )
    if article is None:
        moved = ArticleRedirect.objects.filter(
            author__slug=author, old_slug=slug, article__in=Article.objects.published()
        ).select_related("article__author")
        if moved := moved.first():
            return redirect(moved.article, permanent=True)
        raise Http404("No such piece.")
    return render(
        request, "blog/article_detail.html", {"article": article, "author": article.author}
    )


@cache_public
def author_detail(request, author):
    profile = get_object_or_404(published_authors(), slug=author)
    page = paginate(request, Article.objects.published().for_lists().filter(author=profile))
    return render(
        request,
        "blog/author_detail.html",
        {"author": profile, "page_obj": page, "articles": page.object_list},
    )


@cache_public
def tag_detail(request, tag):
    tag = get_object_or_404(published_tags(), slug=tag)
    page = paginate(request, Article.objects.published().for_lists().filter(tags=tag))
    return render(
        request,
        "blog/tag_detail.html",
        {"tag": tag, "page_obj": page, "articles": page.object_list},
    )


@cache_public
def archive_index(request):
    months = Article.objects.published().dates("published_at", "month", order="DESC")
    return render(request, "blog/archive_index.html", {"months": months})


@method_decorator(cache_public, name="dispatch")
class ArchiveMonthView(MonthArchiveView):
    template_name = "blog/archive_month.html"
    date_field = "published_at"
    month_format = "%m"
    paginate_by = PAGE_SIZE
    context_object_name = "articles"
    allow_empty = False

    def get_queryset(self):
        return Article.objects.published().for_lists()
