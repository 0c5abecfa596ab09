"""No 5xx for anything a reader can send: bodies, names, ids and parameters (hypothesis)."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from comments.forms import ResponseForm
from comments.models import MAX_BODY_LENGTH, Comment
from comments.text import normalize_body
from tests.comments.factories import CommentFactory
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

# Anything that can travel in a form: every code point except lone surrogates.
text = st.text(alphabet=st.characters(exclude_categories=["Cs"]), max_size=300)
long_text = st.one_of(text, st.builds(lambda s, n: s * n, text, st.integers(0, 40)))
ids = st.one_of(
    text,
    st.integers(-(2**70), 2**70).map(str),
    st.sampled_from(["", "0", "-1", "1e3", "9" * 30, "1 OR 1=1"]),
)
fuzz = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@fuzz
@given(data=st.dictionaries(st.sampled_from(["body", "parent", "website"]), long_text))
def test_the_form_never_raises(data):
    """Every input gets an answer: the form accepts the body exactly when its trimmed text is
    1 to MAX_BODY_LENGTH characters without NUL, and otherwise says what is wrong."""
    form = ResponseForm(data)
    valid = form.is_valid()
    raw = data.get("body", "")
    body = normalize_body(raw)
    body_ok = "\x00" not in raw and 1 <= len(body) <= MAX_BODY_LENGTH
    assert ("body" in form.errors) is not body_ok
    if valid:
        assert form.cleaned_data["body"] == body
        assert not form.errors
    else:
        assert form.errors
        assert set(form.errors) <= {"body", "parent", "website"}
        assert all(messages for messages in form.errors.values())


@pytest.fixture
def signed_in(client, settings):
    settings.BYLINE_RESPONSES_FLOOD_SECONDS = 0
    settings.BYLINE_RESPONSES_IP_RATE = (0, 1)
    user = UserFactory(username="fuzzer")
    client.force_login(user)
    return client


@fuzz
@given(body=long_text, parent=ids, website=text)
def test_posting_never_fails(signed_in, article, body, parent, website):
    response = signed_in.post(
        f"/responses/piece/{article.pk}/", {"body": body, "parent": parent, "website": website}
    )
    assert response.status_code < 500


@fuzz
@given(body=long_text, reason=text)
def test_editing_hiding_and_reporting_never_fail(client, article, settings, body, reason):
    owner = UserFactory(username="owner")
    comment = CommentFactory(article=article, author=owner)
    client.force_login(owner)
    assert client.post(f"/responses/{comment.pk}/edit/", {"body": body}).status_code < 500
    client.force_login(article.author.user)
    assert client.post(f"/responses/{comment.pk}/hide/", {"reason": reason}).status_code < 500
    client.force_login(UserFactory(username="other"))
    assert client.post(f"/responses/{comment.pk}/report/", {"reason": reason}).status_code < 500


@fuzz
@given(path_id=ids)
def test_response_urls_with_any_id_never_fail(client, path_id):
    for suffix in ("edit/", "delete/", "hide/", "report/"):
        response = client.get(f"/responses/{path_id}/{suffix}")
        assert response.status_code < 500


@fuzz
@given(params=st.dictionaries(text, text, max_size=4))
def test_the_article_page_with_any_parameters(client, article, params):
    CommentFactory(article=article)
    assert client.get(article.get_absolute_url(), params).status_code == 200


@fuzz
@given(
    username=text,
    email=text,
    password=text,
    next_url=st.one_of(text, st.sampled_from(["//evil.example", "https://evil.example/"])),
)
def test_sign_up_and_sign_in_never_fail(client, username, email, password, next_url):
    response = client.post(
        "/accounts/signup/",
        {
            "username": username,
            "email": email,
            "password1": password,
            "password2": password,
            "next": next_url,
        },
    )
    assert response.status_code < 500
    if response.status_code == 302:
        assert not response["Location"].startswith(("//", "http"))
        client.logout()
    response = client.post(
        "/accounts/login/", {"username": username, "password": password, "next": next_url}
    )
    assert response.status_code < 500


# What can be stored: forms refuse NUL characters, and PostgreSQL text cannot hold them.
storable = st.text(
    alphabet=st.characters(exclude_categories=["Cs"], exclude_characters="\x00"), max_size=150
)


@fuzz
@given(name=storable)
def test_any_display_name_renders_inert(client, article, name):
    user = UserFactory(username="named", first_name=name[:150])
    Comment.objects.filter(author=user).delete()
    CommentFactory(article=article, author=user, body=name or "x")
    html = client.get(article.get_absolute_url()).content.decode()
    assert "<script" not in html.split("</head>")[1].replace(
        '<script type="application/ld+json">', ""
    )
