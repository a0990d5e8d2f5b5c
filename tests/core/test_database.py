import pytest
from django.db import connection


@pytest.mark.postgres_only
@pytest.mark.django_db
def test_postgresql_connections_come_from_the_pool():
    connection.ensure_connection()
    pool = connection.pool
    assert pool is not None
    assert pool.max_size >= pool.min_size >= 1
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        assert cursor.fetchone() == (1,)
    assert pool.get_stats()["pool_size"] >= 1


@pytest.mark.django_db
def test_foreign_keys_are_enforced_on_every_backend():
    """SQLite needs a pragma for this; the embedded default must not silently drop it."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("PRAGMA foreign_keys")
            assert cursor.fetchone() == (1,)
        else:
            cursor.execute("SHOW server_version_num")
            assert int(cursor.fetchone()[0]) >= 130000
