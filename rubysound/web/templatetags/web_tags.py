"""Template filters shared by the pages.

``json_attr``: a value as JSON, escaped for an HTML attribute. ``json_script`` fits one block
per page; a row of a list needs its data on the row itself (``data-track="..."``), where
``escape`` turns quotes and angle brackets into entities the browser decodes back before
the script reads ``element.dataset``.
"""

import datetime
import json
import math

from django import template
from django.core.serializers.json import DjangoJSONEncoder
from django.utils.html import escape

from rubysound.web import plurals
from rubysound.web.display import playlist_title

register = template.Library()

# What the player needs to know about a track (see ``catalog.types.TrackCard.as_json``).
PLAYER_TRACK_KEYS = (
    "id",
    "name",
    "artist",
    "artist_id",
    "album",
    "album_id",
    "url",
    "image_url",
    "duration",
    "source",
)


@register.filter
def json_attr(value):
    """``value`` as compact JSON, safe inside a double-quoted attribute."""
    return escape(json.dumps(value, cls=DjangoJSONEncoder, separators=(",", ":")))


@register.filter
def player_track(track):
    """The player's part of a Track object dict, as an attribute-safe JSON string."""
    if not isinstance(track, dict):
        return json_attr({})
    return json_attr({key: track.get(key) for key in PLAYER_TRACK_KEYS if key in track})


@register.filter
def duration(seconds):
    """Seconds as ``m:ss`` (``h:mm:ss`` from an hour); empty for an unknown length.

    Whole seconds, rounded down: the app's one rule, the same as ``formatDuration`` in
    static/js/display.js (the player's clock), so a list and the player never disagree.
    """
    try:
        value = float(seconds)
    except (TypeError, ValueError):
        return ""
    if not math.isfinite(value) or value < 0:
        return ""
    total = math.floor(value)
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}:{minutes:02d}:{secs:02d}"
    return f"{minutes}:{secs:02d}"


@register.filter
def display_datetime(value):
    """A moment for a ``<time data-display="datetime" datetime="...">``: a plain
    ``YYYY-MM-DD HH:MM UTC``, shown only without scripts.

    The app has one date/time formatter, ``formatDateTime`` in static/js/display.js (the
    reader's language and time zone); it rewrites these on every page load and swap, so a
    time reads the same on a full load, after boosted navigation and when a script adds it.
    """
    if not isinstance(value, datetime.datetime):
        return ""
    return value.astimezone(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")


register.filter("playlist_title", playlist_title)


@register.filter
def is_in(value, container):
    """``value in container``, for ``{% with %}``; False when there is no container."""
    try:
        return value in container
    except TypeError:
        return False


@register.simple_tag
def plural_tables(*names):
    """Counted messages for a page script (``rubysound/web/plurals.py``), as an attribute-safe
    JSON ``{name: {category: text}}``: ``data-plurals="{% plural_tables 'tracks' %}"``."""
    return json_attr(plurals.plural_tables(*names))
