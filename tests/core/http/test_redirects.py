"""``safe_next``: a form may send the browser back to a path of this site, nothing else."""

import pytest
from django.test import RequestFactory

from rubysound.core.http.redirects import safe_next

FALLBACK = "/fallback/"


@pytest.mark.parametrize(
    "target",
    [
        "/",
        "/albums/3/?from=search",
        "/music_api/index/?q=ruby&sort=popular",
        "/playlists/7/?page=2#tracks",
    ],
)
def test_a_path_of_this_site_is_kept(target):
    request = RequestFactory().post("/favorites/", {"next": target})
    assert safe_next(request, FALLBACK) == target


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example/",
        "//evil.example/path",
        "///evil.example/path",
        "/\\evil.example",
        "\\\\evil.example",
        "/\t/evil.example",
        "/\n/evil.example",
        "http://testserver.evil.example/",
        "http://testserver/profile/",  # this host, but not a path: the Host header decides it
        "javascript:alert(1)",
        "albums/1/",
        " /albums/1/",
        "",
    ],
)
def test_anything_but_a_path_of_this_site_is_the_fallback(target):
    request = RequestFactory().post("/favorites/", {"next": target})
    assert safe_next(request, FALLBACK) == FALLBACK


def test_the_form_field_comes_before_the_query_string():
    request = RequestFactory().post("/signup/?next=/from-query/", {"next": "/from-form/"})
    assert safe_next(request, FALLBACK) == "/from-form/"
    request = RequestFactory().post("/signup/?next=/from-query/", {})
    assert safe_next(request, FALLBACK) == "/from-query/"
    assert safe_next(RequestFactory().get("/signup/"), FALLBACK) == FALLBACK
