import threading

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from comments.models import Comment

pytestmark = pytest.mark.django_db


def test_a_double_submitted_form_stores_the_response_once(client, article, trusted):
    client.force_login(trusted)
    url = reverse("comments:respond", args=[article.pk])
    first = client.post(url, {"body": "Same words, twice."})
    second = client.post(url, {"body": "Same words, twice."})
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"]
    assert Comment.objects.filter(article=article, body="Same words, twice.").count() == 1


def test_a_different_response_moments_later_is_still_refused(client, article, trusted):
    client.force_login(trusted)
    url = reverse("comments:respond", args=[article.pk])
    client.post(url, {"body": "One."})
    assert client.post(url, {"body": "Two."}).status_code == 429
    assert Comment.objects.filter(article=article).count() == 1


@pytest.mark.django_db(transaction=True)
@pytest.mark.postgres
def test_two_identical_posts_at_the_same_moment_store_one(article, trusted):
    url = reverse("comments:respond", args=[article.pk])
    statuses = []

    def post():
        browser = Client()
        browser.force_login(trusted)
        statuses.append(browser.post(url, {"body": "Clicked twice."}).status_code)
        connection.close()

    threads = [threading.Thread(target=post) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert statuses == [302, 302]
    assert Comment.objects.filter(body="Clicked twice.").count() == 1
