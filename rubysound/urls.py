from django.conf import settings
from django.contrib import admin
from django.urls import include, path, re_path
from django.views.decorators.cache import cache_control
from django.views.static import serve
from drf_spectacular.views import SpectacularSwaggerView

from rubysound.ops import views as ops_views
from rubysound.ops.schema import SchemaView
from rubysound.web import i18n_views

urlpatterns = [
    path("health/live", ops_views.live, name="health-live"),
    path("health/ready", ops_views.ready, name="health-ready"),
    path("health/", ops_views.ready, name="health"),
    path("metrics", ops_views.metrics, name="metrics"),
    path(
        "api/schema/",
        cache_control(public=True, max_age=300)(SchemaView.as_view()),
        name="api-schema",
    ),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("api/redoc/", ops_views.RedocView.as_view(url_name="api-schema"), name="api-redoc"),
    path("api/", include("rubysound.accounts.urls")),
    path("api/", include("rubysound.catalog.urls")),
    path("api/", include("rubysound.social.urls")),
    path("", include("rubysound.catalog.music_urls")),
    path("admin/backup/", include("rubysound.ops.admin_urls")),
    path("admin/", admin.site.urls),
    # Django's set_language, reachable from cached pages (no CSRF token): see i18n_views.
    path("i18n/setlang/", i18n_views.set_language, name="set_language"),
    path("", include("rubysound.web.urls")),
]

if not settings.PRODUCTION:
    # Uploaded media on an embedded install; production serves them from a volume behind
    # the ingress.
    urlpatterns += [
        re_path(r"^media/(?P<path>.+)$", serve, {"document_root": settings.MEDIA_ROOT}),
    ]

handler400 = "rubysound.core.views.bad_request"
handler403 = "rubysound.core.views.permission_denied"
handler404 = "rubysound.core.views.page_not_found"
handler500 = "rubysound.core.views.server_error"
