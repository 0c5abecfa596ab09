"""Images the importers download: what is kept, what is refused and why, and that an address is
fetched once."""

import struct
import zlib
from unittest import mock

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from blog.importers import images
from tests.blog.factories import image_bytes


def png_claiming(width, height):
    """A tiny valid PNG whose header claims `width` x `height` pixels."""
    raw = image_bytes("PNG", size=(1, 1))
    chunk = b"IHDR" + struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)
    patched = raw[:8] + struct.pack(">I", 13) + chunk + struct.pack(">I", zlib.crc32(chunk))
    return patched + raw[8 + 4 + 4 + 13 + 4 :]


def test_a_jpeg_is_checked_re_encoded_and_kept_as_jpg():
    content, ext = images.prepare_image(image_bytes("JPEG", size=(640, 480)))
    assert ext == "jpg" and content.read()[:3] == b"\xff\xd8\xff"


def test_a_format_byline_does_not_keep_is_refused_with_the_formats_it_takes():
    with pytest.raises(images.ImageError, match="not an image Byline accepts: upload a JPEG, PNG"):
        images.prepare_image(image_bytes("BMP"))


def test_an_image_claiming_too_many_pixels_is_refused_before_decoding():
    with pytest.raises(images.ImageError, match=r"too many pixels \(9000 × 9000 pixels\)"):
        images.prepare_image(png_claiming(9000, 9000))


def test_only_web_addresses_are_fetched():
    with pytest.raises(images.ImageError, match="only http and https"):
        images.fetch("file:///etc/passwd")


@pytest.mark.django_db
def test_an_address_already_stored_is_reused_without_fetching():
    store = images.ImageStore("imports/test")
    url = "https://images.example/cat.png"
    stored = default_storage.save(f"{store._name(url)}.png", ContentFile(image_bytes("PNG")))
    with mock.patch.object(images, "fetch", side_effect=AssertionError("fetched")):
        first = store.local_url(url)
        second = store.local_url(url)
    assert first == second == default_storage.url(stored)


@pytest.mark.django_db
def test_an_address_is_fetched_once_per_import():
    store = images.ImageStore("imports/test")
    with mock.patch.object(images, "fetch", return_value=image_bytes("GIF")) as fetch:
        first = store.local_url("https://images.example/dog")
        assert store.local_url("https://images.example/dog") == first
    assert fetch.call_count == 1 and first.endswith(".gif")
