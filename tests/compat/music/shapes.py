"""What every /music_api/ answer must look like, and a small catalog to ask about."""

from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

from rubysound.core.edge_cache import _storable
from tests.factories import AlbumFactory, ArtistFactory, TrackFactory

DAY = timedelta(days=1)
TRACK_FIELDS = {
    "name": str,
    "artist": str,
    "listeners": int,
    "playcount": int,
    "url": str,
    "image_url": str,
    "mbid": str,
    "id": int,
    "album": str,
    "duration": float,
    "source": str,
}
DEFAULT_COVER = "http://testserver/static/img/default-cover.svg"


def assert_track_object(track: dict) -> None:
    for name, kind in TRACK_FIELDS.items():
        assert name in track, name
        assert type(track[name]) is kind, (name, track[name])


def assert_edge_cacheable(response) -> None:
    """Public, shared for 60 s, and storable by the in-process edge cache."""
    assert response["Cache-Control"] == "public, max-age=60"
    assert "Set-Cookie" not in response
    headers = [(k.lower().encode(), v.encode()) for k, v in response.headers.items()]
    assert _storable(response.status_code, headers) == 60


def artist_with_tracks(artist_name: str, count: int, **track_kwargs) -> list:
    artist = ArtistFactory(name=artist_name)
    album = AlbumFactory(artist=artist, title=f"{artist_name} Live")
    return [
        TrackFactory(album=album, artist=artist, title=f"{artist_name} Song {n}", **track_kwargs)
        for n in range(count)
    ]


def proxied_target(url: str) -> str:
    """The provider's URL behind a URL of our preview proxy."""
    parts = urlsplit(url)
    assert (parts.scheme, parts.netloc, parts.path) == ("http", "testserver", "/music_api/preview/")
    return parse_qs(parts.query)["url"][0]
