"""Catalog pages: search results (``/music_api/index/``), artist and album pages.

Thin views over the catalog's selectors. Tracks reach the templates as the API's Track
object dicts (the catalog's track cards, ``TrackCard.as_json``), which the shared
``web/_track_row.html`` renders and the player queues.

Caching: these pages show nothing personal to an anonymous visitor, so those answers say
``Cache-Control: public, max-age=60`` (``Vary: Cookie`` keeps a signed-in visitor's copy
apart). A page for a signed-in visitor (the top bar shows them), one that showed a flash
message, or one that set a cookie is ``private`` and never stored.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlencode

from django.http import Http404
from django.shortcuts import render
from django.templatetags.static import static
from django.utils import translation
from django.views.decorators.http import require_GET

from rubysound.catalog import selectors
from rubysound.catalog.models import DEFAULT_COVER
from rubysound.catalog.types import Absolutizer
from rubysound.core.http.caching import public_when_anonymous

# Search: the best POOL matches are fetched once (and cached briefly, by the catalog's
# library search); sorting, grouping, filtering and "load more" work on them, PAGE_SIZE
# rows at a time.
SEARCH_POOL = 100
SEARCH_PAGE_SIZE = 20
SEARCH_ARTISTS = 6
SEARCH_ALBUMS = 6
ARTIST_FACETS = 20
MAX_QUERY_LENGTH = 200
SORTS = ("relevance", "popularity")
_PAGE = re.compile(r"^[0-9]{1,4}$")
_ID = re.compile(r"^[0-9]{1,9}$")


# --- track dicts -----------------------------------------------------------------------------


def _track_objects(tracks, request) -> list[dict]:
    """Track object dicts (the API's shape) for tracks with artist and album loaded."""
    absolute = Absolutizer(request)
    return [card.as_json(absolute) for card in selectors.track_cards(tracks)]


def _artist_photo(profile: selectors.ArtistProfile, albums) -> str:
    """The artist's own image or a service's photo, else an album cover, else the default."""
    default = static(DEFAULT_COVER)
    if profile.photo_url != default:
        return profile.photo_url
    for album in albums:
        if album.cover:
            return album.cover_url
    return static(DEFAULT_COVER)


# --- search ----------------------------------------------------------------------------------


@dataclass
class SearchParams:
    query: str
    sort: str
    group: bool
    artist: int | None
    page: int

    def url(self, **changes) -> str:
        values = {
            "q": self.query,
            "sort": self.sort if self.sort != "relevance" else "",
            "group": "artist" if self.group else "",
            "artist": self.artist or "",
            "page": self.page if self.page > 1 else "",
        }
        values.update(changes)
        return "?" + urlencode({k: v for k, v in values.items() if v not in ("", None)})


def _search_params(request) -> SearchParams:
    get = request.GET
    query = " ".join(get.get("q", "").split())[:MAX_QUERY_LENGTH]
    sort = get.get("sort", "relevance")
    raw_page = get.get("page", "1").strip()
    page = int(raw_page) if _PAGE.match(raw_page) and int(raw_page) >= 1 else 1
    raw_artist = get.get("artist", "").strip()
    return SearchParams(
        query=query,
        sort=sort if sort in SORTS else "relevance",
        group=get.get("group") == "artist",
        artist=int(raw_artist) if _ID.match(raw_artist) else None,
        page=page,
    )


def _artist_items(query: str, absolute: Absolutizer) -> list[dict]:
    """The best matching artists as the page's artist strip shows them: their photo, else
    the cover of one of their albums, else (no image) their initial."""
    cards = selectors.library_artists(query, limit=SEARCH_ARTISTS).cards
    without_photo = [card.id for card in cards if not card.photo_url]
    covers = selectors.album_cover_urls(without_photo) if without_photo else {}
    items = []
    for card in cards:
        image = card.photo_url or covers.get(card.id, "")
        items.append(
            {
                "id": card.id,
                "name": card.name,
                "image_url": absolute(image) if image else "",
                "listeners": card.listeners,
            }
        )
    return items


def _album_items(query: str) -> list[dict]:
    """The best matching albums, with their cover (or the default image) and artist."""
    return selectors.library_albums(query, limit=SEARCH_ALBUMS)


def _facets(rows: list[dict]) -> list[dict]:
    """The artists of the results, most tracks first (then first seen)."""
    seen: dict[int, dict] = {}
    for row in rows:
        facet = seen.setdefault(
            row["artist_id"], {"id": row["artist_id"], "name": row["artist"], "count": 0}
        )
        facet["count"] += 1
    ordered = sorted(seen.values(), key=lambda f: -f["count"])  # stable: first seen first
    return ordered[:ARTIST_FACETS]


def _grouped(rows: list[dict]) -> list[dict]:
    """Rows of each artist together, artists in the order they first appear."""
    order: dict[int, int] = {}
    for row in rows:
        order.setdefault(row["artist_id"], len(order))
    return sorted(rows, key=lambda row: order[row["artist_id"]])


@require_GET
@public_when_anonymous
def search(request):
    """``/music_api/index/?q=``: tracks, artists and albums matching a query."""
    params = _search_params(request)
    context = {"params": params, "search_query": params.query, "sorts": SORTS}
    if not params.query:
        return render(request, "web/search.html", context)

    matches = selectors.library_tracks(params.query, limit=SEARCH_POOL)
    absolute = Absolutizer(request)
    rows = [card.as_json(absolute) for card in matches.cards]
    facets = _facets(rows)
    if params.artist is not None:
        rows = [row for row in rows if row["artist_id"] == params.artist]
    if params.sort == "popularity":
        rows.sort(key=lambda row: (-row["listeners"], -row["playcount"]))
    if params.group:
        rows = _grouped(rows)

    start = (params.page - 1) * SEARCH_PAGE_SIZE
    page_rows = rows[start : start + SEARCH_PAGE_SIZE]
    previous_artist = (
        rows[start - 1]["artist_id"] if params.group and 0 < start <= len(rows) else None
    )
    items = []
    for row in page_rows:
        heading = params.group and row["artist_id"] != previous_artist
        previous_artist = row["artist_id"]
        items.append({"track": row, "heading": heading})
    has_more = start + SEARCH_PAGE_SIZE < len(rows)
    filtered_artist = next((f for f in facets if f["id"] == params.artist), None)
    context.update(
        {
            "items": items,
            "shown_count": len(rows),
            "total": matches.total,
            "pool_limited": params.artist is None and matches.total > len(rows),
            "pool_size": SEARCH_POOL,
            "artists": (
                _artist_items(params.query, absolute)
                if params.page == 1 and params.artist is None
                else []
            ),
            "albums": (
                _album_items(params.query) if params.page == 1 and params.artist is None else []
            ),
            "facets": facets,
            "filtered_artist": filtered_artist,
            "next_url": params.url(page=params.page + 1) if has_more else "",
            "first_url": params.url(page="") if params.page > 1 else "",
            "all_artists_url": params.url(artist="", page=""),
            "first_row": start + 1,
        }
    )
    return render(request, "web/search.html", context)


# --- artist and album pages -------------------------------------------------------------------


def _get_or_404(queryset, pk: int):
    try:
        return queryset.get(pk=pk)
    except queryset.model.DoesNotExist:
        raise Http404 from None


@require_GET
@public_when_anonymous
def artist_page(request, pk: int):
    """``/artists/<id>/``: photo, biography, albums and most played tracks."""
    artist = _get_or_404(selectors.artist_detail(), pk)
    albums = selectors.artist_albums(artist)
    top_tracks = _track_objects(selectors.artist_top_tracks(artist), request)
    stats = selectors.artist_stats([artist.pk])[artist.pk]
    # The page's own language (LocaleMiddleware); Wikipedia falls back to English.
    lang = selectors.profile_language(translation.get_language() or "") or "en"
    profile = selectors.artist_profile(artist, lang=lang)
    return render(
        request,
        "web/artist.html",
        {
            "artist": artist,
            "photo_url": _artist_photo(profile, albums),
            "bio": profile.bio,
            "bio_source": profile.bio_source,
            "albums": albums,
            "top_tracks": top_tracks,
            "listeners": stats[0],
            "plays": stats[1],
        },
    )


@require_GET
@public_when_anonymous
def album_page(request, pk: int):
    """``/albums/<id>/``: cover, artist, year and the tracks in order with their length."""
    album = _get_or_404(selectors.album_detail(), pk)
    tracks = list(album.tracks.all())
    for track in tracks:
        track.album = album  # the row shows the album: no query per track
    objects = _track_objects(tracks, request)
    durations = [track.duration for track in tracks if track.duration]
    return render(
        request,
        "web/album.html",
        {
            "album": album,
            "tracks": objects,
            "total_duration": sum(durations) if durations else None,
        },
    )
