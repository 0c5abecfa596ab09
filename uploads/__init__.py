"""Check and re-encode uploaded images: the one gate every image upload goes through.

An upload is trusted only after Pillow has decoded it as JPEG, PNG, GIF or WebP; its declared
content type and file name are ignored. It is then re-encoded (dropping metadata such as GPS
positions and anything smuggled after the pixels), resized, and returned with the extension of
the format it really is. Pure functions, no models: the editor's upload endpoint, avatars and
cover images all use `process_image`.

Memory is bounded before any pixel is decoded. Byline never shows an image wider than 2,000
pixels (pieces and covers; avatars are 256), so nothing needs more than 16 megapixels decoded
(4,000 × 4,000: twice the displayed width each way, ~64 MB as RGBA). A JPEG is decoded at a
reduced scale (`Image.draft`: 1/2, 1/4 or 1/8, still at least the target size), which lets a
camera's 40-megapixel photo through; PNG, GIF and WebP have no such mode, so their header may
claim at most 16 megapixels. The decoded image is then shrunk with `Image.reduce` before the
exact resize and turned upright in place, so the only other full-size copy is the one Pillow
makes to premultiply an alpha channel: ~140 MB at worst, measured in
tests/blog/test_upload_memory.py.
"""

import io

from django.core.files.base import ContentFile
from django.template.defaultfilters import filesizeformat
from PIL import ExifTags, Image, ImageOps, ImageSequence, UnidentifiedImageError

__all__ = [
    "ACCEPT",
    "FORMATS",
    "MAX_BYTES",
    "MAX_DECODED_PIXELS",
    "MAX_PIXELS",
    "ImageRejected",
    "check_pixels",
    "process_image",
]

# Pillow format name -> file extension. Nothing else is ever decoded (no SVG, no TIFF, no PSD).
FORMATS = {"JPEG": "jpg", "PNG": "png", "GIF": "gif", "WEBP": "webp"}
ACCEPT = "image/jpeg,image/png,image/gif,image/webp"  # for <input type=file accept=...>
MAX_BYTES = 10 * 1024 * 1024
MAX_PIXELS = 40_000_000  # a JPEG's size before `draft()`; any other format's true size
MAX_DECODED_PIXELS = 16_000_000  # pixels actually decoded (see the module docstring)
MAX_FRAMES = 300
QUALITY = 85
_READ_ERRORS = (OSError, SyntaxError, ValueError, EOFError, IndexError, TypeError, MemoryError)


class ImageRejected(ValueError):
    """The upload is not an image Byline accepts; `message` says why, for the writer."""

    def __init__(self, message, code="invalid"):
        super().__init__(message)
        self.message = message
        self.code = code


def process_image(
    file,
    *,
    max_width=2000,
    square=False,
    max_bytes=MAX_BYTES,
    max_pixels=MAX_PIXELS,
    max_decoded_pixels=MAX_DECODED_PIXELS,
    quality=QUALITY,
):
    """Decode `file`, refuse anything but a sane JPEG/PNG/GIF/WebP, re-encode and resize it.

    Return `(ContentFile, ext)`: the new image (named `image.<ext>`; callers choose the real
    name) and the extension of its detected format. `square=True` crops to a centred square of
    at most `max_width` pixels (avatars). Raise `ImageRejected` with a readable message.
    """
    data = _read_limited(file, max_bytes)
    try:
        image = Image.open(io.BytesIO(data), formats=list(FORMATS))
    except Image.DecompressionBombError as error:
        raise _too_many_pixels(None, max_pixels, max_decoded_pixels) from error
    except UnidentifiedImageError as error:
        raise ImageRejected(
            "This file is not an image Byline accepts: upload a JPEG, PNG, GIF or WebP "
            "picture (SVG and other formats are refused).",
            "unsupported",
        ) from error
    except _READ_ERRORS as error:
        raise _unreadable() from error

    with image:
        if image.format not in FORMATS:  # defensive: `formats=` already limits decoders
            raise ImageRejected("This image format is not accepted.", "unsupported")
        check_pixels(image, max_pixels=max_pixels, max_decoded_pixels=max_decoded_pixels)
        width, height = image.size
        frames = getattr(image, "n_frames", 1)
        animated = frames > 1 and not square
        if animated and (frames > MAX_FRAMES or width * height * frames > max_pixels // 2):
            raise ImageRejected(
                f"This animation is too big ({frames} frames of {width} × {height} pixels): "
                "use fewer or smaller frames.",
                "too_big",
            )
        try:
            if animated:
                payload = _encode_animation(image, max_width)
            else:
                target = _target_size(image, max_width, square)
                if image.format == "JPEG":
                    image.draft(None, target)  # decode at 1/2, 1/4 or 1/8 scale when it can
                    if image.width * image.height > max_decoded_pixels:
                        raise _too_many_pixels((width, height), max_pixels, max_decoded_pixels)
                payload = _encode_still(image, target, max_width, square, quality)
        except ImageRejected:  # a ValueError too: keep its own message, not "could not be read"
            raise
        except Image.DecompressionBombError as error:
            raise _too_many_pixels(image.size, max_pixels, max_decoded_pixels) from error
        except _READ_ERRORS as error:
            raise _unreadable() from error
        ext = FORMATS[image.format]
    return ContentFile(payload, name=f"image.{ext}"), ext


def check_pixels(image, *, max_pixels=MAX_PIXELS, max_decoded_pixels=MAX_DECODED_PIXELS):
    """Refuse an opened, not yet decoded image whose header claims more pixels than Byline
    decodes (a JPEG may claim more: decode it with `draft()`). Raise `ImageRejected`."""
    width, height = image.size
    cap = max_pixels if image.format == "JPEG" else max_decoded_pixels
    if width < 1 or height < 1 or width * height > cap:
        raise _too_many_pixels(image.size, max_pixels, max_decoded_pixels)


def _read_limited(file, max_bytes):
    size = getattr(file, "size", None)
    if size is not None and size > max_bytes:
        raise _too_large(size, max_bytes)
    if hasattr(file, "seek"):
        file.seek(0)
    data = file.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise _too_large(len(data), max_bytes)
    if not data:
        raise ImageRejected("The file is empty.", "empty")
    return data


def _too_large(size, max_bytes):
    return ImageRejected(
        f"This file is too large ({filesizeformat(size)}): images can be at most "
        f"{filesizeformat(max_bytes)}.",
        "too_large",
    )


def _too_many_pixels(size, max_pixels, max_decoded_pixels):
    described = f" ({size[0]} × {size[1]} pixels)" if size else ""
    return ImageRejected(
        f"This image has too many pixels{described}: PNG, GIF and WebP images can have at most "
        f"{max_decoded_pixels // 1_000_000} megapixels (JPEG photos "
        f"{max_pixels // 1_000_000}).",
        "too_big",
    )


def _unreadable():
    return ImageRejected(
        "This image could not be read: the file is damaged or incomplete.", "unreadable"
    )


def _flatten_palette(image):
    """Give Pillow's resampling filters a mode they work on (not 1-bit, palette or CMYK)."""
    if image.mode == "P":
        return image.convert("RGBA" if "transparency" in image.info else "RGB")
    if image.mode in {"1", "I;16", "I;16B", "I;16L", "I", "F"}:
        return image.convert("L") if image.mode == "1" else image.convert("RGB")
    if image.mode not in {"L", "LA", "RGB", "RGBA"}:
        return image.convert("RGBA" if "A" in image.mode else "RGB")
    return image


def _fit(image, max_width, square):
    if square:
        side = min(max_width, image.width, image.height)
        return ImageOps.fit(image, (side, side), Image.Resampling.LANCZOS)
    if image.width > max_width:
        height = max(1, round(image.height * max_width / image.width))
        return image.resize((max_width, height), Image.Resampling.LANCZOS)
    return image


_SWAPS_SIDES = {5, 6, 7, 8}  # EXIF orientations that turn the picture by 90 degrees


def _target_size(image, max_width, square):
    """The smallest decoded size (in the file's own orientation) the final image needs."""
    width, height = image.size
    if square:
        side = min(max_width, width, height)
        return side, side
    rotated = image.getexif().get(ExifTags.Base.Orientation) in _SWAPS_SIDES
    shown_width, shown_height = (height, width) if rotated else (width, height)
    if shown_width > max_width:
        shown_width, shown_height = max_width, max(1, shown_height * max_width // shown_width)
    return (shown_height, shown_width) if rotated else (shown_width, shown_height)


def _shrink(image, target):
    """Box-average by a whole factor while both sides stay at least the target's (cheap, small)."""
    factor = min(image.width // target[0], image.height // target[1])
    return image.reduce(factor) if factor >= 2 else image


def _encode_still(image, target, max_width, square, quality):
    fmt = image.format
    icc_profile = image.info.get("icc_profile")
    image.load()  # decode every byte now: truncated or corrupt data fails here
    image = _shrink(_flatten_palette(image), target)
    ImageOps.exif_transpose(image, in_place=True)  # honour the camera's rotation, drop EXIF
    image = _fit(image, max_width, square)
    out = io.BytesIO()
    options = {"icc_profile": icc_profile} if icc_profile else {}
    if fmt == "JPEG":
        if image.mode not in {"L", "RGB"}:
            image = image.convert("RGB")
        image.save(out, "JPEG", quality=quality, optimize=True, progressive=True, **options)
    elif fmt == "PNG":
        image.save(out, "PNG", optimize=True, **options)
    elif fmt == "WEBP":
        if image.mode not in {"RGB", "RGBA"}:
            image = image.convert("RGBA" if "A" in image.mode else "RGB")
        image.save(out, "WEBP", quality=quality, method=4, **options)
    else:  # GIF
        image.save(out, "GIF", optimize=True)
    return out.getvalue()


def _encode_animation(image, max_width):
    fmt = image.format
    frames, durations = [], []
    for frame in ImageSequence.Iterator(image):
        durations.append(frame.info.get("duration", 100) or 100)
        frames.append(_fit(frame.convert("RGBA"), max_width, square=False))
    out = io.BytesIO()
    options = {
        "save_all": True,
        "append_images": frames[1:],
        "duration": durations,
        "loop": image.info.get("loop", 0),
    }
    if fmt == "GIF":
        frames[0].save(out, "GIF", disposal=2, optimize=False, **options)
    else:
        frames[0].save(out, "WEBP", quality=QUALITY, **options)
    return out.getvalue()
