from django.apps import AppConfig


class OpsConfig(AppConfig):
    name = "rubysound.ops"
    label = "ops"
    verbose_name = "Operations"

    def ready(self) -> None:
        from rubysound.core.scrape_metrics import register_collector

        from .backup.observability import BackupCollector
        from .health import register_ops_checks

        register_collector(BackupCollector())
        register_ops_checks()
