"""``/2.0/``: where Last.fm clients that let the user change the server send their calls."""

from django.urls import path

from . import views

urlpatterns = [
    path("2.0/", views.endpoint, name="audioscrobbler"),
    path("2.0", views.endpoint, name="audioscrobbler-no-slash"),
]
