"""`manage.py generate_pieces`: a realistic, reproducible data set for benchmarks."""

import io

import pytest
from django.core.management import CommandError, call_command

import markup
from blog.models import Article
from blog.search import search_postgres

pytestmark = pytest.mark.django_db


def generate(count, **options):
    out = io.StringIO()
    call_command("generate_pieces", count, stdout=out, **options)
    return out.getvalue()


def snapshot():
    """What a reader would notice about the pieces, in creation order (slugs aside)."""
    return [
        (
            a.title,
            a.subtitle,
            a.body,
            a.status,
            a.author.display_name,
            tuple(t.name for t in a.tags.all()),
        )
        for a in Article.objects.select_related("author").prefetch_related("tags").order_by("id")
    ]


def test_creates_varied_rendered_pieces():
    output = generate(80, seed=3)
    assert "Created 80 pieces" in output and "seed 3" in output
    pieces = list(Article.objects.select_related("author").prefetch_related("tags"))
    assert len(pieces) == 80
    assert len({a.author_id for a in pieces}) >= 4
    assert len({t.name for a in pieces for t in a.tags.all()}) >= 10
    assert all(a.tags.all() for a in pieces)
    words = sorted(a.word_count for a in pieces)
    assert words[0] < 300 and words[-1] > 1200  # short notes and long reads
    assert len({a.published_at.date() for a in pieces if a.published_at}) > 40
    assert Article.objects.published().count() >= 70
    assert {a.status for a in pieces} == {Article.Status.PUBLISHED, Article.Status.DRAFT}
    sample = pieces[5]
    assert sample.body_html == markup.render_markdown(sample.body)  # the one renderer
    assert sample.excerpt and sample.reading_time >= 1
    assert len({a.slug for a in pieces}) == 80
    # Written through blog.services in bulk: revision 1, with its history record.
    assert {a.revision for a in pieces} == {1}
    assert Article.history.filter(history_change_reason="generated").count() == 80


def test_same_seed_same_pieces_and_runs_add_up():
    generate(25, seed=11)
    first = snapshot()
    Article.objects.all().delete()
    generate(25, seed=11)
    assert snapshot() == first
    generate(25, seed=11)  # again on top: new slugs, the same writers
    assert Article.objects.count() == 50
    assert Article.objects.values("author").distinct().count() <= 5


@pytest.mark.slow  # starts worker processes
def test_worker_processes_give_the_same_pieces():
    generate(201, seed=5, jobs=1)
    alone = snapshot()
    Article.objects.all().delete()
    generate(201, seed=5, jobs=2)
    assert snapshot() == alone


@pytest.mark.postgres
def test_pieces_are_searchable_on_postgres():
    generate(30, seed=2)
    assert not Article.objects.filter(search_vector__isnull=True).exists()
    tag = Article.objects.published().first().tags.first()
    assert search_postgres(tag.name).exists()


def test_refuses_a_count_below_one():
    with pytest.raises(CommandError):
        generate(0)
