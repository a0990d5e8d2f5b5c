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

        from rubysound.catalog.services import ChartSignal, register_chart_signal

        from .selectors.playlists import FAVORITES_SIGNAL, favorites_signal

        # Putting a track in one's Favorites counts on the charts like one more listener.
        register_chart_signal(ChartSignal(FAVORITES_SIGNAL, weight=1, load=favorites_signal))

        from rubysound.catalog.services import scrobble_link_refused

        from .services.notifications import notify_scrobble_link_refused

        # catalog sits below social: it announces the unlinked service, social tells the user.
        scrobble_link_refused.connect(
            notify_scrobble_link_refused, dispatch_uid="social.scrobble_link_refused"
        )
