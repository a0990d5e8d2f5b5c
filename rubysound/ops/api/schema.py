"""The OpenAPI document (``/api/schema/``): served from memory, with the health routes added
to it; and its ReDoc page (``/api/redoc/``)."""

import threading

from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.http import HttpResponse
from django.utils import translation
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView
from rest_framework.settings import api_settings

_CHECK = {
    "type": "object",
    "properties": {
        "ok": {"type": "boolean"},
        "detail": {"type": "string"},
        "critical": {"type": "boolean"},
        "latency_ms": {"type": "number"},
    },
    "required": ["ok", "detail"],
}
_LIVE = {
    "type": "object",
    "properties": {
        "status": {"type": "string", "enum": ["ok"]},
        "service": {"type": "string"},
        "check": {"type": "string", "enum": ["live"]},
    },
    "required": ["status", "service", "check"],
}
_READY = {
    "type": "object",
    "properties": {
        "status": {"type": "string", "enum": ["ok", "degraded"]},
        "service": {"type": "string"},
        "check": {"type": "string", "enum": ["ready"]},
        "critical_checks": {"type": "array", "items": {"type": "string"}},
        "checks": {"type": "object", "additionalProperties": _CHECK},
    },
    "required": ["status", "check", "critical_checks", "checks"],
}


def _get(operation_id: str, summary: str, responses: dict) -> dict:
    return {
        "get": {
            "operationId": operation_id,
            "summary": summary,
            "tags": ["health"],
            "security": [{}],
            "responses": {
                str(code): {
                    "description": description,
                    "content": {"application/json": {"schema": schema}},
                }
                for code, (description, schema) in responses.items()
            },
        }
    }


def add_health_paths(result, generator, request, public):
    ready = _get(
        "health_ready",
        "Readiness: database, cache and channel layer answer",
        {200: ("Ready", _READY), 503: ("A critical dependency is down", _READY)},
    )
    result.setdefault("paths", {}).update(
        {
            "/health/live": _get(
                "health_live", "Liveness: the process answers", {200: ("Alive", _LIVE)}
            ),
            "/health/ready": ready,
            "/health/": {"get": {**ready["get"], "operationId": "health_ready_alias"}},
        }
    )
    return result


# The document depends on the code and settings only, so each process builds it once per
# language (and renders it once per format) instead of once per request: about 70 ms of
# CPU for YAML, which any client sending a cookie used to cost us on every request.
_documents: dict[tuple, dict] = {}
_rendered: dict[tuple, bytes] = {}
# drf-spectacular's generator is not thread-safe (it loads its extensions and binds views
# to shared state as it goes): two concurrent generations broke each other with 500s.
_generating = threading.Lock()


class SchemaView(SpectacularAPIView):
    """drf-spectacular's schema view, generating and rendering the document once per process.

    The document is the same for every caller: it is built without the caller's request,
    so neither their account nor their headers can shape what everyone else is served.
    Every key is bounded: the language is one of LANGUAGES (``?lang=`` with anything else
    gets the default), and ``?version=`` counts only when ALLOWED_VERSIONS lists it.
    """

    def _get_schema_response(self, request):
        version = self.api_version or request.version
        if version is None and api_settings.ALLOWED_VERSIONS:
            version = self._get_version_parameter(request)
        language = _supported_language(translation.get_language())
        key = (str(self.urlconf or settings.ROOT_URLCONF), version, language)
        renderer, media_type = request.accepted_renderer, request.accepted_media_type
        charset = renderer.charset
        headers = {
            "Content-Disposition": f'inline; filename="{self._get_filename(request, version)}"',
            "Content-Type": f"{media_type}; charset={charset}" if charset else media_type,
        }
        # A media type with parameters (indent=...) is the client's to choose: not a key.
        rendered_key = (*key, media_type) if media_type == renderer.media_type else None
        body = _rendered.get(rendered_key) if rendered_key else None
        if body is None:
            document = self._document(key, version, language)
            body = renderer.render(document, media_type, self.get_renderer_context())
            if rendered_key:
                _rendered[rendered_key] = body
        return HttpResponse(body, headers=headers)

    def _document(self, key: tuple, version, language: str) -> dict:
        document = _documents.get(key)
        if document is not None:
            return document
        with _generating:
            document = _documents.get(key)
            if document is None:
                generator = self.generator_class(
                    urlconf=self.urlconf, api_version=version, patterns=self.patterns
                )
                with translation.override(language):
                    document = generator.get_schema(request=None, public=self.serve_public)
                _documents[key] = document
        return document


def _supported_language(code: str | None) -> str:
    try:
        return translation.get_supported_language_variant(code or settings.LANGUAGE_CODE)
    except LookupError:
        return settings.LANGUAGE_CODE


@receiver(setting_changed)
def _forget_documents(setting, **kwargs):
    if setting in {"ROOT_URLCONF", "SPECTACULAR_SETTINGS", "REST_FRAMEWORK", "LANGUAGES"}:
        _documents.clear()
        _rendered.clear()


# ReDoc fetches the schema and draws images and fonts; none may come from another origin.
REDOC_CONTENT_SECURITY_POLICY = "img-src 'self' data:; font-src 'self' data:; connect-src 'self'"


class RedocView(SpectacularRedocView):
    """ReDoc served with assets from our own origin only (the stock page loads Google Fonts,
    ReDoc's sidebar a logo from its CDN: see ops/redoc.html)."""

    template_name = "ops/redoc.html"

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        response["Content-Security-Policy"] = REDOC_CONTENT_SECURITY_POLICY
        return response
