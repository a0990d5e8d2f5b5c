"""``/api/users/me/scrobbling/``: the services the signed-in user's listens are passed on
to. Lists every service with its link's state; links ListenBrainz with a user token
(checked with the server's ``validate-token`` first); unlinks either. Last.fm links only
through its web authentication, in the settings page (the user approves it at last.fm).

No answer ever holds the token or session key. Answers are personal: never cached.
"""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from rubysound.catalog import selectors, services
from rubysound.catalog.errors import ScrobbleLinkNotFound
from rubysound.catalog.models import ScrobbleLink
from rubysound.core.http.caching import private
from rubysound.core.serializers import ErrorSerializer, RejectUnknownFieldsMixin

ERRORS = {400: ErrorSerializer, 401: ErrorSerializer}
SERVICE = OpenApiParameter(
    "service",
    OpenApiTypes.STR,
    OpenApiParameter.PATH,
    enum=ScrobbleLink.Service.values,
    description="The scrobbling service.",
)


class ScrobbleLinkSerializer(serializers.Serializer):
    service = serializers.ChoiceField(choices=ScrobbleLink.Service.choices, read_only=True)
    name = serializers.CharField(source="label", read_only=True)
    available = serializers.BooleanField(
        read_only=True, help_text="Whether this server can link the service."
    )
    linked = serializers.BooleanField(read_only=True)
    account_name = serializers.CharField(
        read_only=True, help_text="The user's name at the service; empty when not linked."
    )
    server_url = serializers.CharField(
        read_only=True, help_text="Where ListenBrainz listens go; empty for Last.fm."
    )
    linked_at = serializers.DateTimeField(read_only=True, allow_null=True)
    last_sent_at = serializers.DateTimeField(read_only=True, allow_null=True)
    pending = serializers.IntegerField(read_only=True, help_text="Listens waiting to be sent.")
    dead = serializers.IntegerField(
        read_only=True, help_text="Listens the service refused for good."
    )


class ListenBrainzLinkSerializer(RejectUnknownFieldsMixin, serializers.Serializer):
    token = serializers.CharField(
        max_length=255, write_only=True, help_text="The user token from ListenBrainz's settings."
    )
    base_url = serializers.CharField(
        max_length=255,
        required=False,
        allow_blank=True,
        help_text="The user's own server (self-hosted ListenBrainz, Maloja); default ListenBrainz.",
    )


@private
class ScrobbleLinkListView(APIView):
    """Every scrobbling service, with the signed-in user's link to it if any."""

    permission_classes = [IsAuthenticated]

    @extend_schema(tags=["users"], responses={200: ScrobbleLinkSerializer(many=True), **ERRORS})
    def get(self, request):
        states = selectors.scrobble_links_of(request.user)
        return Response(ScrobbleLinkSerializer(states, many=True).data)


@private
class ScrobbleLinkDetailView(APIView):
    """One service: ``listenbrainz`` links with POST; either unlinks with DELETE."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        tags=["users"],
        parameters=[SERVICE],
        request=ListenBrainzLinkSerializer,
        responses={
            201: ScrobbleLinkSerializer,
            404: ErrorSerializer,
            405: ErrorSerializer,
            429: ErrorSerializer,
            502: ErrorSerializer,
            **ERRORS,
        },
    )
    def post(self, request, service: str):
        """Links ListenBrainz (replacing an earlier link) once its server accepts the token:
        400 ``scrobble_token_invalid`` or ``scrobble_server_invalid`` when it does not,
        502 ``scrobble_service_unreachable`` when the server does not answer, 429
        ``scrobble_link_throttled`` after too many attempts (THROTTLE_SCROBBLE_LINK_RATE).
        Last.fm links only through its web authentication (405 here)."""
        _check_service(service)
        if service != ScrobbleLink.Service.LISTENBRAINZ:
            raise exceptions.MethodNotAllowed(
                request.method, detail="Last.fm links through its web authentication only."
            )
        serializer = ListenBrainzLinkSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.link_listenbrainz(
            request.user,
            serializer.validated_data["token"],
            serializer.validated_data.get("base_url", ""),
        )
        [state] = [s for s in selectors.scrobble_links_of(request.user) if s.service == service]
        return Response(ScrobbleLinkSerializer(state).data, status=201)

    @extend_schema(
        tags=["users"], parameters=[SERVICE], responses={204: None, 404: ErrorSerializer, **ERRORS}
    )
    def delete(self, request, service: str):
        """Unlinks the service: nothing more is sent, and its waiting listens are dropped."""
        _check_service(service)
        services.unlink(request.user, service)
        return Response(status=204)


def _check_service(service: str) -> None:
    if service not in ScrobbleLink.Service.values:
        raise ScrobbleLinkNotFound()
