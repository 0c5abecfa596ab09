"""The shipped deploy/nginx.conf, run by the real nginx in front of a live Byline server."""

import contextlib
import gzip
import http.client
import socket
import threading
import time

import pytest
from django.conf import settings
from django.test import Client

from bench import nginx_local
from tests.factories import ArticleFactory, UserFactory

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        nginx_local.NGINX is None,
        reason="no nginx binary: install the Debian package with `apt-get install -y nginx`",
    ),
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture
def app():
    from pytest_django.live_server_helper import LiveServer

    server = LiveServer("127.0.0.1:0")
    yield server
    if server.thread.is_alive():
        server.stop()


class Relay:
    """A TCP relay in front of the app: stopping it takes the app down for nginx at once,
    kept-alive connections included."""

    def __init__(self, target_port):
        self.target_port = target_port
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.sockets = []
        self.running = True
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while self.running:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            upstream = socket.create_connection(("127.0.0.1", self.target_port))
            self.sockets += [client, upstream]
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(source, sink), daemon=True).start()

    @staticmethod
    def _pipe(source, sink):
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for end in (source, sink):
                with contextlib.suppress(OSError):
                    end.shutdown(socket.SHUT_RDWR)

    def stop(self):
        self.running = False
        self.listener.close()
        for sock in self.sockets:
            try:
                sock.shutdown(socket.SHUT_RDWR)
                sock.close()
            except OSError:
                pass


@pytest.fixture
def relay(app):
    relay = Relay(app.thread.port)
    yield relay
    relay.stop()


@pytest.fixture
def roots(tmp_path):
    static, media = tmp_path / "static", tmp_path / "media"
    (static / "css").mkdir(parents=True)
    css = b"body { color: #111; }\n" * 50
    (static / "css" / "site.0123abcd.css").write_bytes(css)
    (static / "css" / "site.0123abcd.css.gz").write_bytes(gzip.compress(css))
    (media / "uploads").mkdir(parents=True)
    (media / "uploads" / "photo.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 64)
    return static, media


@pytest.fixture
def front(relay, roots, tmp_path):
    static, media = roots
    process, port = nginx_local.start(
        tmp_path / "nginx",
        upstream=f"127.0.0.1:{relay.port}",
        static_root=static,
        media_root=media,
    )
    yield port
    nginx_local.stop(process)


def get(port, path, **headers):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    connection.request("GET", path, headers=headers)
    response = connection.getresponse()
    body = response.read()
    connection.close()
    return response.status, {k.lower(): v for k, v in response.getheaders()}, body


@pytest.fixture
def piece():
    return ArticleFactory(title="Through the front door")


def test_a_second_anonymous_request_is_a_cache_hit(front, piece):
    status, headers, first = get(front, piece.get_absolute_url())
    assert status == 200 and headers["x-cache-status"] == "MISS"
    status, headers, second = get(front, piece.get_absolute_url())
    assert status == 200 and headers["x-cache-status"] == "HIT"
    assert second == first and b"Through the front door" in second
    assert headers["cache-control"].startswith("public, ")


def test_a_signed_in_request_is_never_cached_nor_served_from_the_cache(front, piece):
    url = piece.get_absolute_url()
    browser = Client()
    browser.force_login(UserFactory(username="nadia"))
    cookie = f"{settings.SESSION_COOKIE_NAME}={browser.cookies[settings.SESSION_COOKIE_NAME].value}"
    for _ in range(2):
        status, headers, body = get(front, url, Cookie=cookie)
        assert status == 200 and headers["x-cache-status"] == "BYPASS"
        assert headers["cache-control"] == "private, no-store"
        assert b"nadia" in body
    status, headers, body = get(front, url)
    assert headers["x-cache-status"] == "MISS", "the signed-in page filled the cache"
    assert b"nadia" not in body
    get(front, url)
    status, headers, body = get(front, url, Cookie=cookie)
    assert headers["x-cache-status"] == "BYPASS" and b"nadia" in body


def test_a_stale_page_is_served_while_the_app_is_down(front, relay, piece):
    url = piece.get_absolute_url()
    _, _, page = get(front, url)
    assert get(front, url)[1]["x-cache-status"] == "HIT"
    relay.stop()
    time.sleep(2.2)  # past s-maxage=1 (nginx counts whole seconds): the copy is stale now
    status, headers, body = get(front, url)
    assert status == 200
    assert headers["x-cache-status"] in {"STALE", "UPDATING"}
    assert body == page


def test_pages_are_gzipped_for_clients_that_accept_it(front, piece):
    url = piece.get_absolute_url()
    _, _, plain = get(front, url)
    for _ in range(2):
        status, headers, body = get(front, url, **{"Accept-Encoding": "gzip, deflate, br"})
        assert headers["content-encoding"] == "gzip"
        assert gzip.decompress(body) == plain
    status, headers, body = get(front, url)
    assert "content-encoding" not in headers and body == plain


@pytest.mark.parametrize(
    "accept, coding",
    [
        ("gzip;q=0", None),
        ("GZip ; Q=0.0, deflate", None),
        ("br;q=0, gzip", "gzip"),
        ("gzip;q=0.5", "gzip"),
        ("*;q=0", None),
        ("identity", None),
        ("x-gzip", None),  # nginx's gzip module knows only "gzip": pages agree with it
    ],
)
def test_pages_and_static_files_honour_q_zero(front, piece, accept, coding):
    url = piece.get_absolute_url()
    _, _, plain = get(front, url)
    for path, expected in ((url, plain), ("/static/css/site.0123abcd.css", None)):
        for _ in range(2):  # fetched, then from nginx's cache
            status, headers, body = get(front, path, **{"Accept-Encoding": accept})
            assert status == 200 and headers.get("content-encoding") == coding, (path, accept)
            if expected is not None:
                assert (gzip.decompress(body) if coding else body) == expected


def test_static_and_media_files_are_served_by_nginx(front, roots):
    static, _ = roots
    status, headers, body = get(
        front, "/static/css/site.0123abcd.css", **{"Accept-Encoding": "gzip"}
    )
    assert status == 200 and headers["content-encoding"] == "gzip"
    assert gzip.decompress(body) == (static / "css" / "site.0123abcd.css").read_bytes()
    assert "immutable" in headers["cache-control"] and "x-cache-status" not in headers
    status, headers, _ = get(front, "/media/uploads/photo.png")
    assert status == 200
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["content-type"] == "image/png"
