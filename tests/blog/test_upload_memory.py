"""Decoding an upload has a bounded memory cost, whatever its pixel count claims.

Each image is processed in a fresh Python process: its peak resident set size (VmHWM, reset
just before the call through /proc/self/clear_refs; getrusage's ru_maxrss would carry the test
runner's own peak across fork and exec) minus its resident size before the call is what
`uploads.process_image` needed.
"""

import json
import os
import struct
import subprocess
import sys
import zlib
from pathlib import Path

import pytest
from PIL import Image

import uploads

ROOT = Path(__file__).resolve().parents[2]
# Measured on this code: ~80 MB for the 6300 × 6300 JPEG at 2000 pixels, ~5 MB as an avatar,
# ~140 MB for the worst case, a 16-megapixel RGBA PNG (64 MB decoded, and Pillow premultiplies
# the alpha into a second full-size copy before it resamples). Before `draft()`/`reduce()` and
# the 16-megapixel cap: 370 MB, 310 MB and 510 MB (for a 40-megapixel PNG).
MAX_EXTRA_MB = 150

PROBE = """
import io, json, sys
import django
django.setup()
import uploads
from blog.importers import images
from django.core.files.base import ContentFile
from PIL import Image
path, max_width, square = sys.argv[1], sys.argv[2], sys.argv[3] == "1"
data = open(path, "rb").read()
def status_kb(field):
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith(field + ":"))
with open("/proc/self/clear_refs", "w") as clear_refs:
    clear_refs.write("5")  # resets VmHWM, the peak resident set size, to the current size
before = status_kb("VmRSS")
try:
    if max_width == "import":  # the importers' check of a fetched image
        result = {"ext": images.prepare_image(data)[1]}
    else:
        content, ext = uploads.process_image(ContentFile(data), max_width=int(max_width),
                                             square=square)
        result = {"size": Image.open(io.BytesIO(content.read())).size, "ext": ext}
except uploads.ImageRejected as error:
    result = {"refused": error.message, "code": error.code}
except images.ImageError as error:
    result = {"refused": str(error), "code": "import"}
after = status_kb("VmHWM")
result["extra_mb"] = round((after - before) / 1024)
result["peak_mb"] = round(after / 1024)
print(json.dumps(result))
"""


def solid_png(path, width, height, mode="RGBA"):
    """Write a one-colour PNG row by row: megapixels on the header, a few KB on disk."""
    channels = {"RGB": 3, "RGBA": 4}[mode]
    colour_type = {"RGB": 2, "RGBA": 6}[mode]

    def chunk(kind, body):
        crc = struct.pack(">I", zlib.crc32(kind + body))
        return struct.pack(">I", len(body)) + kind + body + crc

    compressor = zlib.compressobj(9)
    row = b"\0" + b"\x80\x40\x20\xff"[:channels] * width
    idat = b"".join(compressor.compress(row) for _ in range(height)) + compressor.flush()
    header = struct.pack(">IIBBBBB", width, height, 8, colour_type, 0, 0, 0)
    path.write_bytes(
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")
    )
    return path


def photo_jpeg(path, width, height):
    """A JPEG with some detail (a gradient), like the 6300 × 6300 one of the report."""
    gradient = Image.linear_gradient("L").resize((width, height))
    Image.merge("RGB", (gradient, gradient.transpose(Image.Transpose.ROTATE_90), gradient)).save(
        path, "JPEG", quality=70
    )
    return path


def process_in_subprocess(path, max_width=2000, square=False):
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings_test"}
    completed = subprocess.run(
        [sys.executable, "-c", PROBE, str(path), str(max_width), "1" if square else "0"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    return json.loads(completed.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def big_jpeg(tmp_path_factory):
    return photo_jpeg(tmp_path_factory.mktemp("images") / "big.jpg", 6300, 6300)


def test_a_6300_pixel_jpeg_is_decoded_at_reduced_scale(big_jpeg):
    assert big_jpeg.stat().st_size < uploads.MAX_BYTES
    result = process_in_subprocess(big_jpeg)
    assert result.get("size") == [2000, 2000], result
    assert result["extra_mb"] < MAX_EXTRA_MB, result


def test_a_6300_pixel_jpeg_avatar_is_decoded_at_reduced_scale(big_jpeg):
    result = process_in_subprocess(big_jpeg, max_width=256, square=True)
    assert result.get("size") == [256, 256], result
    assert result["extra_mb"] < MAX_EXTRA_MB, result


def test_the_largest_accepted_png_stays_within_the_bound(tmp_path):
    side = int(uploads.MAX_DECODED_PIXELS**0.5)
    result = process_in_subprocess(solid_png(tmp_path / "large.png", side, side))
    assert result.get("size") == [2000, 2000], result
    assert result["extra_mb"] < MAX_EXTRA_MB, result


def test_a_tiny_png_claiming_many_pixels_is_refused_before_decoding(tmp_path):
    path = solid_png(tmp_path / "bomb.png", 7000, 5700)  # 39.9 MP: under the JPEG cap
    assert path.stat().st_size < 200_000
    result = process_in_subprocess(path)
    assert result.get("code") == "too_big", result
    assert result["refused"] == (
        "This image has too many pixels (7000 × 5700 pixels): PNG, GIF and WebP images can "
        "have at most 16 megapixels (JPEG photos 40)."
    )
    assert result["extra_mb"] < 20, result


def test_a_rotated_jpeg_is_not_decoded_below_its_displayed_width(tmp_path):
    # Stored 4500 × 1500, shown 1500 × 4500 (EXIF orientation 6): 1500 pixels wide is under
    # 2000, so no reduced-scale decoding may happen.
    exif = Image.Exif()
    exif[0x0112] = 6
    path = tmp_path / "portrait.jpg"
    Image.new("RGB", (4500, 1500), "teal").save(path, "JPEG", exif=exif.tobytes())
    result = process_in_subprocess(path)
    assert result.get("size") == [1500, 4500], result


def test_the_importers_check_fetched_images_within_the_same_bounds(big_jpeg, tmp_path):
    result = process_in_subprocess(big_jpeg, max_width="import")
    assert result.get("ext") == "jpg", result
    assert result["extra_mb"] < MAX_EXTRA_MB, result
    result = process_in_subprocess(solid_png(tmp_path / "bomb.png", 7000, 5700), "import")
    assert "too many pixels (7000 × 5700 pixels)" in result.get("refused", ""), result
    assert result["extra_mb"] < 20, result
