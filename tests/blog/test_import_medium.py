import datetime
import io
import os
import subprocess
import sys
import zipfile

import pytest
from django.conf import settings
from django.core.files.storage import default_storage
from django.core.management import CommandError, call_command
from django.test import Client
from PIL import Image

from accounts.models import AuthorProfile, User
from blog.importers import images
from blog.models import Article
from tests.factories import AuthorProfileFactory, UserFactory
from tests.utils import page_text

pytestmark = pytest.mark.django_db

DESK = "https://cdn-images-1.medium.com/max/800/1*desk.jpeg"
PLAIN = "https://cdn-images-1.medium.com/max/800/1*plain.png"
GUIDE_URL = "https://medium.com/@janewriter/leaving-medium-keeping-readers-1a2b3c4d5e6f"
SHORT_URL = "https://medium.com/@janewriter/a-short-note-0f9e8d7c6b5a"

RICH_BODY = (
    '<section name="s1" class="section section--body section--first">'
    '<div class="section-divider"><hr class="section-divider"></div>'
    '<div class="section-content"><div class="section-inner sectionLayout--insetColumn">'
    '<h3 name="a" class="graf graf--h3 graf--leading graf--title">'
    "Leaving Medium, keeping readers</h3>"
    '<h4 name="b" class="graf graf--h4 graf-after--h3 graf--subtitle">A field guide</h4>'
    '<p name="c" class="graf graf--p graf-after--h4">Writing is <em class="markup--em">hard</em>, '
    'publishing is <strong class="markup--strong">harder</strong>; read '
    '<a href="https://example.com/guide" '
    'data-href="https://example.com/guide" class="markup--anchor" rel="noopener" target="_blank">'
    'the guide</a> and run <code class="markup--code">make run</code>.</p>'
    '<p name="d" class="graf graf--p graf--empty"><br></p>'
    '<h3 name="e" class="graf graf--h3 graf-after--p">Why move</h3>'
    '<ul class="postList"><li class="graf graf--li">Own your words</li>'
    '<li class="graf graf--li">Keep your readers</li></ul>'
    '<ol class="postList"><li class="graf graf--li">Export</li>'
    '<li class="graf graf--li">Import</li></ol>'
    '<blockquote class="graf graf--blockquote">Words are cheap; <em>readers</em> are not.'
    "</blockquote>"
    '<figure name="i" class="graf graf--figure"><div class="aspectRatioPlaceholder is-locked">'
    f'<img class="graf-image" data-image-id="1*desk.jpeg" alt="A desk by a window" src="{DESK}">'
    '</div><figcaption class="imageCaption">Photo by <a href="https://unsplash.com/@someone" '
    'class="markup--anchor">Some One</a> on Unsplash</figcaption></figure>'
    '<h4 name="j" class="graf graf--h4 graf-after--figure">The code</h4>'
    '<pre name="k" data-code-block-mode="2" data-code-block-lang="python" class="graf graf--pre">'
    '<span class="pre--content">def hello():<br>    return &quot;&lt;hi&gt;&quot;</span></pre>'
    '<pre name="l" data-code-block-mode="2" data-code-block-lang="python" '
    'class="graf graf--pre graf-after--pre"><span class="pre--content">print(hello())</span></pre>'
    "</div></div></section>"
    '<section name="s2" class="section section--body section--last">'
    '<div class="section-divider"><hr class="section-divider"></div>'
    '<div class="section-content"><div class="section-inner sectionLayout--insetColumn">'
    '<p class="graf graf--p graf--leading">After the break.</p>'
    f'<figure class="graf graf--figure"><img class="graf-image" src="{PLAIN}"></figure>'
    '<blockquote class="graf graf--pullquote">Own the relationship.</blockquote>'
    '<div class="graf graf--mixtapeEmbed graf--trailing"><a href="https://example.com/more" '
    'class="markup--anchor markup--mixtapeEmbed-anchor"><strong class="markup--strong">More on '
    "moving</strong><br><em>A longer read</em>example.com</a></div>"
    "</div></div></section>"
)

RICH_MARKDOWN = """\
Writing is *hard*, publishing is **harder**; read [the guide](https://example.com/guide) \
and run `make run`.

## Why move

- Own your words
- Keep your readers

1. Export
2. Import

> Words are cheap; *readers* are not.

<figure markdown="1">
![A desk by a window](https://cdn-images-1.medium.com/max/800/1*desk.jpeg)
<figcaption markdown="span">Photo by [Some One](https://unsplash.com/@someone) \
on Unsplash</figcaption>
</figure>

### The code

```python
def hello():
    return "<hi>"

print(hello())
```

---

After the break.

![](https://cdn-images-1.medium.com/max/800/1*plain.png)

> Own the relationship.

[More on moving](https://example.com/more)
"""


def story(
    title,
    *,
    subtitle="",
    body=None,
    author="Jane Writer",
    handle="janewriter",
    published="2021-03-04T05:06:07.123Z",
    canonical=None,
):
    """A story file the way Medium's export writes it (an h-entry)."""
    if body is None:
        body = f'<p class="graf graf--p">{title} is a story worth telling.</p>'
    time = (
        f'<a href="https://medium.com/p/x"><time class="dt-published" datetime="{published}">'
        "a date</time></a>"
        if published
        else ""
    )
    link = (
        f'<p><a href="{canonical}" class="p-canonical">Canonical link</a></p>' if canonical else ""
    )
    byline = (
        f'By <a href="https://medium.com/@{handle}" class="p-author h-card">{author}</a>\n'
        if author
        else ""  # Medium's drafts: no "By …"
    )
    return f"""<!DOCTYPE html><html><head><meta http-equiv="Content-Type" content="text/html;
charset=utf-8"><title>{title}</title><style>body {{ margin: 0 }}</style></head><body>
<article class="h-entry"><header><h1 class="p-name">{title}</h1></header>
<section data-field="subtitle" class="p-summary">{subtitle}</section>
<section data-field="body" class="e-content">
<section name="s0" class="section section--body section--first">
<div class="section-divider"><hr class="section-divider"></div>
<div class="section-content"><div class="section-inner sectionLayout--insetColumn">
<h3 class="graf graf--h3 graf--leading graf--title">{title}</h3>
{body}</div></div></section></section>
<footer><p>{byline}on {time}.</p>{link}<p>Exported from <a href="https://medium.com">Medium</a> on
November 1, 2024.</p></footer></article></body></html>"""


def rich_story(**overrides):
    options = {"subtitle": "A field guide", "body": RICH_BODY, "canonical": GUIDE_URL}
    return story("Leaving Medium, keeping readers", **{**options, **overrides})


def short_story(**overrides):
    options = {"published": "2022-06-01T08:00:00.000Z", "canonical": SHORT_URL}
    return story("A short note", **{**options, **overrides})


def draft_story(title="Half an idea", **overrides):
    options = {"published": None, "canonical": "https://medium.com/p/5e6f7a8b9c0d"}
    return story(title, **{**options, **overrides})


def export_files():
    return {
        "posts/2021-03-04_Leaving-Medium--keeping-readers-1a2b3c4d5e6f.html": rich_story(),
        "posts/2022-06-01_A-short-note-0f9e8d7c6b5a.html": short_story(),
        "posts/draft_Half-an-idea-5e6f7a8b9c0d.html": draft_story(),
        "profile/profile.html": "<html><body>Jane</body></html>",
        "README.html": "<p>Your Medium export</p>",
    }


def make_zip(path, files):
    with zipfile.ZipFile(path, "w") as archive:
        for name, content in files.items():
            archive.writestr(name, content)
    return path


def make_folder(path, files):
    for name, content in files.items():
        target = path / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content if isinstance(content, bytes) else content.encode())
    return path


def run(*args, **options):
    """Run import_medium; return (stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    call_command("import_medium", *map(str, args), stdout=out, stderr=err, **options)
    return out.getvalue(), err.getvalue()


@pytest.fixture
def export(tmp_path):
    return make_zip(tmp_path / "medium-export.zip", export_files())


@pytest.fixture(autouse=True)
def _in_tmp_path(tmp_path, monkeypatch):
    """The default redirect map lands in the current folder: make that a temporary one."""
    monkeypatch.chdir(tmp_path)


@pytest.fixture(autouse=True)
def _no_network(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("tests must not touch the network")

    monkeypatch.setattr("urllib.request.urlopen", refuse)


def png_bytes(color="red"):
    buffer = io.BytesIO()
    Image.new("RGB", (4, 3), color).save(buffer, "PNG")
    return buffer.getvalue()


# Importing -------------------------------------------------------------------------------


def test_import_creates_each_story_field_by_field(export):
    out, err = run(export)

    assert Article.objects.count() == 3
    piece = Article.objects.get(canonical_url=GUIDE_URL)
    writer = piece.author
    assert (writer.display_name, writer.slug) == ("Jane Writer", "janewriter")
    assert writer.user.username == "janewriter"
    assert (writer.user.first_name, writer.user.last_name) == ("Jane", "Writer")
    assert not writer.user.has_usable_password()
    assert piece.title == "Leaving Medium, keeping readers"
    assert piece.subtitle == "A field guide"
    assert piece.slug == "leaving-medium-keeping-readers"
    assert piece.status == Article.Status.PUBLISHED
    assert piece.published_at == datetime.datetime(2021, 3, 4, 5, 6, 7, 123000, tzinfo=datetime.UTC)
    assert piece.body == RICH_MARKDOWN
    assert piece.description == "" and piece.tags.count() == 0
    assert piece.edited_at is None
    assert piece.excerpt.startswith("Writing is hard, publishing is harder")

    note = Article.objects.get(canonical_url=SHORT_URL)
    assert (note.title, note.subtitle, note.author) == ("A short note", "", writer)
    assert note.body == "A short note is a story worth telling.\n"
    assert note.published_at == datetime.datetime(2022, 6, 1, 8, tzinfo=datetime.UTC)

    draft = Article.objects.get(title="Half an idea")
    assert draft.status == Article.Status.DRAFT
    assert draft.published_at is None
    assert draft.canonical_url == ""  # a draft's Medium address is not a public page
    assert draft.author == writer
    assert Article.objects.published().count() == 2

    assert "Created 3, updated 0, skipped 0, failed 0." in out
    assert (
        "created    posts/2022-06-01_A-short-note-0f9e8d7c6b5a.html → /@janewriter/a-short-note/"
        in out
    )
    assert "/@janewriter/half-an-idea/ (draft)" in out
    assert "Jane Writer (@janewriter)" in out
    assert err == ""


def test_the_imported_story_reads_like_the_original(client, export):
    run(export)
    piece = Article.objects.get(canonical_url=GUIDE_URL)

    response = client.get(piece.get_absolute_url())

    assert response.status_code == 200
    html = response.content.decode()
    assert f'<link rel="canonical" href="{GUIDE_URL}">' in html
    assert f'First published at <a href="{GUIDE_URL}"' in html
    body = html.split('<div class="article__body prose">')[1].split("</div>\n</article>")[0]
    assert "Leaving Medium, keeping readers" not in body  # Medium's duplicated title is gone
    assert "A field guide" not in body
    assert '<h2 id="why-move">Why move' in body and '<h3 id="the-code">The code' in body
    assert "<em>hard</em>" in body and "<strong>harder</strong>" in body
    assert "<code>make run</code>" in body
    assert '<a href="https://example.com/guide" rel="noopener noreferrer">the guide</a>' in body
    assert "<li>Own your words</li>" in body and "<ol>" in body
    assert f'<img alt="A desk by a window" src="{DESK}">' in body
    assert "<figcaption>Photo by <a" in body and "on Unsplash</figcaption>" in body
    assert "<hr>" in body
    assert '<div class="highlight"><pre>' in body and "&lt;hi&gt;" in body
    assert "print" in body and "markdown=" not in body
    text = page_text(response)
    assert "Jane Writer 1 min read · Mar 4, 2021" in text
    assert "A field guide" in text  # the subtitle, shown once, under the title


def test_running_again_updates_the_same_pieces_and_duplicates_nothing(tmp_path, export):
    run(export)
    before = {piece["id"]: piece for piece in Article.objects.values()}

    out, _ = run(export)

    assert "Created 0, updated 0, skipped 3, failed 0." in out
    assert "unchanged  posts/draft_Half-an-idea-5e6f7a8b9c0d.html" in out
    assert {piece["id"]: piece for piece in Article.objects.values()} == before
    assert (User.objects.count(), AuthorProfile.objects.count()) == (1, 1)

    files = export_files()
    files["posts/2021-03-04_Leaving-Medium--keeping-readers-1a2b3c4d5e6f.html"] = rich_story(
        subtitle="A field guide, revised"
    )
    files["posts/2022-06-01_A-short-note-0f9e8d7c6b5a.html"] = short_story(
        body='<p class="graf graf--p">A longer note now.</p>'
    )
    out, _ = run(make_zip(tmp_path / "again.zip", files))

    assert "Created 0, updated 2, skipped 1, failed 0." in out
    assert "[subtitle]" in out and "[body]" in out
    assert Article.objects.count() == 3
    note = Article.objects.get(canonical_url=SHORT_URL)
    assert note.pk in before and note.slug == "a-short-note"
    assert note.body == "A longer note now.\n"
    assert note.edited_at is not None  # readers see that the text changed
    guide = Article.objects.get(canonical_url=GUIDE_URL)
    assert guide.subtitle == "A field guide, revised"
    assert guide.updated_at > before[guide.pk]["updated_at"]


def test_a_renamed_story_keeps_its_address_and_stories_with_one_title_get_two(tmp_path, export):
    run(export)
    files = export_files()
    files["posts/2022-06-01_A-short-note-0f9e8d7c6b5a.html"] = story(
        "A short note, renamed", published="2022-06-01T08:00:00.000Z", canonical=SHORT_URL
    )
    files["posts/2023-01-01_A-short-note-99.html"] = story(
        "A short note", canonical="https://medium.com/@janewriter/a-short-note-99"
    )
    run(make_zip(tmp_path / "again.zip", files))

    renamed = Article.objects.get(canonical_url=SHORT_URL)
    assert (renamed.title, renamed.slug) == ("A short note, renamed", "a-short-note")
    second = Article.objects.get(canonical_url="https://medium.com/@janewriter/a-short-note-99")
    assert second.slug == "a-short-note-2"


def test_dry_run_shows_what_would_happen_and_saves_nothing(tmp_path, export):
    out, err = run(export, dry_run=True)

    assert Article.objects.count() == 0
    assert User.objects.count() == 0 and AuthorProfile.objects.count() == 0
    assert "created    posts/2021-03-04_Leaving-Medium--keeping-readers-1a2b3c4d5e6f.html" in out
    assert "Would create writers" in out and "Jane Writer (@janewriter)" in out
    assert (
        "Dry run, nothing was saved. Would have created 3, updated 0, skipped 0, failed 0." in out
    )
    assert "the redirect map (2 addresses) would go to" in out
    assert not (tmp_path / "medium-redirects.csv").exists()

    run(export)
    before = list(Article.objects.values())
    files = export_files()
    files["posts/2022-06-01_A-short-note-0f9e8d7c6b5a.html"] = short_story(subtitle="New")
    out, _ = run(make_zip(tmp_path / "again.zip", files), dry_run=True)

    assert "Would have created 0, updated 1, skipped 2, failed 0." in out
    assert list(Article.objects.values()) == before


def test_redirect_map_lists_medium_addresses_and_new_ones(tmp_path, export):
    out, _ = run(export)

    path = tmp_path / "medium-redirects.csv"
    assert f"Redirect map (2 addresses): {path}" in out
    assert path.read_text().splitlines() == [
        "old_url,new_url",
        f"{GUIDE_URL},/@janewriter/leaving-medium-keeping-readers/",
        f"{SHORT_URL},/@janewriter/a-short-note/",
    ]

    chosen = tmp_path / "maps" / "jane.csv"
    out, _ = run(export, redirect_map=chosen, base_url="https://byline.example/")
    assert str(chosen) in out
    assert chosen.read_text().splitlines()[1:] == [
        f"{GUIDE_URL},https://byline.example/@janewriter/leaving-medium-keeping-readers/",
        f"{SHORT_URL},https://byline.example/@janewriter/a-short-note/",
    ]


# Writers ---------------------------------------------------------------------------------


def test_author_option_gives_every_story_to_that_writer(export):
    profile = AuthorProfileFactory(user=UserFactory(username="jane"), display_name="Jane W.")
    run(export, author="jane")

    assert set(Article.objects.values_list("author", flat=True)) == {profile.pk}
    assert User.objects.count() == 1 and AuthorProfile.objects.count() == 1


def test_author_option_makes_a_profile_for_a_user_without_one(export):
    UserFactory(username="jane", first_name="Jane", last_name="Doe")
    run(export, author="jane")
    profile = AuthorProfile.objects.get()
    assert (profile.user.username, profile.display_name, profile.slug) == (
        "jane",
        "Jane Doe",
        "jane",
    )
    assert Article.objects.filter(author=profile).count() == 3


def test_an_unknown_author_option_is_a_clear_error(export):
    with pytest.raises(CommandError, match="There is no user “nobody”") as raised:
        run(export, author="nobody")
    assert raised.value.returncode == 2
    assert Article.objects.count() == 0


def test_a_writer_with_the_same_display_name_is_reused(export):
    profile = AuthorProfileFactory(display_name="Jane Writer", slug="jane")
    run(export)
    assert set(Article.objects.values_list("author", flat=True)) == {profile.pk}
    assert AuthorProfile.objects.count() == 1


def test_a_taken_username_gets_a_new_one_for_a_new_writer(export):
    AuthorProfileFactory(
        user=UserFactory(username="janewriter"), slug="janewriter", display_name="Other"
    )
    run(export)
    writer = Article.objects.get(canonical_url=GUIDE_URL).author
    assert writer.display_name == "Jane Writer"
    assert (writer.user.username, writer.slug) == ("janewriter-2", "janewriter-2")


# Bad input -------------------------------------------------------------------------------


def test_broken_files_are_reported_by_name_and_the_rest_is_imported(tmp_path):
    files = {
        **export_files(),
        "posts/2020-01-01_Not-a-story.html": "<html><body><p>Hello</p></body></html>",
        "posts/2020-01-02_Bad-date.html": story("Bad date", published="last tuesday"),
        "posts/2020-01-03_Latin-1.html": "caf\xe9".encode("latin-1"),
        "posts/2020-01-04_No-body.html": story("No body").replace(
            'data-field="body" class="e-content"', ""
        ),
        "posts/notes.txt": "shopping list",
        "posts/draft_Empty.html": story("", body=""),
    }
    out, err = io.StringIO(), io.StringIO()
    with pytest.raises(CommandError, match="4 files could not be imported") as raised:
        call_command(
            "import_medium", str(make_zip(tmp_path / "e.zip", files)), stdout=out, stderr=err
        )
    assert raised.value.returncode == 1

    out, err = out.getvalue(), err.getvalue()
    assert (
        "failed     posts/2020-01-01_Not-a-story.html: not a Medium story: it has no h-entry" in err
    )
    assert (
        "failed     posts/2020-01-02_Bad-date.html: unreadable publish date “last tuesday”" in err
    )
    assert "failed     posts/2020-01-03_Latin-1.html: not UTF-8 text" in err
    assert (
        'failed     posts/2020-01-04_No-body.html: no story body (section data-field="body"' in err
    )
    assert "skipped    posts/notes.txt: not a story" in out
    assert "skipped    posts/draft_Empty.html: empty draft" in out
    assert "Created 3, updated 0, skipped 2, failed 4." in out
    assert "Redirect map (2 addresses)" in out  # written for what was imported
    assert Article.objects.count() == 3
    assert not Article.objects.filter(title__in=["Bad date", "No body"]).exists()


def test_a_piece_that_does_not_fit_the_model_fails_alone(tmp_path):
    files = {
        "posts/a.html": story("x" * 2001, canonical="https://medium.com/@janewriter/long"),
        "posts/b.html": short_story(),
    }
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command(
            "import_medium",
            str(make_zip(tmp_path / "e.zip", files)),
            stdout=io.StringIO(),
            stderr=err,
        )
    assert (
        "failed     posts/a.html: title: Ensure this value has at most 2000 characters"
        in err.getvalue()
    )
    assert Article.objects.get().canonical_url == SHORT_URL


@pytest.mark.parametrize(
    "make_input",
    [
        lambda tmp: tmp / "missing.zip",
        lambda tmp: (tmp / "notes.txt").write_text("hello") and tmp / "notes.txt",
        lambda tmp: make_zip(tmp / "photos.zip", {"photos/cat.jpg": b"x"}),
        lambda tmp: (tmp / "empty").mkdir() or tmp / "empty",
        lambda tmp: (
            (tmp / "fake.zip").write_bytes(b"PK\x03\x04 but not really") and tmp / "fake.zip"
        ),
    ],
    ids=["missing", "text-file", "zip-without-posts", "empty-folder", "damaged-zip"],
)
def test_something_that_is_not_an_export_is_refused_with_status_2(tmp_path, make_input):
    path = make_input(tmp_path)
    with pytest.raises(CommandError) as raised:
        run(path)
    assert raised.value.returncode == 2
    assert str(path) in str(raised.value)
    assert Article.objects.count() == 0


def test_the_command_line_exits_with_status_2_for_a_wrong_file(tmp_path):
    wrong = tmp_path / "notes.txt"
    wrong.write_text("hello")
    result = subprocess.run(
        [sys.executable, "manage.py", "import_medium", str(wrong)],
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings_test"},
        timeout=60,
    )
    assert result.returncode == 2
    assert "is not a Medium export" in result.stderr


def test_an_unpacked_export_folder_imports_the_same(tmp_path):
    folder = make_folder(tmp_path / "medium-export", export_files())
    out, _ = run(folder)
    assert "Created 3, updated 0, skipped 0, failed 0." in out
    out, _ = run(folder / "posts")
    assert "Created 0, updated 0, skipped 3, failed 0." in out
    assert Article.objects.get(canonical_url=GUIDE_URL).body == RICH_MARKDOWN


# Images ----------------------------------------------------------------------------------


def test_download_images_stores_checked_copies_and_reports_refusals(tmp_path, monkeypatch):
    calls = []

    def fake_fetch(url):
        calls.append(url)
        if url == DESK:
            return png_bytes()
        raise images.ImageError("the network refused: [Errno 111] Connection refused")

    monkeypatch.setattr(images, "fetch", fake_fetch)
    export = make_zip(tmp_path / "export.zip", {"posts/guide.html": rich_story()})

    out, err = run(export, download_images=True)

    assert "Created 1, updated 0, skipped 0, failed 0." in out
    piece = Article.objects.get()
    stored = [
        name for name in default_storage.listdir("imports/medium")[1] if name.endswith(".png")
    ]
    assert len(stored) == 1
    local = default_storage.url(f"imports/medium/{stored[0]}")
    assert local.startswith("/media/imports/medium/")
    assert f"![A desk by a window]({local})" in piece.body
    assert DESK not in piece.body
    assert f"![]({PLAIN})" in piece.body  # refused: the original address is kept
    with default_storage.open(f"imports/medium/{stored[0]}") as handle:
        assert Image.open(handle).size == (4, 3)
    assert f"posts/guide.html: kept the original address of {PLAIN}: the network refused" in err
    assert sorted(calls) == sorted([DESK, PLAIN])

    calls.clear()
    out, _ = run(export, download_images=True)
    assert "Created 0, updated 0, skipped 1, failed 0." in out
    assert calls == [PLAIN]  # the stored copy is reused, only the refused one is tried again
    assert len(default_storage.listdir("imports/medium")[1]) == 1


def test_download_images_refuses_what_is_not_an_image(tmp_path, monkeypatch):
    monkeypatch.setattr(images, "fetch", lambda url: b"<html>not an image</html>")
    export = make_zip(tmp_path / "export.zip", {"posts/guide.html": rich_story()})
    _, err = run(export, download_images=True)
    assert f"kept the original address of {DESK}: This file is not an image Byline accepts" in err
    assert DESK in Article.objects.get().body
    assert not default_storage.exists("imports/medium")


def test_dry_run_downloads_nothing(tmp_path, monkeypatch):
    monkeypatch.setattr(images, "fetch", lambda url: pytest.fail("fetched in a dry run"))
    export = make_zip(tmp_path / "export.zip", {"posts/guide.html": rich_story()})
    run(export, download_images=True, dry_run=True)
    assert Article.objects.count() == 0


def test_fetch_turns_a_network_refusal_into_an_image_error(monkeypatch):
    import urllib.error

    def refuse(request, timeout):
        assert request.full_url == DESK and timeout == images.TIMEOUT_SECONDS
        raise urllib.error.URLError(ConnectionRefusedError(111, "Connection refused"))

    monkeypatch.setattr("urllib.request.urlopen", refuse)
    with pytest.raises(images.ImageError, match="the network refused"):
        images.fetch(DESK)
    with pytest.raises(images.ImageError, match="only http and https"):
        images.fetch("file:///etc/passwd")


# Progress --------------------------------------------------------------------------------


class Terminal(io.StringIO):
    def isatty(self):
        return True


def test_progress_bar_only_on_a_terminal(export):
    terminal = Terminal()
    call_command("import_medium", str(export), stdout=io.StringIO(), stderr=terminal)
    assert "Importing stories" in terminal.getvalue() and "/3 [" in terminal.getvalue()

    plain = io.StringIO()
    call_command("import_medium", str(export), stdout=io.StringIO(), stderr=plain)
    assert plain.getvalue() == ""


# Drafts ----------------------------------------------------------------------------------


def test_a_draft_beside_a_published_story_of_the_same_title_stays_apart(tmp_path):
    files = {
        "posts/2022-06-01_A-short-note.html": short_story(),
        "posts/draft_A-short-note-again.html": draft_story(title="A short note"),
    }
    export = make_zip(tmp_path / "export.zip", files)
    run(export)
    out, _ = run(export)

    assert "Created 0, updated 0, skipped 2, failed 0." in out
    published, draft = Article.objects.order_by("pk")
    assert (published.slug, published.status) == ("a-short-note", Article.Status.PUBLISHED)
    assert (draft.slug, draft.status) == ("a-short-note-2", Article.Status.DRAFT)


def test_a_draft_published_on_byline_is_not_unpublished_by_a_new_import(export):
    run(export)
    draft = Article.objects.get(title="Half an idea")
    draft.status = Article.Status.PUBLISHED
    draft.save()

    out, _ = run(export)

    assert "skipped    posts/draft_Half-an-idea-5e6f7a8b9c0d.html: published on Byline" in out
    draft.refresh_from_db()
    assert draft.status == Article.Status.PUBLISHED
    assert Article.objects.count() == 3


# Drafts without a byline: the export's profile names their writer -----------------------------

PROFILE = """<!DOCTYPE html><html><head><title>Profile</title></head><body>
<article class="h-card"><header><img class="u-photo" src="https://cdn-images-1.medium.com/x.png">
<h3 class="p-name">{name}</h3></header><section><ul>
<li>Profile: <a class="u-url" href="https://medium.com/@{handle}">@{handle}</a></li>
<li>Email address: <a class="u-email" href="mailto:jane@example.com">jane@example.com</a></li>
<li>Medium user ID: 1a2b3c4d5e6f</li></ul></section></article></body></html>"""


def drafts_export(tmp_path, *, profile=True, name="Jane Writer", handle="janewriter", **extra):
    files = {
        "medium-export/posts/2022-06-01_A-short-note-0f9e8d7c6b5a.html": short_story(),
        "medium-export/posts/draft_Half-an-idea-5e6f7a8b9c0d.html": draft_story(author=None),
        "medium-export/posts/draft_Loose-ends-9a8b7c6d5e4f.html": draft_story(
            "Loose ends", author=None, canonical="https://medium.com/p/9a8b7c6d5e4f"
        ),
        **extra,
    }
    if profile:
        files["medium-export/profile/profile.html"] = PROFILE.format(name=name, handle=handle)
    return make_zip(tmp_path / "medium-export.zip", files)


def test_drafts_without_a_byline_belong_to_the_exports_owner(tmp_path):
    """A writer with no account yet imports everything, drafts included, in one command."""
    out, err = run(drafts_export(tmp_path))
    assert "failed" not in err, err
    assert "Created 3, updated 0, skipped 0, failed 0." in out
    writer = AuthorProfile.objects.get()  # the byline's writer and the profile's are one
    assert (writer.display_name, writer.user.username, writer.slug) == (
        "Jane Writer", "janewriter", "janewriter"
    )  # fmt: skip
    assert not writer.user.has_usable_password()
    drafts = Article.objects.filter(status=Article.Status.DRAFT)
    assert sorted(drafts.values_list("title", flat=True)) == ["Half an idea", "Loose ends"]
    assert set(Article.objects.values_list("author", flat=True)) == {writer.pk}
    out, err = run(drafts_export(tmp_path))  # again: nothing new
    assert "Created 0" in out and AuthorProfile.objects.count() == 1


def test_an_export_of_drafts_only_creates_its_owner_from_the_profile(tmp_path):
    files = {
        "posts/draft_Half-an-idea-5e6f7a8b9c0d.html": draft_story(author=None),
        "profile/profile.html": PROFILE.format(name="Ada Lovelace", handle="ada.l"),
    }
    out, err = run(make_zip(tmp_path / "drafts.zip", files))
    assert "Created 1, updated 0, skipped 0, failed 0." in out, err
    article = Article.objects.get()
    assert article.status == Article.Status.DRAFT
    assert (article.author.display_name, article.author.user.username) == ("Ada Lovelace", "ada.l")
    # Drafts only: the new writer has no public author page yet.
    assert Client().get(article.author.get_absolute_url()).status_code == 404


def test_the_profile_of_an_unpacked_export_folder_is_read_too(tmp_path):
    files = {
        "posts/draft_Half-an-idea-5e6f7a8b9c0d.html": draft_story(author=None),
        "profile/profile.html": PROFILE.format(name="Jane Writer", handle="janewriter"),
    }
    folder = make_folder(tmp_path / "unpacked", files)
    for path in (folder, folder / "posts"):
        out, err = run(path)
        assert "failed 0." in out, err
    assert Article.objects.get().author.user.username == "janewriter"


def test_an_existing_account_named_by_the_profile_gets_the_drafts(tmp_path):
    profile = AuthorProfileFactory(display_name="Jane Writer", slug="jane")
    run(drafts_export(tmp_path))
    assert set(Article.objects.values_list("author", flat=True)) == {profile.pk}
    assert AuthorProfile.objects.count() == 1


@pytest.mark.parametrize(
    "profile_file, why",
    [
        (None, "the export has no profile/profile.html to take the writer from"),
        ("<html><body><p>Nothing here</p></body></html>", "names no writer"),
        (b"\xff\xfe not text", "names no writer"),
    ],
    ids=["missing", "empty", "not-utf8"],
)
def test_without_a_profile_byline_less_files_fail_by_name_saying_what_to_pass(
    tmp_path, profile_file, why
):
    extra = {} if profile_file is None else {"medium-export/profile/profile.html": profile_file}
    out, err = io.StringIO(), io.StringIO()
    with pytest.raises(CommandError, match="2 files could not be imported") as raised:
        call_command(
            "import_medium",
            str(drafts_export(tmp_path, profile=False, **extra)),
            stdout=out,
            stderr=err,
        )
    assert raised.value.returncode == 1
    err = err.getvalue()
    for name in ("draft_Half-an-idea-5e6f7a8b9c0d.html", "draft_Loose-ends-9a8b7c6d5e4f.html"):
        line = next(line for line in err.splitlines() if name in line)
        assert line.startswith("failed") and "no “By …” line" in line and why in line, line
        assert "--author <username>" in line
    assert Article.objects.get().title == "A short note"  # the story with a byline still came in


def test_the_author_option_still_takes_every_story_without_a_profile(tmp_path):
    profile = AuthorProfileFactory(user=UserFactory(username="jane"))
    out, _ = run(drafts_export(tmp_path, profile=False), author="jane")
    assert "failed 0." in out
    assert set(Article.objects.values_list("author", flat=True)) == {profile.pk}


def test_downloaded_images_are_re_encoded_like_uploads(tmp_path, monkeypatch):
    """A camera's photo: its metadata (GPS) is dropped and it is shrunk to 2,000 px wide."""
    import io

    photo = Image.new("RGB", (3000, 1500), "teal")
    exif = Image.Exif()
    exif[0x8825] = {2: (48.0, 51.0, 24.0)}  # GPSInfo: a latitude
    exif[0x010F] = "PhoneMaker"
    raw = io.BytesIO()
    photo.save(raw, "JPEG", exif=exif)
    assert Image.open(io.BytesIO(raw.getvalue())).getexif()
    monkeypatch.setattr(images, "fetch", lambda url: raw.getvalue())
    export = make_zip(tmp_path / "export.zip", {"posts/guide.html": rich_story()})

    run(export, download_images=True)

    stored = default_storage.listdir("imports/medium")[1]
    assert stored and all(name.endswith(".jpg") for name in stored)
    with default_storage.open(f"imports/medium/{stored[0]}") as handle:
        copy = Image.open(handle)
        assert copy.size == (2000, 1000)
        assert not copy.getexif().get(0x8825) and not copy.getexif().get(0x010F)
