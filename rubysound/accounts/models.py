import datetime
import unicodedata

from django.contrib.auth.models import AbstractUser, UserManager
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.db import models
from django.db.models.functions import Lower
from django.templatetags.static import static
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField

from .errors import AccountErrorCode

USERNAME_MIN_LENGTH = 3
USERNAME_MAX_LENGTH = 32
# Besides letters (of any script) and digits: these, anywhere but first for the marks.
USERNAME_PUNCTUATION = frozenset("._-")
USERNAME_RULE = _(
    "Use 3 to 32 characters: letters of any alphabet, digits, dots, dashes and underscores."
)
BIO_MAX_LENGTH = 500


def normalize_username(value: str) -> str:
    """The username as stored: NFKC (full-width 'Ａ' is 'A', a composed 'é' one character)
    and without surrounding spaces."""
    return unicodedata.normalize("NFKC", value).strip()


def username_key_for(value: str) -> str:
    """What makes two usernames the same account: NFKC, then case folded in every script
    ('Иван' is 'иван', 'Straße' is 'STRASSE'). Unique in the database (User.username_key)."""
    return unicodedata.normalize("NFKC", normalize_username(value).casefold())


def _allowed_username_character(char: str, first: bool) -> bool:
    category = unicodedata.category(char)
    if category.startswith("L") or category == "Nd" or char in USERNAME_PUNCTUATION:
        return True
    # Combining marks carry vowels and accents in many scripts (Devanagari, Thai, ...).
    return category.startswith("M") and not first


def username_validator(value: str) -> None:
    """USERNAME_RULE, checked on the stored (NFKC) form; the message says exactly this."""
    if not isinstance(value, str):
        raise ValidationError(USERNAME_RULE, code="invalid_username")
    name = normalize_username(value)
    if not USERNAME_MIN_LENGTH <= len(name) <= USERNAME_MAX_LENGTH or not all(
        _allowed_username_character(char, index == 0) for index, char in enumerate(name)
    ):
        raise ValidationError(USERNAME_RULE, code="invalid_username")


# Names that are routes beside /u/<username>/ and /api/playlists/public/<username>/.
RESERVED_USERNAMES = frozenset({"trending", "me", "admin", "api", "static", "media", "ws"})


def validate_username_not_reserved(value: str) -> None:
    if username_key_for(value) in RESERVED_USERNAMES:
        raise ValidationError(
            _("That username is reserved."), code=AccountErrorCode.RESERVED_USERNAME
        )


def validate_birth_date(value: datetime.date) -> None:
    today = timezone.now().date()
    if value > today:
        raise ValidationError(
            _("Birth date cannot be in the future."), code=AccountErrorCode.FUTURE_DATE
        )
    if value.year < 1900:
        raise ValidationError(_("Birth date must be after 1900."), code=AccountErrorCode.TOO_OLD)


def default_avatar_url() -> str:
    """The picture of users who chose none, and of users shown without their own."""
    return static("img/default-avatar.svg")


class RubySoundUserManager(UserManager):
    """Usernames are unique regardless of case, so sign-in ignores case too."""

    def get_by_natural_key(self, username):
        if username and "@" in username:
            return self.get(email__iexact=username)
        return self.get(username_key=username_key_for(username or ""))


class Gender(models.TextChoices):
    UNSPECIFIED = "", _("Prefer not to say")
    FEMALE = "female", _("Female")
    MALE = "male", _("Male")
    NON_BINARY = "non_binary", _("Non-binary")
    OTHER = "other", _("Other")


class User(AbstractUser):
    username = models.CharField(
        _("username"),
        max_length=USERNAME_MAX_LENGTH,
        unique=True,
        validators=[username_validator, validate_username_not_reserved],
        help_text=_(
            "3 to 32 characters: letters of any alphabet, digits, dots, dashes and underscores."
        ),
        error_messages={"unique": _("That username is taken.")},
    )
    # username_key_for(username), kept by save(): the one case-insensitive identity of a
    # name in every script (the databases' own lower() folds ASCII only on SQLite).
    username_key = models.CharField(max_length=3 * USERNAME_MAX_LENGTH, unique=True, editable=False)
    email = models.EmailField(_("email address"), blank=True)
    avatar = models.ImageField(_("avatar"), upload_to="avatars/", blank=True)
    banner = models.ImageField(_("banner"), upload_to="banners/", blank=True)
    bio = models.TextField(
        _("bio"), blank=True, validators=[MaxLengthValidator(BIO_MAX_LENGTH)], max_length=500
    )
    gender = models.CharField(_("gender"), max_length=16, choices=Gender.choices, blank=True)
    country = CountryField(_("country"), blank=True)
    birth_date = models.DateField(
        _("birth date"), null=True, blank=True, validators=[validate_birth_date]
    )
    is_public_favorites = models.BooleanField(
        _("public favorites"),
        default=True,
        help_text=_("Anyone can see your favorites playlist and profile page."),
    )
    # Off until the user says otherwise: what someone listened to, and when, says more about
    # them than their favorites do, and accounts made before this switch never agreed to it.
    is_public_listening = models.BooleanField(
        _("public listening"),
        default=False,
        help_text=_("Your public profile shows your listening history and stats."),
    )
    # When the user's last open socket closed (see accounts.presence); written once per
    # going-offline, never per heartbeat.
    last_seen_at = models.DateTimeField(_("last seen"), null=True, blank=True, editable=False)

    objects = RubySoundUserManager()

    class Meta:
        constraints = [
            models.UniqueConstraint(Lower("username"), name="accounts_user_username_ci_unique"),
            models.UniqueConstraint(
                Lower("email"),
                condition=~models.Q(email=""),
                name="accounts_user_email_ci_unique",
            ),
        ]

    def __str__(self) -> str:
        return self.username

    def save(self, *args, **kwargs):
        self.username_key = username_key_for(self.username or "")
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "username" in update_fields:
            kwargs["update_fields"] = {*update_fields, "username_key"}
        super().save(*args, **kwargs)

    @property
    def avatar_url(self) -> str:
        return self.avatar.url if self.avatar else default_avatar_url()

    @property
    def has_public_profile(self) -> bool:
        """Whether others may open this user's profile page (``/u/<name>/``, 404 otherwise),
        and so see their name and picture where they liked or commented."""
        return self.is_active and self.is_public_favorites

    @property
    def shares_listening(self) -> bool:
        """Whether others may see this user's listens, top lists and heat map (on the
        profile and through the ListenBrainz routes): only from a public profile."""
        return self.has_public_profile and self.is_public_listening

    @property
    def profile_url(self) -> str:
        return f"/u/{self.username}/"

    @property
    def banner_url(self) -> str | None:
        return self.banner.url if self.banner else None


class AppPassword(models.Model):
    """A password for one device's Subsonic app, so the account password never leaves the
    browser. Subsonic token auth (``t = md5(secret + salt)``) needs the secret in clear, so it
    is stored encrypted with a key derived from SECRET_KEY (``accounts.secrets``), never
    hashed. Revoking deletes the row."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="app_passwords")
    name = models.CharField(_("name"), max_length=64)
    secret_encrypted = models.BinaryField(editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.user_id}: {self.name}"


class ApiKey(models.Model):
    """A random key an app sends as ``apiKey`` (the OpenSubsonic ``apiKeyAuthentication``
    extension). Only its SHA-256 is kept: the server never needs it back."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_keys")
    name = models.CharField(_("name"), max_length=64)
    key_sha256 = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.user_id}: {self.name}"
