"""GET /api/schema/ answered from a document each process builds once per language.

Clients sending a cookie (every browser with a session) reach Django on every request; the
document used to be generated for each of them, and two generations at once broke each
other (drf-spectacular's generator is not thread-safe).
"""

import json
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.test import Client

from rubysound.ops.api import schema

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _no_document_yet():
    schema._documents.clear()
    schema._rendered.clear()
    yield
    schema._documents.clear()
    schema._rendered.clear()


def fetch(query="format=json", **headers):
    response = Client(**headers).get(f"/api/schema/?{query}")
    return response.status_code, response


def test_concurrent_first_requests_all_get_the_document():
    with ThreadPoolExecutor(max_workers=6) as pool:
        results = list(pool.map(lambda _: fetch(HTTP_COOKIE="theme=dark"), range(6)))
    assert [status for status, _ in results] == [200] * 6
    bodies = {response.content for _, response in results}
    assert len(bodies) == 1
    assert json.loads(bodies.pop())["info"]["title"] == "RubySound API"


def test_a_signed_in_caller_gets_the_same_document_as_anyone(user, auth_client):
    _, anonymous = fetch()
    signed_in = auth_client.get("/api/schema/?format=json")
    assert signed_in.status_code == 200
    assert signed_in.content == anonymous.content


def test_json_and_yaml_are_both_served_with_their_types():
    _, as_json = fetch("format=json")
    _, as_yaml = fetch("format=yaml")
    assert as_json["Content-Type"] == "application/vnd.oai.openapi+json"
    assert as_yaml["Content-Type"] == "application/vnd.oai.openapi; charset=utf-8"
    assert as_yaml.content.startswith(b"openapi: ")
    assert json.loads(as_json.content)["openapi"].startswith("3.")
    assert as_json["Content-Disposition"] == 'inline; filename="RubySound API.json"'
    assert "Accept" in as_json["Vary"]


def test_each_language_has_its_document():
    _, english = fetch("format=json&lang=en")
    _, russian = fetch("format=json&lang=ru")
    assert english.content != russian.content
    _, again = fetch("format=json&lang=ru")
    assert again.content == russian.content


def test_callers_cannot_grow_the_cache_with_made_up_keys():
    _, default = fetch("format=json")
    for query in ("lang=xx-made-up", "version=v999", "lang=zz&version=1", "format=json&lang=qq"):
        status, _ = fetch(query)
        assert status == 200
    # One document (the default language); nothing a caller invents becomes a new entry.
    assert len(schema._documents) == 1
    _, unknown_language = fetch("format=json&lang=xx-made-up")
    assert unknown_language.content == default.content
    assert json.loads(fetch("format=json&version=v999")[1].content)["info"]["version"] == "1.0.0"
