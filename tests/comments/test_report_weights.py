"""Reports weigh by the reporter's standing: throwaway accounts cannot hide a response."""

import datetime

import pytest
from django.utils import timezone

from comments import services
from comments.models import Comment, Report
from tests.factories import UserFactory
from tests.utils import count, established_reader, page_text

pytestmark = pytest.mark.django_db
Status = Comment.Status


def report(client, comment, user):
    client.force_login(user)
    return client.post(f"/responses/{comment.pk}/report/", {"reason": "Rude"}, follow=True)


def test_brand_new_accounts_cannot_send_a_response_back_to_the_queue(client, article, approved):
    for _ in range(5):
        report(client, approved, UserFactory())  # confirmed, but joined today: 0.5 each
    approved.refresh_from_db()
    assert approved.status == Status.APPROVED and count(article) == 1  # 2.5 < 3
    client.logout()
    assert approved.body in client.get(article.get_absolute_url()).content.decode()
    report(client, approved, established_reader())  # 2.5 + 1 reaches 3
    approved.refresh_from_db()
    assert approved.status == Status.PENDING and count(article) == 0


def test_reports_are_weighed_by_standing():
    new = UserFactory()
    unconfirmed = UserFactory(email_confirmed=False)
    no_response = UserFactory(date_joined=timezone.now() - datetime.timedelta(days=60))
    established = established_reader()
    moderator = UserFactory(is_superuser=True)
    assert services.report_weight(unconfirmed) == 0
    assert services.report_weight(new) == 0.5
    assert services.report_weight(no_response) == 0.5
    assert services.report_weight(established) == 1
    assert services.report_weight(moderator) == 3


def test_three_established_readers_send_it_back(client, article, approved):
    for _ in range(3):
        report(client, approved, established_reader())
    approved.refresh_from_db()
    assert approved.status == Status.PENDING and count(article) == 0


def test_a_moderators_report_alone_sends_it_back(client, article, approved, moderator):
    report(client, approved, moderator)
    approved.refresh_from_db()
    assert approved.status == Status.PENDING


def test_every_report_is_kept_for_moderators(client, article, approved):
    for _ in range(4):
        report(client, approved, UserFactory())
    approved.refresh_from_db()
    assert approved.status == Status.APPROVED
    assert approved.report_count == 4 and Report.objects.filter(comment=approved).count() == 4


def test_an_unconfirmed_reader_is_told_to_confirm_instead_of_reporting(client, approved):
    reader = UserFactory(email_confirmed=False)
    client.force_login(reader)
    page = client.get(f"/responses/{approved.pk}/report/")
    assert page.status_code == 200
    assert "Confirm your email address to report responses" in page_text(page)
    assert 'name="reason"' not in page.content.decode()
    response = client.post(f"/responses/{approved.pk}/report/", {"reason": "x"})
    assert "Confirm your email address" in page_text(response)
    assert not Report.objects.exists()
