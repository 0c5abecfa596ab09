"""What the stylesheet does for readers, seen in Chromium: long words wrap on a narrow screen,
the dark colour scheme is honoured, and printing leaves the site's chrome out."""

import pytest

from tests.factories import ArticleFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LONG_WORD = "Pneumonoultramicroscopicsilicovolcanoconiosis" * 8  # 360 letters, no break


def background(page):
    return page.evaluate("getComputedStyle(document.body).backgroundColor")


def test_long_words_wrap_instead_of_widening_a_narrow_screen(page, live_server):
    article = ArticleFactory(title=LONG_WORD, body=f"{LONG_WORD} then a short sentence.")
    page.set_viewport_size({"width": 360, "height": 800})
    page.goto(live_server.url + article.get_absolute_url())
    assert page.get_by_text("then a short sentence.").is_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360


def test_a_dark_colour_scheme_gives_a_dark_page(page, live_server):
    article = ArticleFactory()
    page.emulate_media(color_scheme="light")
    page.goto(live_server.url + article.get_absolute_url())
    light = background(page)
    page.emulate_media(color_scheme="dark")
    assert background(page) == "rgb(18, 18, 18)"
    assert light != "rgb(18, 18, 18)"


def test_printing_leaves_out_the_header_and_keeps_the_piece(page, live_server):
    article = ArticleFactory(title="A piece worth printing")
    page.emulate_media(color_scheme="dark")
    page.goto(live_server.url + article.get_absolute_url())
    assert page.locator(".site-header").is_visible()
    page.emulate_media(media="print")
    assert page.locator(".site-header").is_hidden()
    assert page.locator("h1").inner_text() == "A piece worth printing"
    assert background(page) == "rgb(255, 255, 255)"
