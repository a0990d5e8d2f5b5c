"""A damaged or foreign backup is never restored, and the database stays as it was."""

import os
import threading

import pytest
from django.db import connection

from rubysound.ops.backup import selectors, services, store
from rubysound.ops.backup.engines import ADVISORY_LOCK_KEY, engine_for_default_database
from rubysound.ops.backup.errors import (
    EXIT_ENGINE_FAILED,
    EXIT_INCOMPATIBLE,
    EXIT_LOCKED,
    EXIT_NOT_FOUND,
    EXIT_USAGE,
    EXIT_VERIFY_FAILED,
    LockBusy,
)
from rubysound.ops.backup.locking import operation_lock
from tests.factories import GenreFactory

from .conftest import (
    exit_code_of,
    flip_a_byte,
    genre_slugs,
    rewrite_manifest_checksum,
    run_backup,
    truncate,
)

transactional = pytest.mark.django_db(transaction=True)


@pytest.fixture
def backed_up_then_changed(transactional_db):
    """A backup holding {"old"}, and a live database that has moved on to {"old", "new"}."""
    GenreFactory(slug="old")
    run_backup("create")
    GenreFactory(slug="new")
    return selectors.list_backups()[0]


@pytest.mark.parametrize("damage", [flip_a_byte, truncate], ids=["bit-flip", "truncated"])
def test_a_damaged_file_is_refused_by_verify_and_restore(backed_up_then_changed, damage):
    backup = backed_up_then_changed
    damage(backup.path)
    assert exit_code_of("verify", backup.name) == EXIT_VERIFY_FAILED
    assert exit_code_of("verify", backup.name, "--drill") == EXIT_VERIFY_FAILED
    assert exit_code_of("restore", backup.name, "--yes") == EXIT_VERIFY_FAILED
    # --latest skips it and finds nothing else to restore.
    assert exit_code_of("restore", "--latest", "--yes") == EXIT_NOT_FOUND
    assert genre_slugs() == {"old", "new"}
    assert [b.reason for b in selectors.list_backups()] == ["manual"]  # not even a safety one
    last = store.get_backup(backup.name).last_verification
    assert last["ok"] is False
    assert "sha256" in last["error"] or "size" in last["error"]


@pytest.mark.parametrize(
    "name",
    ["../../etc/passwd", "..", "x/../../rubysound_20261126T030405.678Z.dump", "manifest.json"],
)
def test_traversal_names_are_refused_before_anything_runs(name):
    assert exit_code_of("verify", name) == EXIT_USAGE
    assert exit_code_of("restore", name, "--yes") == EXIT_USAGE


def test_a_backup_that_does_not_exist_is_not_found():
    assert exit_code_of("verify", "rubysound_20200101T000000.000Z.dump") == EXIT_NOT_FOUND
    assert exit_code_of("verify", "--latest") == EXIT_NOT_FOUND


def test_migrations_newer_than_the_code_are_refused(backed_up_then_changed):
    backup = backed_up_then_changed
    backup.manifest["migrations"].append("catalog.9999_from_the_future")
    store.save_manifest(backup)
    assert exit_code_of("restore", backup.name, "--yes") == EXIT_INCOMPATIBLE
    assert genre_slugs() == {"old", "new"}


@transactional
def test_latest_is_chosen_by_the_manifest_time_not_the_file_time():
    GenreFactory(slug="first")
    run_backup("create")
    GenreFactory(slug="second")
    run_backup("create")
    newest, older = selectors.list_backups()
    assert newest.manifest["row_counts"]["catalog_genre"] == 2
    # The older file is touched last (copied back from elsewhere, say).
    newer_mtime = newest.path.stat().st_mtime + 3600
    os.utime(older.path, (newer_mtime, newer_mtime))
    engine = engine_for_default_database()
    assert selectors.latest_verified(engine)[0].name == newest.name
    GenreFactory(slug="third")
    run_backup("restore", "--latest", "--yes")
    assert genre_slugs() == {"first", "second"}


@transactional
def test_latest_skips_a_newer_backup_that_does_not_verify():
    GenreFactory(slug="good")
    run_backup("create")
    GenreFactory(slug="in-the-bad-one")
    run_backup("create")
    newest, _older = selectors.list_backups()
    truncate(newest.path)
    output = run_backup("restore", "--latest", "--yes")
    assert f"skipping {newest.name}" in output
    assert genre_slugs() == {"good"}


def test_a_second_operation_fails_clearly_while_one_holds_the_lock(backed_up_then_changed):
    backup = backed_up_then_changed
    engine = engine_for_default_database()
    with operation_lock(engine, "restore"):
        for args in (("restore", backup.name, "--yes"), ("create",), ("prune",)):
            assert exit_code_of(*args) == EXIT_LOCKED
        with pytest.raises(LockBusy, match=r"held by restore \(pid \d+"):
            services.restore_backup(backup.name)
    assert genre_slugs() == {"old", "new"}
    run_backup("restore", backup.name, "--yes")  # free again
    assert genre_slugs() == {"old"}


def test_a_waiting_operation_runs_once_the_lock_is_released(settings, backed_up_then_changed):
    settings.BACKUP_LOCK_WAIT_SECONDS = 30
    engine = engine_for_default_database()
    held, release = threading.Event(), threading.Event()

    def hold():
        with operation_lock(engine, "restore"):
            held.set()
            release.wait(30)

    holder = threading.Thread(target=hold)
    holder.start()
    held.wait(30)
    lines: list[str] = []
    timer = threading.Timer(0.5, release.set)
    timer.start()
    services.create_backup(progress=lines.append)
    holder.join(30)
    assert lines[0].startswith("waiting for the backup lock held by restore")
    assert len(selectors.list_backups()) == 2


def test_the_database_advisory_lock_stops_a_restore_from_another_host(
    postgres_only, backed_up_then_changed
):
    """Another pod with its own BACKUP_DIR shares only the database: its lock counts too."""
    import psycopg

    params = connection.settings_dict
    other = psycopg.connect(
        dbname=params["NAME"],
        user=params["USER"] or None,
        password=params["PASSWORD"] or None,
        host=params["HOST"] or None,
        port=params["PORT"] or None,
        autocommit=True,
    )
    try:
        other.execute("SELECT pg_advisory_lock(%s)", [ADVISORY_LOCK_KEY])
        assert exit_code_of("restore", backed_up_then_changed.name, "--yes") == EXIT_LOCKED
    finally:
        other.close()
    assert genre_slugs() == {"old", "new"}


def test_a_restore_that_fails_midway_leaves_the_database_as_it_was(
    postgres_only, backed_up_then_changed
):
    """The dump's last data blocks are damaged before its checksum was taken (the manifest
    agrees with the damaged file), so verification passes: the table of contents at the
    start reads. The restore breaks while loading data, after the schema was emptied and
    most tables were filled. Nothing of it may remain."""
    backup = backed_up_then_changed
    flip_a_byte(backup.path, offset_from_end=300, length=8)
    rewrite_manifest_checksum(backup.name)
    assert exit_code_of("verify", backup.name) == 0
    tables_before = set(connection.introspection.table_names())
    assert exit_code_of("restore", backup.name, "--yes") == EXIT_ENGINE_FAILED
    assert genre_slugs() == {"old", "new"}
    assert set(connection.introspection.table_names()) == tables_before
    # The drill notices the same damage without touching the live database.
    assert exit_code_of("verify", backup.name, "--drill") == EXIT_ENGINE_FAILED
    assert genre_slugs() == {"old", "new"}


def test_an_sql_error_late_in_the_restore_rolls_everything_back(
    postgres_only, backed_up_then_changed
):
    """A grant to a role that no longer exists fails at the very end of the restore (access
    privileges come last), after every table was dropped and reloaded."""
    from django.db import connection as db

    role = f"rs_backup_gone_{db.settings_dict['NAME'][-8:]}".replace("-", "_")
    with db.cursor() as cursor:
        cursor.execute(f'DROP ROLE IF EXISTS "{role}"')
        cursor.execute(f'CREATE ROLE "{role}"')
        cursor.execute(f'GRANT SELECT ON catalog_genre TO "{role}"')
    try:
        run_backup("create")
    finally:
        with db.cursor() as cursor:
            cursor.execute(f'REVOKE ALL ON catalog_genre FROM "{role}"')
            cursor.execute(f'DROP ROLE "{role}"')
    GenreFactory(slug="newest")
    latest = selectors.list_backups()[0]
    assert exit_code_of("restore", latest.name, "--yes") == EXIT_ENGINE_FAILED
    assert genre_slugs() == {"old", "new", "newest"}
