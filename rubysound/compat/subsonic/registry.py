"""Operation name -> handler. A handler takes a ``Call`` and answers the dict the renderer
writes under ``subsonic-response`` (or None for an empty success); media handlers are
coroutines answering an HTTP response of their own (the bytes)."""

from collections.abc import Callable
from dataclasses import dataclass

from .params import Params


@dataclass(frozen=True)
class Call:
    request: object
    params: Params
    user: object  # the authenticated user; None for operations that need none


@dataclass(frozen=True)
class Operation:
    name: str
    handler: Callable
    needs_auth: bool = True
    media: bool = False


OPERATIONS: dict[str, Operation] = {}


def operation(name: str, *, needs_auth: bool = True, media: bool = False):
    def register(handler: Callable) -> Callable:
        OPERATIONS[name] = Operation(name, handler, needs_auth=needs_auth, media=media)
        return handler

    return register


def media_names() -> list[str]:
    return sorted(name for name, op in OPERATIONS.items() if op.media)
