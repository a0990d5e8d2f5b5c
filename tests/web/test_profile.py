import datetime
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone
from PIL import Image
from pytest_django.asserts import assertContains, assertNotContains, assertRedirects

from rubysound.accounts import services
from rubysound.accounts.models import User
from tests.factories import DEFAULT_PASSWORD, UserFactory, image_upload
from tests.web.helpers import logged_in_user_id, profile_data

pytestmark = pytest.mark.django_db

DEFAULT_AVATAR = "/static/img/default-avatar.svg"
NEW_PASSWORD = "a-brand-new-tune-2024"


def _media_files() -> list[Path]:
    root = Path(settings.MEDIA_ROOT)
    return sorted(path for path in root.rglob("*") if path.is_file()) if root.exists() else []


def _fresh(user) -> User:
    return User.objects.get(pk=user.pk)


def test_anonymous_visitor_is_sent_to_login(client):
    assertRedirects(client.get("/profile/"), "/login/?next=/profile/")


def test_anonymous_post_changes_nothing(client, user):
    response = client.post("/profile/", profile_data(user, bio="sneaky"))

    assertRedirects(response, "/login/?next=/profile/")
    assert _fresh(user).bio == ""


def test_profile_page_shows_the_account(logged_in_client, user):
    response = logged_in_client.get("/profile/")

    assert response.status_code == 200
    assertContains(response, f"<h1>{user.username}</h1>", html=True)
    assertContains(response, DEFAULT_AVATAR)
    assertContains(response, "Your favorites are public.")
    assertContains(response, "Save profile")
    assertContains(response, "Change password")
    # No avatar yet: nothing to reset.
    assertNotContains(response, "Reset avatar to default")


def test_edit_profile_fields_saves_them(logged_in_client, user):
    data = profile_data(
        user,
        first_name="Ada",
        last_name="Lovelace",
        bio="Synth-pop and <b>field recordings</b>.",
        gender="non_binary",
        country="NZ",
        birth_date="1990-05-17",
    )
    del data["is_public_favorites"]  # the box is unticked

    response = logged_in_client.post("/profile/", data)

    assertRedirects(response, "/profile/", fetch_redirect_response=False)
    stored = _fresh(user)
    assert stored.first_name == "Ada"
    assert stored.last_name == "Lovelace"
    assert stored.bio == "Synth-pop and <b>field recordings</b>."
    assert stored.gender == "non_binary"
    assert stored.country.code == "NZ"
    assert stored.birth_date == datetime.date(1990, 5, 17)
    assert stored.is_public_favorites is False

    page = logged_in_client.get("/profile/")
    assertContains(page, "Profile saved.")
    assertContains(page, "Your favorites are private.")
    # The bio is shown back escaped, never as markup.
    assertContains(page, "Synth-pop and &lt;b&gt;field recordings&lt;/b&gt;.")
    assertContains(page, '<option value="NZ" selected>New Zealand</option>', html=True)
    assertContains(page, '<option value="non_binary" selected>Non-binary</option>', html=True)
    assertContains(page, 'value="1990-05-17"')


def test_public_favorites_can_be_switched_back_on(logged_in_client, user):
    user.is_public_favorites = False
    user.save()

    response = logged_in_client.post("/profile/", profile_data(user, is_public_favorites="on"))

    assertRedirects(response, "/profile/", fetch_redirect_response=False)
    assert _fresh(user).is_public_favorites is True


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"bio": "x" * 501}, "Ensure this value has at most 500 characters (it has 501)."),
        (
            {"birth_date": (timezone.now().date() + datetime.timedelta(days=2)).isoformat()},
            "Birth date cannot be in the future.",
        ),
        ({"birth_date": "1850-01-01"}, "Birth date must be after 1900."),
        ({"birth_date": "31/02/1990"}, "Enter a valid date."),
        ({"country": "XX"}, "Select a valid choice."),
        ({"gender": "robot"}, "Select a valid choice."),
    ],
    ids=["long-bio", "future-birth-date", "ancient-birth-date", "bad-date", "country", "gender"],
)
def test_invalid_profile_is_refused_and_nothing_is_saved(
    logged_in_client, user, overrides, message
):
    data = profile_data(user, first_name="Changed", **overrides)
    del data["is_public_favorites"]

    response = logged_in_client.post("/profile/", data)

    assert response.status_code == 400
    assertContains(response, message, status_code=400)
    stored = _fresh(user)
    assert stored.first_name == ""
    assert stored.bio == ""
    assert stored.birth_date is None
    assert stored.is_public_favorites is True
    # The header shows the stored account, not the rejected input...
    assertContains(response, "Your favorites are public.", status_code=400)
    # ...while the form keeps what was typed so it can be corrected.
    assertContains(response, 'value="Changed"', status_code=400)


def test_avatar_upload_is_stored_as_webp_and_shown(logged_in_client, user):
    response = logged_in_client.post(
        "/profile/",
        {
            **profile_data(user),
            "avatar": image_upload("me.jpg", size=(800, 600), image_format="JPEG"),
        },
    )

    assertRedirects(response, "/profile/", fetch_redirect_response=False)
    stored = _fresh(user)
    assert stored.avatar.name.startswith("avatars/")
    assert stored.avatar.name.endswith(".webp")
    path = Path(settings.MEDIA_ROOT) / stored.avatar.name
    assert _media_files() == [path]
    with Image.open(path) as image:
        assert image.format == "WEBP"
        assert image.size == (512, 512)

    page = logged_in_client.get("/profile/")
    assertContains(page, "Profile saved.")
    assertContains(page, f'src="{settings.MEDIA_URL}{stored.avatar.name}"', count=2)
    assertNotContains(page, DEFAULT_AVATAR)
    assertContains(page, "Reset avatar to default")


def test_avatar_upload_keeps_the_other_fields(logged_in_client, user):
    user.bio = "Keep me."
    user.save()

    logged_in_client.post("/profile/", {**profile_data(user), "avatar": image_upload()})

    stored = _fresh(user)
    assert stored.avatar
    assert stored.bio == "Keep me."
    assert stored.is_public_favorites is True


def test_saving_without_a_new_file_keeps_the_avatar(logged_in_client, user):
    services.set_avatar_from_upload(user, image_upload())
    avatar_name = _fresh(user).avatar.name

    logged_in_client.post("/profile/", profile_data(_fresh(user), bio="Only the bio."))

    stored = _fresh(user)
    assert stored.bio == "Only the bio."
    assert stored.avatar.name == avatar_name
    assert (Path(settings.MEDIA_ROOT) / avatar_name).exists()


def test_replacing_the_avatar_removes_the_old_file(
    logged_in_client, user, django_capture_on_commit_callbacks
):
    services.set_avatar_from_upload(user, image_upload(color="navy"))
    old = Path(settings.MEDIA_ROOT) / _fresh(user).avatar.name

    with django_capture_on_commit_callbacks(execute=True):
        logged_in_client.post(
            "/profile/", {**profile_data(user), "avatar": image_upload(color="gold")}
        )

    new = Path(settings.MEDIA_ROOT) / _fresh(user).avatar.name
    assert new != old
    assert _media_files() == [new]


@pytest.mark.parametrize(
    "upload",
    [
        SimpleUploadedFile("song.png", b"this is not a picture", content_type="image/png"),
        SimpleUploadedFile(
            "evil.svg",
            b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
            content_type="image/svg+xml",
        ),
        SimpleUploadedFile("half.png", image_upload().read()[:60], content_type="image/png"),
    ],
    ids=["text", "svg", "truncated"],
)
def test_non_image_avatar_is_refused_and_nothing_saved(logged_in_client, user, upload):
    response = logged_in_client.post(
        "/profile/", {**profile_data(user, bio="Should not stick."), "avatar": upload}
    )

    assert response.status_code == 400
    assertContains(response, 'class="error"', status_code=400)
    assert any(
        text in response.content.decode()
        for text in ("Upload a valid image.", "The image is damaged or truncated.")
    )
    stored = _fresh(user)
    assert not stored.avatar
    assert stored.bio == ""
    assert _media_files() == []
    assertContains(response, DEFAULT_AVATAR, status_code=400)


def test_too_large_avatar_is_refused(logged_in_client, user, settings):
    settings.IMAGE_UPLOAD_MAX_BYTES = 1024 * 1024
    big = SimpleUploadedFile("big.png", b"\x89PNG" + b"\0" * (1024 * 1024 + 1))

    response = logged_in_client.post("/profile/", {**profile_data(user), "avatar": big})

    assertContains(response, "Image is too large (the limit is 1 MB).", status_code=400)
    assert not _fresh(user).avatar
    assert _media_files() == []


def test_reset_avatar_removes_the_file_and_shows_the_default(
    logged_in_client, user, django_capture_on_commit_callbacks
):
    services.set_avatar_from_upload(user, image_upload())
    avatar_file = Path(settings.MEDIA_ROOT) / _fresh(user).avatar.name
    assert avatar_file.exists()

    with django_capture_on_commit_callbacks(execute=True):
        response = logged_in_client.post("/profile/", {"action": "reset_avatar"})

    assertRedirects(response, "/profile/", fetch_redirect_response=False)
    assert not _fresh(user).avatar
    assert not avatar_file.exists()
    assert _media_files() == []

    page = logged_in_client.get("/profile/")
    assertContains(page, "Avatar reset to the default.")
    assertContains(page, f'src="{DEFAULT_AVATAR}"', count=2)
    assertNotContains(page, "Reset avatar to default")


def test_password_change_keeps_the_user_signed_in_and_the_new_password_works(
    logged_in_client, user
):
    other_device = Client()
    other_device.force_login(user)

    response = logged_in_client.post(
        "/profile/",
        {
            "action": "password",
            "old_password": DEFAULT_PASSWORD,
            "new_password1": NEW_PASSWORD,
            "new_password2": NEW_PASSWORD,
        },
    )

    assertRedirects(response, "/profile/", fetch_redirect_response=False)
    page = logged_in_client.get("/profile/")
    assert page.status_code == 200
    assertContains(page, "Password changed.")
    assert logged_in_user_id(logged_in_client) == user.pk
    # Other sessions signed in with the old password are signed out.
    assertRedirects(other_device.get("/profile/"), "/login/?next=/profile/")

    fresh_browser = Client()
    refused = fresh_browser.post(
        "/login/", {"username": user.username, "password": DEFAULT_PASSWORD}
    )
    assert refused.status_code == 200
    accepted = fresh_browser.post("/login/", {"username": user.username, "password": NEW_PASSWORD})
    assertRedirects(accepted, "/profile/", fetch_redirect_response=False)
    assert logged_in_user_id(fresh_browser) == user.pk


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            {"old_password": "not-the-old-one", "new_password1": NEW_PASSWORD},
            "Your old password was entered incorrectly.",
        ),
        (
            {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD + "x"},
            "The two password fields didn\u2019t match.",
        ),
        (
            {"new_password1": "password", "new_password2": "password"},
            "This password is too common.",
        ),
    ],
    ids=["wrong-old-password", "mismatch", "weak"],
)
def test_refused_password_change_keeps_the_old_password(logged_in_client, user, data, message):
    form = {
        "action": "password",
        "old_password": DEFAULT_PASSWORD,
        "new_password1": NEW_PASSWORD,
        "new_password2": NEW_PASSWORD,
        **data,
    }

    response = logged_in_client.post("/profile/", form)

    assert response.status_code == 400
    assertContains(response, message, status_code=400)
    assert _fresh(user).check_password(DEFAULT_PASSWORD)
    assert logged_in_user_id(logged_in_client) == user.pk


def test_profile_edits_only_touch_the_signed_in_user(logged_in_client, user):
    other = UserFactory(bio="Someone else.")

    logged_in_client.post("/profile/", profile_data(user, bio="Mine."))

    assert _fresh(user).bio == "Mine."
    assert _fresh(other).bio == "Someone else."
