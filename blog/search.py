"""Finding pieces by their words, on any database Byline runs on.

On PostgreSQL: full-text search over a stored, weighted `Article.search_vector` (title A,
subtitle and tag names B, body C) with a GIN index, each piece stemmed in its own language
through Byline's text-search configurations (unaccent, then the language's stemmer), queries
parsed in every configuration, ranking and highlighted snippets; typo suggestions from a
vocabulary table with a trigram index. On SQLite: an FTS5 table (unicode61, diacritics
removed) ranked with bm25, with snippets, and suggestions from its fts5vocab table.
See docs/search.md.
"""

import difflib
import html
import re
import unicodedata
from urllib.parse import urlencode

from django.contrib.postgres.search import (
    SearchHeadline,
    SearchQuery,
    SearchQueryField,
    SearchRank,
)
from django.core.paginator import Paginator
from django.db import connection, transaction
from django.db.models import BooleanField, F, Q, Value
from django.db.models.expressions import RawSQL
from django.db.models.functions import Left
from django.http import Http404
from django.shortcuts import render
from django.utils.safestring import mark_safe
from django.utils.text import slugify

from accounts.models import AuthorProfile

from .languages import BYLINE_CONFIGS, TEXT_SEARCH_CONFIGS, byline_config
from .models import Article, Tag
from .views import PAGE_SIZE, paginate

MAX_QUERY_LENGTH = 200  # the header's search box has the same maxlength
MAX_SIMPLE_TERMS = 10
MAX_PAGE = 100_000  # beyond any real result list; keeps OFFSET a sane number

# Pieces in no known language (and the vocabulary) use this configuration.
SEARCH_CONFIG = byline_config("simple")
SEARCH_INDEX_NAME = "article_search_vector_idx"
VOCABULARY_TABLE = "blog_search_word"  # PostgreSQL: words for suggestions (pg_trgm)
FTS_TABLE = "blog_article_fts"  # SQLite: the FTS5 index
FTS_VOCAB_TABLE = "blog_article_fts_vocab"  # SQLite: its fts5vocab view
FTS_WEIGHTS = (10.0, 4.0, 1.0)  # bm25 weights of title, subtitle and tags, body
SUGGEST_BELOW = 3  # a query finding fewer pieces than this gets a suggestion, if any
MIN_WORD = 3  # shorter words are neither suggested nor corrected
MAX_CORRECTED_WORDS = 6  # of one query

# ts_headline marks matches with these; the text is escaped, then they become <mark> tags.
_START, _STOP = "\ue000", "\ue001"
_MARKED_RE = re.compile(f"{_START}(.*?){_STOP}", re.DOTALL)
RESULT_ORDER = ("-rank", "-published_at", "-id")
# A query matching more pieces than this ranks only the newest MAX_RANKED of them and says
# "more than MAX_RANKED pieces found": its cost stays bounded however common its words are.
MAX_RANKED = 500
RECENT = 10 * MAX_RANKED  # newest pieces where a query's candidates are looked for first
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
    config = piece_config_sql(table)
    tag_names = tag_names_sql(table)
    return (
        f"setweight(to_tsvector({config}, coalesce({table}.title, '')), 'A')"
        f" || setweight(to_tsvector({config}, concat_ws(' ', {table}.subtitle, {tag_names})), 'B')"
        f" || setweight(to_tsvector({config}, coalesce({table}.body_html, '')), 'C')"
    )


def piece_config_sql(table=None):
    """SQL for a piece's text-search configuration (a regconfig), from its language."""
    table = table or Article._meta.db_table
    whens = " ".join(
        f"WHEN '{code}' THEN '{byline_config(config)}'"
        for code, config in sorted(TEXT_SEARCH_CONFIGS.items())
    )
    return f"(CASE {table}.language {whens} ELSE '{SEARCH_CONFIG}' END)::regconfig"


def tag_names_sql(table):
    tags = Tag._meta.db_table
    links = Article.tags.through._meta.db_table
    return (
        f"(SELECT string_agg(t.name, ' ') FROM {tags} t"  # noqa: S608 - no user input
        f" JOIN {links} l ON l.tag_id = t.id WHERE l.article_id = {table}.id)"
    )


def refresh_search_vectors(db_connection, ids=None):
    """Recompute the search index of the pieces `ids` (all pieces if None).

    On PostgreSQL: their stored vectors, and their words in the vocabulary. On SQLite: their
    rows of the FTS5 table (deleted pieces lose theirs). Return the number of pieces indexed.
    """
    if db_connection.vendor == "sqlite":
        return refresh_fts(db_connection, ids)
    if db_connection.vendor != "postgresql":
        return 0
    if ids is not None:
        ids = sorted(set(ids))
        if not ids:
            return 0
    count = _refresh_postgres_vectors(db_connection, ids)
    add_to_vocabulary(db_connection, ids)
    return count


def _refresh_postgres_vectors(db_connection, ids):
    table = Article._meta.db_table
    sql = f"UPDATE {table} SET search_vector = {search_vector_sql(table)}"  # noqa: S608
    params = []
    if ids is not None:
        sql += f" WHERE {table}.id = ANY(%s)"
        params.append(ids)
    with db_connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


def add_to_vocabulary(db_connection, ids=None):
    """Add the words of pieces `ids` (all if None) to the suggestions' vocabulary (PostgreSQL).

    Words are folded by `byline_simple` (lower case, accents off), letters only, 3 to 40 long.
    Words are never removed: a stale word can only be suggested, and then finds nothing.
    """
    table = Article._meta.db_table
    text = f"concat_ws(' ', a.title, a.subtitle, {tag_names_sql('a')}, a.body_html)"
    sql = (
        f"INSERT INTO {VOCABULARY_TABLE} (word)"  # noqa: S608 - no user input
        f" SELECT DISTINCT w.lexeme FROM {table} a,"
        f" unnest(to_tsvector('{SEARCH_CONFIG}', {text})) AS w"
        f" WHERE length(w.lexeme) BETWEEN {MIN_WORD} AND 40 AND w.lexeme !~ '[^[:alpha:]]'"
    )
    params = []
    if ids is not None:
        sql += " AND a.id = ANY(%s)"
        params.append(list(ids))
    sql += " ON CONFLICT (word) DO NOTHING"
    with db_connection.cursor() as cursor:
        cursor.execute(sql, params)


# --- SQLite: FTS5 ----------------------------------------------------------------------------


_TAG_RE = re.compile(r"<[^>]*>")


def fold(text):
    """Fold case and Latin accents: "Straße" -> "strasse", "CAFÉ" -> "cafe", "ЁЖ" -> "еж".

    What both databases do to indexed words, done to a query's words in Python (for
    suggestions and FTS5 queries): PostgreSQL's unaccent strips Latin diacritics, writes ß as
    ss and ё as е; SQLite's unicode61 strips Latin diacritics only, and `fts_text` adds ß and
    ё. Other scripts keep their marks (Ukrainian ї and й are letters of their own).
    """
    folded = []
    for char in fts_text(text).casefold():
        base = unicodedata.normalize("NFKD", char)
        if len(base) > 1 and unicodedata.name(base[0], "").startswith("LATIN"):
            char = "".join(c for c in base if not unicodedata.combining(c))
        folded.append(char)
    return "".join(folded)


def fts_text(text):
    """Indexed text for FTS5: readable (it is what snippets show), with ß and ё folded.

    unicode61 folds case and Latin diacritics itself but keeps ß and ё; writing them ss and е
    here makes "strasse" find "Straße" as on PostgreSQL, where unaccent does the same.
    """
    return (text or "").translate(_FTS_FOLDS)


_FTS_FOLDS = str.maketrans({"ß": "ss", "ẞ": "SS", "ё": "е", "Ё": "Е"})


def html_text(body_html):
    """The readable text of rendered HTML."""
    return " ".join(html.unescape(_TAG_RE.sub(" ", body_html or "")).split())


def refresh_fts(db_connection, ids=None):
    """Rewrite the FTS5 rows of pieces `ids` (all if None) from their current text."""
    pieces = Article.objects.using(db_connection.alias).prefetch_related("tags")
    if ids is not None:
        ids = sorted(set(ids))
        if not ids:
            return 0
        pieces = pieces.filter(pk__in=ids)
    rows = [
        (
            article.pk,
            fts_text(article.title),
            fts_text(" ".join([article.subtitle, *(tag.name for tag in article.tags.all())])),
            fts_text(html_text(article.body_html)),
        )
        for article in pieces.only("pk", "title", "subtitle", "body_html")
    ]
    with db_connection.cursor() as cursor:
        if ids is None:
            cursor.execute(f"DELETE FROM {FTS_TABLE}")  # noqa: S608 - constant
        else:
            for start in range(0, len(ids), 500):
                chunk = ids[start : start + 500]
                marks = ", ".join("%s" for _ in chunk)
                cursor.execute(f"DELETE FROM {FTS_TABLE} WHERE rowid IN ({marks})", chunk)  # noqa: S608
        cursor.executemany(
            f"INSERT INTO {FTS_TABLE} (rowid, title, extra, body) VALUES (%s, %s, %s, %s)",  # noqa: S608
            rows,
        )
    return len(rows)


# --- Queries -----------------------------------------------------------------------------


def clean_query(raw):
    """Drop control characters (NUL included) and trim the query to a sane length."""
    text = "".join(ch if ch.isprintable() else " " for ch in (raw or "")[: MAX_QUERY_LENGTH * 4])
    return " ".join(text.split())[:MAX_QUERY_LENGTH].strip()


def _results_base():
    return Article.objects.published().for_lists().defer("search_vector")


def search_terms(query):
    """The query parsed in every configuration, OR-ed: a piece matches in its own language.

    A piece's vector was made by its language's configuration, so the words of the query as
    that language stems them find it; the parse in `simple` finds exact (folded) words.
    """
    terms = None
    for config in BYLINE_CONFIGS:
        parsed = SearchQuery(query, search_type="websearch", config=config)
        terms = parsed if terms is None else terms | parsed
    return terms


def candidate_match(query):
    """The GIN index's condition: the query's words in any language's form, each parse once.

    The query parsed in every configuration (as `search_terms`), with phrases loosened to
    "all these words" (`<->` becomes `&`: the index answers that without reading a vector)
    and the repeated parses dropped. Candidates are checked against `own_terms` afterwards.
    An empty parse (stop words only) matches nothing.
    """
    configs = ", ".join(f"'{config}'" for config in BYLINE_CONFIGS)
    sql = (
        "(SELECT string_agg(DISTINCT '(' || loose || ')', ' | ')::tsquery FROM ("  # noqa: S608
        "SELECT regexp_replace(websearch_to_tsquery(c, %s)::text, '<(-|[0-9]+)>', '&', 'g')"
        f" AS loose FROM unnest(ARRAY[{configs}]::regconfig[]) AS c) AS parses"
        " WHERE loose <> '')"
    )
    table = Article._meta.db_table
    sql = f"{table}.search_vector @@ {sql}"
    return RawSQL(sql, (query,), output_field=BooleanField())  # noqa: S611 - bound params


def own_terms(query):
    """The query parsed in each piece's own configuration: what a piece must match.

    Parsing in the piece's language keeps exclusions right (`-snake` removes a piece whose
    English vector holds `snake`, whatever other stemmers make of the word). Each branch has
    constant arguments, so PostgreSQL parses it once per query, not per row.
    """
    table = Article._meta.db_table
    whens = " ".join(
        f"WHEN '{code}' THEN websearch_to_tsquery('{byline_config(config)}', %s)"
        for code, config in sorted(TEXT_SEARCH_CONFIGS.items())
    )
    sql = f"(CASE {table}.language {whens} ELSE websearch_to_tsquery('{SEARCH_CONFIG}', %s) END)"
    params = (query,) * (len(TEXT_SEARCH_CONFIGS) + 1)
    return RawSQL(sql, params, output_field=SearchQueryField())  # noqa: S611 - bound params


def own_match(query):
    """The condition: the piece's vector matches the query parsed in its own language."""
    own = own_terms(query)
    table = Article._meta.db_table
    sql = f"{table}.search_vector @@ {own.sql}"
    return RawSQL(sql, own.params, output_field=BooleanField())  # noqa: S611 - bound params


def search_postgres(query):
    """Published pieces matching a websearch query, best first, with their `rank`.

    The query parsed in every configuration (OR-ed) uses the GIN index to find candidates;
    each candidate must then match the query parsed in its own language.
    """
    return (
        _results_base()
        .filter(search_vector=search_terms(query))
        .filter(own_match(query))
        .annotate(rank=SearchRank(F("search_vector"), own_terms(query)))
        .order_by(*RESULT_ORDER)
    )


def _page_from_ranked(number, ranked):
    """A Paginator page for `number`, from the page's (id, number ranked, more matched) rows.

    `page.capped` is true when the query matched more than the MAX_RANKED pieces ranked.
    """
    if not ranked and number > 1:
        raise Http404("No such page.")
    page = Paginator(range(ranked[0][1] if ranked else 0), PAGE_SIZE).page(number)
    page.object_list = []
    page.capped = bool(ranked and ranked[0][2])
    return page


def _page_number(request):
    try:
        number = int(request.GET.get("page") or 1)
    except ValueError as error:
        raise Http404("No such page.") from error
    if not 1 <= number <= MAX_PAGE:
        raise Http404("No such page.")
    return number


# For the rest of the transaction: find matches through the GIN index's bitmap (reading only
# the matching rows' dates), never by walking the dates index or the table checking each
# vector (the planner prices `@@` on a row as nearly free; a vector out of the row costs
# ~10 µs), and in one process (parallel workers would double a request's CPU). Planned before
# it runs, the same statement finds the date of the RECENT-th newest piece (index only).
_USE_THE_SEARCH_INDEX = (
    "SELECT ({recent}), set_config('enable_seqscan', 'off', true),"
    " set_config('enable_indexscan', 'off', true),"
    " set_config('max_parallel_workers_per_gather', '0', true)"
)


def _candidates_sql(query, since=None):
    """SQL for the ids and dates of the newest MAX_RANKED + 1 published pieces that may match."""
    candidates = Article.objects.published().filter(candidate_match(query))
    if since is not None:
        candidates = candidates.filter(published_at__gte=since)
    candidates = candidates.order_by("-published_at", "-id").values("id", "published_at")
    return candidates[: MAX_RANKED + 1].query.sql_with_params()


def postgres_page(request, query):
    """One page of ranked results and their snippets, in three queries (two in a transaction).

    The first sets the planner up (`_USE_THE_SEARCH_INDEX`) and finds the date of the
    RECENT-th newest piece. The second finds the candidates through the GIN index (the query
    parsed in every configuration): the newest MAX_RANKED + 1, looked for among the RECENT
    newest pieces first (a bitmap AND of the GIN and date indexes: a common word reads only
    its recent matches' rows), among all pieces when fewer are found there. It checks the
    newest MAX_RANKED in their own language, ranks them, and returns the page's ids with the
    number ranked and whether more matched: a word in every piece costs about what a word in
    MAX_RANKED pieces does. The third fetches the page's pieces with their authors and
    snippets: ts_headline, the costly part, runs for the shown pieces only, on at most
    SNIPPET_SOURCE_CHARS of each body. An unknown or out-of-range page is a 404.
    """
    number = _page_number(request)
    table = Article._meta.db_table
    recent = Article.objects.published().order_by("-published_at").values("published_at")
    recent_sql, recent_params = recent[RECENT - 1 : RECENT].query.sql_with_params()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(_USE_THE_SEARCH_INDEX.format(recent=recent_sql), recent_params)
        (since, *_) = cursor.fetchone()
        every_sql, every_params = _candidates_sql(query)
        if since is None:  # fewer than RECENT pieces: look among all at once
            candidates_sql, candidates_params = every_sql, every_params
        else:
            recent_sql, recent_params = _candidates_sql(query, since)
            enough = f"(SELECT count(*) FROM recent) > {MAX_RANKED}"  # noqa: S608 - a number
            candidates_sql = (
                f"WITH recent AS MATERIALIZED ({recent_sql})"  # noqa: S608 - bound params
                f" SELECT * FROM recent WHERE {enough} UNION ALL"
                f" SELECT * FROM ({every_sql}) AS every WHERE NOT {enough}"
            )
            candidates_params = (*recent_params, *every_params)
        own = own_terms(query)
        sql = (
            f"WITH candidates AS MATERIALIZED ({candidates_sql}),"  # noqa: S608 - bound params
            f" ranked AS (SELECT {table}.id, c.published_at,"
            f" ts_rank({table}.search_vector, {own.sql}) AS rank"
            " FROM (SELECT * FROM candidates ORDER BY published_at DESC, id DESC LIMIT %s) c"
            f" JOIN {table} ON {table}.id = c.id WHERE {table}.search_vector @@ {own.sql})"
            " SELECT id, (SELECT count(*) FROM ranked), (SELECT count(*) FROM candidates) > %s"
            " FROM ranked ORDER BY rank DESC, published_at DESC, id DESC LIMIT %s OFFSET %s"
        )
        params = (
            *candidates_params,
            *own.params,
            MAX_RANKED,
            *own.params,
            MAX_RANKED,
            PAGE_SIZE,
            (number - 1) * PAGE_SIZE,
        )
        cursor.execute(sql, params)
        ranked = cursor.fetchall()
    page = _page_from_ranked(number, ranked)
    if ranked:
        headline = SearchHeadline(
            Left("body_html", SNIPPET_SOURCE_CHARS),
            own_terms(query),
            config=RawSQL(piece_config_sql(), ()),  # noqa: S611 - no user input
            **_SNIPPET_OPTIONS,
        )
        ids = [pk for pk, *_ in ranked]
        shown = _results_base().filter(pk__in=ids).annotate(snippet=headline).in_bulk()
        for pk in ids:
            if article := shown.get(pk):  # unless unpublished between the two queries
                article.snippet_html = highlight(article.snippet)
                page.object_list.append(article)
    return page


# --- SQLite: FTS5 queries -------------------------------------------------------------------

_WORD_RE = re.compile(r"\w+")


def fts_match(query):
    """Translate a websearch-style query into an FTS5 MATCH expression, or "" if it has no word.

    Every word is folded and quoted, so nothing a reader types is FTS5 syntax: phrases stay
    phrases, `-word` becomes NOT, `or` separates alternatives.
    """

    def quoted(term):
        words = _WORD_RE.findall(fold(term))
        return '"' + " ".join(words) + '"' if words else ""

    groups, terms = [], 0
    for required, excluded in parse_simple_query(query):
        wanted = [q for q in map(quoted, required[: MAX_SIMPLE_TERMS - terms]) if q]
        unwanted = [q for q in map(quoted, excluded[: MAX_SIMPLE_TERMS - terms]) if q]
        terms += len(required) + len(excluded)
        if wanted:
            group = " AND ".join(wanted)
            groups.append(f"({group})" + "".join(f" NOT {q}" for q in unwanted))
        if terms >= MAX_SIMPLE_TERMS:
            break
    return " OR ".join(f"({group})" for group in groups)


def sqlite_page(request, query):
    """One page of bm25-ranked results and their snippets, in two queries (FTS5).

    Like PostgreSQL's: the newest MAX_RANKED matches are ranked, and the page says whether
    more matched.
    """
    number = _page_number(request)
    match = fts_match(query)
    if not match:
        return _page_from_ranked(number, [])
    published, published_params = Article.objects.published().values("pk").query.sql_with_params()
    weights = ", ".join(str(weight) for weight in FTS_WEIGHTS)
    table = Article._meta.db_table
    # The newest MAX_RANKED + 1 published matches; bm25() only works in a query that MATCHes,
    # so the newest MAX_RANKED are ranked in a second MATCH restricted to their rowids (`+rowid`:
    # a filter on one pass over the matches, not one FTS5 lookup per rowid).
    sql = (
        "WITH candidates AS MATERIALIZED (SELECT a.id, a.published_at"  # noqa: S608
        f" FROM {table} a WHERE a.id IN (SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s)"
        f" AND a.id IN ({published}) ORDER BY a.published_at DESC, a.id DESC LIMIT %s),"
        f" scored AS MATERIALIZED (SELECT rowid AS id, bm25({FTS_TABLE}, {weights}) AS rank"
        f" FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s"
        " AND +rowid IN (SELECT id FROM candidates ORDER BY published_at DESC, id DESC LIMIT %s)),"
        " ranked AS (SELECT m.id, c.published_at, m.rank FROM scored m"
        " JOIN candidates c ON c.id = m.id)"
        " SELECT id, (SELECT count(*) FROM ranked), (SELECT count(*) FROM candidates) > %s"
        " FROM ranked ORDER BY rank, published_at DESC, id DESC LIMIT %s OFFSET %s"
    )
    params = (
        match,
        *published_params,
        MAX_RANKED + 1,
        match,
        MAX_RANKED,
        MAX_RANKED,
        PAGE_SIZE,
        (number - 1) * PAGE_SIZE,
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        ranked = cursor.fetchall()
    page = _page_from_ranked(number, ranked)
    if ranked:
        snippet = RawSQL(  # noqa: S611 - bound params
            f"SELECT snippet({FTS_TABLE}, 2, %s, %s, ' … ', 30) FROM {FTS_TABLE}"  # noqa: S608
            f" WHERE {FTS_TABLE} MATCH %s AND rowid = {table}.id",
            (_START, _STOP, match),
        )
        ids = [pk for pk, *_ in ranked]
        shown = _results_base().filter(pk__in=ids).annotate(snippet=snippet).in_bulk()
        for pk in ids:
            if article := shown.get(pk):
                article.snippet_html = highlight_text(article.snippet)
                page.object_list.append(article)
    return page


def highlight_text(marked):
    """Turn plain text with sentinel marks (an FTS5 snippet) into safe HTML with <mark>s."""
    escaped = html.escape(" ".join((marked or "").split()), quote=False)
    escaped = _MARKED_RE.sub(r"<mark>\1</mark>", escaped)
    return mark_safe(escaped.replace(_START, "").replace(_STOP, ""))  # noqa: S308 - escaped


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


# --- Suggestions and shortcuts ------------------------------------------------------------


def _query_words(query):
    """The query's words, folded, in order, without operators (or, a leading minus)."""
    return [w for w in _WORD_RE.findall(fold(query)) if w != "or"]


def closest_words(words):
    """Map each word absent from the site's vocabulary to its closest word there, if any."""
    words = sorted({w for w in words if MIN_WORD <= len(w) <= 40 and not w.isdigit()})
    words = words[:MAX_CORRECTED_WORDS]
    if not words:
        return {}
    if connection.vendor == "postgresql":
        sql = (
            "SELECT q.w, (SELECT v.word FROM "  # noqa: S608 - constant
            f"{VOCABULARY_TABLE} v WHERE v.word %% q.w"
            " ORDER BY similarity(v.word, q.w) DESC, v.word LIMIT 1)"
            " FROM unnest(%s::text[]) AS q(w)"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, [words])
            found = dict(cursor.fetchall())
    elif connection.vendor == "sqlite":
        # Candidates: words starting with a word's first or second letter (a swap of the first
        # two letters stays a candidate), within two letters of its length. Each range is read
        # by fts5vocab from its index (about 3 ms); a scan of the whole vocabulary counts every
        # word's documents (150 ms and more at 10,000 pieces).
        letters = sorted({letter for word in words for letter in word[:2]})
        ranges = " UNION ALL ".join(
            f"SELECT term, doc FROM {FTS_VOCAB_TABLE} WHERE term >= %s AND term < %s"  # noqa: S608
            for _ in letters
        )
        params = [p for letter in letters for p in (letter, chr(ord(letter) + 1))]
        with connection.cursor() as cursor:
            cursor.execute(ranges, params)
            vocabulary = dict(cursor.fetchall())
        found = {}
        for word in words:
            if word in vocabulary:
                found[word] = word
                continue
            near = {
                term: count
                for term, count in vocabulary.items()
                if abs(len(term) - len(word)) <= 2 and term[0] in word[:2]
            }
            found[word] = _closest(word, near)
    else:
        return {}
    return {w: c for w, c in found.items() if c and c != w}


def _closest(word, vocabulary):
    """The closest of `vocabulary`'s words (difflib's ratio >= 0.75), the commonest of ties."""
    close = difflib.get_close_matches(word, vocabulary, n=5, cutoff=0.75)
    close.sort(key=lambda c: (-difflib.SequenceMatcher(None, word, c).ratio(), -vocabulary[c]))
    return close[0] if close else None


def suggest(query):
    """A corrected query ("Did you mean …?"), or None when no word needs a correction."""
    corrections = closest_words(_query_words(query))
    if not corrections:
        return None
    # Replace the misspelled words in place: quotes, `-` and `or` stay as the reader typed.
    return _WORD_RE.sub(lambda m: corrections.get(fold(m.group()), m.group()), query)


def shortcuts(query):
    """Tags and writers whose name is the query: links offered above the results."""
    slug = slugify(query) or None  # a query of no letters matches no slug
    tags = (
        Tag.objects.filter(Q(name__iexact=query) | Q(slug=slug))
        .order_by()
        .annotate(kind=Value("tag"))
        .values_list("kind", "name", "slug")
    )
    writers = (
        AuthorProfile.objects.filter(Q(display_name__iexact=query) | Q(slug=slug))
        .order_by()
        .annotate(kind=Value("writer"))
        .values_list("kind", "display_name", "slug")
    )
    links = []
    for kind, name, item_slug in tags.union(writers)[:6]:
        if kind == "tag":
            links.append({"kind": "Tag", "name": name, "url": Tag(slug=item_slug)})
        else:
            links.append({"kind": "Writer", "name": name, "url": AuthorProfile(slug=item_slug)})
        links[-1]["url"] = links[-1]["url"].get_absolute_url()
    return links


# --- The page ----------------------------------------------------------------------------


def search_view(request):
    query = clean_query(request.GET.get("q"))
    context = {"query": query, "articles": [], "page_obj": None, "suggestion": None}
    if query:
        if connection.vendor == "postgresql":
            page = postgres_page(request, query)
        elif connection.vendor == "sqlite":
            page = sqlite_page(request, query)
        else:
            page = paginate(request, search_simple(query))
        context.update(page_obj=page, articles=page.object_list, max_ranked=f"{MAX_RANKED:,}")
        if page.paginator.count < SUGGEST_BELOW and (suggestion := suggest(query)):
            context["suggestion"] = suggestion
            context["suggestion_url"] = "?" + urlencode({"q": suggestion})
        if page.number == 1:
            context["shortcuts"] = shortcuts(query)
    return render(request, "blog/search.html", context)
