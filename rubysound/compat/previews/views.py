"""``GET /music_api/preview/?url=``: a provider's audio preview through our origin.

Off (404, code ``previews_disabled``) while no previewing service (iTunes, Deezer) is on:
an install without providers never reaches out, and a 404 tells a player not to retry.
The work is in ``rubysound.compat.previews.proxy``; this is the door.
"""

from django.http import JsonResponse
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.views import APIView

from rubysound.compat.previews import proxy as previews
from rubysound.core.exceptions import error_body, json_error_response
from rubysound.core.openapi import documented_by
from rubysound.core.serializers import ErrorSerializer
from rubysound.providers.gateway import AUDIO_TYPES, proxy_enabled

DISABLED_DETAIL = (
    "Previews are off: no external music service that offers them is enabled on this server."
)
MISSING_URL_DETAIL = "Give the preview's address as the url parameter."
_ANSWERED_TYPES = sorted({audio.content_type for audio in AUDIO_TYPES.values()})


class PreviewSchema(APIView):
    @extend_schema(
        tags=["catalog"],
        operation_id="music_preview",
        summary="A provider's audio preview, through our origin",
        description=(
            "Streams the audio at `url`, a preview address from a track's `url` or "
            "`preview_url` (iTunes/Apple or Deezer). Only `https` on the default port to the "
            "providers' audio hosts is accepted, with no credentials, fragment or IP address; "
            "every redirect is checked the same way and the host must resolve to public "
            "addresses only. At most 5 MB of audio. `Range` is honoured (206, or 416 when "
            "unsatisfiable). Whole previews are kept on disk, so a second play is served "
            "locally. 400: refused URL (`detail` says why); 502: the provider failed or sent "
            "something else than audio; 504: the provider was too slow; 404 "
            "`previews_disabled`: no previewing service is enabled on this server."
        ),
        parameters=[
            OpenApiParameter("url", str, required=True, description="The preview's https URL."),
            OpenApiParameter("Range", str, OpenApiParameter.HEADER, description="bytes=a-b"),
        ],
        responses={
            **{(200, media): OpenApiTypes.BINARY for media in _ANSWERED_TYPES},
            **{(206, media): OpenApiTypes.BINARY for media in _ANSWERED_TYPES},
            304: OpenApiResponse(description="Not modified"),
            400: ErrorSerializer,
            404: ErrorSerializer,
            416: ErrorSerializer,
            502: ErrorSerializer,
            504: ErrorSerializer,
        },
    )
    def get(self, request):  # pragma: no cover - schema only
        raise NotImplementedError


@documented_by(PreviewSchema)
@csrf_exempt  # reads only: other methods get a plain 405 rather than a CSRF failure
async def preview(request):
    if request.method != "GET":
        response = json_error_response(
            405, f'Method "{request.method}" not allowed.', "method_not_allowed"
        )
        response["Allow"] = "GET"
        return response
    if not proxy_enabled():
        return json_error_response(404, DISABLED_DETAIL, "previews_disabled")
    url = request.GET.get("url", "")
    if not url:
        body = error_body(MISSING_URL_DETAIL, "invalid", {"url": [MISSING_URL_DETAIL]})
        return JsonResponse(body, status=400)
    return await previews.preview_response(request, url)
