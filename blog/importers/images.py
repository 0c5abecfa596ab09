"""Fetch a remote image, check and re-encode it as uploads are, and keep it in Byline's storage."""

import hashlib
import io
import urllib.error
import urllib.request

from django.conf import settings
from django.core.files.storage import default_storage

import uploads

FORMATS = uploads.FORMATS  # what a stored copy may be, with its extension
MAX_BYTES = settings.BYLINE_IMPORT_IMAGE_MAX_BYTES
TIMEOUT_SECONDS = 20


class ImageError(Exception):
    """The image could not be fetched or is not an image; the message says why."""


def fetch(url):
    """Return the bytes at `url` (http or https only). The one network call of the importers."""
    if not url.startswith(("https://", "http://")):
        raise ImageError("only http and https addresses are fetched")
    request = urllib.request.Request(url, headers={"User-Agent": "Byline importer"})  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:  # noqa: S310
            data = response.read(MAX_BYTES + 1)
    except urllib.error.HTTPError as error:
        raise ImageError(f"the server answered {error.code} {error.reason}") from error
    except (urllib.error.URLError, OSError, ValueError) as error:
        reason = getattr(error, "reason", error)
        raise ImageError(f"the network refused: {reason}") from error
    if len(data) > MAX_BYTES:
        raise ImageError(f"larger than {MAX_BYTES // (1024 * 1024)} MB")
    return data


def prepare_image(data):
    """Check and re-encode the image exactly as the editor's uploads are (`uploads`).

    The same decoding, pixel and memory limits, metadata stripped and at most 2,000 pixels
    wide. Return `(ContentFile, ext)`, or raise ImageError with the reason.
    """
    try:
        return uploads.process_image(io.BytesIO(data), max_bytes=MAX_BYTES)
    except uploads.ImageRejected as error:
        raise ImageError(error.message) from error


class ImageStore:
    """Copies of remote images under `folder`, named by their source address.

    The same address always maps to the same stored file, so importing again reuses it.
    """

    def __init__(self, folder):
        self.folder = folder.strip("/")
        self._known = {}

    def _name(self, url):
        return f"{self.folder}/{hashlib.sha256(url.encode()).hexdigest()[:24]}"

    def local_url(self, url):
        """Return the address of the stored copy of `url`, fetching it the first time."""
        if url not in self._known:
            base = self._name(url)
            stored = next(
                (
                    f"{base}.{ext}"
                    for ext in FORMATS.values()
                    if default_storage.exists(f"{base}.{ext}")
                ),
                None,
            )
            if stored is None:
                content, ext = prepare_image(fetch(url))
                stored = default_storage.save(f"{base}.{ext}", content)
            self._known[url] = default_storage.url(stored)
        return self._known[url]
