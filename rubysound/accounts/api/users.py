"""``/api/users/me/``: the signed-in user's own account and profile; ``/api/auth/signup/``:
a new account."""

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from rubysound.core.http.caching import revalidated
from rubysound.core.serializers import ErrorSerializer

from .. import services
from ..serializers import MeSerializer, SignupSerializer
from .tokens import _AuthThrottled


class SignupView(_AuthThrottled, APIView):
    """Create an account (then sign in with ``/api/auth/token/``).

    Usernames: 3 to 32 letters of any alphabet, digits, dots, dashes and underscores, stored
    NFKC-normalised and unique regardless of case. Refusals name the field.
    """

    permission_classes = [AllowAny]
    # No session: a cross-site form must not create accounts with the visitor's cookie.
    authentication_classes = []

    @extend_schema(
        request=SignupSerializer,
        responses={201: MeSerializer, 400: ErrorSerializer, 429: ErrorSerializer},
        tags=["auth"],
    )
    def post(self, request):
        data = SignupSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        user = services.signup_user(**data.validated_data)
        body = MeSerializer(user, context={"request": request}).data
        return Response(body, status=status.HTTP_201_CREATED)


@revalidated
class MeView(APIView):
    """The signed-in user's own account and profile."""

    permission_classes = [IsAuthenticated]

    @extend_schema(responses={200: MeSerializer, 401: ErrorSerializer}, tags=["users"])
    def get(self, request):
        return Response(MeSerializer(request.user, context={"request": request}).data)

    @extend_schema(
        request=MeSerializer,
        responses={200: MeSerializer, 400: ErrorSerializer, 401: ErrorSerializer},
        tags=["users"],
    )
    def put(self, request):
        return self._update(request, partial=False)

    @extend_schema(
        request=MeSerializer,
        responses={200: MeSerializer, 400: ErrorSerializer, 401: ErrorSerializer},
        tags=["users"],
    )
    def patch(self, request):
        return self._update(request, partial=True)

    def _update(self, request, *, partial: bool):
        serializer = MeSerializer(
            request.user, data=request.data, partial=partial, context={"request": request}
        )
        serializer.is_valid(raise_exception=True)
        # A model check that refuses a value raises Django's ValidationError, which the API's
        # exception handler answers field by field like the serializer's own.
        user = services.update_account(request.user, **serializer.validated_data)
        return Response(MeSerializer(user, context={"request": request}).data)
