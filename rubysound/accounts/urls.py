from django.urls import path

from . import api

urlpatterns = [
    path("auth/token/", api.TokenObtainView.as_view(), name="token-obtain"),
    path("auth/token/refresh/", api.TokenRefreshView.as_view(), name="token-refresh"),
    path("auth/token/blacklist/", api.TokenBlacklistView.as_view(), name="token-blacklist"),
    path("users/me/", api.MeView.as_view(), name="users-me"),
]
