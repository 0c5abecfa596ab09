"""Write a consistent backup of Byline: the database and the uploaded media, in one .tar.gz.

    python scripts/backup.py                     # into backups/byline-YYYYmmddTHHMMSSZ.tar.gz
    python scripts/backup.py --output-dir /srv/backups

The database comes from Django's settings (DATABASE_URL). PostgreSQL is dumped with pg_dump
(custom format, one consistent snapshot; needs Debian's postgresql-client); SQLite is copied
with SQLite's online backup API (consistent while the site runs). Media are added after the
database, so every file the dump refers to is in the archive. The archive holds
manifest.json, database.dump (or database.sqlite3) and media/. Restore with scripts/restore.py.
"""

import argparse
import datetime
import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

FORMAT = "byline-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
ENGINE_NAMES = {"postgresql": "PostgreSQL", "sqlite": "SQLite"}
DUMP_NAMES = {"postgresql": "database.dump", "sqlite": "database.sqlite3"}


class BackupError(Exception):
    """A backup or restore that cannot go ahead; the message says why and what to do."""


def setup_django():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()


def engine_of(settings_dict):
    """'postgresql' or 'sqlite' for a database settings dict; BackupError for anything else."""
    engine = settings_dict["ENGINE"].rsplit(".", 1)[-1]
    if engine == "sqlite3":
        return "sqlite"
    if engine == "postgresql":
        return "postgresql"
    raise BackupError(f"Backups support PostgreSQL and SQLite, not {settings_dict['ENGINE']}.")


def pg_environment(settings_dict):
    """libpq environment variables for a PostgreSQL settings dict (the password stays off argv)."""
    env = dict(os.environ)
    options = settings_dict.get("OPTIONS") or {}
    values = {
        "PGHOST": settings_dict.get("HOST"),
        "PGPORT": settings_dict.get("PORT"),
        "PGUSER": settings_dict.get("USER"),
        "PGPASSWORD": settings_dict.get("PASSWORD"),
        "PGDATABASE": settings_dict.get("NAME"),
        "PGSSLMODE": options.get("sslmode"),
        "PGCONNECT_TIMEOUT": options.get("connect_timeout"),
    }
    for key, value in values.items():
        if value not in (None, ""):
            env[key] = str(value)
    return env


def pg_tool(name):
    path = shutil.which(name)
    if path is None:
        raise BackupError(
            f"{name} is not installed. Install PostgreSQL's client tools "
            "(Debian/Ubuntu: apt-get install -y postgresql-client)."
        )
    return path


def run_tool(args, env):
    result = subprocess.run(args, env=env, capture_output=True, text=True, check=False)  # noqa: S603
    if result.returncode != 0:
        raise BackupError(f"{Path(args[0]).name} failed:\n{result.stderr.strip()}")
    return result


def applied_migrations(connection):
    from django.db.migrations.recorder import MigrationRecorder

    recorder = MigrationRecorder(connection)
    if not recorder.has_table():
        return []
    return sorted([app, name] for app, name in recorder.applied_migrations())


def byline_version():
    from importlib import metadata

    try:
        return metadata.version("byline")
    except metadata.PackageNotFoundError:
        return "unknown"


def dump_database(connection, destination):
    """Write the database of `connection` to `destination`; return the engine name."""
    engine = engine_of(connection.settings_dict)
    if engine == "postgresql":
        run_tool(
            [
                pg_tool("pg_dump"),
                "--format=custom",
                "--no-owner",
                "--no-privileges",
                "--file",
                str(destination),
            ],
            pg_environment(connection.settings_dict),
        )
    else:
        import sqlite3

        connection.ensure_connection()
        target = sqlite3.connect(destination)
        try:
            with target:
                connection.connection.backup(target)
        finally:
            target.close()
    return engine


def media_files(media_root):
    """Every regular file under media_root, as (absolute path, path inside media/)."""
    media_root = Path(media_root)
    if not media_root.is_dir():
        return []
    found = []
    for path in sorted(media_root.rglob("*")):
        if path.is_file() and not path.is_symlink():
            found.append((path, path.relative_to(media_root).as_posix()))
    return found


def content_counts(connection):
    """Rows a person would recognise, for the manifest (best effort: names may change)."""
    counts = {}
    tables = set(connection.introspection.table_names())
    for label, table in [
        ("users", "accounts_user"),
        ("pieces", "blog_article"),
        ("responses", "comments_comment"),
    ]:
        if table in tables:
            with connection.cursor() as cursor:
                cursor.execute(f"SELECT COUNT(*) FROM {connection.ops.quote_name(table)}")  # noqa: S608
                counts[label] = cursor.fetchone()[0]
    return counts


def timestamp(now=None):
    return (now or datetime.datetime.now(datetime.UTC)).strftime("%Y%m%dT%H%M%SZ")


def create_backup(output_dir=None, *, using="default", media_root=None, output=None):
    """Write the archive and return its path.

    output_dir defaults to <project>/backups; media_root to settings.MEDIA_ROOT.
    """
    from django.conf import settings
    from django.db import connections

    connection = connections[using]
    storage = settings.STORAGES.get("default", {}).get("BACKEND", "")
    if media_root is None and not storage.endswith("FileSystemStorage"):
        raise BackupError(
            f"Media are stored with {storage}, not on this machine's disk: back them up "
            "with that service's own tools, and pass --media-root to include a local copy."
        )
    media_root = Path(media_root if media_root is not None else settings.MEDIA_ROOT)
    now = datetime.datetime.now(datetime.UTC)
    if output is None:
        output_dir = Path(output_dir) if output_dir else ROOT / "backups"
        output = output_dir / f"byline-{timestamp(now)}.tar.gz"
    output = Path(output)
    output.parent.mkdir(parents=True, exist_ok=True)

    with tempfile.TemporaryDirectory(prefix="byline-backup-") as work:
        work = Path(work)
        engine = engine_of(connection.settings_dict)
        dump = work / DUMP_NAMES[engine]
        dump_database(connection, dump)  # first: media added after it cover what it refers to
        files = media_files(media_root)
        manifest = {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "created_at": now.isoformat(timespec="seconds"),
            "byline_version": byline_version(),
            "database": {
                "engine": engine,
                "file": dump.name,
                "name": Path(str(connection.settings_dict["NAME"])).name,
                "bytes": dump.stat().st_size,
            },
            "migrations": applied_migrations(connection),
            "counts": content_counts(connection),
            "media": {"files": len(files), "bytes": sum(p.stat().st_size for p, _ in files)},
        }
        (work / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n")

        # Written next to its final name, then renamed: a half-written archive never looks done.
        partial = output.with_name(output.name + ".partial")
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)  # password hashes
        try:
            with os.fdopen(fd, "wb") as raw, tarfile.open(fileobj=raw, mode="w:gz") as archive:
                archive.add(work / MANIFEST, arcname=MANIFEST)
                archive.add(dump, arcname=dump.name)
                media_dir = tarfile.TarInfo("media")
                media_dir.type, media_dir.mode = tarfile.DIRTYPE, 0o755
                media_dir.mtime = int(now.timestamp())
                archive.addfile(media_dir)
                for path, name in files:
                    archive.add(path, arcname=f"media/{name}", recursive=False)
            os.replace(partial, output)
        except BaseException:
            partial.unlink(missing_ok=True)
            raise
    return output


def main(argv=None):
    parser = argparse.ArgumentParser(
        description="Back up Byline's database and media into one .tar.gz (see docs/deploying.md)."
    )
    parser.add_argument(
        "--output-dir", help="folder for the archive (default: backups/ in the project)"
    )
    parser.add_argument("--output", help="exact archive path (overrides --output-dir)")
    parser.add_argument("--media-root", help="media folder (default: settings.MEDIA_ROOT)")
    parser.add_argument("--database", default="default", help="Django database alias")
    args = parser.parse_args(argv)
    try:
        setup_django()
        path = create_backup(
            args.output_dir, using=args.database, media_root=args.media_root, output=args.output
        )
    except BackupError as error:
        print(f"Backup failed: {error}", file=sys.stderr)
        return 1
    manifest = read_manifest(path)
    counts = ", ".join(f"{n} {label}" for label, n in manifest["counts"].items())
    print(
        f"Backed up the {ENGINE_NAMES[manifest['database']['engine']]} database ({counts}) and "
        f"{manifest['media']['files']} media files to {path} "
        f"({path.stat().st_size / 1024:.0f} KiB)."
    )
    return 0


def read_manifest(archive_path):
    """The manifest of an archive; BackupError if it is not a Byline backup."""
    try:
        with tarfile.open(archive_path, "r:gz") as archive:
            member = archive.extractfile(MANIFEST)
            manifest = json.load(member)
    except (OSError, KeyError, tarfile.TarError, ValueError) as error:
        raise BackupError(f"{archive_path} is not a readable Byline backup ({error}).") from None
    if manifest.get("format") != FORMAT:
        raise BackupError(f"{archive_path} is not a Byline backup (no Byline manifest).")
    if manifest.get("format_version", 0) > FORMAT_VERSION:
        raise BackupError(
            f"{archive_path} was written by a newer Byline (backup format "
            f"{manifest['format_version']}); restore it with that version."
        )
    return manifest


if __name__ == "__main__":
    sys.exit(main())
