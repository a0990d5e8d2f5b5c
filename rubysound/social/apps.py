from django.apps import AppConfig


class SocialConfig(AppConfig):
    name = "rubysound.social"
    label = "social"
    verbose_name = "Social"
