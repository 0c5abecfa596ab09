"""Every save keeps a revision; history, readable diffs, restore, and no lost updates."""

import pytest
from django.urls import reverse

import markup
from blog.models import Article
from blog.services import StaleRevision, article_save
from tests.factories import DraftFactory
from tests.utils import form_data, page_text, save

pytestmark = pytest.mark.django_db


@pytest.fixture
def article(people):
    return DraftFactory(
        author=people["writer_a"].author_profile, title="Notes", body="First line.\n\nSecond line."
    )


def test_each_admin_save_is_a_revision_with_who_and_when(client, people, article):
    client.force_login(people["writer_a"])
    assert save(client, article, body="First line.\n\nSecond line, edited.").status_code == 302
    article.refresh_from_db()
    assert article.revision == 2
    client.force_login(people["editor"])
    assert save(client, article, title="Notes, edited").status_code == 302
    article.refresh_from_db()
    assert article.revision == 3
    records = list(article.history.all())
    assert [r.revision for r in records] == [3, 2, 1]
    assert records[0].history_user == people["editor"]
    assert records[1].history_user == people["writer_a"]
    response = client.get(reverse("admin:blog_article_history", args=[article.pk]))
    text = page_text(response)
    assert "3 Draft" in text and "editor Title" in text and "writer_a Body" in text
    assert 'value="Compare selected revisions"' in response.content.decode()


def test_the_diff_between_two_revisions_is_readable_and_escaped(client, people, article):
    client.force_login(people["writer_a"])
    evil = "First line.\n\n<script>alert('diff')</script> & more"
    assert save(client, article, body=evil).status_code == 302
    older, newer = article.history.order_by("history_id")
    url = reverse("admin:blog_article_compare", args=[article.pk])
    response = client.get(url, {"a": older.history_id, "b": newer.history_id})
    html = response.content.decode()
    assert response.status_code == 200
    assert "<script>alert" not in html
    assert "&lt;script&gt;alert(&#x27;diff&#x27;)&lt;/script&gt; &amp; more" in html
    assert '<li class="remove"><del>Second line.</del></li>' in html
    assert '<li class="add"><ins>&lt;script&gt;' in html
    # Without a choice, the two latest revisions are compared.
    assert client.get(url).content.decode().count('class="add"') == 1


def test_restoring_an_old_revision_saves_it_as_new_and_rerenders_the_body(client, people, article):
    client.force_login(people["writer_a"])
    assert save(client, article, body="Rewritten *completely*.").status_code == 302
    Article.objects.filter(pk=article.pk).update(response_count=5)  # kept by comments
    first = article.history.get(revision=1)
    url = reverse("admin:blog_article_simple_history", args=[article.pk, first.history_id])
    page = client.get(url)
    assert page.status_code == 200
    form = page.context["adminform"].form
    assert form.initial["base_revision"] == 2  # the stored revision, not the restored one's
    article.refresh_from_db()
    data = form_data(article, body=first.body, title=first.title)
    response = client.post(url, data)
    assert response.status_code == 302
    article.refresh_from_db()
    assert article.body == "First line.\n\nSecond line."
    assert article.body_html == markup.render_markdown(article.body)
    assert article.revision == 3 and article.response_count == 5
    assert article.history.first().history_user == people["writer_a"]


def test_a_stale_restore_is_refused(client, people, article):
    client.force_login(people["writer_a"])
    first = article.history.get(revision=1)
    url = reverse("admin:blog_article_simple_history", args=[article.pk, first.history_id])
    stale = form_data(article)  # carries revision 1
    assert save(client, article, body="Someone else's work.").status_code == 302
    response = client.post(url, stale)
    assert response.status_code == 200
    article.refresh_from_db()
    assert article.body == "Someone else's work." and article.revision == 2


def test_the_second_of_two_concurrent_saves_is_refused_and_overwrites_nothing(
    client, people, article
):
    from django.test import Client

    writer, editor = Client(), Client()
    writer.force_login(people["writer_a"])
    editor.force_login(people["editor"])
    change = reverse("admin:blog_article_change", args=[article.pk])
    # Both open the piece at revision 1.
    for browser in (writer, editor):
        html = browser.get(change).content.decode()
        assert 'name="base_revision" value="1"' in html
    opened = form_data(article)
    assert editor.post(change, {**opened, "body": "Editor's fix."}).status_code == 302
    response = writer.post(change, {**opened, "body": "Writer's rewrite."})
    assert response.status_code == 200
    text = page_text(response)
    assert "Editor changed this piece" in text or "editor changed this piece" in text.lower()
    assert "Your changes were NOT saved and nothing was overwritten" in text
    assert "Writer&#x27;s rewrite." in response.content.decode()  # the writer's text is kept
    article.refresh_from_db()
    assert article.body == "Editor's fix." and article.revision == 2
    assert article.history.count() == 2


def test_a_form_without_its_revision_is_refused(client, people, article):
    client.force_login(people["writer_a"])
    data = form_data(article, body="No revision.")
    del data["base_revision"]
    response = client.post(reverse("admin:blog_article_change", args=[article.pk]), data)
    assert response.status_code == 200
    assert "missing the revision" in page_text(response)
    article.refresh_from_db()
    assert article.body == "First line.\n\nSecond line."


def test_the_save_itself_compares_and_swaps(people, article):
    """Even past the form's check (a race), the conditional update refuses a stale save."""
    copy = Article.objects.get(pk=article.pk)
    article.body = "Saved first."
    article_save(article=article, actor=people["writer_a"], expected_revision=1)
    copy.body = "Saved second, from the same revision."
    with pytest.raises(StaleRevision):
        article_save(article=copy, actor=people["editor"], expected_revision=1)
    article.refresh_from_db()
    assert article.body == "Saved first." and article.revision == 2


def test_editing_does_not_overwrite_counts_kept_elsewhere(client, people, article):
    client.force_login(people["writer_a"])
    html = client.get(reverse("admin:blog_article_change", args=[article.pk]))
    assert html.status_code == 200
    Article.objects.filter(pk=article.pk).update(response_count=3)  # a response arrives
    assert save(client, article, body="Edited meanwhile.").status_code == 302
    article.refresh_from_db()
    assert article.response_count == 3


@pytest.mark.django_db(transaction=True)
@pytest.mark.postgres
def test_truly_concurrent_saves_from_one_revision_let_exactly_one_through():
    """Two transactions race from revision 1 on PostgreSQL: one saves, one is refused."""
    import threading

    from django.db import connection

    from tests.blog.factories import make_user

    writer = make_user("racer", "Writers", profile=True)
    article = DraftFactory(author=writer.author_profile, body="Original.")
    barrier = threading.Barrier(2)
    outcomes = []

    def edit(body):
        try:
            copy = Article.objects.get(pk=article.pk)
            copy.body = body
            barrier.wait(timeout=10)
            article_save(article=copy, actor=writer, expected_revision=1)
            outcomes.append(("saved", body))
        except StaleRevision:
            outcomes.append(("refused", body))
        finally:
            connection.close()

    threads = [threading.Thread(target=edit, args=(f"Version {n}.",)) for n in (1, 2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(kind for kind, _ in outcomes) == ["refused", "saved"]
    (winner,) = [body for kind, body in outcomes if kind == "saved"]
    article.refresh_from_db()
    assert article.body == winner and article.revision == 2
    assert article.history.count() == 2


def test_an_import_after_the_form_was_opened_makes_the_form_stale(
    client, people, article, tmp_path
):
    """An editor's open form cannot silently overwrite what an import wrote meanwhile."""
    import io

    from django.core.management import call_command

    client.force_login(people["writer_a"])
    url = reverse("admin:blog_article_change", args=[article.pk])
    opened = client.get(url)
    base_revision = opened.context["adminform"].form.initial["base_revision"]
    assert base_revision == 1
    front = f"---\ntitle: Notes\nslug: {article.slug}\ndraft: true\n---\n"
    (tmp_path / "notes.md").write_text(front + "Imported text.\n")
    call_command(
        "import_markdown",
        str(tmp_path),
        author=people["writer_a"].username,
        stdout=io.StringIO(),
        stderr=io.StringIO(),
    )
    article.refresh_from_db()
    assert article.body.strip() == "Imported text." and article.revision == 2
    assert article.history.first().history_change_reason == "import"

    data = form_data(article, body="Typed in the old form.", base_revision=base_revision)
    response = client.post(url, data)
    assert response.status_code == 200
    assert "after you opened it (you started from revision 1)" in page_text(response)
    assert "were NOT saved" in page_text(response)
    article.refresh_from_db()
    assert article.body.strip() == "Imported text." and article.revision == 2
