from django.urls import path
from django.views.decorators.cache import cache_control
from drf_spectacular.views import SpectacularSwaggerView

from . import health, metrics, schema

urlpatterns = [
    path("health/live", health.live, name="health-live"),
    path("health/ready", health.ready, name="health-ready"),
    path("health/", health.ready, name="health"),
    path("metrics", metrics.metrics, name="metrics"),
    path(
        "api/schema/",
        cache_control(public=True, max_age=300)(schema.SchemaView.as_view()),
        name="api-schema",
    ),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("api/redoc/", schema.RedocView.as_view(url_name="api-schema"), name="api-redoc"),
]
