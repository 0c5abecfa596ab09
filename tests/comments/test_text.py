from html.parser import HTMLParser

import pytest

from comments.text import count_links, render_body

XSS = [
    "<script>alert(1)</script>",
    '<img src=x onerror="alert(1)">',
    '<a href="javascript:alert(1)">x</a>',
    "javascript:alert(1)",
    '"><svg onload=alert(1)>',
    "<iframe src=//evil.example></iframe>",
    'http://example.com/"onmouseover="alert(1)',
    "<<script>script>alert(1)<</script>/script>",
]


def test_line_breaks_are_kept_and_windows_newlines_unified():
    assert render_body("one\r\ntwo\n\nthree") == "one<br>two<br><br>three"


def test_web_addresses_become_links_with_the_required_rel():
    html = render_body("see https://example.com/a?b=1&c=2 now")
    assert (
        '<a href="https://example.com/a?b=1&amp;c=2" rel="nofollow ugc noopener">'
        "https://example.com/a?b=1&amp;c=2</a>" in html
    )
    assert count_links(html) == 1


def test_bare_domains_are_linked_over_http():
    assert 'href="http://www.example.org"' in render_body("go to www.example.org")


def parsed_tags(html):
    """Every element a browser would build from the HTML, with its attributes."""
    tags = []

    class Collector(HTMLParser):
        def handle_starttag(self, tag, attrs):
            tags.append((tag, dict(attrs)))

    Collector().feed(html)
    return tags


@pytest.mark.parametrize("payload", XSS)
def test_markup_is_escaped_never_interpreted(payload):
    for tag, attrs in parsed_tags(render_body(payload)):
        assert tag in {"a", "br"}
        if tag == "a":
            assert set(attrs) == {"href", "rel"}
            assert attrs["href"].startswith(("http://", "https://", "mailto:"))
            assert attrs["rel"] == "nofollow ugc noopener"


def test_escaped_payload_keeps_the_text_readers_typed():
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in render_body("<script>alert(1)</script>")
