"""The release: which code rendered a stored page or fragment.

Stored entries are keyed by it, so a new release never serves what the old code rendered
(templates, static file names, views), however it was deployed, and servers running
different code never mix their entries. Set PAGECACHE_RELEASE (a commit hash, an image tag)
or let a digest of the project's own files stand for it.
"""

import functools
import hashlib
import os
import stat
from pathlib import Path

import django
from django.conf import settings

from . import conf

SOURCE_SUFFIXES = {".py", ".html", ".txt", ".xml", ".json"}
SKIPPED_DIRS = {"node_modules", "__pycache__", "media", "backups", "tests", "docs", "bench"}
SKIPPED_DIRS |= {"venv", "env", "staticfiles", "test-results"}
LARGEST_SOURCE = 1024 * 1024  # bigger files (data dumps) count by name and size only


def release():
    return conf.get("PAGECACHE_RELEASE") or source_digest()


@functools.cache
def source_digest():
    """A digest of the project's templates and code (under BASE_DIR, skipping hidden folders,
    virtualenvs and data), the static files' manifest and Django's version."""
    digest = hashlib.sha256(django.get_version().encode())
    root = settings.BASE_DIR
    skipped = {Path(p).resolve() for p in (settings.MEDIA_ROOT, settings.STATIC_ROOT) if p}
    if root is not None:
        for folder, dirs, files in os.walk(root):
            dirs[:] = sorted(
                name
                for name in dirs
                if not name.startswith(".")
                and name not in SKIPPED_DIRS
                and not name.endswith(".egg-info")
                and (Path(folder) / name).resolve() not in skipped
            )
            for name in sorted(files):
                path = Path(folder) / name
                if path.suffix in SOURCE_SUFFIXES:
                    _add(digest, path, os.fsencode(path.relative_to(root)))
    manifest = Path(settings.STATIC_ROOT or "") / "staticfiles.json"
    if settings.STATIC_ROOT:
        _add(digest, manifest, b"staticfiles.json")
    return digest.hexdigest()[:12]


def _add(digest, path, name):
    """Add a regular file (never a FIFO or a device), whole if it is small enough."""
    try:
        info = path.stat()
        if not stat.S_ISREG(info.st_mode):
            return
        digest.update(name + b"\0" + str(info.st_size).encode())
        if info.st_size <= LARGEST_SOURCE:
            digest.update(path.read_bytes())
    except OSError:
        return
