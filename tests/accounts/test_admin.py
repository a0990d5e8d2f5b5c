import pytest

from rubysound.accounts.models import User
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


@pytest.mark.parametrize("duplicate", ["ЛЕНА", "лена", "Лена"])
def test_adding_a_user_whose_name_is_taken_in_another_case_is_a_form_error(client, duplicate):
    admin_user = UserFactory(is_staff=True, is_superuser=True)
    UserFactory(username="Лена")
    client.force_login(admin_user)
    response = client.post(
        "/admin/accounts/user/add/",
        {
            "username": duplicate,
            "usable_password": "true",
            "password1": "a-quiet-violet-melody",
            "password2": "a-quiet-violet-melody",
        },
    )
    assert response.status_code == 200
    assert "That username is taken." in response.content.decode()
    assert User.objects.filter(username_key="лена").count() == 1


def test_renaming_a_user_in_the_admin_to_a_taken_name_is_a_form_error(client):
    admin_user = UserFactory(is_staff=True, is_superuser=True)
    UserFactory(username="Лена")
    other = UserFactory(username="Ольга")
    client.force_login(admin_user)
    page = client.get(f"/admin/accounts/user/{other.pk}/change/")
    data = {
        key: value
        for key, value in page.context["adminform"].form.initial.items()
        if isinstance(value, str | int | bool)
    }
    data.update({"username": "ЛЕНА", "date_joined_0": "2026-01-01", "date_joined_1": "10:00"})
    response = client.post(f"/admin/accounts/user/{other.pk}/change/", data)
    assert response.status_code == 200
    assert "That username is taken." in response.content.decode()
    other.refresh_from_db()
    assert other.username == "Ольга"
