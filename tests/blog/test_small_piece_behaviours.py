"""Small behaviours of pieces: addresses filled from titles, metadata tags, what a writer
without the publishing right sees, generated pieces without a seed."""

import datetime
import io

import pytest
from django.core.management import call_command
from django.test import RequestFactory
from django.utils import timezone

from blog.models import Article
from blog.templatetags.blog_tags import absolute, machine_time
from tests.factories import ArticleFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("title", "slug"), [("Hello, World!", "hello-world"), ("!!! ???", "untitled")]
)
def test_a_piece_saved_without_an_address_gets_one_from_its_title(title, slug):
    article = ArticleFactory(title=title, slug="")
    assert Article.objects.get(pk=article.pk).slug == slug


def test_absolute_leaves_empty_and_full_addresses_alone():
    context = {"request": RequestFactory().get("/", HTTP_HOST="testserver")}
    assert absolute(context, "") == ""
    assert absolute(context, "https://cdn.example/a.png") == "https://cdn.example/a.png"
    assert absolute(context, "/media/a.png") == "http://testserver/media/a.png"


def test_machine_time_for_dates_and_naive_times():
    assert machine_time(datetime.date(2024, 2, 29)) == "2024-02-29"
    assert machine_time(datetime.datetime(2024, 2, 29, 8, 30, 15, 123456)) == "2024-02-29T08:30:15"
    assert machine_time(None) == ""


def test_a_writer_without_the_publishing_right_cannot_set_status_or_date(client):
    # A contributor: may write pieces (the permissions given one by one) but not publish them.
    from django.contrib.auth.models import Permission

    from tests.blog.factories import make_user

    writer = make_user("contributor", profile=True)
    writer.user_permissions.add(
        *Permission.objects.filter(codename__in=["add_article", "change_article", "view_article"])
    )
    client.force_login(writer)
    response = client.get("/admin/blog/article/add/")
    assert response.status_code == 200
    content = response.content.decode()
    assert 'name="title"' in content
    assert 'name="status"' not in content and 'name="published_at_0"' not in content


def test_generated_pieces_without_a_seed_are_stored():
    out = io.StringIO()
    call_command("generate_pieces", "3", "--authors", "1", stdout=out)
    assert Article.objects.count() == 3
    assert Article.objects.filter(published_at__lte=timezone.now()).exists()
