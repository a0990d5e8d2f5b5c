"""``POST /api/wikipedia/artists/``: artist bios, as the web client has always asked for them.

Body ``{"artists": [name, ...], "lang": "ru"}`` (at most MAX_ARTISTS names; ``lang``
defaults to English). Answer ``{"artists": {<name>: {bio, title, source_url, image_url,
lang}}, "meta": {"lang_requested", "count"}}``, keyed by each name exactly as sent; a name
nobody has a bio for is left out. Bad input is the documented ``{"error": ...}`` with a
400, like the other routes clients already speak.
"""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.exceptions import ParseError
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from rubysound.catalog.selectors import artist_bios, bio_languages, service_enabled
from rubysound.catalog.types import Absolutizer
from rubysound.compat.music.contract import error
from rubysound.compat.music.serializers import MusicErrorSerializer

MAX_ARTISTS = 30
MAX_NAME_LENGTH = 200
DEFAULT_LANGUAGE = "en"


class WikipediaArtistsRequestSerializer(serializers.Serializer):
    """For the schema only: the view checks the body itself, to answer ``{"error": ...}``."""

    artists = serializers.ListField(
        child=serializers.CharField(max_length=MAX_NAME_LENGTH), max_length=MAX_ARTISTS
    )
    lang = serializers.ChoiceField(choices=list(bio_languages()), required=False)


class ArtistBioSerializer(serializers.Serializer):
    bio = serializers.CharField(help_text="Plain text.")
    title = serializers.CharField(help_text="The article's title (or the artist's name).")
    source_url = serializers.CharField(help_text="The article, or our artist API URL.")
    image_url = serializers.CharField(help_text='A picture of the artist; "" when none.')
    lang = serializers.CharField(
        help_text='The article\'s language (English when the one asked for had none); "" '
        "for a bio stored with a library artist."
    )
    source = serializers.CharField(help_text='"wikipedia" or "library".')


class WikipediaArtistsMetaSerializer(serializers.Serializer):
    lang_requested = serializers.CharField()
    count = serializers.IntegerField(help_text="Artists answered.")


class WikipediaArtistsSerializer(serializers.Serializer):
    artists = serializers.DictField(child=ArtistBioSerializer())
    meta = WikipediaArtistsMetaSerializer()


def _read(request) -> tuple[list[str], str] | Response:
    """(names as sent, language) from the body, or the 400 that says what is wrong."""
    try:
        data = request.data
    except ParseError:
        return error("The body must be JSON.")
    if not isinstance(data, dict):
        return error("The body must be a JSON object with an artists list.")
    names = data.get("artists")
    if not isinstance(names, list):
        return error("artists must be a list of names.")
    if len(names) > MAX_ARTISTS:
        return error(f"At most {MAX_ARTISTS} artists at a time.")
    if not all(isinstance(name, str) for name in names):
        return error("Each artist must be a name (a string).")
    if any(not name.strip() or len(name) > MAX_NAME_LENGTH for name in names):
        return error(f"Each artist name must have 1 to {MAX_NAME_LENGTH} characters.")
    # No artist has one, and PostgreSQL refuses it in a query's text (a 500, not a miss).
    if any("\x00" in name for name in names):
        return error("An artist name cannot contain a NUL character.")
    lang = data.get("lang", DEFAULT_LANGUAGE)
    if lang is None or lang == "":
        lang = DEFAULT_LANGUAGE
    if not isinstance(lang, str) or lang.strip().lower() not in bio_languages():
        return error(f"lang must be one of: {', '.join(bio_languages())}.")
    return names, lang.strip().lower()


class WikipediaArtistsView(APIView):
    # Public and read-only in effect: no session, so no CSRF token is needed to ask.
    authentication_classes: list = []
    permission_classes = [AllowAny]

    @extend_schema(
        tags=["music"],
        operation_id="wikipedia_artists",
        summary="Artist bios from Wikipedia (English fallback), or stored with the artist",
        request=WikipediaArtistsRequestSerializer,
        responses={200: WikipediaArtistsSerializer, 400: MusicErrorSerializer},
    )
    def post(self, request):
        parsed = _read(request)
        if isinstance(parsed, Response):
            return parsed
        names, lang = parsed
        bios, sources = artist_bios(names, lang)
        absolute = Absolutizer(request)
        artists = {
            name: {
                **bio,
                "source_url": absolute(bio["source_url"]),
                "image_url": absolute(bio["image_url"]),
            }
            for name, bio in bios.items()
        }
        meta = {"lang_requested": lang, "count": len(artists)}
        if service_enabled("wikipedia"):
            meta["sources"] = sources.as_meta()
        return Response({"artists": artists, "meta": meta})
