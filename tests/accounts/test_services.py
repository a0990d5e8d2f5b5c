"""Write-side actions of accounts: signing up, editing a profile, changing a password."""

import datetime
from pathlib import Path

import pytest
from django.contrib.auth.hashers import identify_hasher
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from rubysound import settings as project_settings
from rubysound.accounts import services
from rubysound.accounts.images import AVATAR, BANNER, process_image
from rubysound.accounts.models import User
from tests.accounts.conftest import media_files, upload
from tests.factories import UserFactory, image_upload

pytestmark = pytest.mark.django_db

STRONG_PASSWORD = "violet-anchor-parade-41"


def signup(**overrides) -> User:
    fields = {"username": "alice", "email": "alice@example.com", "password": STRONG_PASSWORD}
    fields.update(overrides)
    return services.signup_user(**fields)


def stored_path(field) -> Path:
    return Path(field.path)


class TestSignup:
    def test_creates_an_account_that_can_sign_in(self):
        user = signup()
        stored = User.objects.get(pk=user.pk)
        assert stored.username == "alice"
        assert stored.email == "alice@example.com"
        assert stored.is_active
        assert stored.is_public_favorites is True
        assert stored.check_password(STRONG_PASSWORD)
        assert not stored.check_password("something-else-entirely")
        assert STRONG_PASSWORD not in stored.password

    def test_uses_argon2_with_the_project_hashers(self, settings):
        # The test suite swaps in a fast hasher; put back what the project configures.
        settings.PASSWORD_HASHERS = project_settings.PASSWORD_HASHERS
        user = signup()
        assert identify_hasher(user.password).algorithm == "argon2"
        assert User.objects.get(pk=user.pk).check_password(STRONG_PASSWORD)

    def test_private_favorites_choice_is_kept(self):
        assert signup(is_public_favorites=False).is_public_favorites is False

    def test_surrounding_spaces_are_trimmed_and_email_domain_normalised(self):
        user = signup(username="  alice ", email=" alice@EXAMPLE.COM ")
        assert user.username == "alice"
        assert user.email == "alice@example.com"

    def test_email_is_optional_for_several_accounts(self):
        signup(username="alice", email="")
        signup(username="bob", email="")
        assert User.objects.filter(email="").count() == 2

    @pytest.mark.parametrize("taken", ["alice", "ALICE", "Alice"])
    def test_username_taken_in_any_case_is_refused(self, taken):
        UserFactory(username="alice")
        with pytest.raises(ValidationError) as excinfo:
            signup(username=taken, email="new@example.com")
        assert "username" in excinfo.value.message_dict
        assert User.objects.count() == 1

    def test_email_taken_in_any_case_is_refused(self):
        UserFactory(username="alice", email="alice@example.com")
        with pytest.raises(ValidationError) as excinfo:
            signup(username="bob", email="Alice@Example.com")
        assert "email" in excinfo.value.message_dict
        assert not User.objects.filter(username="bob").exists()

    @pytest.mark.parametrize(
        "password",
        ["short1", "password", "12345678901234", "alice@example.com"],
        ids=["too-short", "common", "numeric", "same-as-email"],
    )
    def test_weak_password_is_refused_and_no_account_created(self, password):
        with pytest.raises(ValidationError):
            signup(password=password)
        assert not User.objects.exists()

    @pytest.mark.parametrize("username", ["ab", "bad name", "x" * 33])
    def test_invalid_username_is_refused(self, username):
        with pytest.raises(ValidationError) as excinfo:
            signup(username=username)
        assert "username" in excinfo.value.message_dict
        assert not User.objects.exists()

    def test_invalid_email_is_refused(self):
        with pytest.raises(ValidationError) as excinfo:
            signup(email="not-an-email")
        assert "email" in excinfo.value.message_dict
        assert not User.objects.exists()


class TestUpdateProfile:
    def test_changes_are_saved(self, user):
        services.update_profile(
            user,
            first_name="Ada",
            bio="Synth lover",
            country="DE",
            birth_date=datetime.date(1990, 1, 2),
            is_public_favorites=False,
        )
        stored = User.objects.get(pk=user.pk)
        assert stored.first_name == "Ada"
        assert stored.bio == "Synth lover"
        assert stored.country.code == "DE"
        assert stored.birth_date == datetime.date(1990, 1, 2)
        assert stored.is_public_favorites is False

    def test_none_clears_text_fields_and_birth_date(self, user):
        services.update_profile(user, bio="hello", birth_date=datetime.date(1990, 1, 2))
        services.update_profile(user, bio=None, birth_date=None)
        stored = User.objects.get(pk=user.pk)
        assert stored.bio == ""
        assert stored.birth_date is None

    def test_invalid_value_is_refused_and_nothing_saved(self, user):
        future = timezone.now().date() + datetime.timedelta(days=2)
        with pytest.raises(ValidationError) as excinfo:
            services.update_profile(user, first_name="Ada", birth_date=future)
        assert "birth_date" in excinfo.value.message_dict
        stored = User.objects.get(pk=user.pk)
        assert stored.first_name == ""
        assert stored.birth_date is None

    def test_identity_fields_cannot_be_changed_through_it(self, user):
        with pytest.raises(ValueError, match="username"):
            services.update_profile(user, username="mallory")
        assert User.objects.get(pk=user.pk).username == user.username

    def test_replacing_an_avatar_removes_the_old_file_once_committed(
        self, user, django_capture_on_commit_callbacks
    ):
        services.update_profile(user, avatar=process_image(image_upload(color="red"), AVATAR))
        old = stored_path(user.avatar)
        assert old.exists()
        with django_capture_on_commit_callbacks(execute=True):
            services.update_profile(user, avatar=process_image(image_upload(color="blue"), AVATAR))
            assert old.exists(), "the old file must outlive the transaction"
        new = stored_path(User.objects.get(pk=user.pk).avatar)
        assert new != old
        assert new.exists()
        assert not old.exists()

    def test_old_avatar_is_kept_when_the_transaction_rolls_back(
        self, user, django_capture_on_commit_callbacks
    ):
        services.update_profile(user, avatar=process_image(image_upload(color="red"), AVATAR))
        old_name = user.avatar.name
        old = stored_path(user.avatar)
        with django_capture_on_commit_callbacks(execute=True) as callbacks:
            try:
                with transaction.atomic():
                    services.update_profile(
                        user, avatar=process_image(image_upload(color="blue"), AVATAR)
                    )
                    raise RuntimeError("something later in the request failed")
            except RuntimeError:
                pass
        assert callbacks == []
        assert User.objects.get(pk=user.pk).avatar.name == old_name
        assert old.exists()

    def test_reset_avatar_goes_back_to_the_default_and_removes_the_file(
        self, user, django_capture_on_commit_callbacks
    ):
        services.update_profile(user, avatar=process_image(image_upload(), AVATAR))
        old = stored_path(user.avatar)
        with django_capture_on_commit_callbacks(execute=True):
            services.reset_avatar(user)
        stored = User.objects.get(pk=user.pk)
        assert not stored.avatar
        assert stored.avatar_url.endswith("default-avatar.svg")
        assert not old.exists()

    def test_banner_is_stored_separately_from_the_avatar(self, user):
        services.update_profile(user, avatar=process_image(image_upload(), AVATAR))
        services.update_profile(user, banner=process_image(image_upload(size=(2000, 600)), BANNER))
        stored = User.objects.get(pk=user.pk)
        assert stored.avatar.name.startswith("avatars/")
        assert stored.banner.name.startswith("banners/")
        assert stored_path(stored.avatar).exists()
        assert stored_path(stored.banner).exists()
        assert len(media_files()) == 2

    def test_refused_image_writes_no_file(self, user):
        with pytest.raises(ValidationError):
            services.update_profile(
                user, avatar=process_image(upload("a.png", b"not an image at all"), AVATAR)
            )
        assert media_files() == set()
        assert not User.objects.get(pk=user.pk).avatar


class TestChangePassword:
    def test_new_password_replaces_the_old_one(self, user, password):
        services.change_password(user, STRONG_PASSWORD)
        stored = User.objects.get(pk=user.pk)
        assert stored.check_password(STRONG_PASSWORD)
        assert not stored.check_password(password)

    def test_weak_password_is_refused_and_the_old_one_still_works(self, user, password):
        with pytest.raises(ValidationError):
            services.change_password(user, "12345678")
        assert User.objects.get(pk=user.pk).check_password(password)


@pytest.mark.parametrize("name", ["trending", "Trending", "ME"])
def test_signup_refuses_names_that_are_routes(name):
    # /api/playlists/public/trending/ would never reach a user called "trending".
    with pytest.raises(ValidationError) as refused:
        signup(username=name)

    assert "reserved" in str(refused.value.message_dict["username"])
    assert not User.objects.exists()
