from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "rubysound.demo"
    label = "demo"
    verbose_name = "Demo"
