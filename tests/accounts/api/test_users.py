"""GET/PATCH/PUT /api/users/me/: the signed-in user's own profile."""

import datetime
import io
from pathlib import Path
from urllib.parse import urlparse

import pytest
from django.utils import timezone
from PIL import Image

from rubysound.accounts.models import USERNAME_RULE, User
from tests.accounts.conftest import media_files, noise_png, upload
from tests.factories import UserFactory, image_upload

pytestmark = pytest.mark.django_db

URL = "/api/users/me/"
SPEC_FIELDS = {
    "id",
    "username",
    "email",
    "first_name",
    "last_name",
    "avatar",
    "banner",
    "bio",
    "gender",
    "country",
    "birth_date",
    "is_public_favorites",
}


def file_behind(url: str, media_root: Path) -> Path:
    """The file under MEDIA_ROOT that a returned media URL points at."""
    path = urlparse(url).path
    assert path.startswith("/media/"), url
    return media_root / path.removeprefix("/media/")


def assert_validation_error(response, *field_names: str) -> dict:
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["code"] == "invalid"
    assert isinstance(body["detail"], str)
    assert body["detail"]
    for name in field_names:
        assert name in body["fields"], body
        assert body["fields"][name], body
    return body


def upload_avatar(client, image=None):
    return client.patch(URL, {"avatar": image or image_upload()}, format="multipart")


class TestAnonymous:
    @pytest.mark.parametrize("method", ["get", "patch", "put"])
    def test_refused_with_the_json_error_shape(self, api_client, method):
        response = getattr(api_client, method)(URL, {"bio": "hi"} if method != "get" else None)
        assert response.status_code == 401
        assert response["Content-Type"].startswith("application/json")
        body = response.json()
        assert set(body) == {"detail", "code"}
        assert body["code"] == "not_authenticated"
        assert "Bearer" in response["WWW-Authenticate"]

    def test_nothing_changed_by_an_anonymous_patch(self, api_client, user):
        api_client.patch(URL, {"bio": "pwned"})
        assert User.objects.get(pk=user.pk).bio == ""


class TestRead:
    def test_returns_every_documented_field(self, auth_client, user):
        response = auth_client.get(URL)
        assert response.status_code == 200
        body = response.json()
        assert set(body) >= SPEC_FIELDS
        assert body["id"] == user.pk
        assert body["username"] == user.username
        assert body["email"] == user.email
        assert body["avatar"] is None
        assert body["banner"] is None
        assert body["birth_date"] is None
        assert body["country"] == ""
        assert body["gender"] == ""
        assert body["bio"] == ""
        assert body["is_public_favorites"] is True

    def test_never_shows_the_password_hash(self, auth_client, user):
        body = auth_client.get(URL).json()
        assert "password" not in body
        assert user.password not in str(body)

    def test_shows_the_caller_not_someone_else(self, auth_client, user):
        UserFactory(bio="the other one")
        assert auth_client.get(URL).json()["id"] == user.pk


class TestPatch:
    def test_updates_and_persists_profile_fields(self, auth_client, user):
        changes = {
            "first_name": "Ada",
            "last_name": "Lovelace",
            "bio": "Analytical engine enthusiast.",
            "gender": "female",
            "country": "GB",
            "birth_date": "1990-12-10",
            "is_public_favorites": False,
        }
        response = auth_client.patch(URL, changes)
        assert response.status_code == 200, response.content
        body = response.json()
        for name, value in changes.items():
            assert body[name] == value, name
        # A fresh read agrees: the change was saved, not only echoed.
        again = auth_client.get(URL).json()
        for name, value in changes.items():
            assert again[name] == value, name
        stored = User.objects.get(pk=user.pk)
        assert stored.birth_date == datetime.date(1990, 12, 10)
        assert stored.country.code == "GB"
        assert stored.is_public_favorites is False

    def test_leaves_fields_not_sent_alone(self, auth_client, user):
        auth_client.patch(URL, {"first_name": "Ada", "bio": "hello"})
        auth_client.patch(URL, {"last_name": "Lovelace"})
        stored = User.objects.get(pk=user.pk)
        assert (stored.first_name, stored.last_name, stored.bio) == ("Ada", "Lovelace", "hello")

    def test_country_code_is_case_insensitive(self, auth_client, user):
        response = auth_client.patch(URL, {"country": "de"})
        assert response.status_code == 200
        assert response.json()["country"] == "DE"
        assert User.objects.get(pk=user.pk).country.code == "DE"

    def test_country_can_be_cleared(self, auth_client, user):
        auth_client.patch(URL, {"country": "FR"})
        response = auth_client.patch(URL, {"country": ""})
        assert response.json()["country"] == ""
        assert not User.objects.get(pk=user.pk).country

    def test_birth_date_can_be_cleared(self, auth_client, user):
        auth_client.patch(URL, {"birth_date": "1990-01-01"})
        response = auth_client.patch(URL, {"birth_date": None})
        assert response.status_code == 200
        assert User.objects.get(pk=user.pk).birth_date is None

    def test_read_only_identity_fields_are_ignored(self, auth_client, user):
        original = (user.pk, user.email)
        response = auth_client.patch(
            URL, {"id": 999, "email": "mallory@example.com", "bio": "mine"}
        )
        assert response.status_code == 200, response.content
        body = response.json()
        assert (body["id"], body["email"]) == original
        stored = User.objects.get(pk=user.pk)
        assert (stored.pk, stored.email) == original
        assert stored.bio == "mine"
        assert not User.objects.filter(email="mallory@example.com").exists()

    def test_unknown_field_is_reported_by_name(self, auth_client, user):
        response = auth_client.patch(URL, {"nickname": "Ally", "bio": "typo next door"})
        body = assert_validation_error(response, "nickname")
        assert "bio" not in body["fields"]
        assert User.objects.get(pk=user.pk).bio == ""

    def test_privilege_fields_are_refused(self, auth_client, user):
        response = auth_client.patch(URL, {"is_staff": True, "is_superuser": True})
        assert_validation_error(response, "is_staff", "is_superuser")
        stored = User.objects.get(pk=user.pk)
        assert not stored.is_staff
        assert not stored.is_superuser

    @pytest.mark.parametrize(
        ("field", "value"),
        [
            ("birth_date", "not-a-date"),
            ("birth_date", 19901210),
            ("is_public_favorites", "maybe"),
            ("gender", "robot"),
            ("first_name", {"nested": "object"}),
            ("bio", ["a", "list"]),
            ("first_name", "x" * 151),
        ],
    )
    def test_wrong_values_are_refused_and_nothing_is_saved(self, auth_client, user, field, value):
        response = auth_client.patch(URL, {"last_name": "Changed", field: value})
        assert_validation_error(response, field)
        stored = User.objects.get(pk=user.pk)
        assert stored.last_name == ""
        assert stored.first_name == ""
        assert stored.birth_date is None
        assert stored.is_public_favorites is True

    @pytest.mark.parametrize("country", ["ZZ", "XX", "DEU", "1"])
    def test_invalid_country_code_is_refused(self, auth_client, user, country):
        assert_validation_error(auth_client.patch(URL, {"country": country}), "country")
        assert not User.objects.get(pk=user.pk).country

    def test_bio_over_500_characters_is_refused(self, auth_client, user):
        assert_validation_error(auth_client.patch(URL, {"bio": "x" * 501}), "bio")
        assert auth_client.patch(URL, {"bio": "x" * 500}).status_code == 200

    def test_future_birth_date_is_refused(self, auth_client, user):
        tomorrow = (timezone.now().date() + datetime.timedelta(days=1)).isoformat()
        assert_validation_error(auth_client.patch(URL, {"birth_date": tomorrow}), "birth_date")
        assert User.objects.get(pk=user.pk).birth_date is None

    def test_malformed_json_is_a_400_with_the_error_shape(self, auth_client):
        response = auth_client.generic(
            "PATCH", URL, data='{"bio": ', content_type="application/json"
        )
        assert response.status_code == 400
        assert set(response.json()) >= {"detail", "code"}


class TestPut:
    def test_put_replaces_the_profile(self, auth_client, user):
        payload = {
            "first_name": "Grace",
            "last_name": "Hopper",
            "bio": "Found a moth.",
            "gender": "female",
            "country": "US",
            "birth_date": "1986-12-09",
            "is_public_favorites": False,
        }
        response = auth_client.put(URL, payload)
        assert response.status_code == 200, response.content
        assert {name: response.json()[name] for name in payload} == payload
        stored = User.objects.get(pk=user.pk)
        assert stored.first_name == "Grace"
        assert stored.country.code == "US"
        assert stored.is_public_favorites is False

    def test_put_validates_like_patch(self, auth_client, user):
        response = auth_client.put(URL, {"first_name": "Grace", "country": "ZZ"})
        assert_validation_error(response, "country")
        assert User.objects.get(pk=user.pk).first_name == ""


class TestAvatar:
    def test_multipart_upload_stores_a_webp(self, auth_client, user, media_root):
        response = upload_avatar(auth_client, image_upload(name="me.jpg", image_format="JPEG"))
        assert response.status_code == 200, response.content
        url = response.json()["avatar"]
        assert url.startswith("http://testserver/media/avatars/")
        assert url.endswith(".webp")
        stored_file = file_behind(url, media_root)
        assert stored_file.is_file()
        with Image.open(stored_file) as image:
            assert image.format == "WEBP"
            assert image.size == (512, 512)
        assert User.objects.get(pk=user.pk).avatar.name == f"avatars/{stored_file.name}"
        assert auth_client.get(URL).json()["avatar"] == url

    def test_avatar_and_fields_in_one_multipart_request(self, auth_client, user):
        response = auth_client.patch(
            URL, {"avatar": image_upload(), "bio": "new face"}, format="multipart"
        )
        assert response.status_code == 200, response.content
        stored = User.objects.get(pk=user.pk)
        assert stored.bio == "new face"
        assert stored.avatar

    def test_banner_upload(self, auth_client, user, media_root):
        response = auth_client.patch(
            URL, {"banner": image_upload(size=(2000, 500))}, format="multipart"
        )
        assert response.status_code == 200, response.content
        with Image.open(file_behind(response.json()["banner"], media_root)) as image:
            assert (image.format, image.size) == ("WEBP", (1600, 400))
        assert response.json()["avatar"] is None

    @pytest.mark.parametrize(
        ("name", "content", "content_type"),
        [
            ("notes.png", b"this is plain text pretending to be a PNG\n" * 10, "image/png"),
            ("logo.svg", b'<svg xmlns="http://www.w3.org/2000/svg"/>', "image/svg+xml"),
            ("script.html", b"<script>alert(1)</script>", "text/html"),
        ],
        ids=["text-as-png", "svg", "html"],
    )
    def test_non_image_is_refused_and_nothing_changes(
        self, auth_client, user, name, content, content_type
    ):
        response = auth_client.patch(
            URL, {"avatar": upload(name, content, content_type), "bio": "x"}, format="multipart"
        )
        assert_validation_error(response, "avatar")
        stored = User.objects.get(pk=user.pk)
        assert not stored.avatar
        assert stored.bio == ""
        assert media_files() == set()

    def test_truncated_image_is_refused(self, auth_client, user):
        data = noise_png((120, 120))
        response = upload_avatar(auth_client, upload("cut.png", data[: len(data) // 2]))
        assert_validation_error(response, "avatar")
        assert media_files() == set()

    def test_oversized_file_is_refused(self, auth_client, user, settings):
        data = noise_png((100, 100))
        settings.IMAGE_UPLOAD_MAX_BYTES = len(data) - 1
        response = upload_avatar(auth_client, upload("big.png", data))
        body = assert_validation_error(response, "avatar")
        assert "too large" in body["fields"]["avatar"][0]
        assert media_files() == set()
        assert not User.objects.get(pk=user.pk).avatar

    def test_good_image_with_a_bad_field_writes_no_file(self, auth_client, user):
        response = auth_client.patch(
            URL, {"avatar": image_upload(), "country": "ZZ"}, format="multipart"
        )
        assert_validation_error(response, "country")
        assert media_files() == set()
        assert not User.objects.get(pk=user.pk).avatar

    def test_failed_upload_keeps_the_previous_avatar(self, auth_client, user, media_root):
        first = upload_avatar(auth_client).json()["avatar"]
        before = media_files()
        response = upload_avatar(auth_client, upload("bad.png", b"garbage"))
        assert response.status_code == 400
        assert media_files() == before
        assert auth_client.get(URL).json()["avatar"] == first
        assert file_behind(first, media_root).is_file()

    def test_replacing_deletes_the_old_file_after_commit(
        self, auth_client, user, media_root, django_capture_on_commit_callbacks
    ):
        old_url = upload_avatar(auth_client, image_upload(color="red")).json()["avatar"]
        old_file = file_behind(old_url, media_root)
        assert old_file.is_file()

        with django_capture_on_commit_callbacks(execute=True) as callbacks:
            response = upload_avatar(auth_client, image_upload(color="blue"))
        assert response.status_code == 200, response.content
        assert callbacks, "the old file must be deleted on commit, not before"
        new_url = response.json()["avatar"]
        assert new_url != old_url
        assert file_behind(new_url, media_root).is_file()
        assert not old_file.exists()
        assert media_files() == {file_behind(new_url, media_root)}

    def test_null_resets_to_the_default(
        self, auth_client, user, media_root, django_capture_on_commit_callbacks
    ):
        old_file = file_behind(upload_avatar(auth_client).json()["avatar"], media_root)
        with django_capture_on_commit_callbacks(execute=True):
            response = auth_client.patch(URL, {"avatar": None}, format="json")
        assert response.status_code == 200, response.content
        body = response.json()
        assert body["avatar"] is None
        assert body["avatar_url"].endswith("default-avatar.svg")
        assert not User.objects.get(pk=user.pk).avatar
        assert not old_file.exists()

    def test_empty_multipart_value_resets_too(self, auth_client, user):
        upload_avatar(auth_client)
        response = auth_client.patch(URL, {"avatar": ""}, format="multipart")
        assert response.status_code == 200, response.content
        assert response.json()["avatar"] is None
        assert not User.objects.get(pk=user.pk).avatar

    def test_stored_avatar_has_no_exif(self, auth_client, user, media_root):
        exif = Image.Exif()
        exif[0x010F] = "SpyCam"
        buffer = io.BytesIO()
        Image.new("RGB", (64, 64), "green").save(buffer, format="JPEG", exif=exif)
        response = upload_avatar(auth_client, upload("gps.jpg", buffer.getvalue(), "image/jpeg"))
        assert response.status_code == 200, response.content
        stored = file_behind(response.json()["avatar"], media_root).read_bytes()
        assert b"SpyCam" not in stored


class TestUsername:
    """The username is changed through the same rule as at sign-up: any script, NFKC,
    unique regardless of case."""

    def test_a_cyrillic_username_is_saved_and_the_profile_follows(self, auth_client, user):
        response = auth_client.patch(URL, {"username": "Мария"})
        assert response.status_code == 200, response.content
        assert response.json()["username"] == "Мария"
        stored = User.objects.get(pk=user.pk)
        assert stored.username == "Мария"
        assert stored.username_key == "мария"
        assert stored.profile_url == "/u/Мария/"

    @pytest.mark.parametrize("taken", ["МАРИЯ", "мария", "Мария"])
    def test_a_name_another_account_has_in_any_case_is_refused(self, auth_client, user, taken):
        UserFactory(username="Мария")
        response = auth_client.patch(URL, {"username": taken, "bio": "not saved either"})
        assert response.status_code == 400
        assert response.json()["fields"]["username"] == ["That username is taken."]
        stored = User.objects.get(pk=user.pk)
        assert stored.username == user.username
        assert stored.bio == user.bio

    def test_changing_only_the_case_of_ones_own_name_is_allowed(self, auth_client, user):
        response = auth_client.patch(URL, {"username": user.username.upper()})
        assert response.status_code == 200, response.content
        assert User.objects.get(pk=user.pk).username == user.username.upper()

    def test_a_name_outside_the_rule_is_refused_with_the_rule(self, auth_client, user):
        response = auth_client.patch(URL, {"username": "a b"})
        assert response.status_code == 400
        assert response.json()["fields"]["username"] == [str(USERNAME_RULE)]

    def test_a_reserved_name_is_refused_in_any_case(self, auth_client, user):
        response = auth_client.patch(URL, {"username": "ADMIN"})
        assert response.status_code == 400
        assert "username" in response.json()["fields"]


class TestRevalidation:
    def test_a_matching_if_none_match_is_304_and_an_edit_gives_a_new_200(self, auth_client):
        first = auth_client.get(URL)
        etag = first["ETag"]
        assert first.status_code == 200
        assert etag
        again = auth_client.get(URL, HTTP_IF_NONE_MATCH=etag)
        assert again.status_code == 304
        assert again.content == b""

        assert auth_client.patch(URL, {"bio": "Changed."}).status_code == 200
        changed = auth_client.get(URL, HTTP_IF_NONE_MATCH=etag)
        assert changed.status_code == 200
        assert changed.json()["bio"] == "Changed."
        assert changed["ETag"] != etag

    def test_an_etag_does_not_excuse_a_missing_sign_in(self, auth_client, api_client):
        etag = auth_client.get(URL)["ETag"]
        assert api_client.get(URL, HTTP_IF_NONE_MATCH=etag).status_code == 401
