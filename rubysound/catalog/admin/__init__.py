"""The catalog's admin: Django's autodiscovery imports this package, which registers the
ModelAdmins by importing the modules that define them."""

from rubysound.catalog.admin import library, listening  # noqa: F401
