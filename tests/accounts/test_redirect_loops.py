import pytest

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("path", ["/accounts/login/", "/accounts/signup/"])
def test_a_signed_in_reader_sent_back_to_the_same_page_is_not_looped(client, path):
    client.force_login(UserFactory())
    response = client.get(f"{path}?next={path}")
    assert response.status_code == 302
    assert response["Location"] == "/"
