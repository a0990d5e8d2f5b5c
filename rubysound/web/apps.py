from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "rubysound.web"
    label = "web"
    verbose_name = "Web"
