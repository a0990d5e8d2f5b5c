"""``/api/listens/``: the signed-in user reports plays and reads their history and stats.

The answers are personal, refusals included: marked never to be stored by a cache
(``core.http.caching.private``: ``no-store, private``).
"""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.exceptions import NotFound
from rest_framework.generics import GenericAPIView
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from rubysound.catalog import selectors
from rubysound.catalog.api.serializers.listens import (
    ListenCreateSerializer,
    ListenHistoryItemSerializer,
    ListenResultSerializer,
    NowPlayingCreateSerializer,
    UserStatsQuerySerializer,
    UserStatsSerializer,
    listen_result,
)
from rubysound.catalog.listening import charts, history, listens, now_playing
from rubysound.catalog.models import Listen, Track
from rubysound.catalog.types import Absolutizer
from rubysound.core.http.caching import private
from rubysound.core.pagination import BoundedPageNumberPagination
from rubysound.core.serializers import ErrorSerializer


@private
class ListensView(GenericAPIView):
    """The signed-in user's listens: the player reports plays, and reads its history."""

    permission_classes = [IsAuthenticated]
    pagination_class = BoundedPageNumberPagination
    serializer_class = ListenHistoryItemSerializer

    def get_queryset(self):
        return history.user_listens(self.request.user)

    @extend_schema(
        tags=["listens"],
        operation_id="listens_list",
        summary="My listens, newest first",
        responses={200: ListenHistoryItemSerializer(many=True), 401: ErrorSerializer},
    )
    def get(self, request):
        page = self.paginate_queryset(self.get_queryset())
        cards = selectors.track_cards(listen.track for listen in page)
        context = {
            "request": request,
            "absolute": Absolutizer(request),
            "track_cards": {card.id: card for card in cards},
        }
        data = ListenHistoryItemSerializer(page, many=True, context=context).data
        return self.get_paginated_response(data)

    @extend_schema(
        tags=["listens"],
        operation_id="listens_create",
        summary="Report a play",
        description=(
            "A play counts as a listen after half the track or 4 minutes, whichever comes "
            "first; a shorter one is answered 200 with counted=false. The same (track, "
            "listened_at) reported again is the same listen: 200 with created=false."
        ),
        request=ListenCreateSerializer,
        responses={
            201: ListenResultSerializer,
            200: ListenResultSerializer,
            400: ErrorSerializer,
            401: ErrorSerializer,
            404: ErrorSerializer,
        },
    )
    def post(self, request):
        serializer = ListenCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        try:
            track = Track.objects.only("id", "duration").get(pk=data["track_id"])
        except Track.DoesNotExist:
            raise NotFound("Track not found.") from None
        outcome = listens.record_listen(
            user=request.user,
            track=track,
            played_seconds=data["played_seconds"],
            listened_at=data.get("listened_at"),
        )
        status = 201 if outcome.created else 200
        return Response(listen_result(outcome), status=status)


@private
class ListenDetailView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        tags=["listens"],
        operation_id="listens_delete",
        summary="Delete one of my listens",
        description="Another user's listen is answered 404, as a missing one is.",
        responses={204: None, 401: ErrorSerializer, 404: ErrorSerializer},
    )
    def delete(self, request, pk: int):
        listens.delete_listen(request.user, pk)
        return Response(status=204)


# How the web player names itself where now playing is shown (Subsonic's getNowPlaying).
WEB_PLAYER = "RubySound web player"


@private
class NowPlayingView(APIView):
    """The player says a track started: the user's now playing, until the track would end."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        tags=["listens"],
        operation_id="listens_now_playing",
        summary="Say what I am playing now",
        description=(
            "Shown on the public profile, to Subsonic apps (getNowPlaying) and by "
            "/1/user/<name>/playing-now until the track's length has passed. No listen "
            "is recorded: POST /api/listens/ does that."
        ),
        request=NowPlayingCreateSerializer,
        responses={204: None, 400: ErrorSerializer, 401: ErrorSerializer, 404: ErrorSerializer},
    )
    def post(self, request):
        serializer = NowPlayingCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            track = Track.objects.get(pk=serializer.validated_data["track_id"])
        except Track.DoesNotExist:
            raise NotFound("Track not found.") from None
        now_playing.set_now_playing(
            request.user, track, source=Listen.Source.PLAYER, client=WEB_PLAYER
        )
        return Response(status=204)


@private
class ListenStatsView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        tags=["listens"],
        operation_id="listens_stats",
        summary="My listening statistics",
        parameters=[
            OpenApiParameter("window", OpenApiTypes.STR, enum=list(charts.WINDOWS)),
            OpenApiParameter("limit", OpenApiTypes.INT, description="1..50, default 10"),
        ],
        responses={200: UserStatsSerializer, 400: ErrorSerializer, 401: ErrorSerializer},
    )
    def get(self, request):
        query = UserStatsQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        stats = history.user_stats(
            request.user, window=query.validated_data["window"], limit=query.validated_data["limit"]
        )
        absolute = Absolutizer(request)
        body = {
            "window": stats["window"],
            "listens": stats["listens"],
            "top_artists": [
                {**artist, "url": absolute(artist["url"])} for artist in stats["top_artists"]
            ],
            "top_tracks": [
                {"track": item["track"].as_json(absolute), "plays": item["plays"]}
                for item in stats["top_tracks"]
            ],
        }
        return Response(body)
