"""One response structure, rendered as XML or JSON (or JSONP).

An operation answers a dict: scalars (str, int, float, bool) become XML attributes, a
nested dict one child element, a list of dicts repeated elements of the key's name, a list
of scalars repeated elements with text, and the key ``value`` the element's own text. JSON
is the same dict under ``subsonic-response``, as the Subsonic spec maps it. None values are
left out of both.
"""

import json
import re
from xml.etree import ElementTree

from django.http import HttpResponse

from rubysound import __version__ as SERVER_VERSION

from .errors import Code, SubsonicError

API_VERSION = "1.16.1"
SERVER_TYPE = "rubysound"
XML_NAMESPACE = "http://subsonic.org/restapi"
FORMATS = ("xml", "json", "jsonp")
# A JSONP callback is a JavaScript name path, nothing else (it is written into a script).
_CALLBACK = re.compile(r"^[A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)*$")


def envelope(status: str, body: dict | None = None) -> dict:
    return {
        "status": status,
        "version": API_VERSION,
        "type": SERVER_TYPE,
        "serverVersion": SERVER_VERSION,
        "openSubsonic": True,
        **(body or {}),
    }


# Characters XML 1.0 cannot carry at all (a tag read from a file may hold them): dropped,
# or the whole answer would fail to parse in the app.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def _scalar(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return _NOT_XML.sub("", str(value))


def _fill(element: ElementTree.Element, body: dict) -> None:
    for key, value in body.items():
        if value is None:
            continue
        if key == "value" and not isinstance(value, dict | list):
            element.text = _scalar(value)
        elif isinstance(value, dict):
            _fill(ElementTree.SubElement(element, key), value)
        elif isinstance(value, list | tuple):
            for item in value:
                child = ElementTree.SubElement(element, key)
                if isinstance(item, dict):
                    _fill(child, item)
                elif item is not None:
                    child.text = _scalar(item)
        else:
            element.set(key, _scalar(value))


def to_xml(payload: dict) -> bytes:
    root = ElementTree.Element("subsonic-response", xmlns=XML_NAMESPACE)
    _fill(root, payload)
    return ElementTree.tostring(root, encoding="utf-8", xml_declaration=True)


def _without_none(value):
    # Scalars are kept as they are, without a call each: a page of 500 songs holds 20,000.
    if isinstance(value, dict):
        return {
            k: _without_none(v) if isinstance(v, dict | list | tuple) else v
            for k, v in value.items()
            if v is not None
        }
    return [
        _without_none(v) if isinstance(v, dict | list | tuple) else v
        for v in value
        if v is not None
    ]


def to_json(payload: dict) -> bytes:
    return json.dumps(
        {"subsonic-response": _without_none(payload)}, ensure_ascii=False, separators=(",", ":")
    ).encode()


def wanted_format(params) -> tuple[str, str | None]:
    """(format, JSONP callback); anything unknown falls back to XML, the protocol's default."""
    try:
        fmt = (params.get("f") or "xml").lower()
        callback = params.get("callback") if fmt == "jsonp" else None
    except SubsonicError:  # unreadable: the default, so the refusal can still be answered
        return "xml", None
    if fmt not in FORMATS:
        fmt = "xml"
    if fmt == "jsonp" and not (callback and _CALLBACK.match(callback)):
        fmt, callback = "json", None
    return fmt, callback


def render(payload: dict, fmt: str, callback: str | None = None) -> HttpResponse:
    if fmt == "xml":
        response = HttpResponse(to_xml(payload), content_type="text/xml; charset=utf-8")
    elif fmt == "jsonp":
        body = callback.encode() + b"(" + to_json(payload) + b");"
        response = HttpResponse(body, content_type="text/javascript; charset=utf-8")
    else:
        response = HttpResponse(to_json(payload), content_type="application/json; charset=utf-8")
    # Answers depend on the credentials in the query: never kept by a shared cache.
    response["Cache-Control"] = "no-store"
    return response


def ok(body: dict | None, fmt: str, callback: str | None = None) -> HttpResponse:
    return render(envelope("ok", body), fmt, callback)


def failed(code: Code, message: str, fmt: str, callback: str | None = None) -> HttpResponse:
    return render(
        envelope("failed", {"error": {"code": int(code), "message": message}}), fmt, callback
    )
