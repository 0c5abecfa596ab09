"""Generate a realistic set of pieces for benchmarks: varied lengths, writers, tags and dates.

    python manage.py generate_pieces 10000 --seed 1

Pieces are built in memory, rendered by the model's own `Article.render()` (in parallel
worker processes), and written in bulk by blog.services.articles_bulk_create (a save per piece
would take minutes for 10,000): each is revision 1 with a history record, and its search vector
is filled in the same transaction. The same seed on the same database gives the same pieces.
"""

import math
import multiprocessing
import os
import random
import time
from contextlib import nullcontext
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.text import slugify

import markup
from accounts.models import AuthorProfile
from blog.models import Article, Tag
from blog.services import articles_bulk_create

from ._piece_text import FIRST_NAMES, LAST_NAMES, TOPICS, PieceWriter, Zipf

USERNAME_PREFIX = "generated-"
BATCH_SIZE = 500
YEARS_BACK = 6


_writer = None  # set before the worker processes fork, so they inherit the vocabulary


def write_and_render(spec):
    """Write one body from its own seed and render it the model's way (in a worker process).

    Return the body and what Article.render() derives from it.
    """
    seed, topics, length = spec
    body = _writer.body(random.Random(seed), topics, length)
    article = Article(body=body)
    article.render()
    return body, article.body_html, article.excerpt, article.word_count, article.reading_time


class Command(BaseCommand):
    help = "Create N realistic pieces (with writers and tags) for benchmarks."

    def add_arguments(self, parser):
        parser.add_argument("count", type=int, help="How many pieces to create.")
        parser.add_argument("--seed", type=int, help="Random seed, for the same data again.")
        parser.add_argument(
            "--authors", type=int, help="How many writers (default: one per 40 pieces, min 5)."
        )
        parser.add_argument(
            "--jobs",
            type=int,
            default=os.cpu_count() or 1,
            help="Worker processes writing and rendering bodies (default: one per CPU).",
        )

    def handle(self, *args, count, seed, authors, jobs, **options):
        if count < 1:
            raise CommandError("Give a number of pieces of at least 1.")
        if seed is None:
            seed = random.SystemRandom().randrange(2**32)
        started = time.perf_counter()
        global _writer
        _writer = PieceWriter(random.Random(f"{seed}:vocabulary"))
        jobs = max(1, min(jobs, math.ceil(count / 200)))
        # Forked workers only write and render text: they never use the database connection
        # they inherit, and they end without closing it (os._exit, or SIGTERM on terminate).
        pool = multiprocessing.get_context("fork").Pool(jobs) if jobs > 1 else nullcontext()
        with pool, transaction.atomic():
            number = authors or max(5, count // 40)
            profiles = self.writers(random.Random(f"{seed}:writers"), number)
            tags = self.tags()
            stats = self.pieces(
                random.Random(f"{seed}:pieces"), count, profiles, tags, pool if jobs > 1 else None
            )
        if connection.vendor == "postgresql":
            # Bulk inserts leave the planner's statistics stale: without them it picks plans
            # for a handful of rows (hash joins and full sorts) on every list page.
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        elapsed = time.perf_counter() - started
        self.stdout.write(
            self.style.SUCCESS(
                f"Created {count} pieces ({stats['published']} published, {stats['draft']} "
                f"drafts, {stats['scheduled']} scheduled) by {len(profiles)} writers with "
                f"{len(tags)} tags in {elapsed:.1f} s (seed {seed})."
            )
        )

    def writers(self, rng, number):
        """Return `number` writer profiles, reusing those made by an earlier run."""
        User = get_user_model()
        names = [f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}" for _ in range(number)]
        usernames = [f"{USERNAME_PREFIX}{index:05d}" for index in range(number)]
        existing = set(
            User.objects.filter(username__in=usernames).values_list("username", flat=True)
        )
        password = make_password(None)
        User.objects.bulk_create(
            [
                User(
                    username=username,
                    email=f"{username}@example.com",
                    first_name=name.split()[0],
                    last_name=name.split()[1],
                    password=password,
                )
                for username, name in zip(usernames, names, strict=True)
                if username not in existing
            ]
        )
        users = User.objects.filter(username__in=usernames).in_bulk(field_name="username")
        have = set(
            AuthorProfile.objects.filter(user__username__in=usernames).values_list(
                "user__username", flat=True
            )
        )
        new = []
        for username, name in zip(usernames, names, strict=True):
            if username in have:
                continue
            bio = f"Writes about *{rng.choice(list(TOPICS)).lower()}* and other things."
            new.append(
                AuthorProfile(
                    user=users[username],
                    display_name=name,
                    slug=username,
                    bio=bio,
                    bio_html=markup.render_markdown(bio),
                )
            )
        AuthorProfile.objects.bulk_create(new)
        profiles = AuthorProfile.objects.filter(user__username__in=usernames).order_by("slug")
        return list(profiles)

    def tags(self):
        slugs = {name: slugify(name) for name in TOPICS}
        Tag.objects.bulk_create(
            [Tag(name=name, slug=slug) for name, slug in slugs.items()], ignore_conflicts=True
        )
        by_slug = Tag.objects.filter(slug__in=slugs.values()).in_bulk(field_name="slug")
        return {name: by_slug[slug] for name, slug in slugs.items()}

    def pieces(self, rng, count, profiles, tags, pool):
        authors = Zipf(profiles, exponent=0.8)  # a few prolific writers, many occasional ones
        topics = Zipf(list(TOPICS), exponent=0.7)
        now = timezone.now()
        serial = Article.objects.aggregate(last=Max("id"))["last"] or 0
        stats = {"published": 0, "draft": 0, "scheduled": 0}
        pieces, body_specs = [], []
        for _ in range(count):
            serial += 1
            chosen = list(dict.fromkeys(topics.sample(rng, rng.randint(1, 4))))
            title = _writer.title(rng, chosen)
            subtitle = _writer.subtitle(rng, chosen) if rng.random() < 0.6 else ""
            length = int(min(6000, max(60, rng.lognormvariate(math.log(650), 0.75))))
            roll = rng.random()
            if roll < 0.05:
                status, published_at = Article.Status.DRAFT, None
                stats["draft"] += 1
            elif roll < 0.07:
                status = Article.Status.PUBLISHED
                published_at = now + timedelta(days=rng.uniform(1, 60))
                stats["scheduled"] += 1
            else:
                status = Article.Status.PUBLISHED
                published_at = now - timedelta(days=rng.uniform(0, 365 * YEARS_BACK))
                stats["published"] += 1
            article = Article(
                title=title[:300],
                subtitle=subtitle[:300],
                slug=f"{slugify(title)[:180]}-{serial}",
                author=authors.pick(rng),
                status=status,
                published_at=published_at,
            )
            pieces.append((article, chosen))
            body_specs.append((rng.getrandbits(64), chosen, length))
        # Workers write and render bodies while this process stores the finished ones.
        if pool:
            bodies = pool.imap(write_and_render, body_specs, chunksize=10)
        else:
            bodies = map(write_and_render, body_specs)
        batch = []
        for done, ((article, chosen), fields) in enumerate(zip(pieces, bodies, strict=True), 1):
            (
                article.body,
                article.body_html,
                article.excerpt,
                article.word_count,
                article.reading_time,
            ) = fields
            batch.append((article, chosen))
            if len(batch) == BATCH_SIZE or done == count:
                self.store(batch, tags)
                batch = []
                self.stdout.write(f"  {done} / {count}", ending="\r")
        self.stdout.write("")
        return stats

    def store(self, batch, tags):
        articles_bulk_create(
            articles=[article for article, _ in batch],
            tags=[[tags[name] for name in chosen] for _, chosen in batch],
            reason="generated",
        )
