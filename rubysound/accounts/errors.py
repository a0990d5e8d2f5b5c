"""Codes of what accounts refuse.

Every refusal of accounts is about one input (a username taken, a birth date in the future,
an image too large), so it is Django's ``ValidationError`` carrying one of these codes: the
signup and profile forms put it on their fields, and the API's exception handler answers it
field by field (``{"detail": "Invalid input.", "code": "invalid", "fields": {...}}``) like
a serializer's own. A refusal that names no input would be a ``DomainError`` subclass here.
"""

from enum import StrEnum

from django.utils.translation import gettext_lazy as _

from rubysound.core.errors import DomainError


class AccountErrorCode(StrEnum):
    USERNAME_TAKEN = "username_taken"
    EMAIL_TAKEN = "email_taken"
    RESERVED_USERNAME = "reserved_username"
    FUTURE_DATE = "future_date"
    TOO_OLD = "too_old"
    TOO_LARGE = "too_large"
    UNSUPPORTED_FORMAT = "unsupported_format"
    TOO_MANY_PIXELS = "too_many_pixels"
    INVALID_IMAGE = "invalid_image"
    NOT_FOUND = "not_found"
    TOO_MANY_CREDENTIALS = "too_many_credentials"


class AppCredentialNotFound(DomainError):
    """An app password or API key that is not the user's (or no longer exists)."""

    code = AccountErrorCode.NOT_FOUND
    status = 404
    message = "Not found."


class TooManyAppCredentials(DomainError):
    code = AccountErrorCode.TOO_MANY_CREDENTIALS
    status = 400
    message = "Too many app passwords or API keys: revoke one you no longer use."
    page_message = _("You have too many app passwords or API keys: revoke one you no longer use.")
