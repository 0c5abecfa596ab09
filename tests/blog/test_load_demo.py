import datetime
import io

import pytest
from django.core.management import call_command

from accounts.models import AuthorProfile, User
from blog.models import Article, Tag

pytestmark = pytest.mark.django_db

DEMO_TITLE = "‘They want to overthrow Putin’: The Russians who turned on the Kremlin"


def load_demo():
    out = io.StringIO()
    call_command("load_demo", stdout=out, stderr=out)
    return out.getvalue()


def test_load_demo_creates_the_writer_and_publishes_the_piece():
    output = load_demo()

    user = User.objects.get()
    assert user.username == "christianbaghai"
    assert (user.first_name, user.last_name) == ("Christian", "Baghai")
    assert not user.has_usable_password()
    profile = AuthorProfile.objects.get()
    assert (profile.user, profile.slug, profile.display_name) == (
        user,
        "christianbaghai",
        "Christian Baghai",
    )
    article = Article.objects.get()
    assert article.author == profile
    assert article.title == DEMO_TITLE
    assert article.slug == "they-want-to-overthrow-putin-the-russians-who-turned-on-the-kremlin"
    assert article.status == Article.Status.PUBLISHED
    assert article.published_at == datetime.datetime(2023, 11, 27, 12, tzinfo=datetime.UTC)
    assert article.canonical_url == "" and article.subtitle == ""
    assert article.body.startswith("The war in Ukraine has been raging for almost a year")
    assert article.body.endswith("another Russia that is possible.\n")
    assert "---" not in article.body and "author_username" not in article.body
    assert "<p>The war in Ukraine has been raging" in article.body_html
    assert sorted(article.tags.values_list("name", flat=True)) == ["Russia", "Ukraine", "War"]
    assert article.edited_at is None
    assert output.startswith(f"Published “{DEMO_TITLE}” at /@christianbaghai/they-want-")


def test_a_second_run_changes_nothing():
    load_demo()
    before = Article.objects.values().get()
    history = Article.history.count()

    output = load_demo()

    assert Article.objects.values().get() == before  # updated_at, edited_at, revision included
    assert Article.history.count() == history
    assert (User.objects.count(), AuthorProfile.objects.count(), Tag.objects.count()) == (1, 1, 3)
    assert output.startswith(f"Already there: “{DEMO_TITLE}”")


def test_load_demo_adopts_an_existing_demo_writer_account():
    User.objects.create(username="christianbaghai", first_name="Chris")
    load_demo()
    profile = AuthorProfile.objects.get()
    assert profile.user.username == "christianbaghai"
    assert (profile.slug, profile.display_name) == ("christianbaghai", "Christian Baghai")
    assert Article.objects.get().author == profile


def test_the_demo_piece_reads_as_before(client):
    load_demo()
    article = Article.objects.get()
    response = client.get(article.get_absolute_url())
    assert response.status_code == 200
    html = response.content.decode()
    assert "Christian Baghai" in html and "3 min read" in html and "Nov 27, 2023" in html
