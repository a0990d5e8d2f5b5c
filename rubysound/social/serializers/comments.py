"""Comments: the input of a new comment, and the response shapes for the OpenAPI schema."""

from rest_framework import serializers

from rubysound.core.serializers import RejectUnknownFieldsMixin

from ..models import COMMENT_MAX_LENGTH
from ..people import LISTENER, ShownUser
from ..services.comments import TEXT_REQUIRED, TEXT_TOO_LONG

_MAX_ID = 2**63 - 1


class CommentCreateSerializer(RejectUnknownFieldsMixin, serializers.Serializer):
    """A root comment, or a reply.

    Replies: ``parent_id`` names a root comment of the playlist (the reply answers its
    author); ``reply_to_comment_id`` names any comment of the playlist, root or reply,
    whose author the reply answers (the thread is that comment's root). Both may be given
    when they agree. Tombstones (deleted roots) take no new replies.
    """

    # Kept exactly as typed (no trimming); only-whitespace counts as empty.
    text = serializers.CharField(
        trim_whitespace=False,
        allow_blank=True,
        max_length=COMMENT_MAX_LENGTH,
        error_messages={"max_length": TEXT_TOO_LONG, "required": TEXT_REQUIRED},
    )
    parent_id = serializers.IntegerField(
        required=False, allow_null=True, min_value=1, max_value=_MAX_ID
    )
    reply_to_comment_id = serializers.IntegerField(
        required=False, allow_null=True, min_value=1, max_value=_MAX_ID
    )

    def validate_text(self, value: str) -> str:
        if not value.strip():
            raise serializers.ValidationError(TEXT_REQUIRED)
        return value


class _CommentFieldsSerializer(serializers.Serializer):
    """An author (or the user a reply answers) whose profile others cannot open (private,
    or deactivated) is shown as "a listener": username and profile link null, the default
    avatar."""

    id = serializers.IntegerField()
    text = serializers.CharField(help_text='"comment deleted" for a tombstone.')
    author_id = serializers.IntegerField(allow_null=True, help_text="null for a tombstone")
    author_username = serializers.CharField(
        allow_null=True, help_text='"" for a tombstone, null for a hidden author'
    )
    author_display_name = serializers.CharField(
        help_text=f'The username, "{LISTENER}" for a hidden author, "" for a tombstone'
    )
    author_avatar_url = serializers.CharField()
    author_profile_url = serializers.CharField(
        allow_null=True, help_text='"" for a tombstone, null for a hidden author'
    )
    created_at = serializers.DateTimeField()
    parent_id = serializers.IntegerField(allow_null=True, help_text="null for a root comment")
    reply_to_user_id = serializers.IntegerField(allow_null=True)
    reply_to_username = serializers.CharField(
        allow_null=True, help_text="null when not a reply to someone, or to a hidden user"
    )
    reply_to_display_name = serializers.CharField(
        allow_null=True, help_text=f'The username or "{LISTENER}"; null when not a reply'
    )
    likes_count = serializers.IntegerField()
    liked_by_me = serializers.BooleanField()
    can_delete = serializers.BooleanField(help_text="The viewer is the author or the owner.")
    is_deleted = serializers.BooleanField(
        help_text="A tombstone: a deleted root kept for its replies."
    )


class CommentReplySerializer(_CommentFieldsSerializer):
    replies = serializers.ListField(child=serializers.DictField(), help_text="Always empty")


class CommentSerializer(_CommentFieldsSerializer):
    replies = CommentReplySerializer(many=True)


class CommentCountSerializer(serializers.Serializer):
    count = serializers.IntegerField(help_text="All root comments, tombstones included.")


class CommentThreadSerializer(serializers.Serializer):
    results = CommentSerializer(many=True)
    meta = CommentCountSerializer()


class CommentDeletedSerializer(serializers.Serializer):
    detail = serializers.CharField()


class CommentLikeStateSerializer(serializers.Serializer):
    comment_id = serializers.IntegerField()
    likes_count = serializers.IntegerField()
    liked_by_me = serializers.BooleanField()


class CommentLikerSerializer(serializers.Serializer):
    """One like of a comment: who, and when (renders a CommentLike with its user). A liker
    whose profile others cannot open is shown as "a listener": username and profile link
    null, the default avatar."""

    username = serializers.CharField(
        source="liker.username", allow_null=True, help_text="null for a hidden liker"
    )
    display_name = serializers.CharField(
        source="liker.display_name", help_text=f'The username, or "{LISTENER}".'
    )
    avatar_url = serializers.CharField(source="liker.avatar_url")
    profile_url = serializers.CharField(
        source="liker.profile_url", allow_null=True, help_text="null for a hidden liker"
    )
    liked_at = serializers.DateTimeField(source="created_at")

    def to_representation(self, instance):
        like = {"liker": ShownUser.of(instance.user), "created_at": instance.created_at}
        return super().to_representation(like)
