from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "rubysound.catalog"
    label = "catalog"
    verbose_name = "Catalog"

    def ready(self) -> None:
        from rubysound.core.health import register_check
        from rubysound.core.scrape_metrics import register_collector

        from .library.observability import LibraryCollector
        from .listening.scrobble_outbox import OutboxCollector, check_outbox
        from .streaming.health import register_streaming_checks

        register_streaming_checks()
        register_collector(LibraryCollector())
        register_collector(OutboxCollector())
        # Informational: a backlog says a service is down, not that we cannot serve.
        register_check("scrobble_outbox", check_outbox, critical=False)
