"""Validates a JSON answer against the OpenSubsonic schemas copied in ``schemas/``.

The schemas are OpenAPI 3.0 files that point at each other with relative ``$ref``s; they
are loaded by path from this folder (never from the network or the shared checkout) into a
``referencing`` registry, each under a ``file:`` URI so relative references resolve.
"""

import functools
import json
from pathlib import Path

import jsonschema
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT7

SCHEMAS = Path(__file__).parent / "schemas"


def _uri(path: Path) -> str:
    return path.resolve().as_uri()


@functools.cache
def _registry() -> Registry:
    resources = []
    for path in SCHEMAS.rglob("*.json"):
        contents = json.loads(path.read_text())
        resources.append(
            (_uri(path), Resource.from_contents(contents, default_specification=DRAFT7))
        )
    return Registry().with_resources(resources)


# Operations whose answer the spec describes under another operation's schema.
SAME_ANSWER_AS = {"getAlbumInfo2": "getAlbumInfo"}


def response_schema(operation: str) -> dict:
    """The schema of the whole answer of ``operation`` (``{"subsonic-response": ...}``)."""
    operation = SAME_ANSWER_AS.get(operation, operation)
    name = operation[0].upper() + operation[1:]
    path = SCHEMAS / "endpoints" / operation / f"{name}Response.json"
    if not path.exists():  # operations with no body of their own (ping, star, ...)
        empty = SCHEMAS / "responses" / "EmptySubsonicResponse.json"
        return {"$ref": _uri(empty) + "#/content/application~1json/schema"}
    return {"$ref": _uri(path)}


def validate(operation: str, answer: dict) -> None:
    """Raises jsonschema.ValidationError when ``answer`` breaks the operation's schema."""
    validator = jsonschema.Draft7Validator(response_schema(operation), registry=_registry())
    errors = sorted(validator.iter_errors(answer), key=lambda error: list(error.path))
    if errors:
        raise errors[0]
