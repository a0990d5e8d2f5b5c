"""Input and shape of ``/api/me/queue/``: the signed-in user's play queue."""

from rest_framework import serializers

from rubysound.catalog.listening.play_queue import (
    CHANGED_BY_MAX_LENGTH,
    MAX_POSITION_MS,
    MAX_QUEUE_TRACKS,
    PlayQueueState,
)
from rubysound.catalog.selectors import track_cards
from rubysound.catalog.types import UrlMaker
from rubysound.catalog.types.card_shapes import MusicTrackSerializer
from rubysound.core.serializers import RejectUnknownFieldsMixin

ID_MAX = 2**63 - 1  # a bigint: anything larger names nothing and must not reach SQL
WEB_CLIENT = "RubySound web"


class PlayQueueSaveSerializer(RejectUnknownFieldsMixin, serializers.Serializer):
    track_ids = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=ID_MAX),
        max_length=MAX_QUEUE_TRACKS,
        allow_empty=True,
        help_text=f"Catalog track ids in the order they play (repeats allowed; at most "
        f"{MAX_QUEUE_TRACKS}). An empty list clears the queue.",
    )
    current_index = serializers.IntegerField(
        min_value=0, default=0, help_text="The place (0-based) of the track playing."
    )
    position_ms = serializers.IntegerField(
        min_value=0,
        max_value=MAX_POSITION_MS,
        default=0,
        help_text="How far into the current track, in milliseconds.",
    )
    client = serializers.CharField(
        max_length=CHANGED_BY_MAX_LENGTH,
        required=False,
        allow_blank=True,
        help_text=f'The saving client\'s name, shown as changed_by (default "{WEB_CLIENT}").',
    )


class PlayQueueSerializer(serializers.Serializer):
    version = serializers.IntegerField(
        help_text="Grows with every save; 0 for a queue never saved. Also the ETag."
    )
    tracks = MusicTrackSerializer(many=True)
    current_index = serializers.IntegerField(help_text="The place (0-based) of the track playing.")
    position_ms = serializers.IntegerField(help_text="How far into it, in milliseconds.")
    changed_at = serializers.DateTimeField(allow_null=True)
    changed_by = serializers.CharField(help_text='The client that saved it; "" when never saved.')


_TIME = serializers.DateTimeField()


def play_queue_data(queue: PlayQueueState, absolute: UrlMaker) -> dict:
    return {
        "version": queue.version,
        "tracks": [card.as_json(absolute) for card in track_cards(queue.tracks)],
        "current_index": queue.current_index,
        "position_ms": queue.position_ms,
        "changed_at": _TIME.to_representation(queue.changed_at) if queue.changed_at else None,
        "changed_by": queue.changed_by,
    }
