import datetime

from django.contrib.auth.models import AbstractUser, UserManager
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator, RegexValidator
from django.db import models
from django.db.models.functions import Lower
from django.templatetags.static import static
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField

USERNAME_PATTERN = r"^[A-Za-z0-9_.-]{3,32}$"
BIO_MAX_LENGTH = 500

username_validator = RegexValidator(
    USERNAME_PATTERN,
    _("Use 3 to 32 characters: letters, digits, dots, dashes and underscores."),
    code="invalid_username",
)

# Names that are routes beside /u/<username>/ and /api/playlists/public/<username>/.
RESERVED_USERNAMES = frozenset({"trending", "me", "admin", "api", "static", "media", "ws"})


def validate_username_not_reserved(value: str) -> None:
    if value.lower() in RESERVED_USERNAMES:
        raise ValidationError(_("That username is reserved."), code="reserved_username")


def validate_birth_date(value: datetime.date) -> None:
    today = timezone.now().date()
    if value > today:
        raise ValidationError(_("Birth date cannot be in the future."), code="future_date")
    if value.year < 1900:
        raise ValidationError(_("Birth date must be after 1900."), code="too_old")


class RubySoundUserManager(UserManager):
    """Usernames are unique regardless of case, so sign-in ignores case too."""

    def get_by_natural_key(self, username):
        if username and "@" in username:
            return self.get(email__iexact=username)
        return self.get(username__iexact=username)


class Gender(models.TextChoices):
    UNSPECIFIED = "", _("Prefer not to say")
    FEMALE = "female", _("Female")
    MALE = "male", _("Male")
    NON_BINARY = "non_binary", _("Non-binary")
    OTHER = "other", _("Other")


class User(AbstractUser):
    username = models.CharField(
        _("username"),
        max_length=32,
        unique=True,
        validators=[username_validator, validate_username_not_reserved],
        help_text=_("3 to 32 characters: letters, digits, dots, dashes and underscores."),
        error_messages={"unique": _("That username is taken.")},
    )
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

    @property
    def avatar_url(self) -> str:
        return self.avatar.url if self.avatar else static("img/default-avatar.svg")

    @property
    def profile_url(self) -> str:
        return f"/u/{self.username}/"

    @property
    def banner_url(self) -> str | None:
        return self.banner.url if self.banner else None
