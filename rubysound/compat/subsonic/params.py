"""Reading an operation's parameters: from the query string, or the form body of a POST
(the ``formPost`` extension), repeated ones included."""

from django.http import QueryDict

from .errors import invalid, missing

# Far beyond any real library's page; a larger number would only cost memory.
_MAX_INT = 2**53


class Params:
    def __init__(self, query: QueryDict, form: QueryDict | None = None):
        self._sources = (query, form) if form is not None else (query,)

    def get(self, name: str, default: str | None = None) -> str | None:
        for source in self._sources:
            if name in source:
                return _checked(name, source.get(name))
        return default

    def has(self, name: str) -> bool:
        return any(name in source for source in self._sources)

    def list(self, name: str) -> list[str]:
        return [_checked(name, value) for source in self._sources for value in source.getlist(name)]

    def required(self, name: str) -> str:
        value = self.get(name)
        if value is None or value == "":
            raise missing(name)
        return value

    def int(
        self,
        name: str,
        default: int | None = None,
        *,
        minimum: int | None = None,
        maximum: int | None = None,
        required: bool = False,
    ) -> int | None:
        raw = self.get(name)
        if raw is None or raw == "":
            if required:
                raise missing(name)
            return default
        value = parse_int(raw, name)
        if minimum is not None and value < minimum:
            raise invalid(name)
        if maximum is not None:
            value = min(value, maximum)
        return value

    def bool(self, name: str, default: bool | None = None) -> bool | None:
        raw = self.get(name)
        if raw is None or raw == "":
            return default
        lowered = raw.lower()
        if lowered in ("true", "1", "yes"):
            return True
        if lowered in ("false", "0", "no"):
            return False
        raise invalid(name)


def _checked(name: str, value: str) -> str:
    # No text we store or look up contains NUL, and PostgreSQL refuses it in any query.
    if "\x00" in value:
        raise invalid(name)
    return value


def parse_int(raw: str, name: str) -> int:
    try:
        value = int(raw.strip())
    except (ValueError, AttributeError):
        raise invalid(name) from None
    if abs(value) > _MAX_INT:
        raise invalid(name)
    return value
