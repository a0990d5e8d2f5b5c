"""The one entry point of ``/rest/<op>`` (and ``/rest/<op>.view``): GET, or POST with a
form body. It reads the parameters, authenticates, runs the operation and renders its
answer; every refusal and every unexpected failure is a protocol error with HTTP 200, so
an app never sees an HTML page, a DRF body or a 5xx.

Media operations (``stream``, ``download``, ``getCoverArt``) have a view of their own,
async like the catalog's media routes, so a slow download never holds a request thread.
"""

import logging
import re

from asgiref.sync import sync_to_async
from django.db import transaction
from django.http import QueryDict
from django.http.multipartparser import MultiPartParserError
from django.views.decorators.csrf import csrf_exempt

from rubysound.core.errors import DomainError

from . import ops  # noqa: F401 - registers the operations
from .auth import authenticate
from .errors import Code, SubsonicError
from .params import Params
from .registry import OPERATIONS, Call
from .rendering import API_VERSION, failed, ok, wanted_format

logger = logging.getLogger("rubysound.compat.subsonic")

ALLOWED_METHODS = ("GET", "HEAD", "POST")
API_MAJOR_VERSION = int(API_VERSION.split(".", 1)[0])
_VERSION_NUMBER = re.compile(r"[0-9]{1,4}")


def _params(request) -> Params:
    form = None
    if request.method == "POST":
        try:
            form = request.POST
        except (MultiPartParserError, ValueError):
            # A body that is no form: read as none, so the operation names what is missing.
            form = QueryDict()
    return Params(request.GET, form)


def _domain_error(exc: DomainError) -> SubsonicError:
    if exc.status == 404:
        return SubsonicError(Code.NOT_FOUND, exc.message)
    if exc.status in (401, 403):
        return SubsonicError(Code.NOT_AUTHORIZED, exc.message)
    return SubsonicError(Code.GENERIC, exc.message)


def _check_client_version(params: Params) -> None:
    """Errors 20 and 30 for a client of another major version of the protocol. Minor
    versions are not compared: apps send what they were written for, and every 1.x
    client works with 1.16.1."""
    raw = params.get("v") or ""
    major = raw.split(".", 1)[0]
    if not _VERSION_NUMBER.fullmatch(major):
        return
    if int(major) < API_MAJOR_VERSION:
        raise SubsonicError(
            Code.CLIENT_TOO_OLD,
            "Incompatible Subsonic REST protocol version: the client must upgrade.",
        )
    if int(major) > API_MAJOR_VERSION:
        raise SubsonicError(
            Code.SERVER_TOO_OLD,
            "Incompatible Subsonic REST protocol version: the server must upgrade.",
        )


def _refusal(request, op_name: str, params: Params):
    """The operation to run, or raises the protocol error that refuses the request."""
    if request.method not in ALLOWED_METHODS:
        raise SubsonicError(Code.GENERIC, f"Method not allowed: {request.method}")
    _check_client_version(params)
    operation = OPERATIONS.get(op_name)
    if operation is None:
        raise SubsonicError(Code.GENERIC, f"Operation not supported: {op_name}")
    return operation


def _run(request, op_name: str):
    params = _params(request)
    fmt, callback = wanted_format(params)
    try:
        operation = _refusal(request, op_name, params)
        user = authenticate(request, params) if operation.needs_auth else None
        with transaction.atomic():
            body = operation.handler(Call(request, params, user))
        return ok(body, fmt, callback)
    except SubsonicError as exc:
        return failed(exc.code, exc.message, fmt, callback)
    except DomainError as exc:
        error = _domain_error(exc)
        return failed(error.code, error.message, fmt, callback)
    except Exception:
        logger.exception("subsonic operation failed", extra={"operation": op_name[:64]})
        return failed(Code.GENERIC, "The server could not answer this request.", fmt, callback)


@csrf_exempt
def endpoint(request, op: str):
    return _run(request, op)


@csrf_exempt
async def media_endpoint(request, op: str):
    params = await sync_to_async(_params)(request)
    fmt, callback = wanted_format(params)
    try:
        operation = _refusal(request, op, params)
        user = await sync_to_async(authenticate)(request, params)
        if request.method == "POST":
            # formPost: a POST asks exactly what the same GET asks, and the catalog's media
            # code answers GET with the bytes (anything else with headers only).
            request.method = "GET"
        return await operation.handler(Call(request, params, user))
    except SubsonicError as exc:
        return failed(exc.code, exc.message, fmt, callback)
    except DomainError as exc:
        error = _domain_error(exc)
        return failed(error.code, error.message, fmt, callback)
    except Exception:
        logger.exception("subsonic operation failed", extra={"operation": op})
        return failed(Code.GENERIC, "The server could not answer this request.", fmt, callback)


@csrf_exempt
def unknown_path(request, rest: str = ""):
    params = _params(request)
    fmt, callback = wanted_format(params)
    return failed(Code.GENERIC, "Operation not supported.", fmt, callback)
