"""The one way views say who may store an answer: ``public``, ``private`` and
``public_when_anonymous``, on view functions, handler methods and DRF view classes."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.http import HttpResponse
from django.test import RequestFactory
from rest_framework.exceptions import NotFound
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.test import APIRequestFactory
from rest_framework.views import APIView

from rubysound.core.http.caching import private, public, public_when_anonymous
from tests.factories import UserFactory

NEVER_STORED = {"max-age=0", "no-cache", "no-store", "must-revalidate", "private"}


def directives(response) -> set[str]:
    return {part.strip() for part in response.get("Cache-Control", "").split(",") if part}


def anonymous_get(path="/page/"):
    request = RequestFactory().get(path)
    request.user = AnonymousUser()
    return request


def test_public_shares_a_200_for_its_max_age():
    @public(max_age=30)
    def view(request):
        return HttpResponse("ok")

    assert view(anonymous_get())["Cache-Control"] == "public, max-age=30"


def test_public_leaves_other_answers_alone():
    @public
    def view(request):
        return HttpResponse("no", status=400)

    assert "Cache-Control" not in view(anonymous_get())


def test_public_shares_only_answers_to_get_and_head():
    @public
    def view(request):
        return HttpResponse("ok")

    head = RequestFactory().head("/page/")
    assert view(head)["Cache-Control"] == "public, max-age=60"
    assert "Cache-Control" not in view(RequestFactory().options("/page/"))


def test_public_defaults_to_a_minute():
    @public
    def view(request):
        return HttpResponse("ok")

    assert view(anonymous_get())["Cache-Control"] == "public, max-age=60"


@pytest.mark.parametrize("status", [200, 404])
def test_private_is_never_stored_whatever_the_answer(status):
    @private
    def view(request):
        return HttpResponse("mine", status=status)

    assert directives(view(anonymous_get())) == NEVER_STORED


def test_private_with_a_max_age_lets_the_browser_alone_keep_it():
    @private(max_age=60)
    def view(request):
        return HttpResponse("mine")

    assert view(anonymous_get())["Cache-Control"] == "private, max-age=60"


class _Shelf(APIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]

    def get(self, request):
        if request.query_params.get("missing"):
            raise NotFound("No such shelf.")
        return Response({"records": 3})


def test_on_a_drf_class_private_covers_the_answers_made_of_exceptions_too():
    view = private(type("PrivateShelf", (_Shelf,), {})).as_view()
    assert directives(view(APIRequestFactory().get("/api/shelf/"))) == NEVER_STORED
    refused = view(APIRequestFactory().get("/api/shelf/", {"missing": "1"}))
    assert refused.status_code == 404
    assert directives(refused) == NEVER_STORED


def test_on_a_handler_method_public_marks_what_the_method_returns():
    class TrendingShelf(_Shelf):
        @public(max_age=30)
        def get(self, request):
            return super().get(request)

    response = TrendingShelf.as_view()(APIRequestFactory().get("/api/shelf/"))
    assert response["Cache-Control"] == "public, max-age=30"


@pytest.mark.django_db
def test_public_when_anonymous_shares_only_what_carries_nothing_personal():
    @public_when_anonymous
    def view(request):
        return HttpResponse("page")

    response = view(anonymous_get())
    assert response["Cache-Control"] == "public, max-age=60"
    assert response["Vary"] == "Cookie"

    signed_in = anonymous_get()
    signed_in.user = UserFactory()
    assert directives(view(signed_in)) == NEVER_STORED

    with_new_csrf_cookie = anonymous_get()
    with_new_csrf_cookie.META["CSRF_COOKIE_NEEDS_UPDATE"] = True
    assert directives(view(with_new_csrf_cookie)) == NEVER_STORED


def test_public_when_anonymous_never_shares_an_error():
    @public_when_anonymous
    def view(request):
        return HttpResponse("gone", status=404)

    assert directives(view(anonymous_get())) == NEVER_STORED


@pytest.mark.django_db
def test_public_when_anonymous_lets_the_browser_keep_a_signed_in_200_but_never_an_error():
    @public_when_anonymous(private_max_age=60)
    def view(request):
        return HttpResponse("page", status=int(request.GET.get("status", 200)))

    signed_in = anonymous_get()
    signed_in.user = UserFactory()
    assert view(signed_in)["Cache-Control"] == "private, max-age=60"
    # A client retrying with fresh credentials must not get the refusal back from its cache.
    refused = anonymous_get("/page/?status=401")
    refused.user = UserFactory()
    assert directives(view(refused)) == NEVER_STORED
    assert directives(view(anonymous_get("/page/?status=404"))) == NEVER_STORED


@pytest.mark.django_db
def test_public_when_anonymous_on_a_drf_class_reads_the_user_drf_authenticated():
    user = UserFactory()

    class SignedInShelf(_Shelf):
        def initial(self, request, *args, **kwargs):
            super().initial(request, *args, **kwargs)
            request.user = user  # as DRF's authentication does (a JWT's user, say)

    view = public_when_anonymous(private_max_age=60)(SignedInShelf).as_view()
    assert view(APIRequestFactory().get("/api/shelf/"))["Cache-Control"] == "private, max-age=60"
    anonymous = public_when_anonymous(type("AnonymousShelf", (_Shelf,), {})).as_view()
    assert anonymous(APIRequestFactory().get("/api/shelf/"))["Cache-Control"] == (
        "public, max-age=60"
    )
