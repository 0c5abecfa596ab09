import pytest
from axe_playwright_python.sync_playwright import Axe

from tests.factories import TagFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("color_scheme", ["light", "dark"])
def test_reader_pages_have_no_axe_violations(page, live_server, demo_article, color_scheme):
    tag = TagFactory(name="Essays")
    demo_article.tags.add(tag)
    page.emulate_media(color_scheme=color_scheme)
    axe = Axe()
    for path in ["/", demo_article.get_absolute_url(), demo_article.author.get_absolute_url(),
                 tag.get_absolute_url(), "/archive/", "/search/?q=Ukraine"]:  # fmt: skip
        page.goto(live_server.url + path)
        results = axe.run(page)
        assert results.violations_count == 0, (path, results.generate_report())
        ids = page.eval_on_selector_all("[id]", "els => els.map(e => e.id)")
        assert len(ids) == len(set(ids)), f"duplicate ids on {path}"
        assert page.eval_on_selector_all("img:not([alt])", "els => els.length") == 0


def test_article_reads_at_320_px_with_javascript_off(browser, live_server, demo_article):
    context = browser.new_context(java_script_enabled=False, viewport={"width": 320, "height": 640})
    page = context.new_page()
    page.goto(live_server.url + demo_article.get_absolute_url())
    assert "another Russia that is possible" in page.inner_text("article")
    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    assert scroll_width <= 320, f"the page scrolls sideways at 320 px ({scroll_width} px wide)"
    context.close()


def test_a_2000_character_title_does_not_break_the_layout(browser, live_server):
    from tests.factories import ArticleFactory

    article = ArticleFactory(title="Unbroken" * 250, body="word " * 5000)
    context = browser.new_context(viewport={"width": 320, "height": 640})
    page = context.new_page()
    for path in (article.get_absolute_url(), "/"):
        page.goto(live_server.url + path)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 320, f"{path} scrolls sideways at 320 px ({width} px wide)"
    context.close()
