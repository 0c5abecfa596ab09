"""A language per piece: default from the site setting, chosen in the editor, shown to browsers."""

import xml.etree.ElementTree as ET

import pytest
from django.urls import reverse

from blog.models import Article
from tests.blog.factories import make_user
from tests.factories import ArticleFactory

pytestmark = pytest.mark.django_db


def test_a_pieces_language_sets_html_lang_and_og_locale(client):
    article = ArticleFactory(language="ru", title="Кремль")
    html = client.get(article.get_absolute_url()).content.decode()
    assert '<html lang="ru">' in html
    assert '<meta property="og:locale" content="ru_RU">' in html


def test_site_pages_and_new_pieces_use_the_site_default(client, settings):
    settings.BYLINE_DEFAULT_LANGUAGE = "de"
    article = ArticleFactory(title="Neu")
    assert article.language == "de"
    assert '<html lang="de">' in client.get(reverse("blog:search")).content.decode()
    rss = ET.fromstring(client.get("/feed/rss/").content)
    assert rss.find("channel/language").text == "de"


def test_the_editor_chooses_the_language(client):
    writer = make_user("polyglot", "Writers", profile=True)
    client.force_login(writer)
    html = client.get(reverse("admin:blog_article_add")).content.decode()
    assert 'name="language"' in html and '<option value="uk">Ukrainian</option>' in html
    data = {"title": "Привіт", "body": "Текст.", "status": "draft", "responses_mode": ""}
    client.post(reverse("admin:blog_article_add"), data | {"language": "uk"})
    assert Article.objects.get(title="Привіт").language == "uk"
    client.post(reverse("admin:blog_article_add"), data | {"title": "Default"})
    assert Article.objects.get(title="Default").language == "en"  # left out: the site's
    response = client.post(reverse("admin:blog_article_add"), data | {"language": "xx"})
    assert response.status_code == 200 and "errorlist" in response.content.decode()
