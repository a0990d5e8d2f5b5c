"""Back up while the app writes, lose rows, restore: every row committed before the backup
is back. Runs on the embedded SQLite and, with DATABASE_URL, on PostgreSQL."""

import json

import pytest

from rubysound.catalog.models import Genre
from rubysound.ops.backup import selectors, store
from rubysound.ops.backup.errors import EXIT_REFUSED
from tests.factories import GenreFactory, UserFactory

from .conftest import concurrent_genre_writes, exit_code_of, genre_slugs, run_backup

pytestmark = pytest.mark.django_db(transaction=True)


def test_restore_latest_brings_back_every_row_committed_before_the_backup(settings):
    user = UserFactory(username="keeper")
    GenreFactory.create_batch(3)
    with concurrent_genre_writes() as writer:
        writer.wait_for(20)
        committed_before = set(writer.committed)
        output = run_backup("create")
        writer.wait_for(len(committed_before) + 20)  # the app kept writing during and after
    assert "backup create ok name=" in output.splitlines()[-1]
    backup = selectors.list_backups()[0]
    in_backup = backup.manifest["row_counts"]["catalog_genre"]
    assert in_backup >= len(committed_before) + 3

    # The accident.
    Genre.objects.all().delete()
    user.delete()

    output = run_backup("restore", "--latest", "--yes")
    summary = output.splitlines()[-1]
    assert summary.startswith(f"backup restore ok name={backup.name} safety_backup=")

    slugs = genre_slugs()
    assert committed_before <= slugs
    assert Genre.objects.count() == in_backup  # exactly the snapshot the manifest counted
    assert list(Genre.objects.filter(slug__in=committed_before).values_list("slug", flat=True))
    assert type(user).objects.filter(username="keeper").exists()


def test_the_safety_backup_holds_the_state_the_restore_replaced():
    GenreFactory(slug="before")
    run_backup("create")
    GenreFactory(slug="after")
    run_backup("restore", "--latest", "--yes")
    assert genre_slugs() == {"before"}
    safety = next(b for b in selectors.list_backups() if b.reason == "safety")
    assert safety.manifest["row_counts"]["catalog_genre"] == 2
    # The safety backup is restorable by name and brings "after" back.
    run_backup("restore", safety.name, "--yes")
    assert genre_slugs() == {"before", "after"}


def test_the_manifest_describes_the_backup(settings):
    GenreFactory.create_batch(2)
    run_backup("create")
    backup = selectors.list_backups()[0]
    manifest = json.loads(store.path_in_dir(store.manifest_name(backup.name)).read_text())
    digest, size = store.sha256_file(backup.path)
    assert manifest["file"] == {"sha256": digest, "size": size}
    assert manifest["database"]["engine"] in {"postgresql", "sqlite"}
    assert manifest["database"]["server_version"]
    assert manifest["app_version"]
    assert "ops.0001_initial" in manifest["migrations"]
    assert manifest["row_counts"]["catalog_genre"] == 2
    assert manifest["duration_seconds"] >= 0
    assert manifest["created_at"].endswith("Z")


def test_a_drill_restores_into_a_scratch_database_and_matches_the_counts():
    GenreFactory.create_batch(4)
    run_backup("create")
    GenreFactory(slug="after-the-backup")
    live_before = genre_slugs()
    output = run_backup("verify", "--latest", "--drill")
    summary = output.splitlines()[-1]
    assert "drill_seconds=" in summary
    backup = selectors.list_backups()[0]
    assert f"drill_rows={sum(backup.manifest['row_counts'].values())}" in summary
    last = backup.last_verification
    assert last["ok"] is True
    assert last["drill"] is True
    assert backup.manifest["row_counts"]["catalog_genre"] == 4
    assert genre_slugs() == live_before  # the live database is not touched


def test_with_media_the_media_folder_comes_back(settings):
    avatar = settings.MEDIA_ROOT / "avatars" / "a.png"
    avatar.parent.mkdir(parents=True)
    avatar.write_bytes(b"picture")
    run_backup("create", "--with-media")
    backup = selectors.list_backups()[0]
    assert backup.media["files"] == 1
    avatar.unlink()
    run_backup("restore", backup.name, "--yes", "--with-media")
    assert avatar.read_bytes() == b"picture"


def test_restore_without_yes_and_without_a_terminal_is_refused():
    GenreFactory(slug="kept")
    run_backup("create")
    GenreFactory(slug="newer")
    assert exit_code_of("restore", "--latest") == EXIT_REFUSED
    assert genre_slugs() == {"kept", "newer"}
    assert [b.reason for b in selectors.list_backups()] == ["manual"]  # no safety backup
