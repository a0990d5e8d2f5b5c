from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "rubysound.accounts"
    label = "accounts"
    verbose_name = "Accounts"
