import pytest
from pytest_django.asserts import assertContains, assertNotContains

pytestmark = pytest.mark.django_db


def test_home_invites_anonymous_visitors_to_sign_in_or_sign_up(client):
    response = client.get("/")

    assert response.status_code == 200
    assertContains(response, "Your music, shared.")
    assertContains(response, '<a href="/login/">Sign in</a>', html=True)
    assertContains(response, 'href="/signup/"', count=2)
    assertContains(response, "Create a free account")
    assertNotContains(response, "Sign out")
    assertNotContains(response, 'href="/profile/"')


def test_home_for_a_signed_in_user_links_to_the_profile(client, user):
    client.force_login(user)

    response = client.get("/")

    assertContains(response, "Go to your profile")
    assertContains(response, user.username)
    assertContains(response, "Sign out")
    assertNotContains(response, 'href="/signup/"')
    assertNotContains(response, 'href="/login/"')


def test_pages_link_their_stylesheet_and_declare_the_language(client):
    response = client.get("/")

    assertContains(response, '<html lang="en">')
    assertContains(response, 'href="/static/css/app.css"')
    assert client.get("/static/css/app.css").status_code == 200
