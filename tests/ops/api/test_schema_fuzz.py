"""Schemathesis over the OpenAPI document the app serves: every operation, a bounded number
of generated requests each, anonymous and signed in. No answer may be a 5xx, and an answer
with a documented status must match its documented schema (an undocumented status is not a
failure: DRF answers 404, 405 and 415 on its own on many routes).

The requests go to Django in process, on the test database, through its WSGI handler: the
ASGI wrapper around it only limits bodies and methods, which tests/core test on a real
server, and the WSGI handler runs in this thread, inside the test's transaction.
"""

import httpx
import pytest
import schemathesis
from django.core import signals
from django.core.handlers.wsgi import WSGIHandler
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, settings
from rest_framework import throttling
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance
from werkzeug.test import Client

from tests.factories import DEFAULT_PASSWORD, UserFactory
from tests.providers.conftest import upstream  # noqa: F401 (a fixture)

# Small enough that the module runs in about two minutes on two cores.
EXAMPLES_PER_OPERATION = 20


APP = WSGIHandler()
# Loaded at collection, so that each operation is a test of its own (schemathesis' loading
# from a fixture runs them all inside one test, and does not work with pytest 9).
schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", APP)


@pytest.fixture(autouse=True)
def in_process_app(db, settings, upstream):  # noqa: F811
    # A test of what the API answers, not of its rate limits: a 429 would hide the answer.
    # DRF bound the default throttle classes at import, so the rates are what turns them off.
    settings.THROTTLE_ENABLED = False
    rates = dict.fromkeys(throttling.SimpleRateThrottle.THROTTLE_RATES)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(throttling.SimpleRateThrottle, "THROTTLE_RATES", rates)
        # As Django's test client does: the handler would otherwise close the test's
        # connection, and its transaction, after each request.
        signals.request_started.disconnect(close_old_connections)
        signals.request_finished.disconnect(close_old_connections)
        # The services are off in tests; should a generated URL reach one (the preview
        # proxy's allowed hosts), it answers as an upstream that is down, never the network.
        upstream.route().mock(return_value=httpx.Response(503))
        try:
            yield APP
        finally:
            signals.request_started.connect(close_old_connections)
            signals.request_finished.connect(close_old_connections)


@pytest.fixture
def signed_in_headers(in_process_app) -> dict:
    """A real access token, from the token endpoint, for a user of the factory."""
    user = UserFactory()
    response = Client(in_process_app).post(
        "/api/auth/token/", json={"username": user.username, "password": DEFAULT_PASSWORD}
    )
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json['access']}"}


FUZZ_SETTINGS = settings(
    max_examples=EXAMPLES_PER_OPERATION,
    derandomize=True,
    # Generation only: schemathesis' coverage phase adds hundreds of unbounded explicit cases
    # to an operation with a body (five minutes for the module on PostgreSQL).
    phases=[Phase.generate],
    deadline=None,
    database=None,
    # The fixtures are set up once for all of an operation's examples, which is the intent.
    suppress_health_check=list(HealthCheck),
)
CHECKS = [not_a_server_error, response_schema_conformance]


@schema.parametrize()
@FUZZ_SETTINGS
def test_anonymous_requests_get_no_server_error_and_documented_answers(case):
    case.call_and_validate(checks=CHECKS)


@schema.parametrize()
@FUZZ_SETTINGS
def test_signed_in_requests_get_no_server_error_and_documented_answers(case, signed_in_headers):
    case.call_and_validate(headers=signed_in_headers, checks=CHECKS)
