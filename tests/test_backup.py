"""Backup and restore round trip on the test database's engine: data and media come back whole."""

import contextlib
import copy
import json
import sqlite3
import tarfile
import time
import uuid

import psycopg
import pytest
from django.db import connection

from blog.models import Article
from scripts import backup, restore
from tests.comments.factories import CommentFactory
from tests.factories import ArticleFactory, AuthorProfileFactory, UserFactory

pytestmark = pytest.mark.slow  # pg_dump / restore subprocesses and scratch databases

PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360f8cfc0f01f0005000201e1e6b0a50000000049454e44ae426082"
)
MEDIA = {
    "covers/2026/01/cover.png": PNG,
    "avatars/writer.png": PNG[:-4] + b"\x00\x01\x02\x03",
    "uploads/nested/deeper/notes é.txt": "Ünïcode name and text\n".encode(),
    "uploads/empty.bin": b"",
}

QUERIES = {
    "users": "SELECT id, username, email, password, first_name, is_staff, is_superuser "
    "FROM accounts_user ORDER BY id",
    "profiles": "SELECT id, user_id, display_name, slug, avatar FROM accounts_authorprofile "
    "ORDER BY id",
    "pieces": "SELECT id, author_id, slug, title, body, body_html, status, cover_image, "
    "published_at, response_count FROM blog_article ORDER BY id",
    "responses": "SELECT c.id, c.article_id, u.username, c.parent_id, c.body, c.body_html, "
    "c.status, c.created_at FROM comments_comment c "
    "LEFT JOIN accounts_user u ON u.id = c.author_id ORDER BY c.id",
    "groups": "SELECT name FROM auth_group ORDER BY name",
    "migrations": "SELECT app, name FROM django_migrations ORDER BY app, name",
}


def snapshot(db):
    """Every row readers and writers care about, from a Django or a DB-API connection."""
    cursor = db.cursor()
    try:
        result = {}
        for name, sql in QUERIES.items():
            cursor.execute(sql)
            result[name] = [tuple(row) for row in cursor.fetchall()]
        return result
    finally:
        cursor.close()


def media_tree(root):
    return {
        path.relative_to(root).as_posix(): path.read_bytes()
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }


@contextlib.contextmanager
def empty_database(tmp_path):
    """Settings for a fresh, empty database of the test engine: a new PostgreSQL database
    (dropped afterwards) or a new SQLite file."""
    settings_dict = copy.deepcopy(connection.settings_dict)
    if connection.vendor == "sqlite":
        settings_dict["NAME"] = str(tmp_path / "restored.sqlite3")
        yield settings_dict
        return
    name = f"byline_restore_{uuid.uuid4().hex[:12]}"
    settings_dict["NAME"] = name
    params = admin_params("postgres")
    for attempt in range(10):  # another session may be copying template1 at this moment
        try:
            with psycopg.connect(**params, autocommit=True) as admin:
                admin.execute(f'CREATE DATABASE "{name}"')
            break
        except psycopg.errors.ObjectInUse:
            if attempt == 9:
                raise
            time.sleep(0.5)
    try:
        yield settings_dict
    finally:
        with psycopg.connect(**params, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def open_database(settings_dict):
    """A plain DB-API connection (autocommit) to a restored database."""
    if connection.vendor == "sqlite":
        # Declared types converted as Django's own connection does (datetimes).
        return sqlite3.connect(
            settings_dict["NAME"], isolation_level=None, detect_types=sqlite3.PARSE_DECLTYPES
        )
    return psycopg.connect(**admin_params(settings_dict["NAME"]), autocommit=True)


def admin_params(dbname):
    params = {
        key: value
        for key, value in connection.get_connection_params().items()
        if key in ("host", "port", "user", "password", "sslmode", "connect_timeout")
    }
    return {**params, "dbname": dbname}


@pytest.fixture
def site(settings):
    """Pieces, responses with a reply, readers, a writer with an avatar, and media files."""
    settings.BYLINE_RESPONSES_DEFAULT_MODE = "open"
    media_root = settings.MEDIA_ROOT
    for name, content in MEDIA.items():
        path = media_root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)
    writer = AuthorProfileFactory(display_name="Wren Writer", avatar="avatars/writer.png")
    first = ArticleFactory(author=writer, title="First piece", body="Some *text* — “quoted”.")
    ArticleFactory(author=writer, title="Second piece")
    Article.objects.filter(pk=first.pk).update(cover_image="covers/2026/01/cover.png")
    readers = [UserFactory(username=f"reader{n}", first_name=f"Ré{n}") for n in range(3)]
    top = CommentFactory(article=first, author=readers[0], body="A thought,\nover two lines.")
    CommentFactory(article=first, author=readers[1], parent=top, body="A reply <b>not bold</b>.")
    CommentFactory(article=first, author=readers[2], status="pending", body="Held.")
    return media_root


@pytest.mark.django_db(transaction=True)
def test_round_trip_into_an_empty_database(site, tmp_path):
    source = snapshot(connection)
    assert len(source["users"]) == 4 and len(source["pieces"]) == 2
    assert len(source["responses"]) == 3

    archive_path = backup.create_backup(tmp_path / "backups")
    assert archive_path.parent == tmp_path / "backups"
    assert archive_path.name.startswith("byline-") and archive_path.name.endswith(".tar.gz")
    assert archive_path.stat().st_mode & 0o077 == 0  # holds password hashes: owner only
    with tarfile.open(archive_path) as archive:
        names = set(archive.getnames())
        manifest = json.load(archive.extractfile("manifest.json"))
    engine = "postgresql" if connection.vendor == "postgresql" else "sqlite"
    dump_name = "database.dump" if engine == "postgresql" else "database.sqlite3"
    assert {"manifest.json", dump_name, "media"} <= names
    assert {f"media/{name}" for name in MEDIA} <= names
    assert manifest["database"]["engine"] == engine
    assert manifest["counts"] == {"users": 4, "pieces": 2, "responses": 3}
    assert manifest["media"] == {"files": 4, "bytes": sum(len(c) for c in MEDIA.values())}
    assert ["blog", "0001_initial"] in manifest["migrations"]
    assert manifest["created_at"] and manifest["byline_version"]

    restored_media = tmp_path / "restored-media"
    with empty_database(tmp_path) as target:
        result = restore.restore_backup(
            archive_path, settings_dict=target, media_root=restored_media, log=lambda *a: None
        )
        assert result["restored_media_files"] == 4
        restored = open_database(target)
        try:
            assert snapshot(restored) == source
            # Sequences came back too: a new row gets a new id.
            restored.execute("INSERT INTO auth_group (name) VALUES ('after restore')")
        finally:
            restored.close()
        assert media_tree(restored_media) == MEDIA

        # Now that it has data, a second restore is refused with a clear message...
        with pytest.raises(backup.BackupError, match="is not empty .* pass --force"):
            restore.restore_backup(
                archive_path, settings_dict=target, media_root=tmp_path / "m2", log=print
            )
        assert not (tmp_path / "m2").exists()
        # ...unless forced: then it replaces everything (the extra group goes).
        restore.restore_backup(
            archive_path,
            settings_dict=target,
            media_root=restored_media,
            force=True,
            log=lambda *a: None,
        )
        restored = open_database(target)
        try:
            assert snapshot(restored) == source
        finally:
            restored.close()


@pytest.mark.django_db(transaction=True)
def test_the_commands_report_and_refuse(site, tmp_path, capsys):
    assert backup.main(["--output-dir", str(tmp_path / "out")]) == 0
    out = capsys.readouterr().out
    assert "Backed up" in out and "4 media files" in out
    (archive_path,) = (tmp_path / "out").glob("byline-*.tar.gz")
    assert not list((tmp_path / "out").glob("*.partial"))

    # The test database has data: restoring into it is refused, and nothing changes.
    before = snapshot(connection)
    assert restore.main([str(archive_path)]) == 1
    err = capsys.readouterr().err
    assert "Restore refused:" in err and "is not empty" in err and "--force" in err
    assert snapshot(connection) == before

    assert restore.main([str(tmp_path / "missing.tar.gz")]) == 1
    assert "No such backup file" in capsys.readouterr().err
    not_a_backup = tmp_path / "junk.tar.gz"
    not_a_backup.write_bytes(b"not a tarball")
    assert restore.main([str(not_a_backup)]) == 1
    assert "not a readable Byline backup" in capsys.readouterr().err


@pytest.mark.django_db(transaction=True)
def test_a_differing_media_file_stops_the_restore_before_the_database(site, tmp_path):
    archive_path = backup.create_backup(tmp_path / "backups")
    clash = tmp_path / "media2" / "avatars" / "writer.png"
    clash.parent.mkdir(parents=True)
    clash.write_bytes(b"someone else's avatar")
    with empty_database(tmp_path) as target:
        with pytest.raises(backup.BackupError, match="media files .* differ"):
            restore.restore_backup(
                archive_path, settings_dict=target, media_root=tmp_path / "media2"
            )
        assert restore.existing_tables(target) == []
    assert clash.read_bytes() == b"someone else's avatar"
