import datetime
import io

import pytest
from django.core.files.base import ContentFile
from django.utils import timezone
from PIL import Image

from tests.factories import ArticleFactory, AuthorProfileFactory, TagFactory
from tests.utils import page_text

pytestmark = pytest.mark.django_db


def test_seed_piece_page_has_everything_its_medium_page_had(client, demo_article):
    response = client.get(demo_article.get_absolute_url())
    text = page_text(response)
    html = response.content.decode()
    assert response.status_code == 200
    assert html.count("<h1") == 1
    assert "‘They want to overthrow Putin’: The Russians who turned on the Kremlin" in text
    assert "CB Christian Baghai 3 min read · Nov 27, 2023" in text  # initials avatar, then byline
    assert f'href="{demo_article.author.get_absolute_url()}"' in html
    assert "The war in Ukraine has been raging for almost a year" in text
    assert "there is another Russia that is possible." in text
    assert "Written by Christian Baghai" in text
    assert "No responses yet" in text
    assert "All writing by Christian Baghai" in text


def test_article_page_sections_come_in_reading_order(client):
    tag = TagFactory(name="Essays")
    article = ArticleFactory(title="Order", subtitle="A subtitle", tags=[tag], body="Body text.")
    ArticleFactory(author=article.author, title="Another one")
    html = client.get(article.get_absolute_url()).content.decode().split("<body")[1]
    markers = ["<h1", "A subtitle", 'class="byline"', "Essays", "Body text.", "author-card",
               "No responses yet", "More from"]  # fmt: skip
    positions = [html.index(marker) for marker in markers]
    assert positions == sorted(positions)


def test_more_from_author_shows_three_other_published_pieces(client):
    article = ArticleFactory()
    others = [ArticleFactory(author=article.author, title=f"Other {n}") for n in range(4)]
    ArticleFactory(title="Someone else's")
    text = page_text(client.get(article.get_absolute_url()))
    section = text.split("More from")[1]
    assert sum(other.title in section for other in others) == 3
    assert "Someone else's" not in section
    assert others[-1].title in section  # newest first


def test_updated_date_shows_when_edited_after_publishing(client):
    article = ArticleFactory(published_at=timezone.now() - datetime.timedelta(days=10))
    assert "Updated" not in page_text(client.get(article.get_absolute_url()))
    article.body += "\n\nA correction."
    article.save()
    text = page_text(client.get(article.get_absolute_url()))
    assert f"Updated {timezone.now():%b} {timezone.now().day}, {timezone.now():%Y}" in text


def test_home_lists_newest_first_ten_a_page_with_pagination(client):
    now = timezone.now()
    for n in range(12):
        ArticleFactory(title=f"Piece {n:02}", published_at=now - datetime.timedelta(days=n + 1))
    first = page_text(client.get("/"))
    assert first.index("Piece 00") < first.index("Piece 01")
    assert "Piece 09" in first and "Piece 10" not in first
    assert "Page 1 of 2" in first and "Older" in first
    second = page_text(client.get("/?page=2"))
    assert "Piece 10" in second and "Piece 11" in second and "Newer" in second


def test_home_card_shows_title_summary_author_date_and_reading_time(client):
    ArticleFactory(
        title="A title", subtitle="", body="First paragraph here.\n\nSecond.",
        author=AuthorProfileFactory(display_name="Ada L"),
        published_at=datetime.datetime(2024, 3, 5, 12, tzinfo=datetime.UTC),
    )  # fmt: skip
    text = page_text(client.get("/"))
    assert "A title First paragraph here. Ada L · Mar 5, 2024 · 1 min read" in text


@pytest.mark.parametrize("page", ["abc", "0", "-1", "99", "1.5", "%00"])
def test_bad_page_numbers_are_a_404_not_a_500(client, page):
    ArticleFactory()
    assert client.get(f"/?page={page}").status_code == 404


@pytest.mark.parametrize(
    "url",
    ["/@nobody/", "/@nobody/nothing/", "/tag/nothing/", "/archive/1999/01/", "/archive/2024/13/",
     "/@nobody/feed/atom/", "/tag/nothing/feed/rss/"],
)  # fmt: skip
def test_unknown_things_get_the_sites_404_page(client, url):
    response = client.get(url)
    assert response.status_code == 404
    assert "Page not found" in page_text(response)


def test_author_page_shows_profile_bio_links_and_their_pieces(client):
    author = AuthorProfileFactory(
        display_name="Grace H", bio="Writes *compilers*. <script>alert(1)</script>",
        website="https://grace.example", links="https://social.example/@grace\nnot a link",
    )  # fmt: skip
    ArticleFactory(author=author, title="On compilers")
    ArticleFactory(title="Not hers")
    response = client.get(author.get_absolute_url())
    html = response.content.decode()
    text = page_text(response)
    assert "<em>compilers</em>" in html and "<script>alert" not in html
    assert "grace.example" in text and "social.example/@grace" in text and "not a link" not in text
    assert "On compilers" in text and "Not hers" not in text
    assert (
        '<span class="avatar avatar--large avatar--initials" aria-hidden="true">GH</span>' in html
    )


def test_tag_page_and_tags_on_the_article_link_to_each_other(client):
    tag = TagFactory(name="Science")
    article = ArticleFactory(tags=[tag], title="Tagged piece")
    ArticleFactory(title="Untagged piece")
    html = client.get(article.get_absolute_url()).content.decode()
    assert f'<a href="{tag.get_absolute_url()}" rel="tag">Science</a>' in html
    text = page_text(client.get(tag.get_absolute_url()))
    assert "Tagged piece" in text and "Untagged piece" not in text


def test_archive_lists_months_and_each_month_lists_its_pieces(client):
    ArticleFactory(
        title="November piece",
        published_at=datetime.datetime(2023, 11, 27, 12, tzinfo=datetime.UTC),
    )
    ArticleFactory(
        title="March piece", published_at=datetime.datetime(2024, 3, 1, 12, tzinfo=datetime.UTC)
    )
    text = page_text(client.get("/archive/"))
    assert text.index("March 2024") < text.index("November 2023")
    month = page_text(client.get("/archive/2023/11/"))
    assert "November piece" in month and "March piece" not in month


def test_cover_image_with_alt_text_and_caption(client):
    buffer = io.BytesIO()
    Image.new("RGB", (40, 20), "red").save(buffer, "PNG")
    article = ArticleFactory(
        cover_image=ContentFile(buffer.getvalue(), name="cover.png"),
        cover_alt="A red rectangle",
        cover_caption="Photo: me",
    )
    html = client.get(article.get_absolute_url()).content.decode()
    assert 'alt="A red rectangle"' in html and "<figcaption>Photo: me</figcaption>" in html
    assert 'width="40" height="20"' in html
    assert (
        f'<meta property="og:image" content="http://testserver{article.cover_image.url}">' in html
    )


def test_huge_title_and_body_render(client):
    article = ArticleFactory(title="W" * 2000, body=("word " * 200_000))
    response = client.get(article.get_absolute_url())
    assert response.status_code == 200
    assert article.reading_time == 755  # 200,000 words at 265 a minute


def test_404_and_500_pages_use_the_sites_style(client, settings):
    response = client.get("/@nobody/x/")
    assert b"/static/css/site.css" in response.content
    from django.template.loader import render_to_string

    assert "Something went wrong" in render_to_string("500.html")
