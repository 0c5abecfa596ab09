import pytest

from tests.utils import page_text

pytestmark = pytest.mark.django_db


def test_home_lists_the_seed_piece_and_links_to_it(client, demo_article):
    response = client.get("/")
    assert response.status_code == 200
    html = response.content.decode()
    assert demo_article.title in html
    assert f'href="{demo_article.get_absolute_url()}"' in html


def test_article_page_shows_title_author_date_and_body(client, demo_article):
    response = client.get(demo_article.get_absolute_url())
    html = response.content.decode()
    assert response.status_code == 200
    assert "<h1" in html and "They want to overthrow Putin" in html
    assert "Christian Baghai" in html
    assert "Christian Baghai 3 min read · Nov 27, 2023" in page_text(response)
    assert "another Russia that is possible" in html
