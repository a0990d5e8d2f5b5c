import logging

from django.apps import AppConfig


class ProvidersConfig(AppConfig):
    name = "rubysound.providers"
    label = "providers"
    verbose_name = "External music services"

    def ready(self) -> None:
        from .health import register_provider_checks
        from .metrics import RedactProviderSecretsFilter  # also declares the /metrics series

        register_provider_checks()
        for name in ("httpx", "httpcore"):
            logging.getLogger(name).addFilter(RedactProviderSecretsFilter())
