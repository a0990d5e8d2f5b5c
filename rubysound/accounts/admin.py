from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from .models import User
from .services import PROFILE_DETAIL_FIELDS


@admin.register(User)
class RubySoundUserAdmin(UserAdmin):
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
