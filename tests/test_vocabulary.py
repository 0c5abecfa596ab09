"""One vocabulary (the README's glossary): the admin speaks of pieces and responses."""

import pytest

from tests.utils import page_text

pytestmark = pytest.mark.django_db


def test_the_admin_names_pieces_and_responses(admin_client):
    text = page_text(admin_client.get("/admin/"))
    assert "Pieces" in text and "Responses" in text
    assert "Articles" not in text and "Comments" not in text
    assert "Add piece" in page_text(admin_client.get("/admin/blog/article/add/"))
