"""Views for test_errors.py that refuse with a DomainError, the way domain services do."""

from enum import StrEnum

from django.urls import include, path
from django.views.decorators.csrf import csrf_exempt
from rest_framework.permissions import AllowAny
from rest_framework.views import APIView

from rubysound.core.errors import DomainError


class ShelfErrorCode(StrEnum):
    SHELF_FULL = "shelf_full"
    NO_SUCH_SHELF = "not_found"


class ShelfFull(DomainError):
    code = ShelfErrorCode.SHELF_FULL
    status = 409
    message = "The shelf is full."
    page_message = "Your shelf has no room left."


class NoSuchShelf(DomainError):
    code = ShelfErrorCode.NO_SUCH_SHELF
    status = 404
    message = "Shelf not found."


class ShelfAPIView(APIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]

    def get(self, request):
        raise NoSuchShelf

    def post(self, request):
        raise DomainError(
            "Invalid input.", fields={"title": ["Give the shelf a title."]}, status=400
        )


@csrf_exempt
def shelf_page(request):
    if request.method == "POST":
        raise ShelfFull
    raise NoSuchShelf


urlpatterns = [
    path("api/shelves/", ShelfAPIView.as_view()),
    path("api/plain-shelves/", shelf_page),
    path("shelves/", shelf_page),
    # The error page's template links to the site's own pages.
    path("", include("rubysound.urls")),
]
