import contextlib
import os
import shutil

import pytest
from django.db import connection

# Playwright's sync API runs an event loop; Django must allow ORM calls beside it.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("BYLINE_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def pytest_collection_modifyitems(items):
    """Every browser test is slow (it starts a live server and Chromium): `make test-fast` skips
    it without each test having to say so."""
    for item in items:
        if item.get_closest_marker("browser") and not item.get_closest_marker("slow"):
            item.add_marker(pytest.mark.slow)


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item):
    """A test marked `postgres` skips, with the reason, unless the suite runs on PostgreSQL
    (before its fixtures start servers or open the database)."""
    if item.get_closest_marker("postgres") and connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: set DATABASE_URL=postgres://postgres@127.0.0.1:5432/byline")


@pytest.fixture(autouse=True)
def _isolated_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _clear_cache():
    """Each test starts with empty caches: Django's and the page cache's per-process tiers."""
    from django.core.cache import cache

    from pagecache import store

    def clear():
        cache.clear()
        store.clear_local()

    clear()
    yield
    clear()


@pytest.fixture(autouse=True)
def _roles_after_flush(request):
    """Recreate the role groups that migrations made: a transactional test's flush removes them."""
    marker = request.node.get_closest_marker("django_db")
    names = request.fixturenames
    transactional = "transactional_db" in names or "live_server" in names
    transactional = transactional or bool(marker and marker.kwargs.get("transaction"))
    if marker is None and not transactional and "db" not in names:
        return
    request.getfixturevalue("transactional_db" if transactional else "db")
    from django.contrib.auth.models import Group, Permission

    if Group.objects.filter(name__in=["Writers", "Editors", "Moderators"]).count() == 3:
        return  # the migrations' groups are there (no flush since)

    from accounts.roles import role_permissions

    for name, pairs in role_permissions().items():
        group, _ = Group.objects.get_or_create(name=name)
        for app_label, codename in pairs:
            group.permissions.add(
                Permission.objects.get(content_type__app_label=app_label, codename=codename)
            )


@pytest.fixture
def fresh_page_cache_generation(db):
    """Start from this test's data, and leave no due time behind: the data is rolled back."""
    from pagecache.generation import generation

    generation.bump()
    yield
    generation.reset()
    with contextlib.suppress(Exception):  # the test may have pointed the cache nowhere
        generation.store.bump(None)
    generation.reset()


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    if not os.path.exists(CHROMIUM) and not shutil.which("chromium"):
        pytest.skip(f"no Chromium at {CHROMIUM}: install it with `apt-get install -y chromium`")
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


@pytest.fixture
def demo_article(db):
    """The seed piece, loaded the way `make run` loads it."""
    from django.core.management import call_command

    from blog.models import Article

    call_command("load_demo", stdout=open(os.devnull, "w"))  # noqa: SIM115
    return Article.objects.select_related("author").get(author__slug="christianbaghai")
