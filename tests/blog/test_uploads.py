"""Images are accepted only after Pillow decodes them; every refusal is clear and stores nothing."""

import io
import struct
import zlib

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import re_path
from django.views.static import serve
from PIL import Image

import uploads
from config.urls import urlpatterns as site_urlpatterns
from tests.blog.factories import image_bytes, make_user

pytestmark = pytest.mark.django_db

UPLOAD_URL = "/write/markdownx/upload/"
AJAX = {"HTTP_X_REQUESTED_WITH": "XMLHttpRequest"}


def png_claiming(width, height):
    """A tiny, valid-looking PNG whose header claims `width` x `height` pixels."""
    raw = image_bytes("PNG", size=(1, 1))
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)
    chunk = b"IHDR" + ihdr
    start = 8  # after the signature: length (4) + "IHDR" + 13 bytes + crc (4)
    patched = raw[:start] + struct.pack(">I", 13) + chunk + struct.pack(">I", zlib.crc32(chunk))
    return patched + raw[start + 4 + 4 + 13 + 4 :]


@pytest.fixture
def writer(client, db):
    user = make_user("uploader", "Writers", profile=True)
    client.force_login(user)
    return user


def stored_files(settings):
    root = settings.MEDIA_ROOT
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def post_upload(client, name, content, content_type):
    upload = SimpleUploadedFile(name, content, content_type=content_type)
    return client.post(UPLOAD_URL, {"image": upload}, **AJAX)


# --- The endpoint ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fmt", "ext"), [("JPEG", "jpg"), ("PNG", "png"), ("GIF", "gif"), ("WEBP", "webp")]
)
def test_each_accepted_format_is_stored_reencoded_under_a_generated_name(
    client, writer, settings, fmt, ext
):
    response = post_upload(client, "holiday photo.bin", image_bytes(fmt), "application/x-whatever")
    assert response.status_code == 200, response.content
    code = response.json()["image_code"]
    assert code.startswith("![](/media/uploads/") and code.endswith(f".{ext})")
    (stored,) = stored_files(settings)
    assert stored.suffix == f".{ext}" and "holiday" not in stored.name
    with Image.open(stored) as image:
        assert image.format == fmt and image.size == (64, 48)
    assert response["Cache-Control"] == "private, no-store"


def test_the_detected_format_wins_over_the_name_and_declared_type(client, writer, settings):
    response = post_upload(client, "photo.jpg", image_bytes("PNG"), "image/jpeg")
    assert response.json()["image_code"].endswith(".png)")
    assert stored_files(settings)[0].suffix == ".png"


REFUSALS = [
    ("text.png", b"just some words, not an image", "image/png", "not an image Byline accepts"),
    (
        "evil.svg",
        b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(document.cookie)</script></svg>',
        "image/svg+xml",
        "SVG and other formats are refused",
    ),
    (
        "page.jpg",
        b"<!doctype html><html><body><script>alert(1)</script></body></html>",
        "image/jpeg",
        "not an image Byline accepts",
    ),
    ("scan.bmp", None, "image/bmp", "not an image Byline accepts"),
    ("empty.png", b"", "image/png", None),
    ("bomb.png", png_claiming(20_000, 20_000), "image/png", "at most 16 megapixels"),
    ("large.png", png_claiming(8_000, 6_000), "image/png", "(8000 × 6000 pixels)"),
    ("cut.jpg", image_bytes("JPEG", size=(400, 300))[:600], "image/jpeg", "damaged or incomplete"),
]


@pytest.mark.parametrize(("name", "content", "content_type", "message"), REFUSALS)
def test_refusals_answer_with_a_clear_json_error_and_store_nothing(
    client, writer, settings, name, content, content_type, message
):
    if content is None:
        content = image_bytes("BMP")
    response = post_upload(client, name, content, content_type)
    assert response.status_code == 400
    payload = response.json()
    assert list(payload) == ["image"] and len(payload["image"]) == 1  # markdownx's error shape
    if message:
        assert message in payload["image"][0]
    assert stored_files(settings) == []


def test_a_file_over_10_mb_is_refused_before_decoding(client, writer, settings):
    content = image_bytes("PNG") + b"\0" * (10 * 1024 * 1024)
    response = post_upload(client, "huge.png", content, "image/png")
    assert response.status_code == 400
    assert "too large" in response.json()["image"][0]
    assert "10.0\xa0MB" in response.json()["image"][0]
    assert stored_files(settings) == []


def test_missing_or_several_files_are_refused(client, writer, settings):
    assert client.post(UPLOAD_URL, {}, **AJAX).status_code == 400
    files = [
        SimpleUploadedFile(f"{n}.png", image_bytes("PNG"), content_type="image/png")
        for n in range(2)
    ]
    response = client.post(UPLOAD_URL, {"image": files}, **AJAX)
    assert response.status_code == 400 and stored_files(settings) == []


def test_the_endpoints_only_answer_post(client, writer):
    assert client.get(UPLOAD_URL).status_code == 405
    assert client.get("/write/markdownx/markdownify/").status_code == 405


def test_the_endpoints_keep_csrf_protection(writer):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    strict.force_login(writer)
    upload = SimpleUploadedFile("a.png", image_bytes("PNG"), content_type="image/png")
    assert strict.post(UPLOAD_URL, {"image": upload}, **AJAX).status_code == 403
    assert strict.post("/write/markdownx/markdownify/", {"content": "x"}).status_code == 403


def test_markdownx_own_urls_are_not_served(client, writer):
    assert client.post("/markdownx/upload/").status_code == 404
    assert client.post("/markdownx/markdownify/", {"content": "x"}).status_code == 404


# --- The image pipeline ---------------------------------------------------------------------


def test_wide_images_are_resized_to_2000_pixels():
    content, ext = uploads.process_image(ContentFile(image_bytes("PNG", size=(3000, 150))))
    with Image.open(io.BytesIO(content.read())) as image:
        assert ext == "png" and image.size == (2000, 100)


def test_square_crops_for_avatars():
    content, ext = uploads.process_image(
        ContentFile(image_bytes("JPEG", size=(900, 600))), max_width=400, square=True
    )
    with Image.open(io.BytesIO(content.read())) as image:
        assert ext == "jpg" and image.size == (400, 400)


def test_metadata_and_trailing_payloads_are_dropped():
    exif = Image.Exif()
    exif[0x010F] = "SecretCam"  # Make
    raw = image_bytes("JPEG", exif=exif.tobytes()) + b"<script>alert(1)</script>"
    content, _ = uploads.process_image(ContentFile(raw))
    data = content.read()
    assert b"SecretCam" not in data and b"<script>" not in data


def test_animated_gifs_keep_their_frames():
    frames = [Image.new("RGB", (3000, 20), color) for color in ("red", "blue", "green")]
    buffer = io.BytesIO()
    frames[0].save(buffer, "GIF", save_all=True, append_images=frames[1:], duration=80, loop=0)
    content, ext = uploads.process_image(ContentFile(buffer.getvalue()))
    with Image.open(io.BytesIO(content.read())) as image:
        assert ext == "gif" and image.n_frames == 3 and image.size == (2000, 13)


def test_rejection_carries_a_code_and_message():
    with pytest.raises(uploads.ImageRejected) as caught:
        uploads.process_image(ContentFile(b"GIF89a not really"))
    assert caught.value.code in {"unsupported", "unreadable"}
    assert str(caught.value) == caught.value.message


# --- Serving uploaded media -----------------------------------------------------------------

urlpatterns = [
    re_path(r"^media/(?P<path>.*)$", serve, {"document_root": None}, name="media"),
    *site_urlpatterns,
]


@pytest.mark.urls(__name__)
def test_uploaded_media_is_served_with_nosniff(client, writer, settings):
    # What config/urls.py adds in DEBUG (django.conf.urls.static), with the test media root.
    urlpatterns[0].default_args["document_root"] = settings.MEDIA_ROOT
    response = post_upload(client, "a.gif", image_bytes("GIF"), "image/gif")
    url = response.json()["image_code"][4:-1]
    served = client.get(url)
    assert served.status_code == 200
    assert served["Content-Type"] == "image/gif"
    assert served["X-Content-Type-Options"] == "nosniff"
