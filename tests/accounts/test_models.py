"""The User model: identity rules enforced by the database and sign-in by name or email."""

import datetime

import pytest
from django.contrib.auth import authenticate
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.test import RequestFactory
from django.utils import timezone

from rubysound.accounts.models import User
from tests.factories import DEFAULT_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def sign_in(username: str, password: str = DEFAULT_PASSWORD):
    # Axes refuses to authenticate without a request: it counts attempts per client.
    return authenticate(RequestFactory().post("/login/"), username=username, password=password)


def validation_errors(user: User) -> dict:
    with pytest.raises(ValidationError) as excinfo:
        user.full_clean(exclude=["password"])
    return excinfo.value.message_dict


class TestIdentityUniqueness:
    """Bypassing every form and service, the database itself refuses duplicates."""

    def test_username_differing_only_in_case_is_refused_by_the_database(self):
        User.objects.create(username="Alice", email="alice@example.com")
        with pytest.raises(IntegrityError), transaction.atomic():
            User.objects.create(username="aLICE", email="other@example.com")
        assert User.objects.filter(username__iexact="alice").count() == 1

    def test_email_differing_only_in_case_is_refused_by_the_database(self):
        User.objects.create(username="alice", email="Alice@Example.com")
        with pytest.raises(IntegrityError), transaction.atomic():
            User.objects.create(username="bob", email="alice@EXAMPLE.com")
        assert not User.objects.filter(username="bob").exists()

    def test_accounts_without_email_may_coexist(self):
        User.objects.create(username="alice", email="")
        User.objects.create(username="bob", email="")
        User.objects.create(username="carol", email="")
        assert User.objects.filter(email="").count() == 3


class TestSignIn:
    def test_username_is_case_insensitive(self):
        user = UserFactory(username="Alice")
        assert sign_in("alice") == user
        assert sign_in("ALICE") == user

    def test_email_signs_in_regardless_of_case(self):
        user = UserFactory(username="alice", email="alice@example.com")
        assert sign_in("alice@example.com") == user
        assert sign_in("Alice@Example.COM") == user

    def test_wrong_password_is_refused(self):
        UserFactory(username="alice")
        assert sign_in("alice", "not-the-password") is None
        assert sign_in("alice@example.com", "not-the-password") is None

    def test_unknown_name_is_refused(self):
        UserFactory(username="alice")
        assert sign_in("alicia") is None
        assert sign_in("nobody@example.com") is None

    def test_inactive_account_cannot_sign_in(self):
        UserFactory(username="alice", is_active=False)
        assert sign_in("alice") is None


class TestValidation:
    @pytest.mark.parametrize(
        "username",
        ["abc", "a.b-c_9", "A" * 32, "Listener_42", "émile", "Иван_Петров", "山田太郎", "नमस्ते"],
    )
    def test_valid_usernames(self, username):
        User(username=username).full_clean(exclude=["password"])

    @pytest.mark.parametrize(
        "username",
        [
            "ab",
            "a" * 33,
            "with space",
            "semi;colon",
            "at@sign",
            "slash/name",
            "<b>x</b>",
            "emoji🎵",
            "\u0301abc",  # a combining mark with nothing to combine with
            "tab\tname",
            "Ив",
            "Иванн" * 7,
        ],
    )
    def test_invalid_usernames(self, username):
        assert "username" in validation_errors(User(username=username))

    def test_bio_of_500_characters_is_accepted_501_is_not(self):
        User(username="alice", bio="x" * 500).full_clean(exclude=["password"])
        assert "bio" in validation_errors(User(username="alice", bio="x" * 501))

    def test_birth_date_in_the_future_is_refused(self):
        tomorrow = timezone.now().date() + datetime.timedelta(days=1)
        assert "birth_date" in validation_errors(User(username="alice", birth_date=tomorrow))

    def test_birth_date_today_and_in_the_past_are_accepted(self):
        today = timezone.now().date()
        User(username="alice", birth_date=today).full_clean(exclude=["password"])
        User(username="alice", birth_date=datetime.date(1990, 5, 17)).full_clean(
            exclude=["password"]
        )

    def test_birth_date_before_1900_is_refused(self):
        old = User(username="alice", birth_date=datetime.date(1899, 12, 31))
        assert "birth_date" in validation_errors(old)

    def test_unknown_gender_is_refused(self):
        assert "gender" in validation_errors(User(username="alice", gender="robot"))


def test_avatar_url_falls_back_to_the_default_image():
    user = UserFactory()
    assert user.avatar_url.endswith("default-avatar.svg")
    assert user.banner_url is None


def test_favorites_are_public_by_default():
    assert User.objects.create(username="alice").is_public_favorites is True
