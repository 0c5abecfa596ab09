"""A writer logs in, writes with the live preview, uploads an image, publishes, reads it."""

import re

import pytest
from django.urls import re_path
from django.views.static import serve
from playwright.sync_api import expect

from blog.models import Article
from config.urls import urlpatterns as site_urlpatterns
from tests.blog.factories import PASSWORD, image_bytes, make_user

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.urls(__name__),
]

# The site's URLs plus uploaded media, as config/urls.py serves them in DEBUG.
urlpatterns = [
    re_path(r"^media/(?P<path>.*)$", serve, {"document_root": None}),
    *site_urlpatterns,
]


@pytest.fixture
def writer(settings):
    urlpatterns[0].default_args["document_root"] = settings.MEDIA_ROOT
    return make_user("wendy", "Writers", profile=True)


def log_in(page, live_server, next_path):
    page.goto(f"{live_server.url}/admin/login/?next={next_path}")
    page.fill("#id_username", "wendy")
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url(f"**{next_path}")


def test_writer_writes_previews_uploads_publishes_and_reads(page, live_server, writer):
    # Everything below runs under the site's Content-Security-Policy: no violation allowed.
    violations = []
    page.on(
        "console",
        lambda message: (
            "Content Security Policy" in message.text and violations.append(message.text)
        ),
    )
    log_in(page, live_server, "/admin/blog/article/add/")
    page.locator("#id_title").press_sequentially("Letters from the coast")
    assert page.input_value("#id_slug") == "letters-from-the-coast"  # filled from the title
    page.fill("#id_body", "The sea was **loud** today.\n\n<script>window.pwned = 1</script>\n")

    preview = page.locator(".markdownx-preview.prose")
    preview.locator("strong", has_text="loud").wait_for()
    assert "The sea was loud today." in preview.inner_text()
    assert preview.locator("script").count() == 0
    assert page.evaluate("window.pwned") is None
    page.wait_for_load_state("networkidle")  # no request left running at teardown
    # The preview uses the site's article typography, not the admin's.
    font = preview.locator("p").first.evaluate("p => getComputedStyle(p).fontFamily")
    assert "Charter" in font or "Georgia" in font

    page.locator(".byline-editor__file").set_input_files(
        files=[{"name": "coast.png", "mimeType": "image/png", "buffer": image_bytes("PNG")}]
    )
    expect(page.locator("#id_body")).to_have_value(re.compile(r"!\[\]\(/media/uploads/"))
    preview.locator("img").wait_for()
    assert "Image uploaded" in page.inner_text(".byline-editor__status")

    page.select_option("#id_status", "published")
    page.click("input[name=_continue]")
    page.wait_for_selector(".messagelist .success")

    article = Article.objects.get(title="Letters from the coast")
    assert article.is_published and article.author.user == writer
    page.click("a.viewsitelink:has-text('View on site')")
    page.wait_for_url(f"**{article.get_absolute_url()}")
    assert page.inner_text("h1") == "Letters from the coast"
    body = page.locator(".article__body")
    assert body.locator("strong").inner_text() == "loud"
    image = body.locator("img")
    image.wait_for()
    for _ in range(50):
        if image.evaluate("img => img.complete && img.naturalWidth") == 64:
            break
        page.wait_for_timeout(100)
    assert image.evaluate("img => img.naturalWidth") == 64
    assert page.evaluate("window.pwned") is None
    assert not violations, violations
    page.wait_for_load_state("networkidle")  # no request left running at teardown


def test_a_refused_upload_shows_the_reason_and_inserts_nothing(page, live_server, writer):
    log_in(page, live_server, "/admin/blog/article/add/")
    page.fill("#id_body", "Before.")
    svg = '<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
    page.evaluate(
        """svg => {
            const data = new DataTransfer();
            data.items.add(new File([svg], "evil.png", {type: "image/png"}));
            const body = document.querySelector("#id_body");
            body.dispatchEvent(new DragEvent("drop", {dataTransfer: data, bubbles: true,
                                                      cancelable: true}));
        }""",
        svg,
    )
    status = page.locator(".byline-editor__status.is-error")
    status.wait_for()
    assert "not an image Byline accepts" in status.inner_text()
    assert status.get_attribute("role") == "alert"
    assert page.input_value("#id_body") == "Before."
    page.wait_for_load_state("networkidle")
