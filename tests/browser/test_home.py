import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_home_page_links_to_the_seed_piece(page, live_server, demo_article):
    page.goto(live_server.url + "/")
    link = page.get_by_role("link", name=demo_article.title)
    link.click()
    page.wait_for_url(f"**{demo_article.get_absolute_url()}")
    assert page.locator("h1").inner_text() == demo_article.title
    assert "3 min read · Nov 27, 2023" in page.locator(".byline").inner_text()
