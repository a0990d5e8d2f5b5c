"""The one kind of error a domain raises when it refuses something: ``DomainError``.

A domain's errors subclass it and take their ``code`` from that domain's ``StrEnum`` of
codes, with the HTTP ``status`` and the ``message`` a client reads. Views do not catch
them: ``rubysound.core.exceptions.api_exception_handler`` answers API views with the one
JSON shape ``{"detail": message, "code": code, "fields"?: {...}}``, and
``rubysound.core.middleware.DomainErrorMiddleware`` answers plain Django views (a page for
people, or the same JSON on API paths).

``message`` is the client's sentence, kept word for word where an API documents it.
``page_message`` is what a person reads instead when a form of the site is refused: a
translated sentence, shown as a flash message back on the page the form came from. An
error without one is the error page of its status.
"""

from enum import StrEnum


class ErrorCode(StrEnum):
    """Codes that mean the same in every domain (a domain's enum repeats those it uses)."""

    INVALID = "invalid"
    NOT_FOUND = "not_found"
    PERMISSION_DENIED = "permission_denied"


class DomainError(Exception):
    """A refusal by a domain's rules: ``code``, HTTP ``status`` and ``message``.

    Subclasses set their defaults as class attributes; an instance may override any of them
    (``fields`` names the culprit inputs: ``{"field": ["reason", ...]}``).
    """

    code: StrEnum = ErrorCode.INVALID
    status: int = 400
    message: str = "Invalid input."
    page_message: str | None = None  # usually a lazy translation

    def __init__(
        self,
        message: str | None = None,
        *,
        code: StrEnum | None = None,
        status: int | None = None,
        fields: dict[str, list[str]] | None = None,
    ):
        if message is not None:
            self.message = message
        if code is not None:
            self.code = code
        if status is not None:
            self.status = status
        self.fields = fields
        super().__init__(self.message)

    def __str__(self) -> str:
        return self.message
