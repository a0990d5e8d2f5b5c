from django.urls import path

from . import app_credentials, tokens, users

urlpatterns = [
    path("auth/token/", tokens.TokenObtainView.as_view(), name="token-obtain"),
    path("auth/token/refresh/", tokens.TokenRefreshView.as_view(), name="token-refresh"),
    path("auth/token/blacklist/", tokens.TokenBlacklistView.as_view(), name="token-blacklist"),
    path("auth/signup/", users.SignupView.as_view(), name="api-signup"),
    path("users/me/", users.MeView.as_view(), name="users-me"),
    path(
        "users/me/app-passwords/",
        app_credentials.AppPasswordListView.as_view(),
        name="app-passwords",
    ),
    path(
        "users/me/app-passwords/<int:pk>/",
        app_credentials.AppPasswordDetailView.as_view(),
        name="app-password",
    ),
    path("users/me/api-keys/", app_credentials.ApiKeyListView.as_view(), name="api-keys"),
    path(
        "users/me/api-keys/<int:pk>/",
        app_credentials.ApiKeyDetailView.as_view(),
        name="api-key",
    ),
]
