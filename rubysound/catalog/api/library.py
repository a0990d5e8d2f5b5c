"""Catalog API for the library: tracks, artists, albums, genres and their media; thin views
over the catalog selectors.

JSON reads are DRF views. Streaming and covers are plain async Django views: DRF is sync,
and a sync view runs on one of the few threads of the request pool (REQUEST_THREADS, see
``rubysound.core.handler``), which a slow client's file transfer or an image resize would
hold for its whole length. Each is described to drf-spectacular by a DRF view that exists
only for the schema (see ``rubysound.core.openapi.documented_by``).

Caching: catalog reads answer ``Cache-Control: public, max-age=60`` to anonymous requests so
the edge cache in front of Django can serve them (nothing in them depends on the viewer),
``private, max-age=60`` to signed-in ones, and never-store to anything but a 200
(``catalog_read``). Media (stream, cover, waveform) are public for all.
"""

from django.http import Http404
from django.utils.cache import patch_vary_headers
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, generics
from rest_framework.response import Response
from rest_framework.views import APIView

from rubysound.catalog import selectors
from rubysound.catalog.api.serializers.library import (
    AlbumDetailSerializer,
    ArtistDetailSerializer,
    ArtistProfileDetailSerializer,
    ArtistSerializer,
    GenreSerializer,
    TrackFilterSerializer,
    TrackSerializer,
    WaveformSerializer,
    absolute_url,
)
from rubysound.catalog.discovery.artist_profiles import (
    artist_profile,
    bio_languages,
    profile_language,
)
from rubysound.catalog.library import covers
from rubysound.catalog.streaming import files as streaming
from rubysound.core.exceptions import json_error_response
from rubysound.core.http.caching import public, public_when_anonymous
from rubysound.core.openapi import documented_by
from rubysound.core.serializers import ErrorSerializer

CATALOG_MAX_AGE = 60
WAVEFORM_MAX_AGE = 3600
NOT_FOUND = {404: ErrorSerializer}

# The caching of every JSON read of the library (see the module doc).
catalog_read = public_when_anonymous(max_age=CATALOG_MAX_AGE, private_max_age=CATALOG_MAX_AGE)


# --- Tracks -------------------------------------------------------------------------------


@extend_schema(tags=["catalog"])
@catalog_read
class TrackListView(generics.ListAPIView):
    """Library and known remote tracks by artist, album, disc and track number."""

    serializer_class = TrackSerializer

    def get_queryset(self):
        filters = TrackFilterSerializer(data=self.request.query_params)
        filters.is_valid(raise_exception=True)
        values = filters.validated_data
        return selectors.track_list(
            artist_id=values.get("artist"),
            album_id=values.get("album"),
            genre_slug=values.get("genre"),
            year=values.get("year"),
        )

    @extend_schema(
        parameters=[TrackFilterSerializer],
        responses={200: TrackSerializer(many=True), 400: ErrorSerializer, **NOT_FOUND},
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


@extend_schema(tags=["catalog"], responses={200: TrackSerializer, **NOT_FOUND})
@catalog_read
class TrackDetailView(generics.RetrieveAPIView):
    serializer_class = TrackSerializer

    def get_queryset(self):
        return selectors.track_detail()


@extend_schema(tags=["catalog"], responses={200: WaveformSerializer, **NOT_FOUND})
@public(max_age=WAVEFORM_MAX_AGE)
class TrackWaveformView(APIView):
    """Normalised peaks for the player's waveform, computed when the library is scanned."""

    def get(self, request, pk: int):
        exists, waveform = selectors.get_track_waveform(pk)
        if not exists:
            raise Http404
        if isinstance(waveform, dict):
            waveform = waveform.get("peaks")
        if not isinstance(waveform, list) or not waveform:
            raise exceptions.NotFound(
                "The waveform of this track has not been computed yet.", code="waveform_pending"
            )
        return Response({"peaks": waveform, "count": len(waveform)})


# --- Artists, albums, genres --------------------------------------------------------------


@extend_schema(tags=["catalog"], responses={200: ArtistSerializer(many=True), **NOT_FOUND})
@catalog_read
class ArtistListView(generics.ListAPIView):
    """Artists by name."""

    serializer_class = ArtistSerializer

    def get_queryset(self):
        return selectors.artist_list()


@extend_schema(
    tags=["catalog"],
    parameters=[
        OpenApiParameter(
            "lang",
            str,
            description=(
                "Language of a bio fetched from Wikipedia (English when that edition has "
                "none); default: the first of Accept-Language we offer, else English."
            ),
            enum=list(bio_languages()),
        )
    ],
    responses={200: ArtistProfileDetailSerializer, 400: ErrorSerializer, **NOT_FOUND},
)
@catalog_read
class ArtistDetailView(generics.RetrieveAPIView):
    """An artist with their albums and top tracks (at most 10, by listens then title).

    With the external services on, a photo and (when the library stores none) a bio come
    from them (``photo_url``, ``bio``, ``bio_source``), and ``meta.sources`` says what each
    service did. The answer then depends on the language asked for: ``Vary:
    Accept-Language``.
    """

    serializer_class = ArtistDetailSerializer

    def get_queryset(self):
        return selectors.artist_detail()

    def retrieve(self, request, *args, **kwargs):
        lang = profile_language(
            request.query_params.get("lang"), request.headers.get("Accept-Language", "")
        )
        if lang is None:
            message = f"lang must be one of: {', '.join(bio_languages())}."
            raise exceptions.ValidationError({"lang": [message]})
        artist = self.get_object()
        context = {
            **self.get_serializer_context(),
            "albums": selectors.artist_albums(artist),
            "top_tracks": selectors.artist_top_tracks(artist),
        }
        body = ArtistDetailSerializer(artist, context=context).data
        profile = artist_profile(artist, lang=lang)
        if not profile.enriched:  # offline: the library's answer, unchanged
            return Response(body)
        body.update(
            photo_url=absolute_url(request, profile.photo_url),
            bio=profile.bio,
            bio_source=profile.bio_source,
            meta={"lang": lang, "sources": profile.sources.as_meta()},
        )
        response = Response(body)
        patch_vary_headers(response, ("Accept-Language",))
        return response


@extend_schema(tags=["catalog"], responses={200: AlbumDetailSerializer, **NOT_FOUND})
@catalog_read
class AlbumDetailView(generics.RetrieveAPIView):
    """An album with its tracks in disc and track order."""

    serializer_class = AlbumDetailSerializer

    def get_queryset(self):
        return selectors.album_detail()


@extend_schema(tags=["catalog"], responses={200: GenreSerializer(many=True), **NOT_FOUND})
@catalog_read
class GenreListView(generics.ListAPIView):
    """Genres by name, with how many tracks (library and remote) carry each."""

    serializer_class = GenreSerializer

    def get_queryset(self):
        return selectors.genre_list()


# --- Media: plain async views, documented through DRF views -------------------------------


def _method_not_allowed(request):
    response = json_error_response(
        405, f'Method "{request.method}" not allowed.', "method_not_allowed"
    )
    response["Allow"] = "GET, HEAD"
    return response


_AUDIO_TYPES = ("audio/mpeg", "audio/flac", "audio/ogg", "audio/mp4", "audio/wav")
_BINARY = OpenApiTypes.BINARY


class TrackStreamSchema(APIView):
    @extend_schema(
        tags=["catalog"],
        operation_id="tracks_stream",
        summary="Stream a track's audio file",
        description=(
            "The library file of a track, with HTTP Range support (one range: "
            "`bytes=a-b`, `bytes=a-` or `bytes=-n`), `ETag`/`Last-Modified` validators and "
            "`If-None-Match`/`If-Modified-Since`/`If-Range`. Malformed or multiple ranges get "
            "the whole file. `HEAD` answers the same headers without a body. Remote tracks "
            "have no stream (404)."
        ),
        parameters=[
            OpenApiParameter("Range", str, OpenApiParameter.HEADER, description="bytes=a-b"),
            OpenApiParameter("If-Range", str, OpenApiParameter.HEADER),
            OpenApiParameter("If-None-Match", str, OpenApiParameter.HEADER),
            OpenApiParameter("If-Modified-Since", str, OpenApiParameter.HEADER),
        ],
        responses={
            **{(200, media): _BINARY for media in _AUDIO_TYPES},
            **{(206, media): _BINARY for media in _AUDIO_TYPES},
            304: OpenApiResponse(description="Not modified"),
            404: ErrorSerializer,
            416: ErrorSerializer,
        },
    )
    def get(self, request, pk: int):  # pragma: no cover - schema only
        raise NotImplementedError


class AlbumCoverSchema(APIView):
    @extend_schema(
        tags=["catalog"],
        operation_id="albums_cover",
        summary="An album's cover, resized",
        description=(
            "`size` snaps to the nearest of 64, 128, 300, 600, 1200 (default 300); the image "
            "fits that square and is never enlarged. WebP when `Accept` lists image/webp, JPEG "
            "otherwise. An album without a readable cover redirects (302) to the default image."
        ),
        parameters=[OpenApiParameter("size", int, description="Pixels; snapped.")],
        responses={
            (200, "image/webp"): _BINARY,
            (200, "image/jpeg"): _BINARY,
            302: OpenApiResponse(description="No cover: the default image"),
            304: OpenApiResponse(description="Not modified"),
            400: ErrorSerializer,
            404: ErrorSerializer,
        },
    )
    def get(self, request, pk: int):  # pragma: no cover - schema only
        raise NotImplementedError


@documented_by(TrackStreamSchema)
async def track_stream(request, pk: int):
    if request.method not in ("GET", "HEAD"):
        return _method_not_allowed(request)
    track = await selectors.aget_track_file(pk)
    if track is None:
        return json_error_response(404, "Track not found.", "not_found")
    return await streaming.stream_response(request, track)


@documented_by(AlbumCoverSchema)
async def album_cover(request, pk: int):
    if request.method not in ("GET", "HEAD"):
        return _method_not_allowed(request)
    size = covers.snap_size(request.GET.get("size"))
    album = await selectors.aget_album_cover(pk)
    if album is None:
        return json_error_response(404, "Album not found.", "not_found")
    return await covers.cover_response(request, album, size)
