from django.apps import AppConfig


class OpsConfig(AppConfig):
    name = "rubysound.ops"
    label = "ops"
    verbose_name = "Operations"

    def ready(self) -> None:
        from prometheus_client import REGISTRY

        from .backup.observability import check_backups, register_collector
        from .health import register_check

        register_collector(REGISTRY)
        register_check("backups", check_backups, critical=False)
