from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.utils.translation import gettext_lazy as _

from .models import User, normalize_username, username_key_for
from .services import PROFILE_DETAIL_FIELDS


class _UsernameInAnyCase:
    """The admin's forms check a name as sign-up does (NFKC, any case in any script):
    Django's own check folds ASCII only on SQLite, and the database would answer a 500."""

    def clean_username(self):
        name = normalize_username(self.cleaned_data.get("username") or "")
        others = User.objects.exclude(pk=self.instance.pk) if self.instance.pk else User.objects
        if others.filter(username_key=username_key_for(name)).exists():
            raise forms.ValidationError(_("That username is taken."), code="unique")
        return name


class RubySoundUserCreationForm(_UsernameInAnyCase, AdminUserCreationForm):
    class Meta(AdminUserCreationForm.Meta):
        model = User


class RubySoundUserChangeForm(_UsernameInAnyCase, UserChangeForm):
    class Meta(UserChangeForm.Meta):
        model = User


@admin.register(User)
class RubySoundUserAdmin(UserAdmin):
    form = RubySoundUserChangeForm
    add_form = RubySoundUserCreationForm
    list_display = ("username", "email", "is_public_favorites", "is_staff", "date_joined")
    list_filter = ("is_staff", "is_superuser", "is_active", "is_public_favorites")
    search_fields = ("username", "email", "first_name", "last_name")
    fieldsets = (
        *UserAdmin.fieldsets,
        (
            "Profile",
            {"fields": ("avatar", "banner", *PROFILE_DETAIL_FIELDS)},
        ),
    )
