import xml.etree.ElementTree as ET

import pytest

from tests.factories import ArticleFactory, TagFactory

pytestmark = pytest.mark.django_db
ATOM = "{http://www.w3.org/2005/Atom}"


def test_atom_feed_carries_full_sanitized_content(client):
    ArticleFactory(title="Feed piece", body="Full **text** here.\n\n<script>alert(1)</script>")
    response = client.get("/feed/atom/")
    assert response["Content-Type"].startswith("application/atom+xml")
    root = ET.fromstring(response.content)
    entry = root.find(f"{ATOM}entry")
    assert entry.find(f"{ATOM}title").text == "Feed piece"
    summary = entry.find(f"{ATOM}summary").text
    assert "<strong>text</strong>" in summary and "<script" not in summary
    assert entry.find(f"{ATOM}link").get("href").startswith("http://testserver/@")


def test_rss_feed_lists_newest_first_with_authors_and_categories(client):
    tag = TagFactory(name="Poetry")
    ArticleFactory(title="Older", tags=[tag])
    ArticleFactory(title="Newer")
    root = ET.fromstring(client.get("/feed/rss/").content)
    titles = [item.find("title").text for item in root.iter("item")]
    assert titles == ["Newer", "Older"]
    older = list(root.iter("item"))[1]
    assert older.find("category").text == "Poetry"


def test_author_and_tag_feeds_hold_only_their_pieces(client):
    tag = TagFactory(name="Only")
    mine = ArticleFactory(title="Mine", tags=[tag])
    ArticleFactory(title="Theirs")
    author_feed = client.get(f"/@{mine.author.slug}/feed/atom/").content.decode()
    tag_feed = client.get(f"/tag/{tag.slug}/feed/rss/").content.decode()
    assert "Mine" in author_feed and "Theirs" not in author_feed
    assert "Mine" in tag_feed and "Theirs" not in tag_feed


def test_sitemap_lists_pieces_authors_and_tags_and_robots_points_at_it(client):
    tag = TagFactory(name="Mapped")
    article = ArticleFactory(tags=[tag])
    sitemap = client.get("/sitemap.xml").content.decode()
    for path in (
        article.get_absolute_url(),
        article.author.get_absolute_url(),
        tag.get_absolute_url(),
    ):
        assert f"<loc>http://testserver{path}</loc>" in sitemap
    robots = client.get("/robots.txt").content.decode()
    assert "Sitemap: http://testserver/sitemap.xml" in robots
