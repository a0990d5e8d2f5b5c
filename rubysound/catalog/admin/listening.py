"""Listens in the admin: read-mostly, with raw ids (a select of every user and track would
not load on a real catalog)."""

from django.contrib import admin

from rubysound.catalog.models import Listen


@admin.register(Listen)
class ListenAdmin(admin.ModelAdmin):
    list_display = ("listened_at", "user", "track", "source")
    list_select_related = ("user", "track", "track__artist")
    list_filter = ("source",)
    search_fields = ("user__username", "track__title")
    raw_id_fields = ("user", "track")
    readonly_fields = ("created_at",)
    show_full_result_count = False
    list_per_page = 100
