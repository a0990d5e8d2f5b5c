"""Catalog admin: fast lists on large catalogs of artists, albums, tracks and genres.

Lists select their foreign keys in the same query, foreign-key inputs are autocompletes or
raw ids (never a <select> of a million tracks), and full result counts are skipped.
"""

from pathlib import Path

from django.contrib import admin, messages
from django.db import models
from django.db.models import Q

from rubysound.catalog import version as catalog_version
from rubysound.catalog.admin.uploads import MESSAGES_SHOWN, AudioUploadMixin
from rubysound.catalog.library.ingest import delete_library_tracks
from rubysound.catalog.library.scan_targets import ScanError, ScanTarget
from rubysound.catalog.library.scanner import scan_library
from rubysound.catalog.models import Album, Artist, Genre, Track


@admin.register(Genre)
class GenreAdmin(admin.ModelAdmin):
    list_display = ("name", "slug")
    search_fields = ("name", "slug")
    ordering = ("name",)


class CatalogChangesMixin:
    """Edits and deletions made here change what searches find: they bump the catalog
    version (``catalog_version``), like the scanner's writes do."""

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        catalog_version.changed()

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        catalog_version.changed()

    def delete_queryset(self, request, queryset):
        super().delete_queryset(request, queryset)
        catalog_version.changed()


@admin.register(Artist)
class ArtistAdmin(CatalogChangesMixin, admin.ModelAdmin):
    list_display = ("name", "sort_name", "mbid", "created_at")
    search_fields = ("name", "name_key", "=mbid")
    readonly_fields = ("name_key", "created_at", "updated_at")
    show_full_result_count = False
    list_per_page = 100


class HasCoverFilter(admin.SimpleListFilter):
    title = "cover"
    parameter_name = "has_cover"

    def lookups(self, request, model_admin):
        return (("yes", "With a cover"), ("no", "Without a cover"))

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.exclude(cover="")
        if self.value() == "no":
            return queryset.filter(cover="")
        return queryset


@admin.register(Album)
class AlbumAdmin(CatalogChangesMixin, admin.ModelAdmin):
    list_display = ("title", "artist", "year", "has_cover")
    list_select_related = ("artist",)
    list_filter = (HasCoverFilter,)
    search_fields = ("title", "artist__name", "=mbid")
    autocomplete_fields = ("artist",)
    readonly_fields = ("title_key", "created_at", "updated_at")
    show_full_result_count = False
    list_per_page = 100

    @admin.display(boolean=True, description="cover")
    def has_cover(self, album: Album) -> bool:
        return bool(album.cover)


@admin.register(Track)
class TrackAdmin(CatalogChangesMixin, AudioUploadMixin, admin.ModelAdmin):
    list_display = (
        "title",
        "artist",
        "album_title",
        "disc_number",
        "track_number",
        "format",
        "duration_display",
        "source",
    )
    list_select_related = ("artist", "album")
    list_filter = ("source", "format", "genres")
    search_fields = ("title", "artist__name", "album__title", "=path")
    autocomplete_fields = ("artist", "album")
    filter_horizontal = ("genres",)
    readonly_fields = (
        "title_key",
        "library_root",
        "path",
        "format",
        "codec",
        "bitrate",
        "sample_rate",
        "channels",
        "size",
        "mtime",
        "content_hash",
        "waveform",
        "created_at",
        "updated_at",
    )
    show_full_result_count = False
    list_per_page = 100
    actions = ("reread_files", "remove_tracks_without_file")
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}

    @admin.display(description="album", ordering="album__title_key")
    def album_title(self, track: Track) -> str:
        return track.album.title if track.album_id else "–"

    @admin.display(description="duration", ordering="duration")
    def duration_display(self, track: Track) -> str:
        if track.duration is None:
            return "–"
        minutes, seconds = divmod(round(track.duration), 60)
        return f"{minutes}:{seconds:02d}"

    # --- Actions ----------------------------------------------------------------------------

    @admin.action(description="Re-read tags of the selected tracks' files")
    def reread_files(self, request, queryset):
        tracks = list(
            queryset.filter(source=Track.Source.LIBRARY)
            .exclude(Q(library_root="") | Q(path=""))
            .order_by()
            .values_list("library_root", "path")
        )
        targets = [ScanTarget(Path(root), rel, True) for root, rel in tracks]
        reachable = [t for t in targets if t.root.is_dir()]
        try:
            summary = scan_library(targets=reachable, force=True) if reachable else None
        except ScanError as exc:
            self.message_user(request, f"Nothing re-read: {exc}", messages.ERROR)
            return
        skipped = queryset.count() - len(reachable)
        if summary is None:
            self.message_user(request, "No library file among the selection.", messages.WARNING)
            return
        self.message_user(
            request,
            f"Re-read {len(reachable)} file(s): {summary.updated} updated, "
            f"{summary.added} added, {len(summary.failed)} failed"
            + (f"; {skipped} skipped (no file in a library folder)" if skipped else "")
            + ".",
            messages.WARNING if summary.failed else messages.SUCCESS,
        )
        for issue in summary.failed[:MESSAGES_SHOWN]:
            self.message_user(request, f"Failed: {issue}", messages.ERROR)

    @admin.action(description="Remove selected tracks whose file is gone")
    def remove_tracks_without_file(self, request, queryset):
        rows = queryset.filter(source=Track.Source.LIBRARY).order_by()
        gone = [
            pk
            for pk, root, rel in rows.values_list("pk", "library_root", "path")
            if not (Path(root) / rel).is_file()
        ]
        kept = queryset.count() - len(gone)
        removed = delete_library_tracks(gone) if gone else 0
        self.message_user(
            request,
            f"Removed {removed} track(s) whose file is gone; kept {kept} "
            "(file present, or not a library track).",
            messages.SUCCESS,
        )
