"""Pages for the player's browser tests: the site's URLs plus two plain track-list pages.

The player tests start a server of their own with ``ROOT_URLCONF`` pointing here, so they do
not depend on what the catalog pages show: ``/test-player/a/`` lists every track of the
library (by title, the long ones first), ``/test-player/b/`` is another page with a boosted
link back. Both extend the real ``web/base.html``, player bar included.
"""

from django.http import HttpResponse
from django.template import engines
from django.urls import include, path

from rubysound.catalog.listening.charts import track_summary
from rubysound.catalog.models import Track

PAGE = """{% extends "web/base.html" %}
{% block title %}{{ heading }}{% endblock %}
{% block content %}
<h1>{{ heading }}</h1>
<p><a href="{{ other }}">{{ other_label }}</a></p>
{% include "web/_track_list.html" with tracks=tracks label=heading list_id="test-tracks" %}
<p><button type="button" data-play="all" aria-controls="test-tracks">Play all</button></p>
{% endblock %}"""


def _tracks() -> list[dict]:
    tracks = Track.objects.select_related("artist", "album").order_by("-duration", "title")
    return [track_summary(track) for track in tracks]


def page_a(request):
    context = {"heading": "Page A", "other": "/test-player/b/", "other_label": "Go to page B"}
    template = engines["django"].from_string(PAGE)
    return HttpResponse(template.render({**context, "tracks": _tracks()}, request))


def page_b(request):
    context = {"heading": "Page B", "other": "/test-player/a/", "other_label": "Back to page A"}
    template = engines["django"].from_string(PAGE)
    return HttpResponse(template.render({**context, "tracks": []}, request))


urlpatterns = [
    path("test-player/a/", page_a),
    path("test-player/b/", page_b),
    path("", include("rubysound.urls")),
]
