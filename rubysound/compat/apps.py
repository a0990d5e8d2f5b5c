from django.apps import AppConfig


class CompatConfig(AppConfig):
    """Protocol adapters with frozen contracts: the routes other clients already speak."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "rubysound.compat"
    label = "compat"
