"""HTTP caching of reader pages: Cache-Control, validators, 304s, compression, and the setup."""

import gzip
import re

import pytest
from django.conf import settings as project_settings
from django.template import engines
from django.test import Client

from tests.factories import ArticleFactory, TagFactory, UserFactory

pytestmark = pytest.mark.django_db

PUBLIC = re.compile(
    r"^public, max-age=(\d+), s-maxage=(\d+), stale-while-revalidate=(\d+), stale-if-error=\d+$"
)


@pytest.fixture(autouse=True)
def _fresh_generation(fresh_page_cache_generation):
    pass


@pytest.fixture
def piece():
    return ArticleFactory(title="Keeping bees", tags=[TagFactory(name="Bees")])


def reader_urls(piece):
    tag = piece.tags.first()
    return [
        piece.get_absolute_url(),
        "/",
        piece.author.get_absolute_url(),
        tag.get_absolute_url(),
        "/archive/",
        f"/archive/{piece.published_at:%Y/%m}/",
        "/feed/atom/",
        "/feed/rss/",
        f"/@{piece.author.slug}/feed/atom/",
        f"/tag/{tag.slug}/feed/rss/",
    ]


@pytest.fixture(params=[True, False], ids=["cache-on", "cache-off"])
def cache_mode(request, settings):
    settings.PAGECACHE_ENABLED = request.param
    return request.param


def test_reader_pages_and_feeds_are_public_with_validators(client, piece, cache_mode):
    for url in reader_urls(piece):
        for _ in range(2):  # the miss, then (cache on) the hit
            response = client.get(url)
            assert response.status_code == 200, url
            match = PUBLIC.match(response["Cache-Control"])
            assert match, (url, response["Cache-Control"])
            assert match.groups()[:2] == ("60", "1")
            assert int(match.group(3)) > 0
            assert re.fullmatch(r'W/"[0-9a-f]{32}"', response["ETag"])
            assert response["Last-Modified"].endswith(" GMT")
            assert "Accept-Encoding" in response["Vary"]


def test_a_matching_etag_gets_304_without_the_body(client, piece, cache_mode):
    for url in reader_urls(piece):
        first = client.get(url)
        for _ in range(2):
            response = client.get(url, HTTP_IF_NONE_MATCH=first["ETag"])
            assert response.status_code == 304, url
            assert response.content == b""
            assert response["ETag"] == first["ETag"]
            assert PUBLIC.match(response["Cache-Control"])


def test_a_stale_etag_gets_the_page(client, piece, cache_mode):
    url = piece.get_absolute_url()
    response = client.get(url, HTTP_IF_NONE_MATCH='W/"0123456789abcdef0123456789abcdef"')
    assert response.status_code == 200 and b"Keeping bees" in response.content


def test_if_modified_since_gets_304_until_the_content_changes(client, piece, cache_mode):
    url = piece.get_absolute_url()
    first = client.get(url)
    assert client.get(url, HTTP_IF_MODIFIED_SINCE=first["Last-Modified"]).status_code == 304
    piece.title = "Keeping wasps"
    piece.save()
    changed = client.get(url, HTTP_IF_MODIFIED_SINCE="Thu, 01 Jan 2015 00:00:00 GMT")
    assert changed.status_code == 200 and b"Keeping wasps" in changed.content
    assert client.get(url, HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 200


def test_the_etag_changes_with_the_content(client, piece, cache_mode):
    url = piece.get_absolute_url()
    before = client.get(url)["ETag"]
    piece.title = "Keeping wasps"
    piece.save()
    assert client.get(url)["ETag"] != before


def test_pages_and_feeds_are_gzipped_for_clients_that_accept_it(client, piece, cache_mode):
    for url in reader_urls(piece):
        plain = client.get(url)
        for _ in range(2):
            packed = client.get(url, HTTP_ACCEPT_ENCODING="br, gzip;q=0.8, deflate")
            assert packed["Content-Encoding"] == "gzip", url
            assert gzip.decompress(packed.content) == plain.content
            assert int(packed["Content-Length"]) == len(packed.content)
            assert packed["ETag"] == plain["ETag"]
        assert "Content-Encoding" not in plain


ENCODINGS = [
    # (Accept-Encoding, what a page may come back as, what a static file with .br/.gz may)
    ("gzip;q=0", None, None),
    ("GZIP;Q=0", None, None),
    ("gzip; q=0.000, deflate", None, None),
    ("br;q=0, gzip", "gzip", "gzip"),
    ("br;q=0.5, gzip", "gzip", "gzip"),
    ("gzip;q=0.5, br", "gzip", "br"),
    ("*;q=0", None, None),
    ("*", "gzip", "br"),
    ("br;q=0, *;q=0.1", "gzip", "gzip"),
    ("identity", None, None),
    ("identity;q=0", None, None),  # nothing acceptable: the plain bytes (never a 406)
    ("identity, gzip;q=0.5", None, None),
    ("x-gzip", "gzip", "gzip"),
    ("gzip;q=nonsense", None, None),
    ("gzip;q=", None, None),
    (";;, ,;q=1,=", None, None),
    ("deflate, " * 400 + "gzip", None, None),  # read only so far: the plain bytes
    ("", None, None),
    (None, None, None),
]


@pytest.mark.parametrize("accept, page_coding, _static", ENCODINGS)
def test_pages_honour_accept_encoding_q_values(
    client, piece, cache_mode, accept, page_coding, _static
):
    extra = {} if accept is None else {"HTTP_ACCEPT_ENCODING": accept}
    for url in reader_urls(piece)[:3]:
        plain = client.get(url).content
        for attempt in ("first", "again"):  # rendered, then (cache on) a stored copy
            response = client.get(url, **extra)
            assert response.get("Content-Encoding") == page_coding, (url, accept, attempt)
            body = gzip.decompress(response.content) if page_coding else response.content
            assert body == plain


@pytest.mark.parametrize("accept, _page, static_coding", ENCODINGS)
def test_static_files_honour_accept_encoding_q_values(
    settings, tmp_path, accept, _page, static_coding
):
    css = b"body { color: #222; }" * 50
    (tmp_path / "site.css").write_bytes(css)
    (tmp_path / "site.css.gz").write_bytes(gzip.compress(css))
    (tmp_path / "site.css.br").write_bytes(b"brotli-bytes")  # smallest: preferred when allowed
    settings.STATIC_ROOT = tmp_path
    extra = {} if accept is None else {"HTTP_ACCEPT_ENCODING": accept}
    response = Client().get(f"{settings.STATIC_URL}site.css", **extra)  # the installed stack
    assert response.status_code == 200
    assert response.get("Content-Encoding") == static_coding, accept
    body = b"".join(response.streaming_content)
    expected = {None: css, "gzip": gzip.compress(css), "br": b"brotli-bytes"}[static_coding]
    assert body == expected


def test_signed_in_pages_are_private_and_never_compressed(piece, cache_mode):
    """BREACH: nothing carrying a CSRF token or personal data is compressed."""
    reader = Client()
    reader.force_login(UserFactory(username="bea"))
    for url in reader_urls(piece)[:4]:
        response = reader.get(url, HTTP_ACCEPT_ENCODING="gzip")
        assert response.status_code == 200
        assert response["Cache-Control"] == "private, no-store"
        assert "Content-Encoding" not in response
        assert "ETag" not in response
        assert b"csrfmiddlewaretoken" in response.content  # the sign-out form


def test_anonymous_pages_carry_no_csrf_token_or_cookie(client, piece):
    for url in reader_urls(piece):
        response = client.get(url)
        assert not response.cookies, url
        assert b"csrfmiddlewaretoken" not in response.content


def test_cached_answers_keep_the_security_headers(client, piece):
    url = piece.get_absolute_url()
    first = client.get(url)
    hit = client.get(url)
    assert hit["X-Page-Cache"] == "hit"
    for header in ("X-Frame-Options", "X-Content-Type-Options", "Referrer-Policy", "Vary"):
        assert hit[header] == first[header]


def test_the_front_cache_runs_first_and_is_installed():
    # Only the request log and the proxy's client address (both cheap) come before it.
    front = project_settings.MIDDLEWARE.index("pagecache.middleware.FrontCacheMiddleware")
    assert all(
        name.startswith("config.middleware.") for name in project_settings.MIDDLEWARE[:front]
    )
    assert "pagecache" in project_settings.INSTALLED_APPS


def test_database_connections_persist_with_health_checks():
    database = project_settings.DATABASES["default"]
    assert database["CONN_MAX_AGE"] >= 60
    assert database["CONN_HEALTH_CHECKS"] is True


def test_templates_are_cached_when_debug_is_off(settings):
    settings.DEBUG = False
    engine = engines["django"].engine
    loaders = [loader.__class__.__module__ for loader in engine.template_loaders]
    assert loaders == ["django.template.loaders.cached"]
