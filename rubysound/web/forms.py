from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from rubysound.accounts.images import AVATAR, BANNER, ImageSpec, process_image
from rubysound.accounts.models import User, username_validator
from rubysound.accounts.services import PROFILE_FIELDS


class SignupForm(forms.Form):
    username = forms.CharField(
        label=_("Username"),
        max_length=32,
        validators=[username_validator],
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
    avatar = _ImageField(
        AVATAR, label=_("Avatar"), widget=forms.FileInput(attrs={"accept": "image/*"})
    )
    banner = _ImageField(
        BANNER, label=_("Banner"), widget=forms.FileInput(attrs={"accept": "image/*"})
    )

    class Meta:
        model = User
        fields = list(PROFILE_FIELDS)
        widgets = {
            "birth_date": forms.DateInput(attrs={"type": "date"}),
            "bio": forms.Textarea(attrs={"rows": 4, "maxlength": 500}),
        }

    def changes(self) -> dict:
        """The cleaned values to hand to the profile service (new images only when given)."""
        data = {name: self.cleaned_data[name] for name in self.Meta.fields}
        for name in ("avatar", "banner"):
            if self.cleaned_data.get(name) is not None:
                data[name] = self.cleaned_data[name]
        return data
