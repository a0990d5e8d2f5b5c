import pytest

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_superuser_sees_and_searches_users_with_their_profile(client):
    admin = UserFactory(is_staff=True, is_superuser=True)
    member = UserFactory(username="Octavia", bio="Plays the cello.")
    client.force_login(admin)

    listing = client.get("/admin/accounts/user/", {"q": "octav"})
    assert listing.status_code == 200
    assert "Octavia" in listing.content.decode()

    page = client.get(f"/admin/accounts/user/{member.pk}/change/")
    assert page.status_code == 200
    body = page.content.decode()
    for field in ("avatar", "banner", "bio", "gender", "country", "birth_date"):
        assert f'name="{field}"' in body
    assert "Plays the cello." in body


def test_listeners_cannot_open_the_admin(client):
    client.force_login(UserFactory())
    response = client.get("/admin/accounts/user/")
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]
