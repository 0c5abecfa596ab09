"""The anonymous-page cache: what it stores, for whom, and that every change makes pages fresh."""

import datetime
import os
from unittest import mock

import pytest
from django.db import transaction
from django.http import HttpResponse
from django.test import Client
from django.urls import path
from django.utils import timezone

from blog.models import Article
from comments import services
from comments.models import Comment
from pagecache import cache_public, conf
from pagecache.generation import CacheStore, Generation, generation
from pagecache.store import Entry, LocalLRU
from tests.comments.factories import CommentFactory
from tests.factories import (
    ArticleFactory,
    AuthorProfileFactory,
    DraftFactory,
    ScheduledFactory,
    TagFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

HIT = "X-Page-Cache"


@pytest.fixture(autouse=True)
def _responses_open(settings):
    settings.BYLINE_RESPONSES_DEFAULT_MODE = "open"


@pytest.fixture(autouse=True)
def _fresh_generation(fresh_page_cache_generation):
    pass


@pytest.fixture
def piece():
    tag = TagFactory(name="Gardens")
    article = ArticleFactory(title="Growing tomatoes", tags=[tag])
    ArticleFactory(author=article.author, title="Another piece")
    return article


def urls_showing(article):
    """Every reader page that shows the piece."""
    tag = article.tags.first()
    return [
        article.get_absolute_url(),
        "/",
        article.author.get_absolute_url(),
        tag.get_absolute_url(),
        "/feed/atom/",
        f"/@{article.author.slug}/feed/atom/",
        f"/tag/{tag.slug}/feed/rss/",
        f"/archive/{article.published_at:%Y/%m}/",
    ]


def cached(client, url):
    """Fetch a page twice and prove the second answer came from the cache (when it is on)."""
    first = client.get(url)
    assert first.status_code == 200, url
    second = client.get(url)
    if conf.get("PAGECACHE_ENABLED"):
        assert second.get(HIT) == "hit", f"{url} was not cached"
    return second.content.decode()


def fresh(client, url):
    response = client.get(url)
    assert response.get(HIT) is None, f"{url} is still served from the cache"
    return response


# --- What is stored, and for whom ---------------------------------------------------------


@pytest.mark.parametrize(
    "page",
    ["article", "home", "author", "tag", "archive", "archive_month", "atom", "rss", "tag_feed"],
)
def test_a_cached_reader_page_costs_no_query(client, piece, django_assert_num_queries, page):
    tag = piece.tags.first()
    url = {
        "article": piece.get_absolute_url(),
        "home": "/",
        "author": piece.author.get_absolute_url(),
        "tag": tag.get_absolute_url(),
        "archive": "/archive/",
        "archive_month": f"/archive/{piece.published_at:%Y/%m}/",
        "atom": "/feed/atom/",
        "rss": "/feed/rss/",
        "tag_feed": f"/tag/{tag.slug}/feed/atom/",
    }[page]
    first = client.get(url)
    assert first.status_code == 200 and first.get(HIT) is None
    with django_assert_num_queries(0):
        second = client.get(url)
    assert second.get(HIT) == "hit"
    assert second.content == first.content
    assert second["Content-Type"] == first["Content-Type"]


def test_an_uncached_article_page_with_50_responses_costs_at_most_6_queries(
    client, settings, django_assert_max_num_queries
):
    settings.PAGECACHE_ENABLED = False
    tags = [TagFactory(name=f"Subject {n}") for n in range(10)]
    article = ArticleFactory(tags=tags)
    for _ in range(30):
        ArticleFactory(author=article.author, tags=tags[:3])
    readers = [UserFactory() for _ in range(20)]
    parents = [CommentFactory(article=article, author=readers[n % 20]) for n in range(35)]
    for n in range(15):
        CommentFactory(article=article, author=readers[n], parent=parents[n])
    services.refresh_response_count(article.pk)
    with django_assert_max_num_queries(6):
        response = client.get(article.get_absolute_url())
    assert response.status_code == 200
    assert response.content.decode().count('class="response') >= 50


def test_a_signed_in_reader_never_gets_cached_bytes(client, piece):
    url = piece.get_absolute_url()
    cached(client, url)
    reader = Client()
    reader.force_login(UserFactory(username="alice"))
    response = reader.get(url)
    assert response.get(HIT) is None
    assert "alice" in response.content.decode()
    assert response["Cache-Control"] == "private, no-store"


def test_a_signed_in_reader_never_fills_the_cache(client, piece):
    url = piece.get_absolute_url()
    reader = Client()
    reader.force_login(UserFactory(username="alice"))
    reader.get(url)
    reader.get(url)
    anonymous = client.get(url)
    assert anonymous.get(HIT) is None
    assert "alice" not in anonymous.content.decode()
    assert "Sign in" in anonymous.content.decode()


@pytest.mark.parametrize("cookie", ["sessionid", "csrftoken", "messages"])
def test_a_request_with_a_session_csrf_or_messages_cookie_bypasses_the_cache(client, piece, cookie):
    url = piece.get_absolute_url()
    cached(client, url)
    other = Client()
    other.cookies[cookie] = "x"
    for _ in range(2):
        response = other.get(url)
        assert response.get(HIT) is None
        assert response["Cache-Control"] == "private, no-store"


def test_drafts_404s_and_posts_are_never_stored(client, piece):
    draft = DraftFactory(author=piece.author)
    preview = f"/@{piece.author.slug}/{draft.slug}/"
    for _ in range(2):
        assert fresh(client, preview).status_code == 404
        assert fresh(client, "/no/such/page/").status_code == 404
    assert client.post(piece.get_absolute_url()).get(HIT) is None


def test_a_private_preview_is_never_stored(client):
    writer = AuthorProfileFactory().user
    writer.is_staff = True
    writer.is_superuser = True
    writer.save()
    draft = DraftFactory(author=writer.author_profile)
    client.force_login(writer)
    for _ in range(2):
        response = client.get(f"/write/preview/{draft.pk}/")
        assert response.status_code == 200
        assert response.get(HIT) is None
        assert response["Cache-Control"] == "private, no-store"


def cookie_view(request):
    response = HttpResponse("<p>Hello</p>" * 40)
    response.set_cookie("seen", "1")
    return response


urlpatterns = [path("cookie/", cache_public(cookie_view))]


@pytest.mark.urls(__name__)
def test_a_page_that_sets_a_cookie_is_never_stored(client):
    for _ in range(2):
        response = client.get("/cookie/")
        assert response.get(HIT) is None
        assert response["Cache-Control"] == "private, no-store"


def test_head_requests_are_answered_from_the_cache(client, piece):
    url = piece.get_absolute_url()
    body = cached(client, url)
    response = client.head(url)
    assert response.status_code == 200 and response.get(HIT) == "hit"
    assert int(response["Content-Length"]) == len(body.encode())


def test_pages_are_cached_per_address_and_query(client, piece):
    for n in range(12):
        ArticleFactory(author=piece.author)
    first = cached(client, "/")
    second = cached(client, "/?page=2")
    assert first != second
    other_host = client.get("/", HTTP_HOST="localhost")
    assert other_host.get(HIT) is None


def test_a_disallowed_host_is_refused_not_cached(client, piece):
    assert client.get("/", HTTP_HOST="evil.example").status_code == 400


def test_the_cache_off_serves_every_page_fresh(client, piece, settings):
    settings.PAGECACHE_ENABLED = False
    for _ in range(2):
        assert fresh(client, piece.get_absolute_url()).status_code == 200


def test_an_unreachable_shared_cache_serves_pages_uncached(client, piece, settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
            "OPTIONS": {"socket_connect_timeout": 0.2, "socket_timeout": 0.2},
        }
    }
    for _ in range(2):
        response = client.get(piece.get_absolute_url())
        assert response.status_code == 200 and response.get(HIT) is None


def test_the_local_tier_is_bounded_by_entries_and_bytes():
    def entry(size):
        return Entry({}, b"x" * size, None, 'W/"x"', "", "", 60, 1e12)

    lru = LocalLRU(max_entries=3, max_bytes=10_000)
    for n in range(5):
        lru.set(f"/{n}", entry(100))
    assert list(lru.entries) == ["/2", "/3", "/4"]
    lru.get("/2")
    lru.set("/5", entry(100))
    assert list(lru.entries) == ["/4", "/2", "/5"]
    lru.set("/big", entry(9_000))
    assert lru.bytes <= 10_000 and "/big" in lru.entries and len(lru.entries) == 1
    lru.set("/huge", entry(20_000))
    assert "/huge" not in lru.entries


# --- Every change makes every page that shows it fresh ------------------------------------


@pytest.fixture(params=["page cache", "fragments only"])
def layer(request, settings):
    """Each change test runs twice: whole pages cached, and the page cache off (fragments on)."""
    settings.PAGECACHE_ENABLED = request.param == "page cache"
    assert conf.get("PAGECACHE_FRAGMENTS_ENABLED")
    return request.param


@pytest.fixture
def committing(django_capture_on_commit_callbacks):
    """Run a change in a transaction and its after-commit callbacks, like production."""

    def run(change):
        with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
            change()

    return run


@pytest.mark.usefixtures("layer")
def test_publishing_a_piece_shows_it_everywhere(client, piece, committing):
    draft = DraftFactory(author=piece.author, title="Brand new thoughts", tags=[*piece.tags.all()])
    for url in urls_showing(piece):
        assert "Brand new thoughts" not in cached(client, url)

    def publish():
        draft.status = Article.Status.PUBLISHED
        draft.save()

    committing(publish)
    for url in urls_showing(piece):
        assert "Brand new thoughts" in fresh(client, url).content.decode(), url
    assert fresh(client, draft.get_absolute_url()).status_code == 200


@pytest.mark.usefixtures("layer")
def test_editing_a_piece_shows_the_new_text_everywhere(client, piece, committing):
    for url in urls_showing(piece):
        assert "Growing tomatoes" in cached(client, url)

    def edit():
        piece.title = "Growing peppers"
        piece.save()

    committing(edit)
    for url in urls_showing(piece):
        text = fresh(client, url).content.decode()
        assert "Growing peppers" in text and "Growing tomatoes" not in text, url


@pytest.mark.usefixtures("layer")
def test_unpublishing_a_piece_removes_it_everywhere(client, piece, committing):
    urls = urls_showing(piece)
    for url in urls:
        assert "Growing tomatoes" in cached(client, url)

    def unpublish():
        piece.status = Article.Status.DRAFT
        piece.save()

    committing(unpublish)
    assert fresh(client, urls[0]).status_code == 404
    for url in urls[1:7]:
        assert "Growing tomatoes" not in fresh(client, url).content.decode(), url


@pytest.mark.usefixtures("layer")
def test_an_author_profile_change_shows_everywhere(client, piece, committing):
    urls = urls_showing(piece)[:4]
    for url in urls:
        cached(client, url)

    def rename():
        profile = piece.author
        profile.display_name = "Ada Gardener"
        profile.save()

    committing(rename)
    for url in urls:
        assert "Ada Gardener" in fresh(client, url).content.decode(), url


@pytest.mark.usefixtures("layer")
def test_a_tag_rename_and_a_new_tag_show_everywhere(client, piece, committing):
    tag = piece.tags.first()
    urls = [piece.get_absolute_url(), tag.get_absolute_url()]
    for url in urls:
        cached(client, url)

    def rename():
        tag.name = "Allotments"
        tag.save()

    committing(rename)
    for url in urls:
        assert "Allotments" in fresh(client, url).content.decode()
    other = TagFactory(name="Soil")
    assert client.get(other.get_absolute_url()).status_code == 404  # no published piece yet
    cached(client, piece.get_absolute_url())
    committing(lambda: piece.tags.add(other))
    assert "Growing tomatoes" in fresh(client, other.get_absolute_url()).content.decode()
    assert "Soil" in fresh(client, piece.get_absolute_url()).content.decode()
    cached(client, piece.get_absolute_url())
    committing(lambda: piece.tags.remove(other))
    assert "Soil" not in fresh(client, piece.get_absolute_url()).content.decode()


@pytest.fixture
def moderator():
    user = UserFactory(username="mod", groups=["Moderators"])
    user.is_staff = True
    user.save()
    return user


@pytest.mark.usefixtures("layer")
def test_approving_hiding_and_removing_a_response_show_on_the_piece(
    client, piece, committing, moderator
):
    url = piece.get_absolute_url()
    reader = UserFactory(username="reader")
    comment = CommentFactory(
        article=piece, author=reader, status=Comment.Status.PENDING, body="Tomatoes need sun."
    )
    assert "Tomatoes need sun." not in cached(client, url)

    committing(lambda: services.comment_approve(comment=comment, actor=moderator))
    text = fresh(client, url).content.decode()
    assert "Tomatoes need sun." in text and "1 response" in text

    cached(client, url)
    committing(lambda: services.comment_hide(comment=comment, actor=moderator, reason="Off topic"))
    text = fresh(client, url).content.decode()
    assert "Tomatoes need sun." not in text and "hidden by a moderator" in text

    committing(lambda: services.comment_approve(comment=comment, actor=moderator))
    assert "Tomatoes need sun." in cached(client, url)
    committing(lambda: services.comment_remove(comment=comment, actor=moderator, reason="Spam"))
    text = fresh(client, url).content.decode()
    assert "Tomatoes need sun." not in text and "removed by a moderator" in text


@pytest.mark.usefixtures("layer")
def test_a_reader_posting_a_response_refreshes_the_piece(client, piece, committing, settings):
    settings.BYLINE_RESPONSES_FLOOD_SECONDS = 0
    url = piece.get_absolute_url()
    trusted = UserFactory(username="trusted")
    CommentFactory(author=trusted, created_at=timezone.now() - datetime.timedelta(hours=1))
    cached(client, url)
    committing(lambda: services.comment_create(article=piece, author=trusted, body="Lovely piece."))
    assert "Lovely piece." in fresh(client, url).content.decode()


def test_a_report_alone_does_not_empty_the_cache(client, piece):
    comment = CommentFactory(article=piece)
    url = piece.get_absolute_url()
    cached(client, url)
    comment.report_count = 1
    comment.save(update_fields=["report_count"])
    assert client.get(url).get(HIT) == "hit"


def test_a_new_generation_starts_after_the_commit_not_only_before(
    piece, django_capture_on_commit_callbacks
):
    """A reader may render old data between the change and the commit: the commit's bump wins."""
    before = generation.current().gen
    with django_capture_on_commit_callbacks() as callbacks, transaction.atomic():
        piece.title = "Changed"
        piece.save()
        piece.tags.clear()
        provisional = generation.current().gen
    assert provisional > before
    bumps = [func for func in callbacks if hasattr(func, "pagecache_using")]
    assert len(bumps) == 1, "one bump per transaction, whatever the number of changes"
    bumps[0]()
    assert generation.current().gen > provisional


def test_a_rolled_back_savepoint_does_not_lose_the_next_change(
    piece, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks, transaction.atomic():
        try:
            with transaction.atomic():
                piece.save()
                raise RuntimeError
        except RuntimeError:
            pass
        piece.title = "Kept"
        piece.save()
    assert len([func for func in callbacks if hasattr(func, "pagecache_using")]) == 1


class FlakyCache:
    """A shared cache that, while `down`, behaves as ResilientRedisCache does: gets find
    nothing, adds and sets keep nothing, and incr answers the delta."""

    def __init__(self):
        self.data, self.down = {}, False

    def get(self, key, default=None):
        return default if self.down else self.data.get(key, default)

    def add(self, key, value, timeout=None):
        if self.down or key in self.data:
            return False
        self.data[key] = value
        return True

    def set(self, key, value, timeout=None):
        if not self.down:
            self.data[key] = value

    def incr(self, key, delta=1):
        if self.down:
            return delta
        if key not in self.data:
            raise ValueError(key)
        self.data[key] += delta
        return self.data[key]


def test_a_change_made_while_the_shared_cache_is_away_starts_a_generation_once_it_is_back():
    cache = FlakyCache()
    processes = [Generation(), Generation()]
    for process in processes:
        process._store = CacheStore(cache)
    before = processes[0].current()
    assert processes[1].current() == before
    cache.down = True
    assert processes[0].bump() is None, "a bump the cache did not keep is not a generation"
    cache.down = False
    for process in processes:
        process._checked = 0.0  # a second later
    after = processes[0].current()
    assert after.gen > before.gen, "the lost bump is made once the cache answers"
    processes[1]._checked = 0.0
    assert processes[1].current().gen == after.gen


def test_a_change_lost_by_a_process_that_has_exited_starts_a_generation_all_the_same():
    cache = FlakyCache()
    worker, command = Generation(), Generation()  # a web worker; a management command
    for process in (worker, command):
        process._store = CacheStore(cache)
    before = worker.current()
    cache.down = True
    worker._checked = 0.0
    assert worker.current() is None  # the worker sees the store away
    assert command.bump() is None  # the command's change is lost, and the command ends
    cache.down = False
    worker._checked = 0.0
    assert worker.current().gen > before.gen
    other = Generation()  # any other process recovering starts no second generation
    other._store, other._missed, other._known_gen = CacheStore(cache), True, before.gen
    assert other.current().gen == worker.current().gen


def test_a_bump_that_succeeds_settles_an_earlier_lost_one():
    cache = FlakyCache()
    process = Generation()
    process._store = CacheStore(cache)
    process.current()
    cache.down = True
    assert process.bump() is None
    cache.down = False
    after = process.bump()  # the next change, the store back: already a new generation
    process._checked = 0.0
    assert process.current().gen == after.gen, "no second generation for nothing"


# --- Scheduled pieces appear on time, cached or not ---------------------------------------


def test_cached_pages_never_outlive_the_next_scheduled_publish_time(client, piece):
    due = timezone.now() + datetime.timedelta(seconds=30)
    scheduled = ScheduledFactory(author=piece.author, title="Coming soon", published_at=due)
    response = client.get("/")
    assert "public, max-age=1, s-maxage=1," in response["Cache-Control"]
    assert "Coming soon" not in cached(client, "/")
    later = due + datetime.timedelta(seconds=1)
    with mock.patch("django.utils.timezone.now", return_value=later):
        text = fresh(client, "/").content.decode()
        assert "Coming soon" in text
        assert fresh(client, scheduled.get_absolute_url()).status_code == 200
        assert client.get("/").get(HIT) == "hit"


def _in_a_minute(*, using):
    return timezone.now() + datetime.timedelta(seconds=60)


def test_the_next_publish_time_comes_from_the_function_the_setting_names(settings):
    from pagecache.generation import next_due

    settings.PAGECACHE_NEXT_CHANGE = f"{__name__}._in_a_minute"
    assert next_due() == pytest.approx(timezone.now().timestamp() + 60, abs=5)
    settings.PAGECACHE_NEXT_CHANGE = ""
    assert next_due() is None


def test_the_page_cache_names_no_app():
    """Its models and scheduled times come from settings (config/settings.py), not from code."""
    from pathlib import Path

    import pagecache

    for source in Path(pagecache.__file__).parent.rglob("*.py"):
        text = source.read_text()
        assert "get_model(" not in text, source
        for app in ("blog", "accounts", "comments"):
            assert f'"{app}' not in text and f"'{app}" not in text, (source, app)


def test_no_scheduled_piece_leaves_the_usual_lifetimes(client, piece):
    response = client.get("/")
    assert "public, max-age=60, s-maxage=1," in response["Cache-Control"]


@pytest.mark.parametrize("cached_first", [True, False], ids=["stored", "rendered"])
def test_headers_never_count_down_to_a_scheduled_publish_time(client, piece, cached_first):
    """A countdown in max-age would tell anyone when a scheduled piece appears."""
    start = timezone.now()
    ScheduledFactory(author=piece.author, published_at=start + datetime.timedelta(seconds=90))
    seen = set()
    for seconds in (0, 15, 40, 75, 89, 89.6):
        moment = start + datetime.timedelta(seconds=seconds)
        with mock.patch("django.utils.timezone.now", return_value=moment):
            response = client.get("/" if cached_first else f"/?at={seconds}")
            assert response.status_code == 200
            assert (response.get(HIT) == "hit") is (cached_first and seconds > 0)
            seen.add(response["Cache-Control"])
    # One fixed short lifetime from long before until the moment itself.
    assert len(seen) == 1 and "public, max-age=1, s-maxage=1," in seen.pop()


def test_the_release_follows_the_projects_templates_and_code_not_its_data(settings, tmp_path):
    from pagecache.release import source_digest

    settings.BASE_DIR = tmp_path
    settings.MEDIA_ROOT = tmp_path / "uploads"
    settings.STATIC_ROOT = tmp_path / "staticfiles"
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "base.html").write_text("<title>One</title>")
    (tmp_path / "views.py").write_text("X = 1")
    first = source_digest.__wrapped__()
    for data in ("uploads/a.html", ".venv/lib/x.py", "staticfiles/css/a.txt", "db.sqlite3"):
        (tmp_path / data).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / data).write_text("data")
    assert source_digest.__wrapped__() == first
    (tmp_path / "templates" / "base.html").write_text("<title>Two</title>")
    second = source_digest.__wrapped__()
    assert second != first
    (tmp_path / "staticfiles" / "staticfiles.json").write_text('{"paths": {}}')
    assert source_digest.__wrapped__() != second, "new static file names are a new release"


def test_the_release_digest_survives_odd_files(settings, tmp_path):
    from pagecache.release import source_digest

    settings.BASE_DIR = tmp_path
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.STATIC_ROOT = tmp_path / "staticfiles"
    (tmp_path / "views.py").write_text("X = 1")
    first = source_digest.__wrapped__()
    os.close(os.open(os.path.join(os.fsencode(tmp_path), b"notes-caf\xe9.txt"), os.O_CREAT))
    os.mkfifo(tmp_path / "pipe.json")  # reading it would block forever
    (tmp_path / "dump.json").write_bytes(b"x" * (2 * 1024 * 1024))
    (tmp_path / "venv" / "lib").mkdir(parents=True)
    (tmp_path / "venv" / "lib" / "site.py").write_text("ignored")
    assert source_digest.__wrapped__() != first  # the new files count, by name at least
