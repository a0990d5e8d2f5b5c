from django.contrib.auth.signals import user_logged_in
from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework_simplejwt.serializers import TokenObtainPairSerializer

from rubysound.core.serializers import RejectUnknownFieldsMixin

from .images import AVATAR, BANNER, ImageSpec, process_image
from .models import User


@extend_schema_field(
    {"type": "string", "format": "uri", "nullable": True, "description": "Image URL; upload a file"}
)
class ProfileImageField(serializers.FileField):
    """Accepts an uploaded image (re-encoded here) or null to reset; reads back its URL."""

    def __init__(self, spec: ImageSpec, **kwargs):
        self.spec = spec
        kwargs.setdefault("required", False)
        kwargs.setdefault("allow_null", True)
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        if data in ("", None):
            return None
        upload = super().to_internal_value(data)
        try:
            return process_image(upload, self.spec)
        except DjangoValidationError as exc:
            raise serializers.ValidationError(exc.messages) from None

    def to_representation(self, value):
        if not value:
            return None
        request = self.context.get("request")
        return request.build_absolute_uri(value.url) if request else value.url


class MeSerializer(RejectUnknownFieldsMixin, serializers.ModelSerializer):
    avatar = ProfileImageField(AVATAR)
    banner = ProfileImageField(BANNER)
    avatar_url = serializers.SerializerMethodField()
    country = serializers.CharField(required=False, allow_blank=True, max_length=2)

    class Meta:
        model = User
        fields = [
            "id",
            "username",
            "email",
            "first_name",
            "last_name",
            "avatar",
            "avatar_url",
            "banner",
            "bio",
            "gender",
            "country",
            "birth_date",
            "is_public_favorites",
            "date_joined",
        ]
        read_only_fields = ["id", "username", "email", "date_joined"]

    def get_avatar_url(self, user: User) -> str:
        request = self.context.get("request")
        url = user.avatar_url
        return request.build_absolute_uri(url) if request else url

    def validate_country(self, value: str) -> str:
        from django_countries import countries

        code = value.strip().upper()
        if code and code not in countries:
            raise serializers.ValidationError("Use an ISO 3166 two-letter country code.")
        return code

    def to_representation(self, instance):
        data = super().to_representation(instance)
        data["country"] = instance.country.code or ""
        return data


class TokenObtainSerializer(TokenObtainPairSerializer):
    """SimpleJWT's sign-in, announced like a session sign-in.

    Without ``user_logged_in`` axes never hears of the success, so AXES_RESET_ON_SUCCESS
    would not clear the failures counted before it and an API user would stay a few typos
    away from a lockout.
    """

    def validate(self, attrs):
        data = super().validate(attrs)
        request = self.context.get("request")
        user_logged_in.send(sender=type(self.user), request=request, user=self.user)
        return data
