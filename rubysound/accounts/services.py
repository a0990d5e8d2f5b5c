"""Writes to accounts. Each action is one function, callable from a view, a command or a test."""

import datetime
import hashlib
import hmac
import logging
import math
import time

from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from . import credential_cache, presence
from . import secrets as app_secrets
from .errors import AccountErrorCode, AppCredentialNotFound, TooManyAppCredentials
from .images import AVATAR as AVATAR
from .images import BANNER as BANNER
from .images import ImageSpec as ImageSpec
from .images import process_image as process_image
from .models import ApiKey, AppPassword, User, normalize_username, username_key_for
from .selectors import MAX_APP_CREDENTIALS

logger = logging.getLogger("rubysound.accounts")

# What a user may change about themselves (besides avatar and banner); the names are kept
# apart because Django's user admin already shows them.
NAME_FIELDS = ("first_name", "last_name")
PROFILE_DETAIL_FIELDS = (
    "bio",
    "gender",
    "country",
    "birth_date",
    "is_public_favorites",
    "is_public_listening",
)
PROFILE_FIELDS = NAME_FIELDS + PROFILE_DETAIL_FIELDS
NULLABLE_FIELDS = {"birth_date"}


def _ensure_identity_free(username: str, email: str, *, exclude_pk: int | None = None) -> None:
    errors = {}
    others = User.objects.exclude(pk=exclude_pk) if exclude_pk else User.objects.all()
    if username and others.filter(username_key=username_key_for(username)).exists():
        errors["username"] = [_username_taken()]
    if email and others.filter(email__iexact=email).exists():
        errors["email"] = [
            ValidationError(
                "An account with that email already exists.", code=AccountErrorCode.EMAIL_TAKEN
            )
        ]
    if errors:
        raise ValidationError(errors)


def _username_taken() -> ValidationError:
    return ValidationError("That username is taken.", code=AccountErrorCode.USERNAME_TAKEN)


def signup_user(
    *, username: str, email: str, password: str | None, is_public_favorites: bool = True
) -> User:
    """Creates an account; the social layer adds its Favorites playlist in the same transaction.

    ``password=None`` makes an account nobody signs in to with a password (the demo's
    listeners); it is created like any other, hooks included.
    """
    username = normalize_username(username)
    email = User.objects.normalize_email(email.strip())
    _ensure_identity_free(username, email)
    user = User(username=username, email=email, is_public_favorites=is_public_favorites)
    user.full_clean(exclude=["password"], validate_unique=False, validate_constraints=False)
    if password is None:
        user.set_unusable_password()
    else:
        try:
            password_validation.validate_password(password, user)
        except ValidationError as exc:
            # Named, so the form and the API put the reasons on the password field.
            raise ValidationError({"password": exc.error_list}) from None
        user.set_password(password)
    try:
        with transaction.atomic():
            user.save()
            for hook in SIGNUP_HOOKS:
                hook(user)
    except IntegrityError:
        # Lost a race with a concurrent signup for the same name: the DB constraint decided.
        raise ValidationError({"username": [_username_taken()]}) from None
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


def update_account(user: User, *, username: str | None = None, **profile_changes) -> User:
    """A new username (if given) and profile changes, all applied or none."""
    with transaction.atomic():
        if username is not None:
            change_username(user, username)
        return update_profile(user, **profile_changes)


def change_username(user: User, username: str) -> User:
    """A new name for the account (NFKC, unique in any case and script; the profile's
    address /u/<name>/ follows it)."""
    username = normalize_username(username)
    if username == user.username:
        return user
    _ensure_identity_free(username, "", exclude_pk=user.pk)
    user.username = username
    user.full_clean(
        exclude=["password", "email", "avatar", "banner"],
        validate_unique=False,
        validate_constraints=False,
    )
    try:
        with transaction.atomic():
            user.save(update_fields=["username"])
    except IntegrityError:
        raise ValidationError({"username": [_username_taken()]}) from None
    logger.info("username changed", extra={"user_id": user.pk})
    return user


def change_email(user: User, email: str) -> User:
    """A new email address for the account (password resets go there); unique in any case."""
    email = User.objects.normalize_email(email.strip())
    if email == user.email:
        return user
    _ensure_identity_free("", email, exclude_pk=user.pk)
    user.email = email
    user.full_clean(
        exclude=["password", "username", "avatar", "banner"],
        validate_unique=False,
        validate_constraints=False,
    )
    try:
        with transaction.atomic():
            user.save(update_fields=["email"])
    except IntegrityError:
        raise ValidationError(
            {
                "email": [
                    ValidationError(
                        "An account with that email already exists.",
                        code=AccountErrorCode.EMAIL_TAKEN,
                    )
                ]
            }
        ) from None
    logger.info("email changed", extra={"user_id": user.pk})
    return user


def reset_avatar(user: User) -> User:
    return update_profile(user, avatar=None)


def change_password(user: User, new_password: str) -> None:
    password_validation.validate_password(new_password, user)
    user.set_password(new_password)
    user.save(update_fields=["password"])
    logger.info("password changed", extra={"user_id": user.pk})


def clear_login_failures(user: User) -> None:
    """Forgets the failed sign-ins counted against the account (after a password reset the
    owner signs in with the new password at once, even from the address that was locked)."""
    from axes.utils import reset

    reset(username=username_key_for(user.username))


def _delete_files(user: User, names: list[str]) -> None:
    storage = User._meta.get_field("avatar").storage
    for name in names:
        try:
            storage.delete(name)
        except OSError:
            logger.warning("could not delete file", extra={"file": name, "user_id": user.pk})


# --- App passwords and API keys (the Subsonic API's credentials) ------------------------

# last_used_at is rewritten at most this often: an app sends a request per song.
LAST_USED_RESOLUTION = datetime.timedelta(minutes=1)


def _clean_credential_name(name: str) -> str:
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": [ValidationError("Give it a name.", code="required")]})
    max_length = AppPassword._meta.get_field("name").max_length
    if len(name) > max_length:
        raise ValidationError(
            {"name": [ValidationError(f"At most {max_length} characters.", code="max_length")]}
        )
    return name


def create_app_password(user: User, name: str) -> tuple[AppPassword, str]:
    """A new app password named ``name``: the row, and its secret (shown to the user once)."""
    name = _clean_credential_name(name)
    if AppPassword.objects.filter(user=user).count() >= MAX_APP_CREDENTIALS:
        raise TooManyAppCredentials()
    secret = app_secrets.new_app_password()
    app_password = AppPassword.objects.create(
        user=user, name=name, secret_encrypted=app_secrets.encrypt(secret)
    )
    credential_cache.forget(user.pk)
    logger.info("app password created", extra={"user_id": user.pk, "id": app_password.pk})
    return app_password, secret


def revoke_app_password(user: User, app_password_id: int) -> None:
    deleted, _ = AppPassword.objects.filter(user=user, pk=app_password_id).delete()
    credential_cache.forget(user.pk)
    if not deleted:
        raise AppCredentialNotFound()
    logger.info("app password revoked", extra={"user_id": user.pk, "id": app_password_id})


def create_api_key(user: User, name: str) -> tuple[ApiKey, str]:
    """A new API key named ``name``: the row, and the key (shown to the user once)."""
    name = _clean_credential_name(name)
    if ApiKey.objects.filter(user=user).count() >= MAX_APP_CREDENTIALS:
        raise TooManyAppCredentials()
    key = app_secrets.new_api_key()
    api_key = ApiKey.objects.create(user=user, name=name, key_sha256=app_secrets.sha256_hex(key))
    logger.info("api key created", extra={"user_id": user.pk, "id": api_key.pk})
    return api_key, key


def revoke_api_key(user: User, api_key_id: int) -> None:
    deleted, _ = ApiKey.objects.filter(user=user, pk=api_key_id).delete()
    credential_cache.forget(user.pk)
    if not deleted:
        raise AppCredentialNotFound()
    logger.info("api key revoked", extra={"user_id": user.pk, "id": api_key_id})


def encrypt_service_credential(secret: str) -> bytes:
    """A credential the platform must send back in clear (a Last.fm session key, a
    ListenBrainz token), encrypted as app passwords are."""
    return app_secrets.encrypt(secret)


def decrypt_service_credential(encrypted: bytes) -> str | None:
    """The credential in clear, or None when SECRET_KEY changed since it was stored."""
    return app_secrets.decrypt(encrypted)


def _mark_used(model, pk: int, marked: dict[int, float]) -> None:
    """Records the credential's use: the row is rewritten at most once per resolution, and
    while its user's credentials are remembered (``marked``: pk to when this process last
    marked it) the database is not even asked in between."""
    now = time.monotonic()
    if now - marked.get(pk, -math.inf) < LAST_USED_RESOLUTION.total_seconds():
        return
    marked[pk] = now
    moment = timezone.now()
    stale = Q(last_used_at__isnull=True) | Q(last_used_at__lt=moment - LAST_USED_RESOLUTION)
    model.objects.filter(stale, pk=pk).update(last_used_at=moment)


def _app_password_secrets(user: User) -> list[tuple[int, str]]:
    rows = AppPassword.objects.filter(user=user).values_list("pk", "secret_encrypted")
    decrypted = (
        (pk, app_secrets.decrypt(encrypted)) for pk, encrypted in rows[:MAX_APP_CREDENTIALS]
    )
    return [(pk, secret) for pk, secret in decrypted if secret is not None]


def app_password_user(
    username: str,
    *,
    password: str | None = None,
    token: str | None = None,
    salt: str | None = None,
    auth_token: str | None = None,
) -> User | None:
    """The active user named ``username`` (case folded like sign-in) when ``password``, or
    ``token`` = md5(secret + ``salt``) (Subsonic), or ``auth_token`` = md5(``username`` +
    md5(secret)) (Last.fm's mobile sessions) matches one of their app passwords (never the
    account password), recording its last use; else None.

    Every stored secret is compared, in constant time, whatever matched first. The user
    and their secrets are remembered briefly by this process (``credential_cache``).
    """
    if auth_token is None and password is None and (token is None or salt is None):
        return None

    def load():
        user = User.objects.filter(username__iexact=username, is_active=True).first()
        return None if user is None else (user, (_app_password_secrets(user), {}))

    found = credential_cache.remembered(("app-password", username.lower()), load)
    if found is None:
        return None
    user, (stored, marked) = found
    matched_pk = None
    for pk, secret in stored:
        if auth_token is not None:
            secret_md5 = hashlib.md5(secret.encode()).hexdigest()  # noqa: S324 - the protocol's
            expected = hashlib.md5((username + secret_md5).encode()).hexdigest()  # noqa: S324
            given = auth_token.lower()
        elif password is not None:
            expected, given = secret, password
        else:
            expected = hashlib.md5((secret + salt).encode()).hexdigest()  # noqa: S324 - the protocol's
            given = token.lower()
        if hmac.compare_digest(expected.encode(), given.encode()) and matched_pk is None:
            matched_pk = pk
    if matched_pk is None:
        return None
    _mark_used(AppPassword, matched_pk, marked)
    return user


def user_for_api_key(key: str) -> User | None:
    """The active user an API key belongs to (recording its use), else None.

    The lookup is by the key's SHA-256, so the key itself is never compared or stored;
    its user is remembered briefly by this process (``credential_cache``).
    """
    digest = app_secrets.sha256_hex(key)

    def load():
        api_key = (
            ApiKey.objects.select_related("user")
            .filter(key_sha256=digest, user__is_active=True)
            .first()
        )
        return None if api_key is None else (api_key.user, (api_key.pk, {}))

    found = credential_cache.remembered(("api-key", digest), load)
    if found is None:
        return None
    user, (api_key_pk, marked) = found
    _mark_used(ApiKey, api_key_pk, marked)
    return user
