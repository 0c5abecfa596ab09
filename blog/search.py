"""Finding pieces by their words, on any database Byline runs on.

On PostgreSQL: full-text search over a stored, weighted `Article.search_vector` (title A,
subtitle and tag names B, body C) with a GIN index, websearch syntax, ranking and highlighted
snippets. On SQLite: plain substring matching on title, subtitle and body.
"""

import html
import re

from django.contrib.postgres.search import SearchHeadline, SearchQuery, SearchRank
from django.core.paginator import Paginator
from django.db import connection
from django.db.models import F, Q
from django.db.models.functions import Left
from django.http import Http404
from django.shortcuts import render
from django.utils.safestring import mark_safe

from .models import Article, Tag
from .views import PAGE_SIZE, paginate

MAX_QUERY_LENGTH = 200  # the header's search box has the same maxlength
MAX_SIMPLE_TERMS = 10
MAX_PAGE = 100_000  # beyond any real result list; keeps OFFSET a sane number

# One text-search configuration everywhere: the stored vectors, the queries, the snippets.
SEARCH_CONFIG = "english"
SEARCH_INDEX_NAME = "article_search_vector_idx"

# ts_headline marks matches with these; the text is escaped, then they become <mark> tags.
_START, _STOP = "\ue000", "\ue001"
_MARKED_RE = re.compile(f"{_START}(.*?){_STOP}", re.DOTALL)
RESULT_ORDER = ("-rank", "-published_at", "-id")
SNIPPET_SOURCE_CHARS = 20_000  # of body HTML, about 2,500 words: all of most pieces
_SNIPPET_OPTIONS = {
    "start_sel": _START,
    "stop_sel": _STOP,
    "max_words": 30,
    "min_words": 15,
    "max_fragments": 2,
    "fragment_delimiter": " … ",
}


# --- The index ---------------------------------------------------------------------------


def search_vector_sql(table=None):
    """Return the SQL expression of a piece's weighted vector, for a row of `table`.

    Title weighs A, subtitle and tag names B, body C. The body is the rendered HTML: the
    text-search parser drops tags and entities, so Markdown syntax and link targets stay out.
    The one definition, used by the migration's backfill and by the signals alike.
    """
    table = table or Article._meta.db_table
    tags = Tag._meta.db_table
    links = Article.tags.through._meta.db_table
    config = f"'{SEARCH_CONFIG}'::regconfig"
    tag_names = (
        f"(SELECT string_agg(t.name, ' ') FROM {tags} t"  # noqa: S608 - no user input
        f" JOIN {links} l ON l.tag_id = t.id WHERE l.article_id = {table}.id)"
    )
    return (
        f"setweight(to_tsvector({config}, coalesce({table}.title, '')), 'A')"
        f" || setweight(to_tsvector({config}, concat_ws(' ', {table}.subtitle, {tag_names})), 'B')"
        f" || setweight(to_tsvector({config}, coalesce({table}.body_html, '')), 'C')"
    )


def refresh_search_vectors(db_connection, ids=None):
    """Recompute the stored vector of the pieces `ids` (all pieces if None); PostgreSQL only.

    Return the number of rows updated.
    """
    if db_connection.vendor != "postgresql":
        return 0
    table = Article._meta.db_table
    sql = f"UPDATE {table} SET search_vector = {search_vector_sql(table)}"  # noqa: S608
    params = []
    if ids is not None:
        ids = sorted(set(ids))
        if not ids:
            return 0
        sql += f" WHERE {table}.id = ANY(%s)"
        params.append(ids)
    with db_connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


# --- Queries -----------------------------------------------------------------------------


def clean_query(raw):
    """Drop control characters (NUL included) and trim the query to a sane length."""
    text = "".join(ch if ch.isprintable() else " " for ch in (raw or "")[: MAX_QUERY_LENGTH * 4])
    return " ".join(text.split())[:MAX_QUERY_LENGTH].strip()


def _results_base():
    return Article.objects.published().for_lists().defer("search_vector")


def search_terms(query):
    return SearchQuery(query, search_type="websearch", config=SEARCH_CONFIG)


def search_postgres(query):
    """Published pieces matching a websearch query, best first, with their `rank`."""
    terms = search_terms(query)
    return (
        _results_base()
        .filter(search_vector=terms)
        .annotate(rank=SearchRank(F("search_vector"), terms))
        .order_by(*RESULT_ORDER)
    )


def _page_number(request):
    try:
        number = int(request.GET.get("page") or 1)
    except ValueError as error:
        raise Http404("No such page.") from error
    if not 1 <= number <= MAX_PAGE:
        raise Http404("No such page.")
    return number


def postgres_page(request, query):
    """One page of ranked results and their snippets, in two queries.

    The first ranks every match and returns the page's ids with the total: the matches are
    ranked in a fenced subquery (OFFSET 0) so the window count runs over narrow rows, and
    each stored vector is read once. The second fetches the page's pieces with their
    authors and snippets: ts_headline, the costly part, runs for the shown pieces only, on at
    most SNIPPET_SOURCE_CHARS of each body. An unknown or out-of-range page is a 404.
    """
    number = _page_number(request)
    matches = search_postgres(query).order_by().values("id", "published_at", "rank")
    inner, params = matches.query.sql_with_params()
    order = ", ".join(
        f"{name.lstrip('-')} {'DESC' if name.startswith('-') else 'ASC'}" for name in RESULT_ORDER
    )
    sql = (
        f"SELECT id, count(*) OVER () FROM ({inner} OFFSET 0) AS matches"  # noqa: S608
        f" ORDER BY {order} LIMIT %s OFFSET %s"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, (*params, PAGE_SIZE, (number - 1) * PAGE_SIZE))
        ranked = cursor.fetchall()
    if not ranked and number > 1:
        raise Http404("No such page.")
    page = Paginator(range(ranked[0][1] if ranked else 0), PAGE_SIZE).page(number)
    page.object_list = []
    if ranked:
        headline = SearchHeadline(
            Left("body_html", SNIPPET_SOURCE_CHARS),
            search_terms(query),
            config=SEARCH_CONFIG,
            **_SNIPPET_OPTIONS,
        )
        ids = [pk for pk, _ in ranked]
        shown = _results_base().filter(pk__in=ids).annotate(snippet=headline).in_bulk()
        for pk in ids:
            if article := shown.get(pk):  # unless unpublished between the two queries
                article.snippet_html = highlight(article.snippet)
                page.object_list.append(article)
    return page


_TERM_RE = re.compile(r'(-?)"([^"]*)"|(\S+)')


def parse_simple_query(query):
    """Split a query into OR-groups of (required, excluded) terms, websearch style.

    `"a phrase"` is one term, `-word` excludes, `or` separates alternatives.
    """
    groups, required, excluded = [], [], []
    for sign, phrase, word in _TERM_RE.findall(query):
        if word:
            if word.lower() == "or":
                groups.append((required, excluded))
                required, excluded = [], []
                continue
            sign, phrase = ("-", word[1:]) if word.startswith("-") else ("", word)
        term = " ".join(phrase.replace('"', " ").split())
        if term:
            (excluded if sign else required).append(term)
    groups.append((required, excluded))
    return [(req, exc) for req, exc in groups if req][:MAX_SIMPLE_TERMS]


def _contains(term):
    return Q(title__icontains=term) | Q(subtitle__icontains=term) | Q(body__icontains=term)


def search_simple(query):
    """Published pieces whose title, subtitle or body contain the query's terms, newest first.

    The fallback for databases without full-text search (SQLite).
    """
    matches = Q()
    terms = 0
    for required, excluded in parse_simple_query(query):
        group = Q()
        for term in required[: MAX_SIMPLE_TERMS - terms]:
            group &= _contains(term)
        for term in excluded[: MAX_SIMPLE_TERMS - terms]:
            group &= ~_contains(term)
        terms += len(required) + len(excluded)
        if group:
            matches |= group
        if terms >= MAX_SIMPLE_TERMS:
            break
    if not matches:
        return Article.objects.none()
    return _results_base().filter(matches)


def highlight(marked):
    """Turn ts_headline output (HTML text with sentinel marks) into safe HTML with <mark>s."""
    text = re.sub(r"<[^>]*(>|$)", " ", marked or "")  # a tag cut by the length cap too
    text = html.unescape(text)
    text = re.sub(r" +([.,;:!?)])", r"\1", " ".join(text.split()))  # "<em>word</em>." -> "word."
    escaped = html.escape(text, quote=False)
    escaped = _MARKED_RE.sub(r"<mark>\1</mark>", escaped)
    return mark_safe(escaped.replace(_START, "").replace(_STOP, ""))  # noqa: S308 - escaped


# --- The page ----------------------------------------------------------------------------


def search_view(request):
    query = clean_query(request.GET.get("q"))
    context = {"query": query, "articles": [], "page_obj": None}
    if query:
        if connection.vendor == "postgresql":
            page = postgres_page(request, query)
        else:
            page = paginate(request, search_simple(query))
        context.update(page_obj=page, articles=page.object_list)
    return render(request, "blog/search.html", context)
