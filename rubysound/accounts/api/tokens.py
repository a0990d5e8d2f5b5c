"""``/api/auth/token/``: JWT access and refresh tokens for API clients (SimpleJWT's views),
behind the shared "auth" rate limit."""

from django.conf import settings
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework_simplejwt import serializers as jwt_serializers
from rest_framework_simplejwt import views as jwt_views

from rubysound.core.serializers import ErrorSerializer
from rubysound.core.throttling import ScopedRateThrottle

from ..serializers import TokenObtainSerializer

AUTH_ERRORS = {400: ErrorSerializer, 401: ErrorSerializer, 429: ErrorSerializer}


class _AuthThrottled:
    throttle_scope = "auth"

    def get_throttles(self):
        throttles = super().get_throttles()
        if settings.THROTTLE_ENABLED:
            throttles.append(ScopedRateThrottle())
        return throttles


# SimpleJWT's own serializers carry drf-spectacular's schema extensions (access/refresh).
@extend_schema(
    tags=["auth"],
    request=jwt_serializers.TokenObtainPairSerializer,
    responses={200: jwt_serializers.TokenObtainPairSerializer, **AUTH_ERRORS},
)
class TokenObtainView(_AuthThrottled, jwt_views.TokenObtainPairView):
    """Exchange a username (or email) and password for an access and a refresh token."""

    serializer_class = TokenObtainSerializer

    def handle_exception(self, exc):
        # Axes flags the request handed to authenticate(), which here is DRF's wrapper, while
        # its middleware looks at Django's request: pass the flag on, or a locked-out client
        # would only ever see "bad credentials" instead of the 429 lockout answer.
        for name in ("axes_locked_out", "axes_credentials"):
            if name in vars(self.request):
                setattr(self.request._request, name, vars(self.request)[name])
        return super().handle_exception(exc)


@extend_schema(
    tags=["auth"], responses={200: jwt_serializers.TokenRefreshSerializer, **AUTH_ERRORS}
)
class TokenRefreshView(_AuthThrottled, jwt_views.TokenRefreshView):
    """A new access token and a new refresh token; the refresh token sent is blacklisted."""


@extend_schema(tags=["auth"], responses={200: OpenApiTypes.OBJECT, **AUTH_ERRORS})
class TokenBlacklistView(_AuthThrottled, jwt_views.TokenBlacklistView):
    """Signs a refresh token out: it is refused from now on."""
