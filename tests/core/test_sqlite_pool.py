"""The embedded SQLite backend keeps closed connections open in a small pool for reuse.

Each test opens its own database file through the real backend (the wrapper Django uses),
so what is checked is what a request sees when it opens and closes its connection.
"""

import sqlite3
import threading

import pytest
from django.db import connection

from rubysound.core.db.sqlite3.base import DatabaseWrapper

pytestmark = pytest.mark.skipif(
    connection.vendor != "sqlite", reason="the embedded default's backend (runs on SQLite)"
)


@pytest.fixture(autouse=True)
def _own_database_files(django_db_blocker):
    # These tests open files of their own, never the test database.
    with django_db_blocker.unblock():
        yield


@pytest.fixture
def settings_dict(tmp_path):
    def make(pool_size=2, name=None):
        return {
            **connection.settings_dict,
            "NAME": name or str(tmp_path / "pool.sqlite3"),
            "OPTIONS": {
                **connection.settings_dict["OPTIONS"],
                "pool_size": pool_size,
            },
        }

    return make


def opened(settings_dict) -> DatabaseWrapper:
    wrapper = DatabaseWrapper(settings_dict)
    wrapper.ensure_connection()
    return wrapper


def query(wrapper, sql, params=()):
    with wrapper.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def test_a_closed_connection_is_reused_by_the_next_request(settings_dict):
    first = opened(settings_dict())
    raw = first.connection
    first.close()
    second = opened(settings_dict())
    assert second.connection is raw
    assert query(second, "PRAGMA journal_mode") == [("wal",)]
    second.close()


def test_a_connection_moves_between_threads(settings_dict):
    seen = {}

    def use(name):
        wrapper = opened(settings_dict())
        seen[name] = (wrapper.connection, query(wrapper, "SELECT 1"))
        wrapper.close()

    for name in ("a", "b"):
        thread = threading.Thread(target=use, args=(name,))
        thread.start()
        thread.join()
    assert seen["a"][0] is seen["b"][0]
    assert seen["b"][1] == [(1,)]


def test_uncommitted_work_is_rolled_back_before_reuse(settings_dict):
    setup = opened(settings_dict())
    query(setup, "CREATE TABLE note (text TEXT)")
    setup.close()

    writer = opened(settings_dict())
    writer.set_autocommit(False)
    query(writer, "INSERT INTO note VALUES ('never committed')")
    writer.close()

    reader = opened(settings_dict())
    assert reader.get_autocommit() is True
    assert query(reader, "SELECT count(*) FROM note") == [(0,)]
    reader.close()


def test_a_connection_with_foreign_keys_off_is_not_pooled(settings_dict):
    first = opened(settings_dict())
    raw = first.connection
    query(first, "PRAGMA foreign_keys = OFF")
    first.close()
    second = opened(settings_dict())
    assert second.connection is not raw
    assert query(second, "PRAGMA foreign_keys") == [(1,)]
    second.close()


def test_the_pool_keeps_no_more_than_its_size(settings_dict):
    wrappers = [opened(settings_dict(pool_size=2)) for _ in range(3)]
    raws = [wrapper.connection for wrapper in wrappers]
    for wrapper in wrappers:
        wrapper.close()
    # The third did not fit: it was closed for real.
    with pytest.raises(sqlite3.ProgrammingError):
        raws[2].execute("SELECT 1")
    reopened = [opened(settings_dict(pool_size=2)) for _ in range(2)]
    assert {id(w.connection) for w in reopened} == {id(raws[0]), id(raws[1])}
    for wrapper in reopened:
        wrapper.close()


def test_pool_size_zero_closes_as_django_does(settings_dict):
    first = opened(settings_dict(pool_size=0))
    raw = first.connection
    first.close()
    with pytest.raises(sqlite3.ProgrammingError):
        raw.execute("SELECT 1")


def test_separate_database_files_never_share_connections(settings_dict, tmp_path):
    first = opened(settings_dict(name=str(tmp_path / "one.sqlite3")))
    query(first, "CREATE TABLE only_in_one (id INTEGER)")
    first.close()
    other = opened(settings_dict(name=str(tmp_path / "two.sqlite3")))
    assert query(other, "SELECT name FROM sqlite_master WHERE name = 'only_in_one'") == []
    other.close()


def test_the_embedded_default_uses_the_pool(settings):
    database = settings.DATABASES["default"]
    assert database["ENGINE"] == "rubysound.core.db.sqlite3"
    assert database["OPTIONS"]["pool_size"] >= 1
