"""One JSON shape for every API error: ``{"detail": ..., "code": ..., "fields": {...}}``.

``fields`` appears only on validation errors. A domain's refusal (``core.errors.DomainError``)
is answered with its own status, code and message. Unexpected exceptions are logged with their
traceback and answered with a generic 500: no exception text ever reaches a client.
"""

import logging

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, JsonResponse
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import set_rollback

from .errors import DomainError

logger = logging.getLogger("rubysound.errors")

API_PATH_PREFIXES = ("/api/", "/music_api/", "/health", "/1/")


class PayloadTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = "Request body is too large."
    default_code = "payload_too_large"


AUTHENTICATION_REQUIRED = "Authentication required."


def is_api_path(path: str) -> bool:
    return path.startswith(API_PATH_PREFIXES)


def error_body(detail: str, code: str, fields: dict | None = None) -> dict:
    body = {"detail": detail, "code": code}
    if fields:
        body["fields"] = fields
    return body


def _messages(value) -> list[str]:
    if isinstance(value, dict):
        return [msg for nested in value.values() for msg in _messages(nested)]
    if isinstance(value, list | tuple):
        return [msg for item in value for msg in _messages(item)]
    return [str(value)]


def _flatten_fields(detail: dict, prefix: str = "") -> dict[str, list[str]]:
    fields: dict[str, list[str]] = {}
    for key, value in detail.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            fields.update(_flatten_fields(value, prefix=f"{name}."))
        elif isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
            for index, item in enumerate(value):
                fields.update(_flatten_fields(item, prefix=f"{name}.{index}."))
        else:
            fields[name] = _messages(value)
    return fields


def _validation_body(exc: exceptions.ValidationError) -> dict:
    detail = exc.detail
    if isinstance(detail, dict):
        fields = _flatten_fields(detail)
        general = fields.pop("non_field_errors", None)
        message = general[0] if general else "Invalid input."
        if not fields and general:
            return error_body(message, "invalid")
        return error_body(message, "invalid", fields)
    messages = _messages(detail)
    return error_body(messages[0] if messages else "Invalid input.", "invalid")


def _api_exception_body(exc: exceptions.APIException) -> dict:
    detail = exc.detail
    if isinstance(detail, dict):
        # Some libraries (SimpleJWT) raise with a dict that carries its own detail and code.
        message = str(detail.get("detail", exc.default_detail))
        code = str(detail.get("code", exc.default_code))
        return error_body(message, code)
    if isinstance(detail, list):
        detail = detail[0] if detail else exc.default_detail
    code = getattr(detail, "code", None) or exc.default_code
    return error_body(str(detail), str(code))


def domain_error_body(exc: DomainError) -> dict:
    return error_body(exc.message, str(exc.code), exc.fields)


def _to_api_exception(exc: Exception) -> exceptions.APIException | None:
    if isinstance(exc, exceptions.APIException):
        return exc
    if isinstance(exc, Http404):
        return exceptions.NotFound()
    if isinstance(exc, DjangoPermissionDenied):
        return exceptions.PermissionDenied()
    if isinstance(exc, RequestDataTooBig):
        return PayloadTooLarge()
    if isinstance(exc, SuspiciousOperation):
        return exceptions.ParseError("The request could not be understood.")
    if isinstance(exc, DjangoValidationError):
        if hasattr(exc, "message_dict"):
            return exceptions.ValidationError(exc.message_dict)
        return exceptions.ValidationError(exc.messages)
    return None


def api_exception_handler(exc: Exception, context: dict) -> Response:
    set_rollback()
    if isinstance(exc, DomainError):
        response = Response(domain_error_body(exc), status=exc.status)
        # A refusal that ends (a rate limit, a busy resource) says when, as DRF's 429 does.
        retry_after = getattr(exc, "retry_after", None)
        if retry_after:
            response["Retry-After"] = str(retry_after)
        return response
    api_exc = _to_api_exception(exc)
    if api_exc is None:
        view = context.get("view")
        logger.error(
            "unhandled API exception",
            exc_info=exc,
            extra={"view": type(view).__name__ if view else "?"},
        )
        return Response(
            error_body("Internal server error.", "server_error"),
            status=status.HTTP_500_INTERNAL_SERVER_ERROR,
        )
    if isinstance(api_exc, exceptions.ParseError):
        # The parser's message quotes decoder internals; clients get a fixed sentence.
        api_exc = exceptions.ParseError(
            "Malformed request body: it is not valid JSON or form data."
        )
    if (
        isinstance(api_exc, exceptions.NotAuthenticated)
        and api_exc.detail == exceptions.NotAuthenticated.default_detail
    ):
        # The sentence the web client and users' scripts have always received.
        challenge = getattr(api_exc, "auth_header", None)
        api_exc = exceptions.NotAuthenticated(AUTHENTICATION_REQUIRED)
        api_exc.auth_header = challenge
    headers = {}
    if getattr(api_exc, "auth_header", None):
        headers["WWW-Authenticate"] = api_exc.auth_header
    if getattr(api_exc, "wait", None):
        headers["Retry-After"] = str(int(api_exc.wait))
    if isinstance(api_exc, exceptions.ValidationError):
        body = _validation_body(api_exc)
    else:
        body = _api_exception_body(api_exc)
    return Response(body, status=api_exc.status_code, headers=headers)


def json_error_response(status_code: int, detail: str, code: str) -> JsonResponse:
    return JsonResponse(error_body(detail, code), status=status_code)
