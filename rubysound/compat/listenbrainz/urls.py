"""``/1/``: at the host root, because ListenBrainz clients drop any path prefix of the
server's address (liblistenbrainz joins "/1/..." to it)."""

from django.urls import path

from . import views

urlpatterns = [
    path("1/submit-listens", views.submit_listens, name="listenbrainz-submit-listens"),
    path("1/validate-token", views.validate_token, name="listenbrainz-validate-token"),
    path("1/user/<str:user_name>/listens", views.user_listens, name="listenbrainz-listens"),
    path(
        "1/user/<str:user_name>/playing-now",
        views.user_playing_now,
        name="listenbrainz-playing-now",
    ),
    path(
        "1/stats/user/<str:user_name>/<str:entity>",
        views.user_stats,
        name="listenbrainz-stats",
    ),
    # The /history/ page's download and upload of ListenBrainz files.
    path("history/export/", views.export_listens, name="listenbrainz-export"),
    path("history/import/", views.import_listens, name="listenbrainz-import"),
]
