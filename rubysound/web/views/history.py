"""``/history/``: the signed-in user's listens, their top lists and their listening hours.

The window (``?window=week|month|year|all``) picks the span of the top lists and the heat
map and stays in every link of the page; the listens below are the whole history, newest
first, ``BROWSE_PAGE_SIZE`` a page with the browse pages' "Next page" row that htmx follows
on scroll. A listen is deleted by a plain form (a redirect back here) that
``components/listen-delete.js`` turns into ``DELETE /api/listens/<id>/``, removing the row
without a reload.

The heat map reads the listens' times in the reader's time zone: the ``tz`` query
parameter or the ``tz`` cookie (an IANA name the page's script sets from the browser),
else UTC; the page says which. Export and import are ListenBrainz's file format, so they
are served by ``compat.listenbrainz`` (``/history/export/``, ``/history/import/``).
"""

import math
import zoneinfo
from datetime import UTC, tzinfo

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.dates import WEEKDAYS
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.csrf import ensure_csrf_cookie
from django.views.decorators.http import require_GET, require_POST

from rubysound.catalog import selectors, services
from rubysound.catalog.types import Absolutizer
from rubysound.core.http.caching import private

from .browse import Query, _page_context, _page_number

DEFAULT_WINDOW = "month"
WINDOW_LABELS = {
    "week": gettext_lazy("This week"),
    "month": gettext_lazy("This month"),
    "year": gettext_lazy("This year"),
    "all": gettext_lazy("All time"),
}
TOP_LIMIT = 10
# Cells are shaded in this many steps of the busiest hour (0 is no listen at all).
HEAT_LEVELS = 4
TIME_ZONE_COOKIE = "tz"
_MAX_ZONE_LENGTH = 64


def reader_zone(request) -> tzinfo:
    """The time zone the reader asked for (``?tz=``, else the ``tz`` cookie), else UTC;
    a name the zone database does not know is UTC too."""
    for raw in (request.GET.get("tz"), request.COOKIES.get(TIME_ZONE_COOKIE)):
        name = (raw or "").strip()
        if not name or len(name) > _MAX_ZONE_LENGTH:
            continue
        try:
            return zoneinfo.ZoneInfo(name)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            continue
    return UTC


def _zone_name(zone: tzinfo) -> str:
    return getattr(zone, "key", None) or "UTC"


def heatmap_context(user, *, zone: tzinfo, window: str) -> dict:
    """The heat map's rows for the template: each cell's count, shade and title."""
    heatmap = selectors.listening_heatmap(user, zone=zone, window=window)
    rows = []
    for day, counts in zip(selectors.WEEKDAYS, heatmap.counts, strict=True):
        name = str(WEEKDAYS[day - 1])
        cells = []
        for hour, count in zip(selectors.HOURS, counts, strict=True):
            level = math.ceil(HEAT_LEVELS * count / heatmap.peak) if count else 0
            title = ngettext(
                "%(day)s %(start)02d:00–%(end)02d:00: %(count)d listen",
                "%(day)s %(start)02d:00–%(end)02d:00: %(count)d listens",
                count,
            ) % {"day": name, "start": hour, "end": hour + 1, "count": count}
            cells.append({"count": count, "level": level, "title": title})
        rows.append({"day": name, "cells": cells})
    return {
        "heatmap": heatmap,
        "heatmap_rows": rows,
        "heatmap_hours": list(selectors.HOURS),
        "heatmap_levels": list(range(HEAT_LEVELS + 1)),
        "heatmap_zone": _zone_name(zone),
    }


def stats_context(request, user, *, window: str) -> dict:
    """The user's top artists, albums and tracks of ``window``, ready for the page."""
    stats = selectors.user_stats(user, window=window, limit=TOP_LIMIT, albums=True)
    absolute = Absolutizer(request)
    return {
        "window_listens": stats["listens"],
        "top_artists": stats["top_artists"],
        "top_albums": stats["top_albums"],
        "top_tracks": [
            {**item["track"].as_json(absolute), "plays": item["plays"]}
            for item in stats["top_tracks"]
        ],
    }


def listen_rows(request, listens) -> list[dict]:
    """Listens as the track rows of a list, each with its time and id."""
    absolute = Absolutizer(request)
    cards = {card.id: card for card in selectors.track_cards(listen.track for listen in listens)}
    return [
        {"listen": listen, "track": cards[listen.track_id].as_json(absolute)}
        for listen in listens
        if listen.track_id in cards
    ]


@require_GET
@login_required
@ensure_csrf_cookie  # the delete buttons' script sends the token with its API call
@private
def history(request):
    window = request.GET.get("window")
    window = window if window in WINDOW_LABELS else DEFAULT_WINDOW
    zone = reader_zone(request)
    query = Query(
        {"window": window, "page": _page_number(request)},
        defaults={"window": DEFAULT_WINDOW, "page": 1},
    )
    page = selectors.user_listens_page(request.user, page=query.values["page"])
    context = {
        "window": window,
        "windows": [
            {"value": value, "label": label, "url": query.url(window=value, page=1)}
            for value, label in WINDOW_LABELS.items()
        ],
        "window_label": WINDOW_LABELS[window],
        "listens": listen_rows(request, page.items),
        "import_max_bytes": settings.LISTEN_IMPORT_MAX_BYTES,
        "import_max_megabytes": settings.LISTEN_IMPORT_MAX_BYTES // (1024 * 1024),
        **_page_context(page, query),
    }
    if page.number == 1:  # later pages are only fetched for their rows
        context.update(stats_context(request, request.user, window=window))
        context.update(heatmap_context(request.user, zone=zone, window=window))
    return render(request, "web/history.html", context)


@require_POST
@login_required
def delete_listen(request, pk: int):
    """The delete button without scripts: the listen goes, and so back to the page."""
    services.delete_listen(request.user, pk)  # another user's listen: a 404
    messages.success(request, _("Listen deleted."))
    return redirect("history")
