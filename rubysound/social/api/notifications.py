"""The signed-in user's notifications: the list (with the unread count) and marking them read.

Items have the one shape notifications also have over ``/ws/notifications/``
(``selectors.notifications.notification_payload``).
"""

from django.urls import path
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.exceptions import ValidationError
from rest_framework.generics import GenericAPIView
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from rubysound.core.http.caching import private
from rubysound.core.pagination import BoundedPageNumberPagination
from rubysound.core.serializers import ErrorSerializer

from ..selectors.notifications import notification_payload, notifications_for, unread_count
from ..serializers import notifications as shapes
from ..services.notifications import mark_read

TAGS = ["notifications"]
_TRUE = {"true", "1", "yes"}
_FALSE = {"false", "0", "no", ""}


def _unread_only(raw: str | None) -> bool:
    value = (raw or "").strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ValidationError({"unread": ["Use unread=true or unread=false."]})


@private
class NotificationListView(GenericAPIView):
    permission_classes = [IsAuthenticated]
    pagination_class = BoundedPageNumberPagination

    @extend_schema(
        tags=TAGS,
        operation_id="notifications_list",
        summary="My notifications, newest first, with how many are unread",
        parameters=[
            OpenApiParameter("unread", OpenApiTypes.BOOL, description="true: unread ones only"),
            OpenApiParameter("page", OpenApiTypes.INT, description="From 1; out of range: 404"),
            OpenApiParameter(
                "page_size",
                OpenApiTypes.INT,
                description=f"Default {BoundedPageNumberPagination.page_size}, "
                f"at most {BoundedPageNumberPagination.max_page_size}.",
            ),
        ],
        responses={
            200: shapes.NotificationPageSerializer,
            400: ErrorSerializer,
            401: ErrorSerializer,
            404: ErrorSerializer,
        },
    )
    def get(self, request):
        unread_only = _unread_only(request.query_params.get("unread"))
        notifications = notifications_for(request.user)
        if unread_only:
            notifications = notifications.filter(read_at__isnull=True)
        page = self.paginate_queryset(notifications)
        response = self.get_paginated_response([notification_payload(n) for n in page])
        # The page's total already is the unread count when only unread ones are listed.
        response.data["unread_count"] = (
            self.paginator.page.paginator.count if unread_only else unread_count(request.user)
        )
        return response


@private
class MarkNotificationsReadView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        tags=TAGS,
        operation_id="notifications_mark_read",
        summary="Mark some (ids) or all of my notifications read",
        description=(
            '`{"ids": [...]}` marks those (ids that are not yours are ignored); `{}` or '
            '`{"all": true}` marks all. Your other open pages are told over '
            "/ws/notifications/ (`notifications_read`)."
        ),
        request=shapes.MarkReadSerializer,
        responses={
            200: shapes.MarkReadResultSerializer,
            400: ErrorSerializer,
            401: ErrorSerializer,
        },
    )
    def post(self, request):
        serializer = shapes.MarkReadSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        marked = mark_read(request.user, serializer.ids_to_mark())
        return Response({"marked": marked, "unread_count": unread_count(request.user)})


urlpatterns = [
    path("notifications/", NotificationListView.as_view(), name="notifications"),
    path("notifications/read/", MarkNotificationsReadView.as_view(), name="notifications-read"),
]
