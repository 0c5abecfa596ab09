"""The image gate's less common inputs: animations, odd colour modes, odd file objects and
caps given by the caller. Each either comes out as a sane image or is refused with a message."""

import io

import pytest
from django.core.files.base import ContentFile
from PIL import Image

import uploads
from tests.blog.factories import image_bytes


def animation(fmt, frames, size=(40, 20)):
    colours = ["red", "blue", "green", "yellow"]
    images = [Image.new("RGB", size, colours[i % len(colours)]) for i in range(frames)]
    buffer = io.BytesIO()
    images[0].save(buffer, fmt, save_all=True, append_images=images[1:], duration=80, loop=0)
    return buffer.getvalue()


def reopened(content):
    return Image.open(io.BytesIO(content.read()))


def test_animated_webp_keeps_its_frames_and_stays_webp():
    content, ext = uploads.process_image(ContentFile(animation("WEBP", 3, size=(3000, 20))))
    with reopened(content) as image:
        assert ext == "webp" and image.format == "WEBP"
        assert image.n_frames == 3 and image.size == (2000, 13)


def test_an_animation_with_too_many_pixels_over_all_frames_is_refused():
    # 4 frames of 40 x 20 = 3,200 pixels, over half of a 6,000-pixel cap.
    with pytest.raises(uploads.ImageRejected) as caught:
        uploads.process_image(ContentFile(animation("GIF", 4)), max_pixels=6000)
    assert caught.value.code == "too_big"
    assert caught.value.message.startswith("This animation is too big (4 frames of 40 × 20")


def test_the_same_animation_passes_under_the_default_cap():
    content, ext = uploads.process_image(ContentFile(animation("GIF", 4)))
    with reopened(content) as image:
        assert ext == "gif" and image.n_frames == 4


def test_a_jpeg_that_draft_cannot_shrink_below_the_decode_cap_is_refused():
    # The header is within the JPEG cap, but decoding 100 x 100 at full size exceeds 5,000.
    raw = image_bytes("JPEG", size=(100, 100))
    with pytest.raises(uploads.ImageRejected) as caught:
        uploads.process_image(ContentFile(raw), max_decoded_pixels=5000)
    assert caught.value.code == "too_big"
    assert "(100 × 100 pixels)" in caught.value.message


def test_a_big_jpeg_is_decoded_at_reduced_scale_under_the_same_cap():
    # 800 x 800 = 640,000 pixels claimed; shown at 100 wide, draft decodes 1/8: 100 x 100.
    raw = image_bytes("JPEG", size=(800, 800))
    content, ext = uploads.process_image(ContentFile(raw), max_width=100, max_decoded_pixels=20_000)
    with reopened(content) as image:
        assert ext == "jpg" and image.size == (100, 100)


def png_in_mode(mode, size=(30, 20)):
    buffer = io.BytesIO()
    Image.new(mode, size).save(buffer, "PNG")
    return buffer.getvalue()


@pytest.mark.parametrize(("mode", "result"), [("1", "L"), ("I;16", "RGB")])
def test_one_bit_and_16_bit_pngs_are_reencoded_in_a_displayable_mode(mode, result):
    content, ext = uploads.process_image(ContentFile(png_in_mode(mode)))
    with reopened(content) as image:
        assert ext == "png" and image.mode == result and image.size == (30, 20)


def test_a_cmyk_jpeg_comes_out_as_rgb():
    buffer = io.BytesIO()
    Image.new("CMYK", (30, 20), (0, 255, 255, 0)).save(buffer, "JPEG")
    content, ext = uploads.process_image(ContentFile(buffer.getvalue()))
    with reopened(content) as image:
        assert ext == "jpg" and image.mode == "RGB"
        red, green, blue = image.getpixel((15, 10))
        assert red > 200 and green < 60 and blue < 60


class ReadOnly:
    """A stream with neither `size` nor `seek` (e.g. a socket-like reader)."""

    def __init__(self, data):
        self._stream = io.BytesIO(data)

    def read(self, n=-1):
        return self._stream.read(n)


def test_a_stream_without_seek_or_size_is_read_once():
    content, ext = uploads.process_image(ReadOnly(image_bytes("GIF")))
    with reopened(content) as image:
        assert ext == "gif" and image.size == (64, 48)


def test_a_stream_without_size_is_still_capped_while_reading():
    with pytest.raises(uploads.ImageRejected) as caught:
        uploads.process_image(ReadOnly(image_bytes("PNG")), max_bytes=50)
    assert caught.value.code == "too_large"
    assert "images can be at most 50" in caught.value.message


def test_an_empty_file_is_refused_as_empty():
    with pytest.raises(uploads.ImageRejected) as caught:
        uploads.process_image(ReadOnly(b""))
    assert (caught.value.code, caught.value.message) == ("empty", "The file is empty.")
