"""The admin backup center: superusers only, long actions as background tasks with a status
page, every action in the admin log with who did it."""

import re

import pytest
from asgiref.sync import sync_to_async
from django.contrib.admin.models import LogEntry
from django.db import connections
from django.test import Client

from rubysound.ops.backup import selectors, store, tasks
from rubysound.ops.models import BackupTask
from tests.factories import GenreFactory, UserFactory
from tests.ops.backup.conftest import genre_slugs, run_backup

CENTER = "/admin/backup/"


@pytest.fixture
def superuser():
    return UserFactory(is_staff=True, is_superuser=True)


@pytest.fixture
def superuser_client(superuser) -> Client:
    client = Client()
    client.force_login(superuser)
    return client


def _task_from(response) -> BackupTask:
    assert response.status_code == 302, response.content[:500]
    match = re.fullmatch(r"/admin/backup/tasks/([0-9a-f-]+)/", response["Location"])
    assert match, response["Location"]
    tasks.wait(match.group(1), timeout=120)
    return BackupTask.objects.get(pk=match.group(1))


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path",
    [CENTER, f"{CENTER}create/", f"{CENTER}rubysound_20261126T030405.678Z.dump/restore/"],
)
def test_anonymous_visitors_are_sent_to_the_admin_login(client, path):
    response = client.get(path)
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


@pytest.mark.django_db
@pytest.mark.parametrize("method", ["get", "post"])
def test_staff_who_are_not_superusers_get_403(client, method):
    client.force_login(UserFactory(is_staff=True, is_superuser=False))
    assert getattr(client, method)(CENTER).status_code == 403
    assert client.post(f"{CENTER}create/").status_code == 403
    assert client.post(f"{CENTER}prune/").status_code == 403
    assert BackupTask.objects.count() == 0
    # Nor is the center linked from their admin index.
    assert CENTER not in client.get("/admin/").content.decode()


@pytest.mark.django_db
def test_superusers_see_the_center_linked_from_the_admin_index(superuser_client):
    index = superuser_client.get("/admin/")
    assert "/admin/ops/backuptask/" in index.content.decode()
    assert superuser_client.get("/admin/ops/backuptask/")["Location"] == CENTER
    response = superuser_client.get(CENTER)
    assert response.status_code == 200
    assert "No backup yet." in response.content.decode()


@pytest.mark.django_db(transaction=True)
def test_create_verify_and_restore_from_the_admin(superuser_client, superuser):
    GenreFactory(slug="precious")

    task = _task_from(superuser_client.post(f"{CENTER}create/"))
    assert task.status == "succeeded", task.result
    name = task.backup_name
    assert store.validate_name(name)
    status_page = superuser_client.get(f"{CENTER}tasks/{task.pk}/").content.decode()
    assert "succeeded" in status_page
    assert 'http-equiv="refresh"' not in status_page  # finished: no more refreshing
    center = superuser_client.get(CENTER).content.decode()
    assert name in center
    assert "Newest backup" in center

    task = _task_from(superuser_client.post(f"{CENTER}{name}/verify/", {"drill": "on"}))
    assert task.status == "succeeded", task.result
    assert "full restore took" in task.result
    assert selectors.list_backups()[0].last_verification["drill"] is True

    GenreFactory(slug="mistake")
    confirm = superuser_client.get(f"{CENTER}{name}/restore/")
    assert confirm.status_code == 200
    assert name in confirm.content.decode()
    wrong = superuser_client.post(f"{CENTER}{name}/restore/", {"confirm_name": name[:-1]})
    assert wrong.status_code == 400
    assert "not this backup" in wrong.content.decode()
    assert genre_slugs() == {"precious", "mistake"}

    task = _task_from(superuser_client.post(f"{CENTER}{name}/restore/", {"confirm_name": name}))
    assert task.status == "succeeded", task.result
    assert genre_slugs() == {"precious"}
    assert "safety backup" in task.result
    # The task record and the admin log survived the restore that replaced their tables.
    messages = list(
        LogEntry.objects.filter(user=superuser).values_list("change_message", flat=True)
    )
    assert any("Restore succeeded" in message for message in messages)
    assert superuser_client.get(f"{CENTER}tasks/{task.pk}/").status_code == 200

    # The whole history survived (issue 15): the backup held the create task as it was while
    # it ran, nameless; the log as it was before the restore was written back over it.
    history = {row.kind: row for row in BackupTask.objects.all()}
    assert set(history) == {"create", "verify", "restore"}
    assert history["create"].status == "succeeded"
    assert history["create"].backup_name == name
    assert history["verify"].status == "succeeded"
    assert not BackupTask.objects.filter(status__in=["running", "queued"]).exists()
    center = superuser_client.get(CENTER).content.decode()
    tasks_table = center[center.index('<table id="tasks">') :]
    assert "running" not in tasks_table

    # The safety copy the restore took is listed and labelled, but is not the newest backup.
    safety = [b for b in selectors.list_backups() if b.reason == "safety"]
    assert len(safety) == 1
    assert f"Newest backup: <strong>{name}</strong>" in center
    assert "1 backup and 1 safety copy (taken before a restore)" in center
    row = center[center.index(safety[0].name) :]
    assert "safety copy" in row[: row.index("</tr>")]

    # Verified: a formatted time, not the manifest's raw ISO string.
    verified = selectors.list_backups()
    regular = next(b for b in verified if b.name == name)
    raw = regular.last_verification["at"]
    assert raw not in center.replace(f'datetime="{raw}"', "")
    assert store.parse_time(raw).strftime("%Y-%m-%d %H:%M:%S") in center

    # The actions are buttons, each its own control.
    for label in ("Verify", "Download", "Manifest", "Restore…", "Delete…"):
        assert re.search(rf'class="button[^"]*"[^>]*>{re.escape(label)}</', center), label


@pytest.mark.django_db(transaction=True)
def test_every_action_is_in_the_admin_log_with_its_user(superuser_client, superuser):
    run_backup("create")
    name = selectors.list_backups()[0].name
    _task_from(superuser_client.post(f"{CENTER}prune/"))
    wrong = superuser_client.post(f"{CENTER}{name}/delete/", {"confirm_name": "nope"})
    assert wrong.status_code == 400
    assert selectors.list_backups()
    task = _task_from(superuser_client.post(f"{CENTER}{name}/delete/", {"confirm_name": name}))
    assert task.status == "succeeded", task.result
    assert selectors.list_backups() == []
    entries = LogEntry.objects.filter(user=superuser).order_by("action_time")
    logged = " | ".join(entries.values_list("change_message", flat=True))
    assert "Requested backup prune" in logged
    assert f"Requested backup delete of {name}" in logged


@pytest.mark.django_db
def test_unknown_or_foreign_names_are_404(superuser_client, backup_dir):
    backup_dir.mkdir(parents=True, exist_ok=True)
    (backup_dir / "secret.txt").write_text("not a backup")
    for path in (
        f"{CENTER}secret.txt/download/dump/",
        f"{CENTER}..%2Fsecret.txt/download/dump/",
        f"{CENTER}rubysound_20261126T030405.678Z.dump/restore/",
    ):
        assert superuser_client.get(path).status_code == 404


@pytest.mark.django_db(transaction=True)
async def test_download_streams_the_file_and_is_logged(async_client, superuser):
    try:
        await _download_and_check(async_client, superuser)
    finally:
        # The ORM calls above ran in asgiref's sync thread: its connection is closed here,
        # or the test database could not be dropped at the end of the run.
        await sync_to_async(connections.close_all)()


async def _download_and_check(async_client, superuser):
    await sync_to_async(run_backup)("create")
    backup = (await sync_to_async(selectors.list_backups)())[0]
    await async_client.aforce_login(superuser)
    response = await async_client.get(f"{CENTER}{backup.name}/download/dump/")
    assert response.status_code == 200
    assert response.streaming
    body = b"".join([chunk async for chunk in response.streaming_content])
    assert body == backup.path.read_bytes()
    assert response["Content-Disposition"] == f'attachment; filename="{backup.name}"'
    assert await LogEntry.objects.filter(
        user=superuser, change_message=f"Downloaded {backup.name}"
    ).aexists()
