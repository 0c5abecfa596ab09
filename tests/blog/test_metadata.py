import json
import re

import pytest

from tests.factories import ArticleFactory, TagFactory

pytestmark = pytest.mark.django_db


def head(response):
    return response.content.decode().split("</head>")[0]


def meta(html, attribute, name):
    match = re.search(rf'<meta {attribute}="{re.escape(name)}" content="([^"]*)">', html)
    return match and match.group(1)


def json_ld(html):
    block = re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
    return json.loads(block.group(1))


def test_seed_piece_metadata(client, demo_article):
    html = head(client.get(demo_article.get_absolute_url()))
    url = "http://testserver" + demo_article.get_absolute_url()
    assert "<title>‘They want to overthrow Putin’: The Russians who turned on the Kremlin" in html
    description = meta(html, "name", "description")
    assert description.startswith("The war in Ukraine has been raging for almost a year")
    assert len(description) <= 160
    assert f'<link rel="canonical" href="{url}">' in html
    assert meta(html, "property", "og:type") == "article"
    assert meta(html, "property", "article:published_time") == "2023-11-27T12:00:00+00:00"
    assert meta(html, "property", "article:author") == "http://testserver/@christianbaghai/"
    assert meta(html, "name", "twitter:card") == "summary"
    data = json_ld(html)
    assert data["@type"] == "Article"
    assert data["headline"].startswith("‘They want to overthrow Putin’")
    assert data["author"] == {
        "@type": "Person",
        "name": "Christian Baghai",
        "url": "http://testserver/@christianbaghai/",
    }
    assert data["datePublished"] == "2023-11-27T12:00:00+00:00"
    assert data["wordCount"] == demo_article.word_count > 500
    assert data["commentCount"] == 0
    assert '<html lang="en">' in html


def test_canonical_points_to_the_original_when_first_published_elsewhere(client):
    article = ArticleFactory(canonical_url="https://medium.com/@someone/a-story-123abc")
    html = head(client.get(article.get_absolute_url()))
    assert '<link rel="canonical" href="https://medium.com/@someone/a-story-123abc">' in html


def test_description_field_wins_over_the_first_paragraph(client):
    article = ArticleFactory(description="Hand-written summary.", body="Opening words.")
    html = head(client.get(article.get_absolute_url()))
    assert meta(html, "name", "description") == "Hand-written summary."
    assert meta(html, "property", "og:description") == "Hand-written summary."


def test_metadata_escapes_what_writers_type(client):
    article = ArticleFactory(
        title='Quotes " and <tags> & </script><script>alert(1)</script>',
        tags=[TagFactory(name="</script>")],
    )
    html = head(client.get(article.get_absolute_url()))
    assert "<script>alert(1)" not in html
    assert html.count("</script>") == 1  # only the JSON-LD block's own end tag
    assert json_ld(html)["headline"].startswith('Quotes " and <tags>')


def test_feed_autodiscovery_links_on_pages(client):
    tag = TagFactory(name="Feeds")
    article = ArticleFactory(tags=[tag])
    slug = article.author.slug
    assert 'type="application/atom+xml"' in head(client.get("/"))
    assert f'href="/@{slug}/feed/atom/"' in head(client.get(f"/@{slug}/"))
    assert f'href="/tag/{tag.slug}/feed/rss/"' in head(client.get(tag.get_absolute_url()))
