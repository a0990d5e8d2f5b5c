"""The home page: top artists and a chart by genre, and the public playlists people like.

It is the hottest route of the site, so it is built to be served without Django for most
visitors: an anonymous response carries nothing personal (no CSRF token, no user data, no
flash messages) and says ``Cache-Control: public, max-age=60`` with ``Vary: Cookie``, which
lets the edge cache (``rubysound.core.edge_cache``) and browsers keep it. Signed-in users get
a private, uncached page. The data itself comes from the Django cache: charts from
``catalog.listening.charts`` (kept warm by ``refresh_charts``), the genre strip and the trending
playlists under short-lived keys of their own, so a warm page runs no query for anonymous
visitors and only the session's for signed-in users.
"""

from django.core.cache import cache
from django.shortcuts import render
from django.views.decorators.http import require_safe

from rubysound.catalog import selectors
from rubysound.catalog.models import Genre, genre_slug
from rubysound.catalog.types import ArtistCard, TrackCard, site_relative
from rubysound.core.http.caching import public_when_anonymous
from rubysound.social.selectors.public import trending_public_favorites

from .accounts import FIRST_RUN_SESSION_KEY

# The limits and windows of /music_api/trending/ and /music_api/year-chart/: the charts
# refresh_charts() keeps warm, per genre, so the home page shares their cache entries.
ARTISTS_LIMIT = 16
ARTISTS_WINDOW = "month"
TRACKS_LIMIT = 15
TRACKS_WINDOW = "year"
PLAYLISTS_LIMIT = 8
PLAYLISTS_POOL = 30  # the selector's maximum; the empty ones are left out
MAX_GENRE_CHIPS = 40

GENRES_CACHE_KEY = "web:home:genres:v1"
GENRES_CACHE_TTL = 300
PLAYLISTS_CACHE_KEY = "web:home:playlists:v1"
PLAYLISTS_CACHE_TTL = 30


def genre_chips() -> list[dict]:
    """The genres that have tracks, as ``{slug, name}``, by name; cached for a few minutes."""
    chips = cache.get(GENRES_CACHE_KEY)
    if chips is None:
        slugs = selectors.charted_genres()[:MAX_GENRE_CHIPS]
        names = dict(Genre.objects.filter(slug__in=slugs).values_list("slug", "name"))
        chips = sorted(
            ({"slug": slug, "name": names.get(slug, slug)} for slug in slugs),
            key=lambda chip: (chip["name"].casefold(), chip["slug"]),
        )
        cache.set(GENRES_CACHE_KEY, chips, GENRES_CACHE_TTL)
    return chips


def trending_playlists() -> list[dict]:
    """The most liked public Favorites as plain data; cached for half a minute."""
    playlists = cache.get(PLAYLISTS_CACHE_KEY)
    if playlists is None:
        playlists = [
            {
                "username": playlist.owner.username,
                "avatar_url": playlist.owner.avatar_url,
                "profile_url": playlist.owner.profile_url,
                "title": playlist.title,
                "is_favorites": True,  # trending_public_favorites lists only Favorites
                "likes_count": playlist.likes_count,
                "tracks_count": playlist.tracks_count,
            }
            # Empty Favorites (every new account has some) are nothing to look at.
            for playlist in trending_public_favorites(limit=PLAYLISTS_POOL)
            if playlist.tracks_count
        ][:PLAYLISTS_LIMIT]
        cache.set(PLAYLISTS_CACHE_KEY, playlists, PLAYLISTS_CACHE_TTL)
    return playlists


def _by_listeners(cards: list) -> list:
    return sorted(cards, key=lambda card: (-card.listeners, -card.playcount))


def home_context(genre_param: str) -> dict:
    chips = genre_chips()
    known = {chip["slug"] for chip in chips}
    requested = genre_slug(genre_param)
    genre = requested if requested in known else ""
    artists = selectors.get_chart(
        selectors.TOP_ARTISTS, window=ARTISTS_WINDOW, genre=genre, limit=ARTISTS_LIMIT
    )
    tracks = selectors.get_chart(
        selectors.TOP_TRACKS, window=TRACKS_WINDOW, genre=genre, limit=TRACKS_LIMIT
    )
    return {
        "genres": chips,
        "genre": genre,
        "genre_name": next((c["name"] for c in chips if c["slug"] == genre), ""),
        "unknown_genre": bool(genre_param.strip()) and not genre,
        "artists": _by_listeners([ArtistCard.from_entry(entry) for entry in artists.entries]),
        # The page keeps our own URLs site-relative.
        "tracks": [
            card.as_json(site_relative)
            for card in _by_listeners([TrackCard.from_entry(entry) for entry in tracks.entries])
        ],
        "playlists": trending_playlists(),
    }


@require_safe
@public_when_anonymous
def home(request):
    context = home_context(request.GET.get("genre", ""))
    if request.user.is_authenticated:
        # Set by sign-up: this visit greets a new listener instead of "Welcome back".
        context["first_run"] = request.session.pop(FIRST_RUN_SESSION_KEY, False)
    return render(request, "web/home.html", context)
