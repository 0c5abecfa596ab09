import datetime
import io
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.utils import timezone

from accounts.models import AuthorProfile, User
from blog.models import Article, Tag
from tests.factories import AuthorProfileFactory, TagFactory, UserFactory
from tests.utils import page_text

pytestmark = pytest.mark.django_db

UTC = datetime.UTC

JEKYLL = """\
---
layout: post
title: "Hello, world: notes from Jekyll"
author: Ada Lovelace
tags: essays, Engines
---

The *first* paragraph of a Jekyll post.

## A heading

- one
- two
"""

HUGO = """\
---
title: Notes from Hugo
subtitle: Written on a train
author: Ada Lovelace
date: 2021-02-03T04:05:06+01:00
draft: false
tags: [Engines, Poetry]
canonical_url: https://ada.example/notes-from-hugo/
description: What Hugo taught me about engines.
---
Hugo's body, with `code` and a [link](https://example.com).

```python
print("hi")
```
"""

DRAFT = """\
---
title: A draft idea
author: Ada Lovelace
date: 2021-01-01
draft: true
---
Not ready yet.
"""


def write(folder, files):
    for name, text in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(text if isinstance(text, bytes) else text.encode())
    return folder


def site_files():
    return {
        "_posts/2022-05-06-hello-world.md": JEKYLL,
        "content/posts/notes-from-hugo.md": HUGO,
        "content/posts/draft.md": DRAFT,
        "_drafts/later.markdown": "---\ntitle: Later\nauthor: Ada Lovelace\n---\nSoon.\n",
        "content/posts/_index.md": "---\ntitle: Posts\n---\nSection page.\n",
        "README.md": "# My site\n\nHow to build it.\n",
        ".git/description.md": "---\ntitle: hidden\n---\nnot imported\n",
        "notes.txt": "not Markdown",
    }


def run(*args, **options):
    out, err = io.StringIO(), io.StringIO()
    call_command("import_markdown", *map(str, args), stdout=out, stderr=err, **options)
    return out.getvalue(), err.getvalue()


@pytest.fixture
def site(tmp_path):
    return write(tmp_path / "site", site_files())


def test_import_creates_each_piece_field_by_field(site):
    out, err = run(site)

    assert Article.objects.count() == 4
    ada = AuthorProfile.objects.get()
    assert (ada.display_name, ada.slug, ada.user.username) == (
        "Ada Lovelace",
        "ada-lovelace",
        "ada-lovelace",
    )
    assert not ada.user.has_usable_password()

    jekyll = Article.objects.get(slug="hello-world-notes-from-jekyll")
    assert jekyll.title == "Hello, world: notes from Jekyll"
    assert jekyll.author == ada
    assert jekyll.status == Article.Status.PUBLISHED
    assert jekyll.published_at == datetime.datetime(2022, 5, 6, tzinfo=UTC)  # from the file name
    assert (
        jekyll.body == "The *first* paragraph of a Jekyll post.\n\n## A heading\n\n- one\n- two\n"
    )
    assert (jekyll.subtitle, jekyll.description, jekyll.canonical_url) == ("", "", "")
    assert sorted(jekyll.tags.values_list("name", flat=True)) == ["Engines", "essays"]

    hugo = Article.objects.get(canonical_url="https://ada.example/notes-from-hugo/")
    assert (hugo.title, hugo.subtitle, hugo.slug) == (
        "Notes from Hugo",
        "Written on a train",
        "notes-from-hugo",
    )
    assert hugo.description == "What Hugo taught me about engines."
    assert hugo.published_at == datetime.datetime(2021, 2, 3, 3, 5, 6, tzinfo=UTC)
    assert hugo.body.startswith("Hugo's body, with `code`")
    assert '<div class="highlight">' in hugo.body_html
    assert sorted(hugo.tags.values_list("name", flat=True)) == ["Engines", "Poetry"]
    assert Tag.objects.filter(name="Engines").count() == 1

    draft = Article.objects.get(title="A draft idea")
    assert (draft.status, draft.published_at) == (Article.Status.DRAFT, None)
    later = Article.objects.get(title="Later")
    assert later.status == Article.Status.DRAFT  # in Jekyll's _drafts/ folder

    assert "Created 4, updated 0, skipped 2, failed 0." in out
    assert "skipped    README.md: no YAML front matter" in out
    assert "skipped    content/posts/_index.md: a Hugo section page" in out
    assert "description.md" not in out and "notes.txt" not in out
    assert err == ""


def test_the_imported_piece_reads_well(client, site):
    run(site)
    hugo = Article.objects.get(title="Notes from Hugo")
    response = client.get(hugo.get_absolute_url())
    assert response.status_code == 200
    html = response.content.decode()
    assert '<link rel="canonical" href="https://ada.example/notes-from-hugo/">' in html
    assert '<a href="/tag/poetry/" rel="tag">Poetry</a>' in html
    text = page_text(response)
    assert "Notes from Hugo Written on a train" in text
    assert "Ada Lovelace 1 min read · Feb 3, 2021" in text
    assert 'print ( "hi" )' in text  # the code block, highlighted


def test_running_again_changes_nothing_then_updates_what_changed(site):
    run(site)
    before = {piece["id"]: piece for piece in Article.objects.values()}
    history = Article.history.count()

    out, _ = run(site)

    assert "Created 0, updated 0, skipped 6, failed 0." in out
    assert {piece["id"]: piece for piece in Article.objects.values()} == before
    assert Article.history.count() == history

    hugo_file = site / "content/posts/notes-from-hugo.md"
    hugo_file.write_text(
        HUGO.replace("title: Notes from Hugo", "title: Notes from Hugo, revised").replace(
            "tags: [Engines, Poetry]", "tags: [Engines]"
        )
    )
    out, _ = run(site)

    assert "Created 0, updated 1, skipped 5, failed 0." in out
    assert "[title, tags]" in out
    hugo = Article.objects.get(canonical_url="https://ada.example/notes-from-hugo/")
    assert hugo.pk in before
    assert hugo.title == "Notes from Hugo, revised"
    assert hugo.slug == "notes-from-hugo"  # matched by canonical_url: the address stays
    assert list(hugo.tags.values_list("name", flat=True)) == ["Engines"]
    assert hugo.edited_at is not None


def test_without_canonical_url_pieces_are_matched_by_writer_and_slug(tmp_path):
    post = tmp_path / "post.md"
    post.write_text("---\ntitle: Same title\nauthor: Ada\nslug: kept\n---\nFirst text.\n")
    run(post)
    post.write_text("---\ntitle: New title\nauthor: Ada\nslug: kept\n---\nSecond text.\n")
    out, _ = run(post)
    piece = Article.objects.get()
    assert (piece.slug, piece.title, piece.body) == ("kept", "New title", "Second text.\n")
    assert "updated    post.md → /@ada/kept/ [title, body]" in out


def test_dry_run_saves_nothing(site):
    out, _ = run(site, dry_run=True)
    assert Article.objects.count() == 0 and User.objects.count() == 0 and Tag.objects.count() == 0
    assert "created    content/posts/notes-from-hugo.md → /@ada-lovelace/notes-from-hugo/" in out
    assert "Would create writers" in out
    assert (
        "Dry run, nothing was saved. Would have created 4, updated 0, skipped 2, failed 0." in out
    )


def test_author_option_and_author_username(tmp_path):
    jane = AuthorProfileFactory(user=UserFactory(username="jane"), slug="jane-doe")
    write(tmp_path, {"a.md": JEKYLL, "b.md": HUGO})
    run(tmp_path, author="jane")
    assert set(Article.objects.values_list("author", flat=True)) == {jane.pk}
    assert AuthorProfile.objects.count() == 1

    (tmp_path / "c.md").write_text(
        "---\ntitle: By username\nauthor: Jane Doe\nauthor_username: jane\n---\nText.\n"
    )
    run(tmp_path / "c.md")
    assert Article.objects.get(title="By username").author == jane

    with pytest.raises(CommandError, match="There is no user “ghost”") as raised:
        run(tmp_path, author="ghost")
    assert raised.value.returncode == 2


def test_a_piece_without_an_author_needs_the_author_option(tmp_path):
    (tmp_path / "anon.md").write_text("---\ntitle: Anonymous\n---\nText.\n")
    err = io.StringIO()
    with pytest.raises(CommandError, match="1 file could not be imported"):
        call_command("import_markdown", str(tmp_path), stdout=io.StringIO(), stderr=err)
    assert "anon.md: no author in the file: name one with --author <username>" in err.getvalue()


def test_existing_tags_are_reused_whatever_their_case(tmp_path):
    tag = TagFactory(name="Essays")
    (tmp_path / "a.md").write_text("---\ntitle: T\nauthor: A\ntags: [essays, essays]\n---\nX\n")
    run(tmp_path)
    assert list(Article.objects.get().tags.all()) == [tag]
    assert Tag.objects.count() == 1


def test_dates_published_flags_and_headings(tmp_path):
    future = (timezone.now() + datetime.timedelta(days=3)).replace(microsecond=0)
    write(
        tmp_path,
        {
            "naive.md": "---\ntitle: Naive\nauthor: A\npublished: 2020-01-02 03:04:05\n---\nX\n",
            "future.md": f"---\ntitle: Soon\nauthor: A\ndate: {future.isoformat()}\n---\nX\n",
            "jekyll-unpublished.md": "---\ntitle: Hidden\nauthor: A\npublished: false\n---\nX\n",
            "undated.md": "---\nauthor: A\n---\n# Title from the heading\n\nText.\n",
        },
    )
    run(tmp_path)
    naive = Article.objects.get(title="Naive")
    assert naive.published_at == datetime.datetime(2020, 1, 2, 3, 4, 5, tzinfo=UTC)
    assert settings.TIME_ZONE == "UTC"
    soon = Article.objects.get(title="Soon")
    assert soon.status == Article.Status.PUBLISHED and soon.published_at == future
    assert not Article.objects.published().filter(pk=soon.pk).exists()  # scheduled
    assert Article.objects.get(title="Hidden").status == Article.Status.DRAFT
    undated = Article.objects.get(title="Title from the heading")
    assert undated.body == "Text.\n"
    assert undated.is_published

    first = undated.published_at
    out, _ = run(tmp_path)
    assert "Created 0, updated 0, skipped 4, failed 0." in out
    assert Article.objects.get(pk=undated.pk).published_at == first  # no date: kept, not bumped


def test_broken_files_are_reported_and_the_rest_imported(tmp_path):
    write(
        tmp_path,
        {
            "good.md": JEKYLL,
            "bad-yaml.md": "---\ntitle: [unclosed\n---\nText\n",
            "toml.md": '+++\ntitle = "TOML"\n+++\nText\n',
            "bad-date.md": "---\ntitle: T\nauthor: A\ndate: someday\n---\nText\n",
            "list.md": "---\n- just\n- a list\n---\nText\n",
            "latin1.md": "---\ntitle: caf\xe9\n---\n".encode("latin-1"),
            "empty.md": "---\ntitle: Empty\nauthor: A\n---\n\n",
            "bad-url.md": "---\ntitle: U\nauthor: A\ncanonical_url: not a url\n---\nText\n",
        },
    )
    out, err = io.StringIO(), io.StringIO()
    with pytest.raises(CommandError, match="7 files could not be imported") as raised:
        call_command("import_markdown", str(tmp_path), stdout=out, stderr=err)
    assert raised.value.returncode == 1
    err = err.getvalue()
    assert "failed     bad-yaml.md: the front matter is not valid YAML" in err
    assert "failed     toml.md: TOML front matter (+++) is not supported" in err
    assert "failed     bad-date.md: `date` is not a date: “someday”" in err
    assert "failed     list.md: the front matter is not a list of `key: value` lines" in err
    assert "failed     latin1.md: not UTF-8 text" in err
    assert "failed     empty.md: the piece has no text below the front matter" in err
    assert "failed     bad-url.md: canonical_url: Enter a valid URL." in err
    assert "Created 1, updated 0, skipped 0, failed 7." in out.getvalue()
    assert Article.objects.get().title == "Hello, world: notes from Jekyll"


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("missing.md", "does not exist"),
        ("photo.jpg", "is not a Markdown file"),
        ("empty-folder", "holds no Markdown files"),
    ],
)
def test_wrong_input_is_refused_with_status_2(tmp_path, name, message):
    path = tmp_path / name
    if name == "photo.jpg":
        path.write_bytes(b"\xff\xd8")
    elif name == "empty-folder":
        path.mkdir()
    with pytest.raises(CommandError, match=message) as raised:
        run(path)
    assert raised.value.returncode == 2


def test_redirect_map_on_request(tmp_path, site):
    out, _ = run(site, redirect_map=tmp_path / "map.csv", base_url="https://byline.example")
    assert (tmp_path / "map.csv").read_text().splitlines() == [
        "old_url,new_url",
        "https://ada.example/notes-from-hugo/,https://byline.example/@ada-lovelace/notes-from-hugo/",
    ]
    assert f"Redirect map (1 addresses): {tmp_path / 'map.csv'}" in out


def test_the_demo_file_imports_like_load_demo():
    demo = Path(settings.BASE_DIR) / "blog" / "demo" / "article.md"
    out, _ = run(demo)
    assert "Created 1, updated 0, skipped 0, failed 0." in out
    before = Article.objects.values().get()

    call_command("load_demo", stdout=io.StringIO())

    assert Article.objects.values().get() == before
    profile = AuthorProfile.objects.get()
    assert (profile.slug, profile.user.username) == ("christianbaghai", "christianbaghai")


def test_a_piece_too_long_to_render_is_reported_and_not_imported(tmp_path):
    write(
        tmp_path,
        {
            "good.md": JEKYLL,
            "huge.md": "---\ntitle: Huge\nauthor: A\n---\n" + "word " * 41_000,
        },
    )
    out, err = io.StringIO(), io.StringIO()
    with pytest.raises(CommandError, match="1 file could not be imported"):
        call_command("import_markdown", str(tmp_path), stdout=out, stderr=err)
    assert "failed     huge.md: body: Keep it under 200,000 characters (this has 204,999)" in (
        err.getvalue()
    )
    assert not Article.objects.filter(title="Huge").exists()
