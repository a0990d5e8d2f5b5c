from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "rubysound.core"
    label = "core"
    verbose_name = "Core"
