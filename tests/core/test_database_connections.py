"""A live server whose PostgreSQL connections die (a database restart, pg_terminate_backend)
costs no request a 500: each connection is checked before a request gets it."""

from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from django.db import connection
from rest_framework_simplejwt.tokens import RefreshToken

from tests.factories import UserFactory
from tests.servers import serve

pytestmark = [pytest.mark.postgres_only, pytest.mark.django_db(transaction=True)]

CONCURRENCY = 10
REQUESTS_AFTER = 40


def terminate_other_backends() -> int:
    """Ends every connection to the test database but this one: the server's, no one else's
    (the filter is the test database's name)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FILTER (WHERE pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        return cursor.fetchone()[0]


def statuses(base_url: str, headers: dict, count: int) -> list[int]:
    """``count`` signed-in API calls, ``CONCURRENCY`` at a time; each reads the database."""
    with httpx.Client(base_url=base_url, timeout=10, headers=headers) as client:

        def call(_):
            return client.get("/api/users/me/").status_code

        with ThreadPoolExecutor(CONCURRENCY) as pool:
            return list(pool.map(call, range(count)))


@pytest.mark.parametrize("pool", ["true", "false"], ids=["pooled", "persistent"])
def test_requests_after_the_servers_backends_are_terminated_all_succeed(pool):
    user = UserFactory()
    headers = {"Authorization": f"Bearer {RefreshToken.for_user(user).access_token}"}
    with serve(env={"DB_POOL": pool, "THROTTLE_ENABLED": "false"}) as base_url:
        # Enough concurrent requests that several connections are open, idle, in the server.
        assert set(statuses(base_url, headers, 3 * CONCURRENCY)) == {200}
        try:
            assert terminate_other_backends() > 0
        finally:
            # The kill also ended this process's idle pooled connections: the next test
            # starts on a new pool rather than wait on this one's reconnects.
            if hasattr(connection, "close_pool"):
                connection.close_pool()
        after = statuses(base_url, headers, REQUESTS_AFTER)
    failed = [status for status in after if status != 200]
    assert failed == [], f"{len(failed)} of {REQUESTS_AFTER} requests failed"
