"""Backup names (no traversal, only files the tool wrote) and retention arithmetic."""

from datetime import UTC, datetime, timedelta

import pytest

from rubysound.ops.backup import store
from rubysound.ops.backup.errors import InvalidName
from rubysound.ops.backup.services import retention_plan
from rubysound.ops.backup.store import Backup, format_time

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)


def test_a_new_name_carries_the_database_and_utc_time():
    moment = datetime(2026, 11, 26, 3, 4, 5, 678_000, tzinfo=UTC)
    assert store.new_name("rubysound", moment) == "rubysound_20261126T030405.678Z.dump"
    assert store.new_name("/var/lib/rubysound.sqlite3", moment).startswith("rubysound_")
    assert store.validate_name(store.new_name("weird name/../x", moment))


@pytest.mark.parametrize(
    "name",
    [
        "../rubysound_20261126T030405.678Z.dump",
        "..%2Frubysound_20261126T030405.678Z.dump",
        "/etc/passwd",
        "sub/rubysound_20261126T030405.678Z.dump",
        "rubysound_20261126T030405.678Z.json",
        "rubysound_20261126T030405.678Z.dump/../../x",
        ".tmp-rubysound_20261126T030405.678Z.dump.abcd",
        "rubysound.dump",
        "",
        "rubysound_20261126T030405.678Z.dump\x00",
    ],
)
def test_names_that_are_not_backups_are_refused(name):
    with pytest.raises(InvalidName):
        store.validate_name(name)


def test_files_the_tool_did_not_write_are_not_listed(backup_dir):
    backup_dir.mkdir(parents=True)
    (backup_dir / "notes.txt").write_text("hello")
    (backup_dir / "rubysound_20261126T030405.678Z.dump").write_bytes(b"no manifest")
    forged = backup_dir / "other_20261126T030405.678Z.dump"
    forged.write_bytes(b"x")
    (backup_dir / "other_20261126T030405.678Z.json").write_text('{"tool": "someone else"}')
    backups, leftovers = store.scan()
    assert backups == []
    assert set(leftovers) == {
        "rubysound_20261126T030405.678Z.dump",
        "other_20261126T030405.678Z.dump",
    }


def _backup(hours_old: float, *, database: str = "rubysound", reason: str = "manual") -> Backup:
    created = NOW - timedelta(hours=hours_old)
    name = store.new_name(database, created)
    manifest = {
        "name": name,
        "created_at": format_time(created),
        "reason": reason,
        "database": {"engine": "postgresql", "name": database},
        "file": {"size": 1, "sha256": ""},
    }
    return Backup(name=name, path=store.path_in_dir(name), manifest=manifest)


def _plan(backups, *, keep_days=7, keep_count=10, protected=()):
    doomed = retention_plan(
        backups, now=NOW, keep_days=keep_days, keep_count=keep_count, protected=set(protected)
    )
    return sorted(backups.index(backup) for backup in doomed)


def test_age_and_count_limits_apply_together():
    # Daily backups, newest first: 0 h, 24 h, ..., 14 days old.
    daily = [_backup(24 * day) for day in range(15)]
    # Age alone (7 days): days 8..14 go; day 7 is exactly 7 days old and stays.
    assert _plan(daily, keep_days=7, keep_count=0) == list(range(8, 15))
    # Count alone (5): everything beyond the 5 newest goes.
    assert _plan(daily, keep_days=0, keep_count=5) == list(range(5, 15))
    # Both: a backup goes when either limit says so.
    assert _plan(daily, keep_days=7, keep_count=5) == list(range(5, 15))
    assert _plan(daily, keep_days=3, keep_count=10) == list(range(4, 15))
    # Hourly backups within the age limit are still capped by the count.
    hourly = [_backup(hour) for hour in range(30)]
    assert _plan(hourly, keep_days=7, keep_count=10) == list(range(10, 30))
    # Both limits off: nothing goes.
    assert _plan(daily, keep_days=0, keep_count=0) == []


def test_the_newest_verified_backup_is_never_pruned():
    # Backups stopped 20 days ago: every one is past the age limit.
    stale = [_backup(24 * (20 + day)) for day in range(4)]
    assert _plan(stale, keep_days=7, keep_count=10, protected=[stale[0].name]) == [1, 2, 3]
    # The newest is corrupt, so the protected one is the second newest.
    assert _plan(stale, keep_days=7, keep_count=1, protected=[stale[1].name]) == [0, 2, 3]


def test_retention_counts_each_database_separately():
    mixed = [_backup(hour, database="rubysound") for hour in range(3)] + [
        _backup(hour, database="staging") for hour in range(3)
    ]
    assert _plan(mixed, keep_days=7, keep_count=2) == [2, 5]
