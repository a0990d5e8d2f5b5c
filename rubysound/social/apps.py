from django.apps import AppConfig


class SocialConfig(AppConfig):
    name = "rubysound.social"
    label = "social"
    verbose_name = "Social"

    def ready(self):
        from rubysound.accounts import services as account_services

        from .services.playlists import create_favorites

        if create_favorites not in account_services.SIGNUP_HOOKS:
            account_services.SIGNUP_HOOKS.append(create_favorites)

        from rubysound.catalog import charts

        from .selectors.playlists import FAVORITES_SIGNAL, favorites_signal

        # Putting a track in one's Favorites counts on the charts like one more listener.
        charts.register_signal(charts.Signal(FAVORITES_SIGNAL, weight=1, load=favorites_signal))
