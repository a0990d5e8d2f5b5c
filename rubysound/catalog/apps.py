from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "rubysound.catalog"
    label = "catalog"
    verbose_name = "Catalog"
