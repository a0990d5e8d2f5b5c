"""The protocol: paths, methods, formats, the wrapper and errors that are never HTTP errors."""

import json

import pytest
from django.test import Client

from rubysound.compat.subsonic.registry import OPERATIONS, operation
from tests.compat.subsonic.conftest import NS
from tests.compat.subsonic.schema_check import validate

pytestmark = pytest.mark.django_db

WRAPPER = {"status", "version", "type", "serverVersion", "openSubsonic"}


def xml_to_data(element) -> dict:
    """An XML element read back into the JSON mapping (lists for repeated children)."""
    data = {key: value for key, value in element.attrib.items() if key != "xmlns"}
    if element.text and element.text.strip():
        data["value"] = element.text
    for child in element:
        data.setdefault(child.tag.removeprefix(NS), []).append(xml_to_data(child))
    return data


def json_as_strings(value):
    """The JSON answer as XML can say it: scalars as strings, every child a list."""
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            if isinstance(item, list):
                if item:
                    out[key] = [json_as_strings(v) for v in item]
            elif isinstance(item, dict):
                out[key] = [json_as_strings(item)]
            elif isinstance(item, bool):
                out[key] = "true" if item else "false"
            else:
                out[key] = str(item)
        return out
    return value if isinstance(value, str) else {"value": str(value)}


def test_ping_wrapper_in_both_formats(subsonic):
    body = subsonic.ok("ping")
    assert body == {
        "status": "ok",
        "version": "1.16.1",
        "type": "rubysound",
        "serverVersion": body["serverVersion"],
        "openSubsonic": True,
    }
    assert body["serverVersion"]
    validate("ping", {"subsonic-response": body})
    root = subsonic.xml("ping")
    assert root.tag == f"{NS}subsonic-response"
    assert root.attrib["status"] == "ok"
    assert root.attrib["openSubsonic"] == "true"
    assert root.attrib["version"] == "1.16.1"


@pytest.mark.parametrize(
    ("op", "params"),
    [
        ("getArtists", {}),
        ("getAlbumList2", {"type": "alphabeticalByName"}),
        ("search3", {"query": ""}),
        ("getGenres", {}),
        ("getOpenSubsonicExtensions", {}),
        ("getUser", {}),
    ],
)
def test_xml_and_json_carry_the_same_data(subsonic, scanned_library, op, params):
    as_json = subsonic.ok(op, params)
    validate(op, {"subsonic-response": as_json})
    as_xml = xml_to_data(subsonic.xml(op, params))
    assert as_xml == json_as_strings(as_json)


def test_xml_is_the_default_and_unknown_formats_fall_back_to_it(subsonic):
    assert subsonic.raw("ping")["Content-Type"].startswith("text/xml")
    assert subsonic.raw("ping", {"f": "yaml"})["Content-Type"].startswith("text/xml")
    assert subsonic.raw("ping", {"f": "json\x00"})["Content-Type"].startswith("text/xml")
    jsonp = subsonic.raw("ping", {"f": "jsonp", "callback": "cb\x00"})
    assert jsonp["Content-Type"].startswith("text/xml")


def test_jsonp_wraps_the_json_in_the_callback(subsonic):
    response = subsonic.raw("ping", {"f": "jsonp", "callback": "app.onPing"})
    assert response["Content-Type"].startswith("text/javascript")
    text = response.content.decode()
    assert text.startswith("app.onPing(")
    assert text.endswith(");")
    body = json.loads(text.removeprefix("app.onPing(").removesuffix(");"))
    assert body["subsonic-response"]["status"] == "ok"


def test_jsonp_callback_cannot_inject_script(subsonic):
    response = subsonic.raw("ping", {"f": "jsonp", "callback": "alert(1);x"})
    assert not response.content.startswith(b"alert")
    assert json.loads(response.content)["subsonic-response"]["status"] == "ok"


@pytest.mark.parametrize("path", ["/rest/ping", "/rest/ping.view", "/rest/ping/"])
def test_view_suffix_and_post_form(subsonic, path):
    query = {**subsonic.credentials(), "f": "json"}
    assert Client().get(path, query).json()["subsonic-response"]["status"] == "ok"
    # formPost: the same parameters in a form body, with no CSRF token (apps have none).
    posted = Client(enforce_csrf_checks=True).post(path, query)
    assert posted.status_code == 200
    assert posted.json()["subsonic-response"]["status"] == "ok"


def test_query_and_form_parameters_combine(subsonic):
    query = "&".join(f"{k}={v}" for k, v in subsonic.credentials().items())
    response = Client().post(f"/rest/getUser?{query}", {"f": "json"})
    assert response.json()["subsonic-response"]["user"]["username"] == subsonic.username


@pytest.mark.parametrize(
    "path", ["/rest/doesNotExist", "/rest/doesNotExist.view", "/rest/", "/rest/a/b/c", "/rest"]
)
def test_unknown_operation_is_error_0_naming_it(subsonic, path):
    response = Client().get(path, {**subsonic.credentials(), "f": "json"})
    assert response.status_code == 200
    error = response.json()["subsonic-response"]["error"]
    assert error["code"] == 0
    if "doesNotExist" in path:
        assert "doesNotExist" in error["message"]


@pytest.mark.parametrize("method", ["put", "delete", "patch"])
def test_other_methods_are_a_protocol_error(subsonic, method):
    response = getattr(Client(), method)(f"/rest/ping?f=json&u={subsonic.username}")
    assert response.status_code == 200
    assert response.json()["subsonic-response"]["error"]["code"] == 0


def test_an_operation_that_fails_unexpectedly_is_error_0_not_a_500(subsonic):
    @operation("testExplodes")
    def explodes(call):
        raise RuntimeError("boom: must not reach the client")

    try:
        response = subsonic.raw("testExplodes", {"f": "json"})
    finally:
        del OPERATIONS["testExplodes"]
    assert response.status_code == 200
    body = response.json()["subsonic-response"]
    assert body["status"] == "failed"
    assert body["error"]["code"] == 0
    assert "boom" not in response.content.decode()


def test_errors_are_failed_with_code_and_message_in_xml_too(subsonic):
    root = subsonic.xml("getAlbum", {"id": "al-999999"})
    assert root.attrib["status"] == "failed"
    error = root.find(f"{NS}error")
    assert error.attrib["code"] == "70"
    assert error.attrib["message"]


def test_answers_are_never_stored_by_shared_caches(subsonic):
    assert subsonic.raw("ping")["Cache-Control"] == "no-store"


@pytest.mark.parametrize(
    ("op", "params", "code"),
    [
        ("getAlbum", {}, 10),
        ("getAlbum", {"id": ""}, 10),
        ("getAlbumList2", {}, 10),
        ("getAlbumList2", {"type": "sideways"}, 0),
        ("getAlbumList2", {"type": "byYear", "fromYear": "1990"}, 10),
        ("getAlbumList2", {"type": "byGenre"}, 10),
        ("getAlbumList2", {"type": "newest", "size": "-1"}, 0),
        ("getAlbumList2", {"type": "newest", "offset": "x"}, 0),
        ("getAlbumList2", {"type": "newest", "size": "9" * 40}, 0),
        ("search3", {"query": "a", "songCount": "-5"}, 0),
        ("search3", {"query": "a", "songOffset": "1e3"}, 0),
        ("getSong", {"id": "tr-" + "9" * 40}, 70),
    ],
)
def test_bad_parameters_are_protocol_errors(subsonic, op, params, code):
    error = subsonic.error(op, params)
    assert error["code"] == code
    assert error["message"]


def test_every_registered_operation_answers_without_parameters(subsonic, scanned_library):
    """No operation, called bare, answers anything but the protocol's shape."""
    for name in sorted(OPERATIONS):
        response = subsonic.raw(name, {"f": "json"})
        assert response.status_code in (200, 206), name
        if response["Content-Type"].startswith("application/json"):
            body = response.json()["subsonic-response"]
            assert set(body) >= WRAPPER, name
            validate(name, {"subsonic-response": body})


@pytest.mark.parametrize(("version", "code"), [("0.9.0", 20), ("2.0.0", 30), ("3", 30)])
def test_another_major_protocol_version_is_20_or_30(subsonic, version, code):
    assert subsonic.error("ping", {"v": version})["code"] == code


@pytest.mark.parametrize("version", ["1.1.0", "1.16.1", "1.99", "", "abc", "9" * 5000, "²"])
def test_any_1x_or_unreadable_version_is_served(subsonic, version):
    assert subsonic.ok("ping", {"v": version})["status"] == "ok"


def test_characters_xml_cannot_carry_are_dropped_from_xml(subsonic, scanned_library):
    from rubysound.catalog.models import Track

    track = Track.objects.order_by("pk").first()
    Track.objects.filter(pk=track.pk).update(title="Bell\x07 \x1fsong")
    root = subsonic.xml("getSong", {"id": f"tr-{track.pk}"})
    assert root.find(f"{NS}song").attrib["title"] == "Bell song"
    assert subsonic.ok("getSong", {"id": f"tr-{track.pk}"})["song"]["title"] == "Bell\x07 \x1fsong"


def test_a_body_that_is_no_form_is_read_as_none(subsonic):
    query = "&".join(f"{k}={v}" for k, v in subsonic.credentials().items())
    response = Client().post(
        f"/rest/getAlbum?f=json&{query}",
        data=b"--broken\r\nnot a multipart body",
        content_type="multipart/form-data; boundary=broken",
    )
    assert response.status_code == 200
    assert response.json()["subsonic-response"]["error"]["code"] == 10
