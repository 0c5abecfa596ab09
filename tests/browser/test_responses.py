"""The responses flow in Chromium: respond, moderate, publish, hide."""

import re

import pytest
from django.core import mail
from playwright.sync_api import expect

from comments.models import Comment
from tests.factories import ArticleFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "correct-horse-battery"


def sign_in(page, live_server, username, admin=False):
    page.goto(live_server.url + ("/admin/login/" if admin else "/accounts/login/"))
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name=re.compile("sign in|log in", re.I)).click()


def test_respond_moderate_publish_and_hide(browser, live_server):
    article = ArticleFactory(title="A piece worth answering")
    moderator = UserFactory(username="moderator", groups=["Moderators"])
    moderator.is_staff = True
    moderator.save()
    piece_url = live_server.url + article.get_absolute_url()

    # A reader signs up from the piece and responds.
    reader = browser.new_context().new_page()
    reader.goto(piece_url)
    reader.get_by_role("link", name="Sign in to respond").click()
    reader.get_by_role("link", name="Create an account").click()
    reader.get_by_label("Username").fill("newreader")
    reader.get_by_label("Email").fill("newreader@example.com")
    reader.locator("#id_password1").fill("a-Long-enough-passphrase-42")
    reader.locator("#id_password2").fill("a-Long-enough-passphrase-42")
    reader.get_by_role("button", name="Sign up").click()
    expect(reader.locator("h1")).to_have_text("Check your inbox")
    # The mailed link confirms the address, then the reader signs in and is back on the piece.
    link = re.search(r"https?://[^/\s]+(/accounts/confirm/\S+/)", mail.outbox[-1].body)
    reader.goto(live_server.url + link.group(1))
    reader.get_by_role("button", name="Confirm my address").click()
    reader.get_by_label("Username").fill("newreader")
    reader.get_by_label("Password").fill("a-Long-enough-passphrase-42")
    reader.get_by_role("button", name=re.compile("sign in", re.I)).click()
    reader.wait_for_url(re.compile(re.escape(article.get_absolute_url()) + "#responses$"))
    reader.get_by_label("Your response").fill("First thoughts,\non two lines.")
    reader.get_by_role("button", name="Respond").click()
    expect(reader.locator(".messages")).to_contain_text("Your response is awaiting moderation.")
    comment = Comment.objects.get(article=article)
    assert comment.status == "pending"

    # Anonymous readers do not see it yet.
    anonymous = browser.new_context().new_page()
    anonymous.goto(piece_url)
    expect(anonymous.locator("#responses")).not_to_contain_text("First thoughts")

    # A moderator approves it in the admin.
    mod = browser.new_context().new_page()
    sign_in(mod, live_server, "moderator", admin=True)
    mod.goto(live_server.url + "/admin/comments/comment/?queue=todo")
    mod.locator(f'input[name="_selected_action"][value="{comment.pk}"]').check()
    mod.locator('select[name="action"]').select_option("approve_selected")
    mod.get_by_role("button", name="Go").click()
    expect(mod.locator(".messagelist")).to_contain_text("Approved: 1 response(s).")

    # The reader sees it published on the page.
    reader.goto(piece_url)
    body = reader.locator(f"#response-{comment.pk} .response__body")
    expect(body).to_contain_text("First thoughts,")
    expect(reader.locator("#responses-title")).to_have_text("1 response")

    # The piece's author hides it; readers see the placeholder.
    author = browser.new_context().new_page()
    sign_in(author, live_server, article.author.user.username)
    author.goto(piece_url)
    author.locator(f"#response-{comment.pk}").get_by_role("link", name="Hide").click()
    author.get_by_role("button", name="Hide it").click()
    expect(author.locator(f"#response-{comment.pk}")).to_contain_text(
        "A response was hidden by the author"
    )
    # (a new reader: the first one's browser may keep the page it saw, max-age allows it)
    anonymous = browser.new_context().new_page()
    anonymous.goto(piece_url)
    expect(anonymous.locator(f"#response-{comment.pk}")).to_have_text(
        "A response was hidden by the author"
    )
    expect(anonymous.locator("#responses")).not_to_contain_text("First thoughts")
