"""Writes to accounts. Each action is one function, callable from a view, a command or a test."""

import logging

from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction

from . import presence
from .images import AVATAR, BANNER, process_image
from .models import User

logger = logging.getLogger("rubysound.accounts")

# What a user may change about themselves (besides avatar and banner); the names are kept
# apart because Django's user admin already shows them.
NAME_FIELDS = ("first_name", "last_name")
PROFILE_DETAIL_FIELDS = ("bio", "gender", "country", "birth_date", "is_public_favorites")
PROFILE_FIELDS = NAME_FIELDS + PROFILE_DETAIL_FIELDS
NULLABLE_FIELDS = {"birth_date"}


def _ensure_identity_free(username: str, email: str, *, exclude_pk: int | None = None) -> None:
    errors = {}
    others = User.objects.exclude(pk=exclude_pk) if exclude_pk else User.objects.all()
    if others.filter(username__iexact=username).exists():
        errors["username"] = ["That username is taken."]
    if email and others.filter(email__iexact=email).exists():
        errors["email"] = ["An account with that email already exists."]
    if errors:
        raise ValidationError(errors)


def signup_user(
    *, username: str, email: str, password: str, is_public_favorites: bool = True
) -> User:
    """Creates an account; the social layer adds its Favorites playlist in the same transaction."""
    username = username.strip()
    email = User.objects.normalize_email(email.strip())
    _ensure_identity_free(username, email)
    user = User(username=username, email=email, is_public_favorites=is_public_favorites)
    user.full_clean(exclude=["password"], validate_unique=False, validate_constraints=False)
    password_validation.validate_password(password, user)
    user.set_password(password)
    try:
        with transaction.atomic():
            user.save()
            for hook in SIGNUP_HOOKS:
                hook(user)
    except IntegrityError:
        # Lost a race with a concurrent signup for the same name: the DB constraint decided.
        raise ValidationError({"username": ["That username is taken."]}) from None
    logger.info("user signed up", extra={"user_id": user.pk})
    return user


# Callables run inside the signup transaction (e.g. creating the Favorites playlist).
SIGNUP_HOOKS: list = []


def update_profile(user: User, **changes) -> User:
    """Applies profile field changes and new avatar/banner content in one transaction.

    ``avatar``/``banner`` take processed image content, or None to reset to the default.
    Replaced files are removed only after the row is committed; a failed save removes the
    new files, so no orphaned or half-written file is left either way.
    """
    unknown = set(changes) - set(PROFILE_FIELDS) - {"avatar", "banner"}
    if unknown:
        raise ValueError(f"not profile fields: {sorted(unknown)}")
    was_public = user.is_public_favorites
    for name in PROFILE_FIELDS:
        if name in changes:
            value = changes[name]
            if value is None and name not in NULLABLE_FIELDS:
                value = ""  # text fields store "no value" as an empty string, not NULL
            setattr(user, name, value)
    user.full_clean(exclude=["password", "username", "email", "avatar", "banner"])

    written: list[str] = []
    replaced: list[str] = []
    try:
        with transaction.atomic():
            for field_name in ("avatar", "banner"):
                if field_name not in changes:
                    continue
                field = getattr(user, field_name)
                if field:
                    replaced.append(field.name)
                content: ContentFile | None = changes[field_name]
                if content is None:
                    setattr(user, field_name, "")
                else:
                    field.save(content.name, content, save=False)
                    written.append(field.name)
            user.save()
    except Exception:
        _delete_files(user, written)
        raise
    if replaced:
        transaction.on_commit(lambda: _delete_files(user, replaced))
    if user.is_public_favorites != was_public:
        presence.visibility_changed_on_commit(user.pk)
    return user


def set_avatar_from_upload(user: User, upload) -> User:
    return update_profile(user, avatar=process_image(upload, AVATAR))


def set_banner_from_upload(user: User, upload) -> User:
    return update_profile(user, banner=process_image(upload, BANNER))


def reset_avatar(user: User) -> User:
    return update_profile(user, avatar=None)


def change_password(user: User, new_password: str) -> None:
    password_validation.validate_password(new_password, user)
    user.set_password(new_password)
    user.save(update_fields=["password"])
    logger.info("password changed", extra={"user_id": user.pk})


def _delete_files(user: User, names: list[str]) -> None:
    storage = User._meta.get_field("avatar").storage
    for name in names:
        try:
            storage.delete(name)
        except OSError:
            logger.warning("could not delete file", extra={"file": name, "user_id": user.pk})
