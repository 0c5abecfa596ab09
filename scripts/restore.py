"""Restore a backup written by scripts/backup.py into an empty database, with its media.

    python scripts/restore.py backups/byline-20260101T030000Z.tar.gz
    python scripts/restore.py FILE --force      # replace a database that already has data

The target is Django's database (DATABASE_URL) and MEDIA_ROOT. Without --force, a database that
already has tables, or a media file that would be overwritten by a different one, stops the
restore before anything changes. PostgreSQL is restored in one transaction (pg_restore's SQL
run by psql --single-transaction): it lands whole or not at all.
"""

import argparse
import datetime
import filecmp
import shutil
import sqlite3
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from scripts.backup import (  # noqa: E402
    DUMP_NAMES,
    ENGINE_NAMES,
    BackupError,
    engine_of,
    pg_environment,
    pg_tool,
    read_manifest,
    run_tool,
    setup_django,
)

# With --force on PostgreSQL: every table, view, sequence and text-search configuration of the
# current schema goes first (in the same transaction as the restore), so tables of later
# migrations cannot linger.
DROP_EVERYTHING = """
DO $$
DECLARE r record;
BEGIN
  FOR r IN SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
           WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p')
  LOOP
    EXECUTE format('DROP TABLE IF EXISTS %I CASCADE', r.relname);
  END LOOP;
  -- What the tables did not take with them (identity sequences and dependent views went).
  FOR r IN SELECT c.relname, c.relkind FROM pg_class c
           JOIN pg_namespace n ON n.oid = c.relnamespace
           WHERE n.nspname = current_schema() AND c.relkind IN ('v', 'm', 'S')
  LOOP
    EXECUTE format(
      CASE r.relkind WHEN 'v' THEN 'DROP VIEW IF EXISTS %I CASCADE'
                     WHEN 'm' THEN 'DROP MATERIALIZED VIEW IF EXISTS %I CASCADE'
                     ELSE 'DROP SEQUENCE IF EXISTS %I CASCADE' END,
      r.relname);
  END LOOP;
  -- Text-search configurations (search's byline_*): the dump creates them again.
  FOR r IN SELECT c.cfgname FROM pg_ts_config c JOIN pg_namespace n ON n.oid = c.cfgnamespace
           WHERE n.nspname = current_schema()
  LOOP
    EXECUTE format('DROP TEXT SEARCH CONFIGURATION IF EXISTS %I CASCADE', r.cfgname);
  END LOOP;
END $$;
"""


def existing_tables(settings_dict):
    """The tables already in the target database ([] if it is empty or does not exist yet)."""
    engine = engine_of(settings_dict)
    if engine == "sqlite":
        path = str(settings_dict["NAME"])
        if not path.startswith("file:") and not Path(path).exists():
            return []
        db = sqlite3.connect(path, uri=path.startswith("file:"))
        try:
            rows = db.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            ).fetchall()
        finally:
            db.close()
        return sorted(row[0] for row in rows)
    result = run_tool(
        [
            pg_tool("psql"),
            "-X",
            "-A",
            "-t",
            "-q",
            "-v",
            "ON_ERROR_STOP=1",
            "-c",
            "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p') ORDER BY 1",
        ],
        pg_environment(settings_dict),
    )
    return [line for line in result.stdout.splitlines() if line.strip()]


def describe_target(settings_dict):
    engine = engine_of(settings_dict)
    if engine == "sqlite":
        return f"the SQLite database {settings_dict['NAME']}"
    host = settings_dict.get("HOST") or "localhost"
    return f"the PostgreSQL database {settings_dict['NAME']!r} on {host}"


def check_migrations(manifest):
    """Migrations the backup has that this code does not know: a backup from a newer Byline."""
    from django.db.migrations.loader import MigrationLoader

    known = set(MigrationLoader(None, ignore_no_migrations=True).disk_migrations)
    backed_up = {tuple(item) for item in manifest.get("migrations", [])}
    return sorted(backed_up - known), sorted(known - backed_up)


def media_conflicts(archive, media_root):
    """Media files in the archive whose path already holds a different file."""
    conflicts = []
    for member in archive.getmembers():
        if not member.isfile() or not member.name.startswith("media/"):
            continue
        target = Path(media_root) / member.name[len("media/") :]
        if target.exists():
            if not target.is_file() or target.stat().st_size != member.size:
                conflicts.append(member.name[len("media/") :])
                continue
            with archive.extractfile(member) as stored, open(target, "rb") as present:
                if stored.read() != present.read():
                    conflicts.append(member.name[len("media/") :])
    return conflicts


def restore_postgresql(dump, settings_dict, *, force):
    env = pg_environment(settings_dict)
    with tempfile.TemporaryDirectory(prefix="byline-restore-") as work:
        script = Path(work) / "restore.sql"
        run_tool(
            [pg_tool("pg_restore"), "--no-owner", "--no-privileges", "-f", str(script), str(dump)],
            env,
        )
        args = [pg_tool("psql"), "-X", "-q", "-v", "ON_ERROR_STOP=1", "--single-transaction"]
        if force:
            prelude = Path(work) / "drop.sql"
            prelude.write_text(DROP_EVERYTHING)
            args += ["-f", str(prelude)]
        run_tool([*args, "-f", str(script)], env)


def restore_sqlite(dump, settings_dict):
    path = str(settings_dict["NAME"])
    if not path.startswith("file:"):
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    source = sqlite3.connect(dump)
    target = sqlite3.connect(path, uri=path.startswith("file:"))
    try:
        source.backup(target)  # replaces the target's whole content, in one step
    finally:
        target.close()
        source.close()


def restore_media(archive, media_root):
    media_root = Path(media_root)
    media_root.mkdir(parents=True, exist_ok=True)
    members = [m for m in archive.getmembers() if m.name.startswith("media/") and m.isfile()]
    with tempfile.TemporaryDirectory(prefix=".byline-restore-", dir=media_root) as staging:
        archive.extractall(staging, members=members, filter="data")
        staged = Path(staging) / "media"
        count = 0
        for member in members:
            relative = member.name[len("media/") :]
            target = media_root / relative
            if target.is_file() and filecmp.cmp(staged / relative, target, shallow=False):
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.move(staged / relative, target)
            count += 1
    return count


def restore_backup(archive_path, *, settings_dict=None, media_root=None, force=False, log=print):
    """Restore archive_path into the database settings_dict (default: Django's default database)
    and media_root (default: settings.MEDIA_ROOT). Return the manifest."""
    from django.conf import settings
    from django.db import connections

    if settings_dict is None:
        settings_dict = connections["default"].settings_dict
    media_root = Path(media_root if media_root is not None else settings.MEDIA_ROOT)
    manifest = read_manifest(archive_path)
    engine = manifest["database"]["engine"]
    target_engine = engine_of(settings_dict)
    if engine != target_engine:
        raise BackupError(
            f"This backup holds a {ENGINE_NAMES.get(engine, engine)} database, but the target is "
            f"{describe_target(settings_dict)}. Point DATABASE_URL at a "
            f"{ENGINE_NAMES.get(engine, engine)} database to restore it."
        )
    newer, _missing = check_migrations(manifest)
    if newer and not force:
        names = ", ".join(f"{app}.{name}" for app, name in newer[:5])
        raise BackupError(
            f"This backup comes from a newer Byline (migrations this code does not have: "
            f"{names}). Restore it with the Byline version that wrote it "
            f"({manifest.get('byline_version', 'unknown')}), or pass --force."
        )
    tables = existing_tables(settings_dict)
    if tables and not force:
        where = describe_target(settings_dict)
        raise BackupError(
            f"{where[0].upper()}{where[1:]} is not empty (it has {len(tables)} tables, e.g. "
            f"{', '.join(tables[:3])}): restoring would mix two sites. Restore into an empty "
            "database, or pass --force to replace everything in it."
        )
    with tarfile.open(archive_path, "r:gz") as archive:
        conflicts = [] if force else media_conflicts(archive, media_root)
        if conflicts:
            raise BackupError(
                f"{len(conflicts)} media files in {media_root} differ from the backup's "
                f"(e.g. {conflicts[0]}). Restore into an empty media folder, or pass --force "
                "to overwrite them."
            )
        with tempfile.TemporaryDirectory(prefix="byline-restore-") as work:
            name = manifest["database"]["file"]
            if name not in DUMP_NAMES.values():
                raise BackupError(f"Unexpected database file {name!r} in the backup.")
            archive.extract(name, work, filter="data")
            dump = Path(work) / name
            log(f"Restoring the database into {describe_target(settings_dict)}…")
            if engine == "postgresql":
                restore_postgresql(dump, settings_dict, force=bool(tables))
            else:
                restore_sqlite(dump, settings_dict)
        log(f"Restoring media into {media_root}…")
        written = restore_media(archive, media_root)
    manifest["restored_media_files"] = written
    return manifest


def main(argv=None):
    parser = argparse.ArgumentParser(
        description="Restore a Byline backup into an empty database (see docs/deploying.md)."
    )
    parser.add_argument("archive", help="a .tar.gz written by scripts/backup.py")
    parser.add_argument(
        "--force",
        action="store_true",
        help="replace a database that already has data, and overwrite differing media files",
    )
    parser.add_argument("--media-root", help="media folder (default: settings.MEDIA_ROOT)")
    args = parser.parse_args(argv)
    try:
        if not Path(args.archive).is_file():
            raise BackupError(f"No such backup file: {args.archive}")
        setup_django()
        manifest = restore_backup(args.archive, media_root=args.media_root, force=args.force)
    except BackupError as error:
        print(f"Restore refused: {error}", file=sys.stderr)
        return 1
    except subprocess.CalledProcessError as error:  # pragma: no cover - run_tool reports these
        print(f"Restore failed: {error}", file=sys.stderr)
        return 1
    counts = ", ".join(f"{n} {label}" for label, n in manifest.get("counts", {}).items())
    created = datetime.datetime.fromisoformat(manifest["created_at"])
    print(
        f"Restored the backup of {created:%Y-%m-%d %H:%M} UTC ({counts}; "
        f"{manifest['media']['files']} media files, {manifest['restored_media_files']} written)."
    )
    _newer, missing = check_migrations(manifest)
    if missing:
        print(
            f"This Byline has {len(missing)} migrations the backup predates: "
            "run `python manage.py migrate` now."
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
