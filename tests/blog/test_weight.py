"""Reader pages stay light and cacheable: no CSRF token, no cookies, no scripts, no CDN."""

import re
from pathlib import Path

import pytest
from django.conf import settings

from tests.factories import ArticleFactory, TagFactory

pytestmark = pytest.mark.django_db


def test_seed_piece_html_and_css_are_small(client, demo_article):
    html = client.get(demo_article.get_absolute_url()).content
    assert len(html) <= 30 * 1024, len(html)
    css = Path(settings.BASE_DIR, "static/css/site.css").read_bytes()
    assert len(css) <= 15 * 1024, len(css)


def anonymous_pages(article, tag):
    return [
        "/",
        article.get_absolute_url(),
        article.author.get_absolute_url(),
        tag.get_absolute_url(),
        "/archive/",
        "/search/?q=x",
        "/search/",
    ]


def test_anonymous_pages_carry_no_csrf_token_cookie_or_script(client):
    tag = TagFactory()
    article = ArticleFactory(tags=[tag])
    for url in anonymous_pages(article, tag):
        response = client.get(url)
        html = response.content.decode()
        assert response.status_code == 200, url
        assert "csrfmiddlewaretoken" not in html, url
        assert not response.cookies, (url, response.cookies)
        assert not re.search(r"<script(?![^>]*application/ld\+json)", html), url
        # Nothing is fetched from another host: no CDN, no external fonts or scripts.
        for tag in re.findall(r"<(?:link|script|img)\b[^>]*>", html):
            if 'rel="canonical"' in tag:
                continue  # a link to this page, not a resource
            ref = re.search(r'(?:href|src)="([^"]*)"', tag)
            if ref is None:
                assert tag == '<script type="application/ld+json">', tag  # data, not a fetch
                continue
            assert ref.group(1).startswith("/") and not ref.group(1).startswith("//"), tag
        assert "fonts.googleapis" not in html
