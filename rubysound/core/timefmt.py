"""Times as the API shows them: ISO 8601 in UTC, with a ``Z``, as DRF renders them."""

from datetime import datetime

from rest_framework.fields import DateTimeField

_field = DateTimeField()


def iso_utc(value: datetime | None) -> str | None:
    return _field.to_representation(value) if value is not None else None
