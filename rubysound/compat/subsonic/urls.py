"""``/rest/<op>`` and ``/rest/<op>.view``; anything else under ``/rest/`` is error 0 too."""

from django.urls import re_path

from . import views
from .registry import media_names

_MEDIA = "|".join(media_names())

urlpatterns = [
    re_path(rf"^rest/(?P<op>{_MEDIA})(?:\.view)?/?$", views.media_endpoint, name="subsonic-media"),
    re_path(r"^rest/(?P<op>[A-Za-z0-9]{1,64})(?:\.view)?/?$", views.endpoint, name="subsonic"),
    re_path(r"^rest(?:/(?P<rest>.*))?$", views.unknown_path),
]
