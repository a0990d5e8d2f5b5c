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
from rubysound.accounts.images import AVATAR, process_image
from rubysound.accounts.models import User
from tests.factories import DEFAULT_PASSWORD, UserFactory, image_upload
from tests.web.helpers import logged_in_user_id, profile_data

pytestmark = pytest.mark.django_db

DEFAULT_AVATAR = "/static/img/default-avatar.svg"
PROFILE = "/settings/profile/"
ACCOUNT = "/settings/account/"
PRIVACY = "/settings/privacy/"
NEW_PASSWORD = "a-brand-new-tune-2024"


def _media_files() -> list[Path]:
    root = Path(settings.MEDIA_ROOT)
    return sorted(path for path in root.rglob("*") if path.is_file()) if root.exists() else []


def _fresh(user) -> User:
    return User.objects.get(pk=user.pk)


def test_anonymous_visitor_is_sent_to_login(client):
    assertRedirects(client.get(PROFILE), f"/login/?next={PROFILE}")


def test_anonymous_post_changes_nothing(client, user):
    response = client.post(PROFILE, profile_data(user, bio="sneaky"))

    assertRedirects(response, f"/login/?next={PROFILE}")
    assert _fresh(user).bio == ""


def test_profile_page_shows_the_account(logged_in_client, user):
    response = logged_in_client.get(PROFILE)

    assert response.status_code == 200
    assertContains(response, '<h1 class="settings-title">Settings</h1>', html=True)
    assertContains(response, user.username)
    assertContains(response, DEFAULT_AVATAR)
    assertContains(response, "Save profile")
    # No avatar yet: nothing to reset.
    assertNotContains(response, "Reset avatar to default")
    # Privacy and password have their own sections now.
    assertNotContains(response, 'name="is_public_favorites"')
    assertNotContains(response, 'name="old_password"')


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
    response = logged_in_client.post(PROFILE, data)

    assertRedirects(response, PROFILE, fetch_redirect_response=False)
    stored = _fresh(user)
    assert stored.first_name == "Ada"
    assert stored.last_name == "Lovelace"
    assert stored.bio == "Synth-pop and <b>field recordings</b>."
    assert stored.gender == "non_binary"
    assert stored.country.code == "NZ"
    assert stored.birth_date == datetime.date(1990, 5, 17)
    # The privacy switch is not on this form: saving the profile leaves it alone.
    assert stored.is_public_favorites is True

    page = logged_in_client.get(PROFILE)
    assertContains(page, "Profile saved.")
    # The bio is shown back escaped, never as markup.
    assertContains(page, "Synth-pop and &lt;b&gt;field recordings&lt;/b&gt;.")
    assertContains(page, '<option value="NZ" selected>New Zealand</option>', html=True)
    assertContains(page, '<option value="non_binary" selected>Non-binary</option>', html=True)
    assertContains(page, 'value="1990-05-17"')


def test_public_profile_can_be_switched_off_and_back_on(logged_in_client, user):
    response = logged_in_client.post(PRIVACY, {})  # the box unticked is not sent at all

    assertRedirects(response, PRIVACY, fetch_redirect_response=False)
    assert _fresh(user).is_public_favorites is False
    page = logged_in_client.get(PRIVACY)
    assertContains(page, "Privacy settings saved.")
    assertContains(page, "See your page (only you can)")

    response = logged_in_client.post(PRIVACY, {"is_public_favorites": "on"})

    assertRedirects(response, PRIVACY, fetch_redirect_response=False)
    assert _fresh(user).is_public_favorites is True


def test_listening_is_shared_only_when_switched_on(logged_in_client, user):
    assert user.is_public_listening is False  # new accounts share no listening
    page = logged_in_client.get(PRIVACY)
    assertContains(page, "Show my listening history and stats on my profile")
    assertContains(
        page, "only when you switch it on below: what you are playing now, your recent listens"
    )

    logged_in_client.post(PRIVACY, {"is_public_favorites": "on", "is_public_listening": "on"})
    assert _fresh(user).is_public_listening is True
    assertContains(
        logged_in_client.get(PRIVACY),
        '<input type="checkbox" name="is_public_listening" id="id_is_public_listening" checked '
        'aria-describedby="id_is_public_listening_helptext">',
        html=True,
    )

    logged_in_client.post(PRIVACY, {"is_public_favorites": "on"})
    assert _fresh(user).is_public_listening is False


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

    response = logged_in_client.post(PROFILE, data)

    assert response.status_code == 400
    assertContains(response, message, status_code=400)
    stored = _fresh(user)
    assert stored.first_name == ""
    assert stored.bio == ""
    assert stored.birth_date is None
    assert stored.is_public_favorites is True
    # The form keeps what was typed so it can be corrected.
    assertContains(response, 'value="Changed"', status_code=400)


def test_avatar_upload_is_stored_as_webp_and_shown(logged_in_client, user):
    response = logged_in_client.post(
        PROFILE,
        {
            **profile_data(user),
            "avatar": image_upload("me.jpg", size=(800, 600), image_format="JPEG"),
        },
    )

    assertRedirects(response, PROFILE, fetch_redirect_response=False)
    stored = _fresh(user)
    assert stored.avatar.name.startswith("avatars/")
    assert stored.avatar.name.endswith(".webp")
    path = Path(settings.MEDIA_ROOT) / stored.avatar.name
    assert _media_files() == [path]
    with Image.open(path) as image:
        assert image.format == "WEBP"
        assert image.size == (512, 512)

    page = logged_in_client.get(PROFILE)
    assertContains(page, "Profile saved.")
    # The top bar, the settings' head and the profile form.
    assertContains(page, f'src="{settings.MEDIA_URL}{stored.avatar.name}"', count=3)
    assertNotContains(page, DEFAULT_AVATAR)
    assertContains(page, "Reset avatar to default")


def test_avatar_upload_keeps_the_other_fields(logged_in_client, user):
    user.bio = "Keep me."
    user.save()

    logged_in_client.post(PROFILE, {**profile_data(user), "avatar": image_upload()})

    stored = _fresh(user)
    assert stored.avatar
    assert stored.bio == "Keep me."
    assert stored.is_public_favorites is True


def test_saving_without_a_new_file_keeps_the_avatar(logged_in_client, user):
    services.update_profile(user, avatar=process_image(image_upload(), AVATAR))
    avatar_name = _fresh(user).avatar.name

    logged_in_client.post(PROFILE, profile_data(_fresh(user), bio="Only the bio."))

    stored = _fresh(user)
    assert stored.bio == "Only the bio."
    assert stored.avatar.name == avatar_name
    assert (Path(settings.MEDIA_ROOT) / avatar_name).exists()


def test_replacing_the_avatar_removes_the_old_file(
    logged_in_client, user, django_capture_on_commit_callbacks
):
    services.update_profile(user, avatar=process_image(image_upload(color="navy"), AVATAR))
    old = Path(settings.MEDIA_ROOT) / _fresh(user).avatar.name

    with django_capture_on_commit_callbacks(execute=True):
        logged_in_client.post(PROFILE, {**profile_data(user), "avatar": image_upload(color="gold")})

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
        PROFILE, {**profile_data(user, bio="Should not stick."), "avatar": upload}
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

    response = logged_in_client.post(PROFILE, {**profile_data(user), "avatar": big})

    assertContains(response, "Image is too large (the limit is 1 MB).", status_code=400)
    assert not _fresh(user).avatar
    assert _media_files() == []


def test_reset_avatar_removes_the_file_and_shows_the_default(
    logged_in_client, user, django_capture_on_commit_callbacks
):
    services.update_profile(user, avatar=process_image(image_upload(), AVATAR))
    avatar_file = Path(settings.MEDIA_ROOT) / _fresh(user).avatar.name
    assert avatar_file.exists()

    with django_capture_on_commit_callbacks(execute=True):
        response = logged_in_client.post(PROFILE, {"action": "reset_avatar"})

    assertRedirects(response, PROFILE, fetch_redirect_response=False)
    assert not _fresh(user).avatar
    assert not avatar_file.exists()
    assert _media_files() == []

    page = logged_in_client.get(PROFILE)
    assertContains(page, "Avatar reset to the default.")
    assertContains(page, f'src="{DEFAULT_AVATAR}"', count=3)
    assertNotContains(page, "Reset avatar to default")


def test_password_change_keeps_the_user_signed_in_and_the_new_password_works(
    logged_in_client, user
):
    other_device = Client()
    other_device.force_login(user)

    response = logged_in_client.post(
        ACCOUNT,
        {
            "action": "password",
            "old_password": DEFAULT_PASSWORD,
            "new_password1": NEW_PASSWORD,
            "new_password2": NEW_PASSWORD,
        },
    )

    assertRedirects(response, ACCOUNT, fetch_redirect_response=False)
    page = logged_in_client.get(ACCOUNT)
    assert page.status_code == 200
    assertContains(page, "Password changed.")
    assert logged_in_user_id(logged_in_client) == user.pk
    # Other sessions signed in with the old password are signed out.
    assertRedirects(other_device.get(ACCOUNT), f"/login/?next={ACCOUNT}")

    fresh_browser = Client()
    refused = fresh_browser.post(
        "/login/", {"username": user.username, "password": DEFAULT_PASSWORD}
    )
    assert refused.status_code == 200
    accepted = fresh_browser.post("/login/", {"username": user.username, "password": NEW_PASSWORD})
    assertRedirects(accepted, "/", fetch_redirect_response=False)
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

    response = logged_in_client.post(ACCOUNT, form)

    assert response.status_code == 400
    assertContains(response, message, status_code=400)
    assert _fresh(user).check_password(DEFAULT_PASSWORD)
    assert logged_in_user_id(logged_in_client) == user.pk


def test_profile_edits_only_touch_the_signed_in_user(logged_in_client, user):
    other = UserFactory(bio="Someone else.")

    logged_in_client.post(PROFILE, profile_data(user, bio="Mine."))

    assert _fresh(user).bio == "Mine."
    assert _fresh(other).bio == "Someone else."


# --- The sections --------------------------------------------------------------------------

SECTIONS = {
    "profile": "Profile",
    "account": "Account",
    "privacy": "Privacy",
    "apps": "Apps and services",
    "notifications": "Notifications",
}


@pytest.mark.parametrize("section", SECTIONS)
def test_every_section_has_its_own_page_with_the_side_navigation(logged_in_client, section):
    response = logged_in_client.get(f"/settings/{section}/")

    assert response.status_code == 200
    body = response.content.decode()
    for slug, label in SECTIONS.items():
        current = ' aria-current="page"' if slug == section else ""
        assert f'<a href="/settings/{slug}/"{current}>{label}</a>' in body
    assert f"<title>{SECTIONS[section]} · Settings · RubySound.fm</title>" in body


def test_settings_and_the_old_profile_address_lead_to_the_profile_section(logged_in_client):
    assertRedirects(logged_in_client.get("/settings/"), PROFILE)
    assertRedirects(logged_in_client.get("/profile/"), PROFILE)


def test_an_unknown_section_is_not_found(logged_in_client):
    assert logged_in_client.get("/settings/billing/").status_code == 404


@pytest.mark.parametrize("section", SECTIONS)
def test_anonymous_visitors_are_sent_to_sign_in(client, section):
    url = f"/settings/{section}/"
    assertRedirects(client.get(url), f"/login/?next={url}")


def test_the_country_says_not_specified_rather_than_dashes(logged_in_client):
    page = logged_in_client.get(PROFILE)
    assertContains(page, '<option value="" selected>Not specified</option>', html=True)
    assertNotContains(page, "---------")


def test_apps_section_is_an_anchor_with_empty_lists(logged_in_client):
    page = logged_in_client.get("/settings/apps/")
    assertContains(page, 'id="apps"')
    assertContains(page, "No app passwords yet.")
    assertContains(page, "No API keys yet.")


def test_username_can_be_changed_to_cyrillic_and_the_public_page_follows(logged_in_client, user):
    response = logged_in_client.post(ACCOUNT, {"action": "username", "username": "Гриша"})

    assertRedirects(response, ACCOUNT, fetch_redirect_response=False)
    assert _fresh(user).username == "Гриша"
    page = logged_in_client.get(ACCOUNT)
    assertContains(page, "Username changed.")
    assertContains(page, 'href="/u/Гриша/"')


@pytest.mark.parametrize("taken", ["гриша", "ГРИША"])
def test_username_taken_in_another_case_is_refused_on_the_account_page(
    logged_in_client, user, taken
):
    UserFactory(username="Гриша")

    response = logged_in_client.post(ACCOUNT, {"action": "username", "username": taken})

    assertContains(response, "That username is taken.", status_code=400)
    assert _fresh(user).username == user.username


def test_email_change_needs_the_current_password(logged_in_client, user):
    refused = logged_in_client.post(
        ACCOUNT,
        {"action": "email", "email": "new@example.com", "current_password": "not-it"},
    )
    assertContains(refused, "That is not your current password.", status_code=400)
    assert _fresh(user).email != "new@example.com"

    accepted = logged_in_client.post(
        ACCOUNT,
        {"action": "email", "email": "New@Example.com", "current_password": DEFAULT_PASSWORD},
    )
    assertRedirects(accepted, ACCOUNT, fetch_redirect_response=False)
    assert _fresh(user).email == "New@example.com"
    assertContains(logged_in_client.get(ACCOUNT), "Email address changed.")


def test_an_email_another_account_has_is_refused_in_any_case(logged_in_client, user):
    UserFactory(email="taken@example.com")
    response = logged_in_client.post(
        ACCOUNT,
        {"action": "email", "email": "TAKEN@example.com", "current_password": DEFAULT_PASSWORD},
    )
    assertContains(response, "An account with that email already exists.", status_code=400)
