from django.apps import AppConfig


class OpsConfig(AppConfig):
    name = "rubysound.ops"
    label = "ops"
    verbose_name = "Operations"
