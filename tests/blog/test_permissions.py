"""Who may do what with pieces: anonymous, reader, writer A, writer B, editor, moderator, superuser.

Writer A owns the pieces under test; writer B is another writer.
"""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils.text import slugify

from blog.models import Article
from tests.blog.factories import image_bytes

pytestmark = pytest.mark.django_db

ROLES = ["anonymous", "reader", "writer_a", "writer_b", "editor", "moderator", "superuser"]
ALLOWED_ANY = {"writer_a": True, "writer_b": True, "editor": True, "superuser": True}
EDITS_A = {"writer_a", "editor", "superuser"}


def login(client, people, role):
    if role != "anonymous":
        client.force_login(people[role])
    return client


def refused(response):
    """Admin refusals: 403, 404, off to the login page, or to the index ("does not exist")."""
    if response.status_code in (403, 404):
        return True
    location = response.get("Location", "")
    return response.status_code == 302 and (
        location.startswith("/admin/login/") or location == "/admin/"
    )


@pytest.mark.parametrize("role", ROLES)
def test_article_list_shows_only_what_the_role_may_edit(client, people, piece_a, piece_b, role):
    response = login(client, people, role).get(reverse("admin:blog_article_changelist"))
    if role in ("anonymous", "reader"):
        assert response.status_code == 302 and "/admin/login/" in response["Location"]
        return
    if role == "moderator":
        assert response.status_code == 403
        return
    assert response.status_code == 200
    html = response.content.decode()
    sees_a = "A&#x27;s draft" in html or "A's draft" in html
    sees_b = "B&#x27;s draft" in html or "B's draft" in html
    assert (sees_a, sees_b) == {
        "writer_a": (True, False),
        "writer_b": (False, True),
        "editor": (True, True),
        "superuser": (True, True),
    }[role]


@pytest.mark.parametrize("role", ROLES)
def test_change_page_of_writer_a_piece(client, people, piece_a, role):
    response = login(client, people, role).get(
        reverse("admin:blog_article_change", args=[piece_a.pk])
    )
    if role in EDITS_A:
        assert response.status_code == 200
        assert piece_a.body in response.content.decode()
    else:
        assert refused(response)
        assert piece_a.body not in response.content.decode()


@pytest.mark.parametrize("role", ROLES)
def test_saving_writer_a_piece(client, people, piece_a, role):
    data = {
        "base_revision": piece_a.revision,
        "title": "Taken over",
        "slug": piece_a.slug,
        "author": piece_a.author_id,
        "body": "Overwritten.",
        "status": "draft",
        "responses_mode": "",
        "_save": "Save",
    }
    response = login(client, people, role).post(
        reverse("admin:blog_article_change", args=[piece_a.pk]), data
    )
    piece_a.refresh_from_db()
    if role in EDITS_A:
        assert response.status_code == 302, response.content.decode()[:3000]
        assert piece_a.title == "Taken over"
        assert piece_a.author.user == people["writer_a"]  # the author never changes hands
    else:
        assert refused(response)
        assert piece_a.title == "A's draft" and piece_a.body == "Draft *text* by A."


@pytest.mark.parametrize("role", ROLES)
def test_adding_a_piece(client, people, role):
    url = reverse("admin:blog_article_add")
    client = login(client, people, role)
    response = client.get(url)
    if role not in ALLOWED_ANY:
        assert refused(response)
        return
    assert response.status_code == 200
    html = response.content.decode()
    chooses_author = 'name="author"' in html
    assert chooses_author == (role in ("editor", "superuser"))
    data = {
        "title": f"New by {role}",
        "slug": "",
        "body": "Hello **world**.",
        "status": "draft",
        "responses_mode": "",
        "author": people["writer_b"].author_profile.pk,  # ignored for writers
        "_save": "Save",
    }
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:3000]
    article = Article.objects.get(title=f"New by {role}")
    expected_author = people["writer_b"] if role in ("editor", "superuser") else people[role]
    assert article.author.user == expected_author
    assert article.slug == slugify(f"New by {role}")
    assert article.body_html == "<p>Hello <strong>world</strong>.</p>"


@pytest.mark.parametrize("role", ROLES)
def test_history_and_restore_pages_of_writer_a_piece(client, people, piece_a, role):
    client = login(client, people, role)
    record = piece_a.history.first()
    for url in (
        reverse("admin:blog_article_history", args=[piece_a.pk]),
        reverse("admin:blog_article_simple_history", args=[piece_a.pk, record.pk]),
        reverse("admin:blog_article_compare", args=[piece_a.pk]),
    ):
        response = client.get(url)
        if role in EDITS_A:
            assert response.status_code in (200, 302), url  # compare with one revision redirects
        else:
            assert refused(response), url
            assert piece_a.body not in response.content.decode()


@pytest.mark.parametrize("role", ROLES)
def test_private_preview_of_a_draft(client, people, piece_a, role):
    response = login(client, people, role).get(reverse("editor:preview", args=[piece_a.pk]))
    if role == "anonymous":
        assert response.status_code == 302 and "/admin/login/" in response["Location"]
    elif role in EDITS_A:
        assert response.status_code == 200
        assert "Preview — not published" in response.content.decode()
        assert response["Cache-Control"] == "private, no-store"
    else:
        assert response.status_code == 404


@pytest.mark.parametrize("role", ROLES)
def test_editor_preview_endpoint(client, people, role):
    response = login(client, people, role).post(
        "/write/markdownx/markdownify/", {"content": "Some *words*"}
    )
    if role in ALLOWED_ANY:
        assert response.status_code == 200
        assert response.content.decode() == "<p>Some <em>words</em></p>"
    else:
        assert response.status_code == 403
        assert b"<em>" not in response.content


@pytest.mark.parametrize("role", ROLES)
def test_editor_upload_endpoint(client, people, settings, role):
    upload = SimpleUploadedFile("pic.png", image_bytes("PNG"), content_type="image/png")
    response = login(client, people, role).post(
        "/write/markdownx/upload/", {"image": upload}, HTTP_X_REQUESTED_WITH="XMLHttpRequest"
    )
    stored = list((settings.MEDIA_ROOT).rglob("*.*")) if settings.MEDIA_ROOT.exists() else []
    if role in ALLOWED_ANY:
        assert response.status_code == 200
        assert response.json()["image_code"].startswith("![](/media/uploads/")
        assert len(stored) == 1
    else:
        assert response.status_code == 403
        assert "image" in response.json()
        assert stored == []


@pytest.mark.parametrize("role", ROLES)
def test_bulk_publish_is_for_editors(client, people, piece_a, role):
    client = login(client, people, role)
    response = client.post(
        reverse("admin:blog_article_changelist"),
        {"action": "publish_selected", "_selected_action": [piece_a.pk]},
    )
    piece_a.refresh_from_db()
    if role in ("editor", "superuser"):
        assert response.status_code == 302
        assert piece_a.status == Article.Status.PUBLISHED and piece_a.is_published
    else:
        assert piece_a.status == Article.Status.DRAFT
        if role in ("writer_a", "writer_b"):
            listing = client.get(reverse("admin:blog_article_changelist")).content.decode()
            assert "publish_selected" not in listing


@pytest.mark.parametrize("role", ROLES)
def test_author_profiles(client, people, role):
    client = login(client, people, role)
    own = getattr(people.get(role), "author_profile", None) if role in people else None
    other = people["writer_b"].author_profile
    response = client.get(reverse("admin:accounts_authorprofile_change", args=[other.pk]))
    data = {"display_name": "Hijacked", "bio": "x", "website": "", "links": ""}
    if role == "superuser":
        data.update(user=other.user_id, slug=other.slug)
    posted = client.post(reverse("admin:accounts_authorprofile_change", args=[other.pk]), data)
    other.refresh_from_db()
    if role in ("writer_b", "superuser"):
        assert response.status_code == 200
        assert posted.status_code == 302
        assert other.display_name == "Hijacked"
    else:
        assert other.display_name == "Writer B"
        if role == "editor":
            assert response.status_code == 200  # editors see every writer, read-only
            assert 'name="display_name"' not in response.content.decode()
        else:
            assert refused(response)
    if role == "writer_a":
        assert own is not None
        mine = client.get(reverse("admin:accounts_authorprofile_change", args=[own.pk]))
        assert mine.status_code == 200 and 'name="display_name"' in mine.content.decode()
