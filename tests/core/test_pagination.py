"""Every paginated list is bounded: a client may pick a page size, never an unbounded one."""

import json

import pytest
from rest_framework import generics, serializers
from rest_framework.test import APIRequestFactory

from rubysound.accounts.models import User, username_key_for
from rubysound.core.pagination import BoundedPageNumberPagination


class _UserSerializer(serializers.ModelSerializer):
    class Meta:
        model = User
        fields = ["id", "username"]


class _UserList(generics.ListAPIView):
    queryset = User.objects.order_by("id")
    serializer_class = _UserSerializer
    pagination_class = BoundedPageNumberPagination


@pytest.fixture
def many_users(db):
    # bulk_create skips save(), which fills the unique username_key.
    User.objects.bulk_create(
        User(username=name, username_key=username_key_for(name))
        for name in (f"listener{n:03d}" for n in range(105))
    )


def _get(query: dict) -> tuple[int, dict]:
    request = APIRequestFactory().get("/api/users/", query)
    response = _UserList.as_view()(request)
    response.render()
    return response.status_code, json.loads(response.content)


def test_default_page_size(many_users):
    status, body = _get({})
    assert status == 200
    assert body["count"] == 105
    assert len(body["results"]) == 20
    assert "page=2" in body["next"]
    assert body["previous"] is None


def test_client_page_size_is_honoured_below_the_cap(many_users):
    status, body = _get({"page_size": 7})
    assert status == 200
    assert len(body["results"]) == 7


@pytest.mark.parametrize("asked", [101, 1000, 10**9])
def test_page_size_is_capped_at_100(many_users, asked):
    status, body = _get({"page_size": asked})
    assert status == 200
    assert len(body["results"]) == 100
    assert body["next"] is not None

    status, last = _get({"page_size": asked, "page": 2})
    assert status == 200
    assert len(last["results"]) == 5
    assert last["next"] is None


@pytest.mark.parametrize("asked", [0, -5, "all", ""])
def test_nonsense_page_size_falls_back_to_the_default(many_users, asked):
    status, body = _get({"page_size": asked})
    assert status == 200
    assert len(body["results"]) == 20


@pytest.mark.parametrize("page", [7, 99999, 0, -1, "abc"])
def test_out_of_range_or_bad_page_is_a_json_404(many_users, page):
    status, body = _get({"page": page})
    assert status == 404
    assert set(body) == {"detail", "code"}
    assert body["code"] == "not_found"


def test_last_page_is_a_page(many_users):
    status, body = _get({"page": "last"})
    assert status == 200
    assert len(body["results"]) == 5
