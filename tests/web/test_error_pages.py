import pytest
from django.test import Client
from pytest_django.asserts import assertContains, assertNotContains

pytestmark = pytest.mark.django_db

DEBUG_PAGE_MARKERS = ("Traceback", "Using the URLconf", "technical_404", "DEBUG = True")


def _assert_no_debug_output(response) -> None:
    body = response.content.decode()
    for marker in DEBUG_PAGE_MARKERS:
        assert marker not in body


@pytest.mark.parametrize("path", ["/no-such-page/", "/profile/extra/", "/media-nope"])
def test_unknown_page_is_an_html_404_for_people(client, path):
    response = client.get(path)

    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")
    assertContains(response, "Page not found", status_code=404)
    assertContains(response, "We could not find that page.", status_code=404)
    assertContains(response, '<a href="/">Back to the home page</a>', html=True, status_code=404)
    _assert_no_debug_output(response)


def test_404_page_keeps_the_site_navigation(client, user):
    client.force_login(user)

    response = client.get("/no-such-page/")

    assertContains(response, user.username, status_code=404)
    assertContains(response, "Sign out", status_code=404)


@pytest.mark.parametrize("path", ["/api/no-such/", "/api/users/nobody/"])
def test_unknown_api_path_is_a_json_404(client, path):
    response = client.get(path)

    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"detail": "Not found.", "code": "not_found"}


def test_server_error_page_shows_no_internals(client, monkeypatch):
    def explode(*args, **kwargs):
        raise RuntimeError("secret internals: password=hunter2")

    # The home view looks up `render` at call time; the 500 handler has its own.
    monkeypatch.setattr("rubysound.web.views.home.render", explode)
    client.raise_request_exception = False

    response = client.get("/")

    assert response.status_code == 500
    assert response["Content-Type"].startswith("text/html")
    assertContains(response, "Something went wrong", status_code=500)
    assertNotContains(response, "secret internals", status_code=500)
    assertNotContains(response, "hunter2", status_code=500)
    _assert_no_debug_output(response)


def test_forms_without_csrf_token_are_refused_with_a_readable_page(user):
    browser = Client(enforce_csrf_checks=True)

    response = browser.post("/login/", {"username": user.username, "password": "x"})

    assert response.status_code == 403
    assert response["Content-Type"].startswith("text/html")
    assertContains(response, "Not allowed", status_code=403)
    assertContains(response, "Reload the page and try again.", status_code=403)
    _assert_no_debug_output(response)
    assert "_auth_user_id" not in browser.session
