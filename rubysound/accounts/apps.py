from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "rubysound.accounts"
    label = "accounts"
    verbose_name = "Accounts"

    def ready(self) -> None:
        from rubysound.core.websocket import add_connection_listener

        from .presence import CONNECTION_LISTENER

        # Every signed-in user's socket keeps them online.
        add_connection_listener(CONNECTION_LISTENER)

        # The JWT authentication's cached user rows, and the remembered app credentials,
        # follow every change to the row.
        from django.db.models.signals import post_delete, post_save

        from . import credential_cache
        from .authentication import forget_cached_user
        from .models import ApiKey, AppPassword, User

        def forget(sender, instance, **kwargs):
            forget_cached_user(instance.pk)
            credential_cache.forget(instance.pk)

        # An app password or API key changed or deleted anyhow (the admin, a cascade): the
        # processes' remembered credentials of its user go too.
        def forget_credentials(sender, instance, **kwargs):
            credential_cache.forget(instance.user_id)

        for model in (AppPassword, ApiKey):
            uid = f"accounts.forget_credentials_{model.__name__}"
            post_save.connect(forget_credentials, sender=model, weak=False, dispatch_uid=uid)
            post_delete.connect(
                forget_credentials, sender=model, weak=False, dispatch_uid=uid + "_"
            )

        # weak=False: the receiver is local to this method and would be collected.
        post_save.connect(forget, sender=User, weak=False, dispatch_uid="accounts.forget_user")
        post_delete.connect(forget, sender=User, weak=False, dispatch_uid="accounts.forget_user_")
