"""`<time datetime>` values are valid HTML everywhere: one filter, at most second precision."""

import datetime
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.template import Context, Template
from django.test import override_settings

from tests.factories import ArticleFactory

pytestmark = pytest.mark.django_db

MICROSECONDS = datetime.datetime(2026, 3, 4, 5, 6, 7, 891234, tzinfo=datetime.UTC)


def render(value):
    template = Template("{% load blog_tags %}{{ value|machine_time }}")
    return template.render(Context({"value": value}))


def test_datetimes_lose_their_fraction_of_a_second_in_the_current_time_zone():
    assert render(MICROSECONDS) == "2026-03-04T05:06:07+00:00"
    with override_settings(TIME_ZONE="Europe/Paris"):
        assert render(MICROSECONDS) == "2026-03-04T06:06:07+01:00"


def test_dates_and_missing_values():
    assert render(datetime.date(2026, 3, 4)) == "2026-03-04"
    assert render(None) == ""


def test_every_time_element_in_the_templates_uses_the_filter():
    offenders = []
    for path in sorted(Path(settings.BASE_DIR, "templates").rglob("*.html")):
        for attribute in re.findall(r'<time\b[^>]*\bdatetime="([^"]*)"', path.read_text()):
            if not re.fullmatch(r"\{\{ [\w.]+\|machine_time \}\}", attribute):
                offenders.append(f"{path.name}: {attribute}")
    assert offenders == []


def test_a_list_page_prints_no_microseconds(client):
    ArticleFactory(published_at=MICROSECONDS)
    html = client.get("/").content.decode()
    assert 'datetime="2026-03-04T05:06:07+00:00"' in html
    assert not re.search(r'datetime="[^"]*\.\d{4,}', html)
