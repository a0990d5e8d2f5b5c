"""``/music_api/search/`` and ``/music_api/search/artists/``: tracks and artist autocomplete.

With the external services off, the library answers alone; with them on, discovery merges
their results with ours. Either way ``meta.sources`` says who answered.
"""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.exceptions import NotFound
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param

from rubysound.catalog import selectors
from rubysound.catalog.selectors import (
    LIBRARY,
    OK,
    search_enabled,
    search_page,
    suggest_artists,
    suggestions_enabled,
)
from rubysound.catalog.types import Absolutizer
from rubysound.compat.music import contract
from rubysound.compat.music.serializers import ArtistSearchSerializer, TrackSearchSerializer
from rubysound.core.serializers import ErrorSerializer

ARTIST_SUGGESTIONS = 10


class TrackSearchView(contract.PublicMusicView):
    @extend_schema(
        tags=["music"],
        operation_id="music_search",
        summary="Search tracks",
        parameters=[
            OpenApiParameter("q", OpenApiTypes.STR, required=True),
            OpenApiParameter("page", OpenApiTypes.INT, description="From 1; out of range: 404"),
            OpenApiParameter(
                "page_size",
                OpenApiTypes.INT,
                description="Default 14; larger than 30 is served as 30.",
            ),
        ],
        responses={200: TrackSearchSerializer, **contract.MUSIC_ERRORS, 404: ErrorSerializer},
    )
    def get(self, request):
        query = contract.search_query(request)
        if (problem := contract.query_error(query)) is not None:
            return problem
        page_size = contract.page_size(request)
        page = contract.page_number(request)
        if search_enabled():
            merged = search_page(query, page=page, page_size=page_size)
            if merged is None:
                raise NotFound("Invalid page.")
            total, cards = merged.count, merged.cards
            meta = {"cached": merged.cached, "sources": merged.sources.as_meta()}
        else:
            found = selectors.library_tracks(query, limit=page_size, offset=(page - 1) * page_size)
            if page > 1 and not found.cards:
                raise NotFound("Invalid page.")
            total, cards = found.total, found.cards
            meta = _library_meta(found.cached)
        absolute = Absolutizer(request)
        url = request.build_absolute_uri()
        previous = None
        if page > 1:
            previous = (
                remove_query_param(url, "page")
                if page == 2
                else replace_query_param(url, "page", page - 1)
            )
        body = {
            "count": total,
            "next": (
                replace_query_param(url, "page", page + 1) if page * page_size < total else None
            ),
            "previous": previous,
            "results": [card.as_json(absolute) for card in cards],
            "meta": meta,
        }
        return Response(body)


def _library_meta(cached: bool) -> dict:
    """The meta of an answer the library gave alone (no service is on), so that a client can
    always tell where results came from; whether it was stored is ``cached``'s to say."""
    return {"cached": cached, "sources": {LIBRARY: {"status": OK}}}


class ArtistSearchView(contract.PublicMusicView):
    @extend_schema(
        tags=["music"],
        operation_id="music_search_artists",
        summary="Artist autocomplete",
        parameters=[OpenApiParameter("q", OpenApiTypes.STR, required=True)],
        responses={200: ArtistSearchSerializer, **contract.MUSIC_ERRORS},
    )
    def get(self, request):
        query = contract.search_query(request)
        if (problem := contract.query_error(query)) is not None:
            return problem
        if suggestions_enabled():
            found = suggest_artists(query, limit=ARTIST_SUGGESTIONS)
            cards = found.cards
            meta = {"cached": found.cached, "sources": found.sources.as_meta()}
        else:
            matches = selectors.library_artists(query, limit=ARTIST_SUGGESTIONS)
            cards, meta = matches.cards, _library_meta(matches.cached)
        absolute = Absolutizer(request)
        results = [card.as_suggestion(absolute) for card in cards]
        return Response({"results": results, "meta": meta})
