"""Input and shapes of ``/api/listens/``: reporting plays, the history, the user's stats."""

from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from rubysound.catalog.listening import charts, listens
from rubysound.catalog.models import Listen
from rubysound.catalog.types.card_shapes import MusicTrackSerializer
from rubysound.core.serializers import RejectUnknownFieldsMixin


class ListenCreateSerializer(RejectUnknownFieldsMixin, serializers.Serializer):
    track_id = serializers.IntegerField(min_value=1)
    listened_at = serializers.DateTimeField(
        required=False,
        help_text="When the play started (ISO 8601); default now. Stored to the second.",
    )
    played_seconds = serializers.FloatField(
        min_value=0,
        max_value=listens.MAX_PLAYED_SECONDS,
        help_text="Seconds actually heard. Counts after half the track or 240 s.",
    )

    def validate_listened_at(self, value):
        try:
            return listens.normalize_listened_at(value)
        except DjangoValidationError as exc:
            raise serializers.ValidationError(exc.message_dict["listened_at"]) from None


class NowPlayingCreateSerializer(RejectUnknownFieldsMixin, serializers.Serializer):
    track_id = serializers.IntegerField(min_value=1, max_value=2**63 - 1)


_LISTEN_SOURCE_HELP = f"One of: {', '.join(Listen.Source.values)}."


class ListenRecordSerializer(serializers.ModelSerializer):
    track_id = serializers.IntegerField()
    source = serializers.CharField(help_text=_LISTEN_SOURCE_HELP)

    class Meta:
        model = Listen
        fields = ["id", "track_id", "listened_at", "source"]


class ListenResultSerializer(serializers.Serializer):
    counted = serializers.BooleanField(help_text="The play is a listen (new or already known).")
    created = serializers.BooleanField(help_text="This report stored a new listen.")
    reason = serializers.CharField(
        allow_null=True, help_text='Why not counted: "played_too_little".'
    )
    required_seconds = serializers.FloatField(help_text="Playback this track needs to count.")
    listen = ListenRecordSerializer(allow_null=True)


def listen_result(outcome: listens.ListenOutcome) -> dict:
    return {
        "counted": outcome.counted,
        "created": outcome.created,
        "reason": outcome.reason or None,
        "required_seconds": outcome.required_seconds,
        "listen": ListenRecordSerializer(outcome.listen).data if outcome.listen else None,
    }


class ListenHistoryItemSerializer(serializers.ModelSerializer):
    """One of the user's listens; needs ``track_cards`` (by track id) and ``absolute`` in
    the context."""

    track = serializers.SerializerMethodField()
    source = serializers.CharField(help_text=_LISTEN_SOURCE_HELP)

    class Meta:
        model = Listen
        fields = ["id", "listened_at", "source", "track"]

    @extend_schema_field(MusicTrackSerializer)
    def get_track(self, listen: Listen) -> dict:
        return self.context["track_cards"][listen.track_id].as_json(self.context["absolute"])


class UserStatsQuerySerializer(serializers.Serializer):
    window = serializers.ChoiceField(choices=list(charts.WINDOWS), default="month")
    limit = serializers.IntegerField(min_value=1, max_value=50, default=10)


class UserTopArtistSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    url = serializers.URLField()
    plays = serializers.IntegerField()


class UserTopTrackSerializer(serializers.Serializer):
    track = MusicTrackSerializer()
    plays = serializers.IntegerField(help_text="The user's own plays.")


class UserStatsSerializer(serializers.Serializer):
    window = serializers.CharField()
    listens = serializers.IntegerField()
    top_artists = UserTopArtistSerializer(many=True)
    top_tracks = UserTopTrackSerializer(many=True)
