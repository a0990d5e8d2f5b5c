from django import forms
from django.contrib.auth import forms as auth_forms
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm, SetPasswordForm
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from rubysound.accounts import services
from rubysound.accounts.models import AppPassword, User, username_validator
from rubysound.accounts.services import AVATAR, BANNER, PROFILE_FIELDS, ImageSpec, process_image


class SignupForm(forms.Form):
    username = forms.CharField(
        label=_("Username"),
        max_length=32,
        validators=[username_validator],
        # The rule as the model states it, so the hint and the refusal never disagree.
        help_text=User._meta.get_field("username").help_text,
        widget=forms.TextInput(attrs={"autocomplete": "username", "autofocus": True}),
    )
    email = forms.EmailField(
        label=_("Email"), widget=forms.EmailInput(attrs={"autocomplete": "email"})
    )
    password1 = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    password2 = forms.CharField(
        label=_("Repeat password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    is_public_favorites = forms.BooleanField(
        label=_("Let anyone see my favorites"), required=False, initial=True
    )

    def clean(self):
        data = super().clean()
        if data.get("password1") and data.get("password1") != data.get("password2"):
            self.add_error("password2", _("The two passwords do not match."))
        return data


class LoginForm(AuthenticationForm):
    error_messages = {
        **AuthenticationForm.error_messages,
        # Usernames and emails are matched regardless of case here; only the password is not.
        "invalid_login": _(
            "That username or email and password do not match. Passwords are case-sensitive."
        ),
    }
    remember_me = forms.BooleanField(label=_("Keep me signed in"), required=False, initial=True)

    def __init__(self, request=None, *args, **kwargs):
        super().__init__(request, *args, **kwargs)
        username = self.fields["username"]
        username.label = _("Username or email")
        # Django sizes this field for the username (32); it also takes an email address.
        username.max_length = 254
        username.widget.attrs["maxlength"] = 254


class PasswordResetRequestForm(PasswordResetForm):
    email = forms.EmailField(
        label=_("Email"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email", "autofocus": True}),
    )


class SetNewPasswordForm(SetPasswordForm):
    """Django's form, its password saved through the accounts service like any change."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["new_password1"].label = _("New password")
        self.fields["new_password2"].label = _("Repeat the new password")

    def save(self, commit=True):
        services.change_password(self.user, self.cleaned_data["new_password1"])
        services.clear_login_failures(self.user)
        return self.user


class _ImageField(forms.FileField):
    def __init__(self, spec: ImageSpec, **kwargs):
        self.spec = spec
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    def clean(self, data, initial=None):
        upload = super().clean(data, initial)
        if not upload or upload is initial:
            return None
        try:
            return process_image(upload, self.spec)
        except ValidationError as exc:
            raise forms.ValidationError(exc.messages) from None


class ProfileForm(forms.ModelForm):
    """Settings > Profile: what others see about you (privacy has its own section)."""

    avatar = _ImageField(
        AVATAR,
        label=_("Avatar"),
        help_text=_("A square picture works best: JPEG, PNG or WebP."),
        widget=forms.FileInput(attrs={"accept": "image/*", "class": "file-input"}),
    )
    banner = _ImageField(
        BANNER,
        label=_("Banner"),
        help_text=_("A wide picture shown above your public profile."),
        widget=forms.FileInput(attrs={"accept": "image/*", "class": "file-input"}),
    )

    class Meta:
        model = User
        fields = [
            name
            for name in PROFILE_FIELDS
            if name not in ("is_public_favorites", "is_public_listening")
        ]
        widgets = {
            "birth_date": forms.DateInput(attrs={"type": "date"}),
            "bio": forms.Textarea(attrs={"rows": 4, "maxlength": 500}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        country = self.fields["country"]
        # Not Django's "---------": say what choosing nothing means.
        country.choices = [("", _("Not specified")), *list(country.choices)[1:]]
        self.fields["bio"].help_text = _("Up to 500 characters, shown on your public profile.")

    def changes(self) -> dict:
        """The cleaned values to hand to the profile service (new images only when given)."""
        data = {name: self.cleaned_data[name] for name in self.Meta.fields}
        for name in ("avatar", "banner"):
            if self.cleaned_data.get(name) is not None:
                data[name] = self.cleaned_data[name]
        return data


class PrivacyForm(forms.Form):
    is_public_favorites = forms.BooleanField(
        label=_("Public profile"),
        required=False,
        help_text=_(
            "Anyone can see your Favorites and profile page, like them and comment. "
            "Switched off, only you can see them."
        ),
    )
    is_public_listening = forms.BooleanField(
        label=_("Show my listening history and stats on my profile"),
        required=False,
        help_text=_(
            "What you are playing now, your recent listens, top artists and tracks and your "
            "listening hours, on your public profile and to ListenBrainz and Subsonic apps that "
            "ask for them. Needs a public profile."
        ),
    )


class UsernameForm(forms.Form):
    username = forms.CharField(
        label=_("Username"),
        max_length=32,
        validators=[username_validator],
        help_text=User._meta.get_field("username").help_text,
        widget=forms.TextInput(attrs={"autocomplete": "username"}),
    )


class EmailChangeForm(forms.Form):
    """A new email address, confirmed with the password: it is where resets are sent."""

    email = forms.EmailField(
        label=_("Email"), widget=forms.EmailInput(attrs={"autocomplete": "email"})
    )
    current_password = forms.CharField(
        label=_("Current password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    def __init__(self, user, *args, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)

    def clean_current_password(self):
        password = self.cleaned_data["current_password"]
        if not self.user.check_password(password):
            raise forms.ValidationError(_("That is not your current password."))
        return password


class PasswordChangeForm(auth_forms.PasswordChangeForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Django autofocuses the old password: the page would open scrolled to this form.
        self.fields["old_password"].widget.attrs.pop("autofocus", None)


class AppCredentialForm(forms.Form):
    """The name of a new app password or API key: which device or app it is for."""

    name = forms.CharField(
        label=pgettext_lazy("what an app password or API key is called", "Name"),
        max_length=AppPassword._meta.get_field("name").max_length,
        help_text=_("The device or app it is for, e.g. “Phone – Symfonium”."),
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )


class ListenBrainzLinkForm(forms.Form):
    """A ListenBrainz user token, and the server it belongs to when not ListenBrainz's."""

    token = forms.CharField(
        label=_("User token"),
        max_length=255,
        help_text=_("From your ListenBrainz settings: “User token”."),
        # The token is never sent back to the browser, not even on a refused form.
        widget=forms.PasswordInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    base_url = forms.CharField(
        label=_("Your ListenBrainz server (optional)"),
        max_length=255,
        required=False,
        help_text=_("Only for your own server (a self-hosted ListenBrainz or Maloja)."),
        widget=forms.URLInput(attrs={"autocomplete": "url", "placeholder": "https://"}),
    )
