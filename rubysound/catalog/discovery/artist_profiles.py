"""Artists' photos and bios: the library's own first, then the services'.

The artist API (and the web artist page) show a photo and a bio. The library's own come
first: a stored image or bio is never replaced, and then nothing is asked for it. What is
missing comes from the services under one request budget, the photo and the bio
concurrently, each answer kept in the providers cache. Photos come from TheAudioDB (by
MBID, then name), else the thumbnail of the artist's Wikipedia article; bios from
Wikipedia in the reader's language, else English. The charts use the same photos.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from django.templatetags.static import static

from rubysound.catalog.discovery import fanout
from rubysound.catalog.discovery.fanout import LIBRARY, Call, Sources
from rubysound.catalog.discovery.provider_calls import RequestBudget, ask, cached_call
from rubysound.catalog.listening import charts
from rubysound.catalog.models import DEFAULT_COVER, Artist
from rubysound.core.text import fold
from rubysound.providers.gateway import (
    WIKIPEDIA_FALLBACK_LANGUAGE,
    WIKIPEDIA_LANGUAGES,
    ArtistBio,
    TheAudioDbClient,
    WikipediaClient,
    is_wikipedia_language,
)

PROFILE_SERVICES = ("theaudiodb", "wikipedia")
# The Wikipedia edition whose article thumbnail stands in for a missing photo.
PHOTO_LANGUAGE = "en"


# --- Photos ------------------------------------------------------------------------------------


def _audiodb_photo(name: str, mbid: str) -> Call:
    return cached_call(
        "theaudiodb",
        ("theaudiodb", "artist_photo", {"name": name, "mbid": mbid}),
        lambda: TheAudioDbClient().artist_photo(name, mbid),
    )


def _bio_call(name: str, lang: str) -> Call:
    return cached_call(
        "wikipedia",
        ("wikipedia", "artist_bio", {"name": name, "lang": lang}),
        lambda: WikipediaClient().artist_bio(name, lang),
    )


async def artist_photos(artists: list[tuple[str, str]], sources: Sources) -> dict[int, str]:
    """Photos by index of (name, mbid): TheAudioDB (by MBID, then name), then the
    thumbnail of the artist's Wikipedia article."""
    photos: dict[int, str] = {}
    found = await fanout.fan_out(
        {i: _audiodb_photo(name, mbid) for i, (name, mbid) in enumerate(artists)}, sources
    )
    for i, photo in found.items():
        if photo is not None and photo.image_url:
            photos[i] = photo.image_url
    missing = [i for i in range(len(artists)) if i not in photos]
    if missing:
        bios = await fanout.fan_out(
            {i: _bio_call(artists[i][0], PHOTO_LANGUAGE) for i in missing}, sources
        )
        for i, bio in bios.items():
            if bio is not None and bio.image_url:
                photos[i] = bio.image_url
    return photos


# --- Bios --------------------------------------------------------------------------------------


def bio_languages() -> tuple[str, ...]:
    return WIKIPEDIA_LANGUAGES


async def _wikipedia_bios(names: list[str], lang: str, sources: Sources) -> dict[int, ArtistBio]:
    found = await fanout.fan_out(
        {i: _bio_call(name, lang) for i, name in enumerate(names)}, sources
    )
    return {i: bio for i, bio in found.items() if bio is not None and bio.bio}


def _library_bios(names: list[str]) -> dict[str, Artist]:
    """Library artists with a stored bio, by folded name."""
    keys = {fold(name) for name in names}
    artists = (
        Artist.objects.filter(name_key__in=keys)
        .exclude(bio="")
        .only("id", "name", "name_key", "bio", "image")
    )
    return {artist.name_key: artist for artist in artists}


def artist_bios(names: list[str], lang: str) -> tuple[dict[str, dict], Sources]:
    """Bios by the names asked for: Wikipedia's (``lang``, else English) when it is on, else
    (or when it has none) the bio stored with a library artist. Names without one are left
    out. URLs of library answers are site-relative."""
    sources = Sources()
    bios: dict[str, dict] = {}
    unique = list(dict.fromkeys(names))
    if unique and fanout.is_enabled("wikipedia"):
        found = fanout.run(_wikipedia_bios, unique, lang, sources)
        for i, bio in found.items():
            bios[unique[i]] = {
                "bio": bio.bio,
                "title": bio.title,
                "source_url": bio.source_url,
                "image_url": bio.image_url,
                "lang": bio.lang,
                "source": bio.source,
            }
    missing = [name for name in unique if name not in bios]
    if missing:
        stored = _library_bios(missing)
        if stored:
            sources.note(LIBRARY, fanout.OK)
        for name in missing:
            artist = stored.get(fold(name))
            if artist is not None:
                bios[name] = {
                    "bio": artist.bio,
                    "title": artist.name,
                    "source_url": charts.artist_api_path(artist.pk),
                    "image_url": artist.image.url if artist.image else "",
                    # A stored bio does not say which language it is written in.
                    "lang": "",
                    "source": LIBRARY,
                }
    return bios, sources


# --- Artist profiles ---------------------------------------------------------------------------


@dataclass
class ArtistProfile:
    """An artist's photo and bio, from the library or the services.

    ``photo_url`` is always an image to show (the library's, a service's, or the default
    cover); ``bio`` is "" when nobody has one. ``bio_source`` says where a bio fetched
    from a service comes from (None for a stored bio or none). ``sources`` is what each
    service did; ``enriched`` is False when no service took part (offline).
    """

    photo_url: str
    bio: str
    bio_source: dict | None = None
    sources: Sources = field(default_factory=Sources)
    lang: str = ""
    enriched: bool = False


def profile_enabled() -> bool:
    return fanout.any_enabled(PROFILE_SERVICES)


def profile_language(requested: str | None, accept_language: str = "") -> str | None:
    """The bio language for a request: ``requested`` (``?lang=``) when given, else the
    first of the Accept-Language header's languages we have bios in, else English. None
    when ``requested`` is not a language we offer."""
    if requested is not None and requested.strip():
        lang = requested.strip().lower()
        return lang if is_wikipedia_language(lang) else None
    for tag in _accepted_languages(accept_language):
        primary = tag.split("-")[0]
        if is_wikipedia_language(primary):
            return primary
    return WIKIPEDIA_FALLBACK_LANGUAGE


def _accepted_languages(header: str) -> list[str]:
    """The header's language tags, most preferred first (``q=0`` ones left out)."""
    weighted = []
    for position, part in enumerate(header.split(",")[:20]):
        tag, *params = (piece.strip() for piece in part.split(";"))
        weight = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    weight = float(value)
                except ValueError:
                    weight = 0.0
        if tag and tag != "*" and weight > 0:
            weighted.append((-weight, position, tag.lower()))
    return [tag for _, _, tag in sorted(weighted)]


def _library_photo(artist: Artist) -> str:
    return artist.image.url if artist.image else ""


async def _profile_lookups(
    name: str, mbid: str, lang: str, want_photo: bool, want_bio: bool, sources: Sources
) -> tuple[str, ArtistBio | None]:
    async def photo() -> str:
        if not want_photo:
            return ""
        return (await artist_photos([(name, mbid)], sources)).get(0, "")

    async def bio() -> ArtistBio | None:
        if not want_bio:
            return None
        answer = await ask(_bio_call(name, lang), sources)
        return answer if answer is not None and answer.bio else None

    return tuple(await asyncio.gather(photo(), bio()))


def artist_profile(artist: Artist, *, lang: str = WIKIPEDIA_FALLBACK_LANGUAGE) -> ArtistProfile:
    """The photo and bio to show for a library ``artist`` (bio in ``lang``, else English).

    No query is made. Offline, or when the library has both, no service is asked: the
    artist's own image (else the default cover) and stored bio. Otherwise the missing ones
    come from TheAudioDB (photo, by MBID then name), then the Wikipedia thumbnail, and
    Wikipedia (bio), within the request budget; a late or failed service leaves its part
    out and says so in ``sources``.
    """
    own_photo = _library_photo(artist)
    profile = ArtistProfile(photo_url=own_photo or static(DEFAULT_COVER), bio=artist.bio, lang=lang)
    if not profile_enabled():
        return profile
    profile.enriched = True
    profile.sources.note(LIBRARY, fanout.OK)
    want_photo, want_bio = not own_photo, not artist.bio.strip()
    if not (want_photo or want_bio):
        return profile
    mbid = str(artist.mbid) if artist.mbid else ""
    photo, bio = RequestBudget().run(
        _profile_lookups, artist.name, mbid, lang, want_photo, want_bio, profile.sources
    )
    if photo:
        profile.photo_url = photo
    if bio is not None:
        profile.bio = bio.bio
        profile.bio_source = {
            "source": bio.source,
            "title": bio.title,
            "url": bio.source_url,
            "lang": bio.lang,
        }
    return profile
