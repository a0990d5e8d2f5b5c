"""``/api/me/queue/``: the signed-in user's play queue, the one the web player and the
Subsonic apps share.

A save replaces the whole queue and must say which version it replaces (``If-Match`` with
the ETag a read answered, or ``*`` to replace whatever is there): a device that read an
older queue is answered 412 instead of silently overwriting a newer one. Answers are
personal: never stored by a cache.
"""

import re

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from rubysound.catalog import selectors, services
from rubysound.catalog.api.serializers.play_queue import (
    WEB_CLIENT,
    PlayQueueSaveSerializer,
    PlayQueueSerializer,
    play_queue_data,
)
from rubysound.catalog.errors import InvalidPlayQueue, PlayQueueVersionRequired
from rubysound.catalog.selectors import PlayQueueState
from rubysound.catalog.types import Absolutizer
from rubysound.core.http.caching import private
from rubysound.core.serializers import ErrorSerializer

_ETAG = re.compile(r'^(?:W/)?"(\d{1,19})"$')
ANY_VERSION = "*"


def queue_etag(version: int) -> str:
    return f'"{version}"'


def expected_version(request) -> int | None:
    """The version ``If-Match`` names (``None`` for ``*``); refused when absent or not one
    of our ETags."""
    header = request.headers.get("If-Match", "").strip()
    if not header:
        raise PlayQueueVersionRequired()
    if header == ANY_VERSION:
        return None
    match = _ETAG.match(header)
    if not match:
        raise InvalidPlayQueue(
            'If-Match must be the queue\'s ETag (e.g. "3") or "*".',
            fields={"If-Match": ["Not an ETag of this queue."]},
        )
    return int(match.group(1))


def _answer(request, queue: PlayQueueState) -> Response:
    response = Response(play_queue_data(queue, Absolutizer(request)))
    response["ETag"] = queue_etag(queue.version)
    return response


_IF_MATCH = OpenApiParameter(
    "If-Match",
    OpenApiTypes.STR,
    location=OpenApiParameter.HEADER,
    required=True,
    description='The ETag of the queue last read (e.g. "3"), or * to replace any queue.',
)


@private
class MyPlayQueueView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        tags=["queue"],
        operation_id="me_queue_read",
        summary="My play queue",
        description="The queue as last saved by any device (the web player, a Subsonic app); "
        'a queue never saved is empty with version 0. The ETag header is the version ("3").',
        responses={200: PlayQueueSerializer, 401: ErrorSerializer},
    )
    def get(self, request):
        return _answer(request, selectors.get_play_queue(request.user))

    @extend_schema(
        tags=["queue"],
        operation_id="me_queue_save",
        summary="Replace my play queue",
        description="Replaces the whole queue (an empty track_ids clears it). Unknown track "
        "ids, more than the cap or a current_index outside the list: 400 and nothing "
        "changes. If-Match must name the version this device read: another device's newer "
        "save answers 412 (code queue_changed), read the queue again and save over it; "
        "without If-Match, 428.",
        parameters=[_IF_MATCH],
        request=PlayQueueSaveSerializer,
        responses={
            200: PlayQueueSerializer,
            400: ErrorSerializer,
            401: ErrorSerializer,
            412: OpenApiResponse(ErrorSerializer, description="A newer queue was saved."),
            428: OpenApiResponse(ErrorSerializer, description="If-Match is missing."),
        },
    )
    def put(self, request):
        serializer = PlayQueueSaveSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        version = expected_version(request)
        queue = services.save_play_queue(
            request.user,
            track_ids=data["track_ids"],
            current_index=data["current_index"],
            position_ms=data["position_ms"],
            changed_by=data.get("client") or WEB_CLIENT,
            expected_version=version,
        )
        return _answer(request, queue)
