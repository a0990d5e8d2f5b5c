"""The OpenAPI document describes the playlist routes' bodies (the old schema had none)."""

import pytest

pytestmark = pytest.mark.django_db

ME = "/api/playlists/me/"
ME_TRACKS = "/api/playlists/me/tracks/"
TRACKS = "/api/playlists/{id}/tracks/"


@pytest.fixture(scope="module")
def schema(django_db_blocker):
    from rest_framework.test import APIClient

    with django_db_blocker.unblock():
        response = APIClient().get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    return response.json()


def resolve(schema: dict, node: dict) -> dict:
    while "$ref" in node:
        node = schema["components"]["schemas"][node["$ref"].rsplit("/", 1)[-1]]
    return node


def response_properties(schema, path, method, status="200") -> set[str]:
    content = schema["paths"][path][method]["responses"][status]["content"]
    return set(resolve(schema, content["application/json"]["schema"])["properties"])


def request_properties(schema, path, method) -> set[str]:
    content = schema["paths"][path][method]["requestBody"]["content"]["application/json"]
    return set(resolve(schema, content["schema"])["properties"])


def request_forms(schema, path, method) -> list[set[str]]:
    """The properties of each body a route accepts (one, or each of a ``oneOf``)."""
    content = schema["paths"][path][method]["requestBody"]["content"]["application/json"]
    node = resolve(schema, content["schema"])
    return [set(resolve(schema, form)["properties"]) for form in node.get("oneOf", [node])]


def test_favorites_bodies(schema):
    assert {"title", "tracks", "id", "tracks_count", "likes_count"} <= response_properties(
        schema, ME, "get"
    )
    assert request_properties(schema, ME, "patch") == {"title"}
    assert {"detail", "title"} <= response_properties(schema, ME, "patch")
    assert {"detail", "code"} <= response_properties(schema, ME, "patch", "400")


def test_favorites_track_bodies(schema):
    assert {"name", "artist", "mbid", "track_id"} <= request_properties(schema, ME_TRACKS, "post")
    assert {"detail", "track", "title"} <= response_properties(schema, ME_TRACKS, "post", "201")
    assert {"detail", "track", "title"} <= response_properties(schema, ME_TRACKS, "post", "409")
    assert {"detail", "track"} <= response_properties(schema, ME_TRACKS, "delete")
    parameters = {p["name"] for p in schema["paths"][ME_TRACKS]["delete"]["parameters"]}
    assert {"track_id", "name", "artist", "mbid"} <= parameters


def test_playlist_bodies(schema):
    writable = request_properties(schema, "/api/playlists/", "post")
    assert writable == {"title", "description", "visibility", "track_ids"}
    assert {"count", "results"} <= response_properties(schema, "/api/playlists/", "get")
    assert {"id", "title", "is_public", "owner"} <= response_properties(
        schema, "/api/playlists/{id}/", "get"
    )


def test_track_list_bodies_and_filters(schema):
    assert {"count", "next", "previous", "results"} <= response_properties(schema, TRACKS, "get")
    parameters = {p["name"] for p in schema["paths"][TRACKS]["get"]["parameters"]}
    assert {"artist", "year_from", "year_to", "sort", "page", "page_size"} <= parameters
    assert {"track_id", "position", "track_ids"} <= request_properties(schema, TRACKS, "patch")
    one, many = request_forms(schema, TRACKS, "post")
    assert {"track_id", "position"} <= one
    assert many == {"track_ids"}
