"""``/api/users/me/app-passwords/`` and ``/api/users/me/api-keys/``: the credentials a user
gives their Subsonic apps. A secret is answered once, when it is created; lists never show
it again."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from rubysound.core.serializers import ErrorSerializer, RejectUnknownFieldsMixin

from .. import selectors, services
from ..models import AppPassword

ERRORS = {400: ErrorSerializer, 401: ErrorSerializer}


class AppCredentialSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    name = serializers.CharField(read_only=True)
    created_at = serializers.DateTimeField(read_only=True)
    last_used_at = serializers.DateTimeField(read_only=True, allow_null=True)


class NewCredentialSerializer(RejectUnknownFieldsMixin, serializers.Serializer):
    name = serializers.CharField(max_length=AppPassword._meta.get_field("name").max_length)


class CreatedAppPasswordSerializer(AppCredentialSerializer):
    password = serializers.CharField(
        read_only=True, help_text="The secret to type into the app; shown only this once."
    )


class CreatedApiKeySerializer(AppCredentialSerializer):
    key = serializers.CharField(
        read_only=True, help_text="The key to give the app; shown only this once."
    )


def _created(row, **secret) -> dict:
    return {**AppCredentialSerializer(row).data, **secret}


class AppPasswordListView(APIView):
    """The signed-in user's app passwords (for Subsonic apps), newest first."""

    permission_classes = [IsAuthenticated]

    @extend_schema(tags=["users"], responses={200: AppCredentialSerializer(many=True), **ERRORS})
    def get(self, request):
        rows = selectors.app_passwords_of(request.user)
        return Response(AppCredentialSerializer(rows, many=True).data)

    @extend_schema(
        tags=["users"],
        request=NewCredentialSerializer,
        responses={201: CreatedAppPasswordSerializer, **ERRORS},
    )
    def post(self, request):
        """A new app password; its secret is in this answer only."""
        serializer = NewCredentialSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        row, secret = services.create_app_password(request.user, serializer.validated_data["name"])
        return Response(_created(row, password=secret), status=201)


class AppPasswordDetailView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(tags=["users"], responses={204: None, 404: ErrorSerializer, **ERRORS})
    def delete(self, request, pk: int):
        """Revokes the app password: apps using it are refused from now on."""
        services.revoke_app_password(request.user, pk)
        return Response(status=204)


class ApiKeyListView(APIView):
    """The signed-in user's API keys (OpenSubsonic ``apiKey``), newest first."""

    permission_classes = [IsAuthenticated]

    @extend_schema(tags=["users"], responses={200: AppCredentialSerializer(many=True), **ERRORS})
    def get(self, request):
        rows = selectors.api_keys_of(request.user)
        return Response(AppCredentialSerializer(rows, many=True).data)

    @extend_schema(
        tags=["users"],
        request=NewCredentialSerializer,
        responses={201: CreatedApiKeySerializer, **ERRORS},
    )
    def post(self, request):
        """A new API key; the key is in this answer only."""
        serializer = NewCredentialSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        row, key = services.create_api_key(request.user, serializer.validated_data["name"])
        return Response(_created(row, key=key), status=201)


class ApiKeyDetailView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(tags=["users"], responses={204: None, 404: ErrorSerializer, **ERRORS})
    def delete(self, request, pk: int):
        """Revokes the API key: apps using it are refused from now on."""
        services.revoke_api_key(request.user, pk)
        return Response(status=204)
