"""Shapes of ``/api/notifications/``: the mark-read input, and responses for the schema.

Notifications themselves are built by ``selectors.notifications.notification_payload``, the
one shape they have in the API and over WebSocket.
"""

from rest_framework import serializers

from rubysound.core.serializers import RejectUnknownFieldsMixin

from ..models import Notification

MAX_IDS_PER_REQUEST = 500
# A BigAutoField's range: a larger id is no notification, and SQLite cannot even bind it (500).
MAX_ID = 2**63 - 1


class MarkReadSerializer(RejectUnknownFieldsMixin, serializers.Serializer):
    """``{"ids": [...]}`` marks those; ``{}`` or ``{"all": true}`` marks every one."""

    ids = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=MAX_ID),
        required=False,
        max_length=MAX_IDS_PER_REQUEST,
        help_text=f"At most {MAX_IDS_PER_REQUEST}; ids that are not yours are ignored.",
    )
    all = serializers.BooleanField(required=False)

    def validate(self, attrs):
        if "ids" in attrs and attrs.get("all"):
            raise serializers.ValidationError("Send either ids or all, not both.")
        if "ids" not in attrs and attrs.get("all") is False:
            raise serializers.ValidationError("Nothing to mark: send ids, or all: true.")
        return attrs

    def ids_to_mark(self) -> list[int] | None:
        """The ids asked for, or None for all of them."""
        ids = self.validated_data.get("ids")
        return list(dict.fromkeys(ids)) if ids is not None else None


class MarkReadResultSerializer(serializers.Serializer):
    marked = serializers.IntegerField(help_text="How many unread notifications were marked.")
    unread_count = serializers.IntegerField()


class NotificationUserSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField()
    avatar_url = serializers.CharField()
    profile_url = serializers.CharField()


class NotificationPlaylistSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    owner_username = serializers.CharField()
    is_favorites = serializers.BooleanField()


class NotificationCommentSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    parent_id = serializers.IntegerField(allow_null=True)
    text = serializers.CharField(help_text="An excerpt; deleted comments read as a tombstone.")


class NotificationSerializer(serializers.Serializer):
    # A plain string in the schema: an enum named "type" would collide with others.
    type = serializers.CharField(
        help_text="One of: " + ", ".join(value for value, _ in Notification.Type.choices)
    )
    id = serializers.IntegerField()
    created_at = serializers.DateTimeField()
    read_at = serializers.DateTimeField(allow_null=True)
    actor = NotificationUserSerializer(allow_null=True)
    actor_username = serializers.CharField(allow_null=True)
    playlist = NotificationPlaylistSerializer(allow_null=True)
    comment = NotificationCommentSerializer(allow_null=True)


class NotificationPageSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    unread_count = serializers.IntegerField()
    results = NotificationSerializer(many=True)
