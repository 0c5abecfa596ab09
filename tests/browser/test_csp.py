"""Byline's own admin pages and the piece preview run under the Content-Security-Policy as is.

`style-src 'self'` refuses inline `<style>` blocks and `style=""` attributes: a page that used
them would look broken. The browser reports each refusal as a `securitypolicyviolation` event
(collected by a script injected before any page script) and on the console.
"""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from comments.models import Comment, Report
from tests.blog.factories import PASSWORD, image_bytes, make_user
from tests.comments.factories import CommentFactory
from tests.factories import DraftFactory, UserFactory

pytestmark = [pytest.mark.slow, pytest.mark.browser, pytest.mark.django_db(transaction=True)]

COLLECT_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolations.push(
    `${event.violatedDirective} refused ${event.blockedURI || "inline"} ` +
    `(${event.sourceFile || ""}:${event.lineNumber}) ${event.sample || ""}`
  );
});
"""


@pytest.fixture
def site(settings):
    admin = make_user("root", superuser=True, profile=True)
    profile = admin.author_profile
    profile.avatar = SimpleUploadedFile("me.png", image_bytes("PNG"), content_type="image/png")
    profile.save()
    article = DraftFactory(author=profile, title="A draft", body="First version.\n\nSame.")
    article.body = "Second version.\n\nSame."
    article.save()  # a second revision, so there is something to compare
    reader = UserFactory(username="reader")
    response = CommentFactory(
        article=article, author=reader, body="Line one.\nLine two.", status=Comment.Status.PENDING
    )
    Report.objects.create(comment=response, reporter=UserFactory(username="other"), reason="x")
    return {"article": article, "response": response, "profile": profile}


def test_admin_and_preview_pages_break_no_content_security_policy(page, live_server, site):
    article, response = site["article"], site["response"]
    console = []
    page.on(
        "console",
        lambda message: "Content Security Policy" in message.text and console.append(message.text),
    )
    page.add_init_script(COLLECT_VIOLATIONS)
    page.goto(f"{live_server.url}/admin/login/?next=/admin/")
    page.fill("#id_username", "root")
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url("**/admin/")

    pages = [
        "/admin/",
        "/admin/blog/article/add/",
        f"/admin/blog/article/{article.pk}/change/",
        f"/admin/blog/article/{article.pk}/history/",
        f"/admin/blog/article/{article.pk}/history/compare/",
        "/admin/comments/comment/",  # the moderation queue
        f"/admin/comments/comment/{response.pk}/change/",
        f"/admin/accounts/authorprofile/{site['profile'].pk}/change/",
        reverse("editor:preview", args=[article.pk]),
    ]
    found = {}
    for path in pages:
        answer = page.goto(f"{live_server.url}{path}")
        assert answer.status == 200, path
        assert "/login/" not in page.url, path
        page.wait_for_load_state("networkidle")
        violations = page.evaluate("window.__cspViolations") + console
        console.clear()
        if violations:
            found[path] = violations
    assert found == {}

    # The styles that were inline still apply, from stylesheets.
    def style_of(path, selector, prop):
        page.goto(f"{live_server.url}{path}")
        return page.locator(selector).first.evaluate(f"e => getComputedStyle(e).{prop}")

    compare = f"/admin/blog/article/{article.pk}/history/compare/"
    assert style_of(compare, ".revision-diff", "whiteSpace") == "pre-wrap"
    assert style_of(compare, ".revision-diff .remove", "textDecorationLine") == "line-through"
    change = f"/admin/comments/comment/{response.pk}/change/"
    assert style_of(change, ".field-body_text .readonly div", "whiteSpace") == "pre-line"
    profile = f"/admin/accounts/authorprofile/{site['profile'].pk}/change/"
    assert style_of(profile, ".field-avatar_preview img", "borderRadius") == "50%"
    preview = reverse("editor:preview", args=[article.pk])
    assert style_of(preview, ".preview-banner", "borderTopStyle") == "dashed"
