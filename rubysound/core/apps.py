import logging

from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "rubysound.core"
    label = "core"
    verbose_name = "Core"

    def ready(self) -> None:
        from .logging import RedactQuerySecretsFilter

        # uvicorn configures its access logger before it imports us.
        for name in ("uvicorn.access", "uvicorn.error"):
            logging.getLogger(name).addFilter(RedactQuerySecretsFilter())
