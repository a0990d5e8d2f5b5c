"""Backup figures on /metrics (both prometheus modes) and the age on /health/ready."""

import re

import pytest

from rubysound.ops.backup import selectors

from .conftest import exit_code_of, flip_a_byte, run_backup

SERIES = (
    "rubysound_backup_last_success_timestamp_seconds",
    "rubysound_backup_last_verified_timestamp_seconds",
    "rubysound_backup_duration_seconds",
    "rubysound_backup_size_bytes",
)


def _values(text: str) -> dict[str, float]:
    values = {}
    for name in SERIES:
        match = re.search(rf"^{name} (\S+)$", text, re.MULTILINE)
        assert match, f"{name} missing from /metrics"
        values[name] = float(match.group(1))
    return values


@pytest.mark.django_db
def test_without_a_backup_the_gauges_are_zero(client):
    assert set(_values(client.get("/metrics").content.decode()).values()) == {0.0}


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("multiprocess", [False, True], ids=["single", "multiprocess"])
def test_metrics_describe_the_newest_backup(client, monkeypatch, tmp_path, multiprocess):
    if multiprocess:
        monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path))
    run_backup("create")
    run_backup("verify", "--latest")
    backup = selectors.list_backups()[0]
    values = _values(client.get("/metrics").content.decode())
    assert values["rubysound_backup_last_success_timestamp_seconds"] == pytest.approx(
        backup.created_at.timestamp()
    )
    assert values["rubysound_backup_last_verified_timestamp_seconds"] >= (
        backup.created_at.timestamp()
    )
    assert values["rubysound_backup_size_bytes"] == backup.size_bytes
    assert values["rubysound_backup_duration_seconds"] == backup.manifest["duration_seconds"]


@pytest.mark.django_db(transaction=True)
def test_ready_reports_the_backup_age_without_depending_on_it(client, settings):
    check = client.get("/health/ready").json()["checks"]["backups"]
    assert check["critical"] is False
    assert check["ok"] is False  # no backup yet, and still 200 below
    assert client.get("/health/ready").status_code == 200
    run_backup("create")
    check = client.get("/health/ready").json()["checks"]["backups"]
    assert check["ok"] is True
    assert check["detail"] == "newest backup 0 h 0 min old"
    settings.BACKUP_MAX_AGE_HOURS = 0
    check = client.get("/health/ready").json()["checks"]["backups"]
    assert check["ok"] is False


def _failed_verification(text: str) -> float:
    name = "rubysound_backup_last_failed_verification_timestamp_seconds"
    match = re.search(rf"^{name} (\S+)$", text, re.MULTILINE)
    assert match, f"{name} missing from /metrics"
    return float(match.group(1))


@pytest.mark.django_db(transaction=True)
def test_a_failed_verification_is_newer_than_the_last_success_until_one_succeeds(client):
    assert _failed_verification(client.get("/metrics").content.decode()) == 0.0
    run_backup("create")
    run_backup("verify", "--latest")
    first = selectors.list_backups()[0]
    # A second backup whose file is damaged: its verification fails.
    run_backup("create")
    damaged = selectors.list_backups()[0]
    assert damaged.name != first.name
    flip_a_byte(damaged.path)
    assert exit_code_of("verify", damaged.name) != 0
    values = _values(client.get("/metrics").content.decode())
    failed = _failed_verification(client.get("/metrics").content.decode())
    assert failed > values["rubysound_backup_last_verified_timestamp_seconds"] > 0
    # The alert clears once a later verification succeeds.
    run_backup("verify", first.name)
    values = _values(client.get("/metrics").content.decode())
    assert values["rubysound_backup_last_verified_timestamp_seconds"] > failed
