from axes.utils import reset as reset_login_failures
from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework_simplejwt.serializers import TokenObtainPairSerializer

from rubysound.core.client_ip import client_ip
from rubysound.core.serializers import FieldsBuiltOnceMixin, RejectUnknownFieldsMixin

from .images import AVATAR, BANNER, ImageSpec, process_image
from .lockout import attempted_username
from .models import User, username_validator


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


class MeSerializer(FieldsBuiltOnceMixin, RejectUnknownFieldsMixin, serializers.ModelSerializer):
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
            "is_public_listening",
            "date_joined",
        ]
        read_only_fields = ["id", "email", "date_joined"]
        # Uniqueness is the service's: in any case and script (User.username_key).
        extra_kwargs = {"username": {"validators": [username_validator], "required": False}}

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


class SignupSerializer(RejectUnknownFieldsMixin, serializers.Serializer):
    """A new account: the same rules as the sign-up page (the service checks the rest)."""

    username = serializers.CharField(max_length=64, validators=[username_validator])
    email = serializers.EmailField(max_length=254)
    password = serializers.CharField(max_length=128, write_only=True, trim_whitespace=False)
    is_public_favorites = serializers.BooleanField(required=False, default=True)


class TokenObtainSerializer(TokenObtainPairSerializer):
    """SimpleJWT's sign-in, clearing the failed attempts counted before it.

    A session sign-in clears them through ``user_logged_in`` (AXES_RESET_ON_SUCCESS); that
    signal is not sent here because axes would then create a session, and a cookie, for an
    API client. The account and address pair's counter is reset directly instead; the other
    accounts' failures from the address stay, so signing in to one's own account does not
    lift the address's ceiling (see rubysound.accounts.lockout).
    """

    def validate(self, attrs):
        typed_name = attrs.get(self.username_field)
        data = super().validate(attrs)
        request = self.context.get("request")
        if settings.AXES_ENABLED:
            account = attempted_username(request, {"username": typed_name})
            if account and request is not None:
                reset_login_failures(username=account, ip=client_ip(request))
        return data
