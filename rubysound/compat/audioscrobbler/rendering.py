"""Answers in Last.fm's two formats. A handler answers a plain structure: a dict of element
name -> value, where a value is text, a nested dict, a list (repeated elements), or an
``Element`` with attributes. XML is ``<lfm status="ok">...</lfm>``; JSON follows Last.fm's
own mapping (attributes of an element with text become ``{"#text": ..., "attr": ...}``;
attributes of an element with children go under ``"@attr"``)."""

from dataclasses import dataclass, field
from xml.etree import ElementTree

from django.http import HttpResponse, JsonResponse

from .errors import AudioscrobblerError


@dataclass
class Element:
    """An element with attributes: ``text`` or ``children``."""

    text: str | None = None
    attrs: dict = field(default_factory=dict)
    children: dict | None = None


def _xml_into(parent: ElementTree.Element, name: str, value) -> None:
    if isinstance(value, list):
        for item in value:
            _xml_into(parent, name, item)
        return
    node = ElementTree.SubElement(parent, name)
    if isinstance(value, Element):
        for key, attr in value.attrs.items():
            node.set(key, str(attr))
        if value.children is not None:
            for child, child_value in value.children.items():
                _xml_into(node, child, child_value)
        else:
            node.text = value.text or ""
    elif isinstance(value, dict):
        for child, child_value in value.items():
            _xml_into(node, child, child_value)
    else:
        node.text = "" if value is None else str(value)


def _json(value):
    if isinstance(value, list):
        return [_json(item) for item in value]
    if isinstance(value, Element):
        attrs = {key: str(attr) for key, attr in value.attrs.items()}
        if value.children is not None:
            body = {key: _json(child) for key, child in value.children.items()}
            if attrs:
                body["@attr"] = attrs
            return body
        return {"#text": value.text or "", **attrs}
    if isinstance(value, dict):
        return {key: _json(child) for key, child in value.items()}
    return "" if value is None else value


def ok(body: dict, fmt: str) -> HttpResponse:
    if fmt == "json":
        return JsonResponse(_json(body))
    root = ElementTree.Element("lfm", status="ok")
    for name, value in body.items():
        _xml_into(root, name, value)
    return _xml_response(root, 200)


def failed(error: AudioscrobblerError, fmt: str) -> HttpResponse:
    if fmt == "json":
        body = {"error": int(error.code), "message": error.message}
        return JsonResponse(body, status=error.status)
    root = ElementTree.Element("lfm", status="failed")
    node = ElementTree.SubElement(root, "error", code=str(int(error.code)))
    node.text = error.message
    return _xml_response(root, error.status)


def _xml_response(root: ElementTree.Element, status: int) -> HttpResponse:
    body = ElementTree.tostring(root, encoding="utf-8", xml_declaration=True)
    return HttpResponse(body, status=status, content_type="text/xml; charset=utf-8")
