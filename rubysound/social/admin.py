"""Social admin: playlists with their tracks, likes, comments, notifications; the tracks report.

Lists select what their rows show in the same query (a page costs the same few queries
whatever its length), user and track inputs are autocompletes, and full result counts are
skipped, as in the catalog admin.

Likes, comments and notifications are records of what people did: staff may view, search,
act on them in bulk and delete them, but not write them or rewrite them (see
``RecordAdmin``). A user's Favorites playlist goes only with its owner: its page has no delete
button, its delete page sends back to it, and the bulk delete action leaves it out (see
``PlaylistAdmin``); deleting the user in the admin deletes it along.

The tracks report lives under the playlist items' admin URLs
(``/admin/social/playlistitem/tracks-report/``), behind ``admin_view`` (staff only, others
to the login page) and the ``social.view_tracks_report`` permission (403 without it).
"""

import contextlib
import csv
from collections import defaultdict
from collections.abc import Iterable

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.actions import delete_selected as django_delete_selected
from django.contrib.admin.utils import unquote
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db.models import Count, IntegerField, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.text import Truncator

from rubysound.catalog.models import Track
from rubysound.core.timefmt import iso_utc

from .errors import CommentGone, TrackAlreadyInPlaylist, TrackNotInPlaylist
from .models import (
    Comment,
    CommentLike,
    Notification,
    Playlist,
    PlaylistItem,
    PlaylistLike,
    Rating,
    StarredAlbum,
    StarredArtist,
)
from .selectors import reports
from .services import comments as comment_services
from .services import notifications as notification_services
from .services import playlists as playlist_services
from .services.playlists import TrackRef
from .versions import playlists_changed

TRACKS_REPORT_PERMISSION = "social.view_tracks_report"
# Who may see the email addresses of the users listed in the report.
EMAIL_PERMISSION = "accounts.view_user"
EXCERPT_CHARS = 80
FAVORITES_KEPT = "Favorites are deleted only with their owner."


def _counted(count: int, singular: str, plural: str | None = None) -> str:
    return f"{count} {singular if count == 1 else plural or singular + 's'}"


def _count_subquery(model, field: str = "playlist"):
    """COUNT of ``model`` rows pointing at the outer row, as a subquery (no join blow-up)."""
    counted = (
        model.objects.filter(**{field: OuterRef("pk")})
        .order_by()
        .values(field)
        .annotate(count=Count("pk"))
        .values("count")
    )
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


class RecordAdmin(admin.ModelAdmin):
    """A record of what a user did: viewable, deletable, never added or edited here.

    ``has_change_permission`` without an object stays the user's own permission, so the
    bulk actions that need "change" remain available on the list.
    """

    show_full_result_count = False
    list_per_page = 100

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        if obj is not None:
            return False
        return super().has_change_permission(request)


# --- Playlists ------------------------------------------------------------------------------


class PublicFilter(admin.SimpleListFilter):
    """Public as visitors see it: Favorites follow the owner's profile switch."""

    title = "public"
    parameter_name = "public"

    def lookups(self, request, model_admin):
        return (("yes", "Public"), ("no", "Not public"))

    def queryset(self, request, queryset):
        public_ids = Playlist.objects.public().values("pk")
        if self.value() == "yes":
            return queryset.filter(pk__in=public_ids)
        if self.value() == "no":
            return queryset.exclude(pk__in=public_ids)
        return queryset


class TrackLink(forms.Widget):
    """Shows an item's track (already loaded with the item) as a link; no query, no input."""

    def __init__(self, track: Track):
        super().__init__()
        self.track = track

    def render(self, name, value, attrs=None, renderer=None):
        url = reverse("admin:catalog_track_change", args=[self.track.pk])
        return format_html('<a href="{}">{}</a>', url, self.track)


class PlaylistItemInlineForm(forms.ModelForm):
    class Meta:
        model = PlaylistItem
        fields = ("track",)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # A saved item keeps its track (remove it and add another instead). Showing the
        # loaded track instead of an autocomplete also spares one query per row.
        if self.instance.pk:
            self.fields["track"].disabled = True
            self.fields["track"].widget = TrackLink(self.instance.track)


class PlaylistItemFormSet(forms.BaseInlineFormSet):
    def clean(self):
        """Names the track that would be in the playlist twice (instead of "duplicate data")."""
        seen: set[int] = set()
        for form in self.forms:
            if not hasattr(form, "cleaned_data") or self._should_delete_form(form):
                continue
            track = form.cleaned_data.get("track")
            if track is None:
                continue
            if track.pk in seen:
                raise forms.ValidationError(
                    f"“{track}” is already in this playlist; a track appears only once."
                )
            seen.add(track.pk)
        super().clean()


class PlaylistItemInline(admin.TabularInline):
    model = PlaylistItem
    form = PlaylistItemInlineForm
    formset = PlaylistItemFormSet
    fields = ("position", "track", "added_at")
    readonly_fields = ("position", "added_at")
    autocomplete_fields = ("track",)
    ordering = ("position", "pk")
    extra = 0
    verbose_name = "track"
    verbose_name_plural = "tracks"

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("track__artist")


def _save_playlist_items(playlist: Playlist, formset) -> list[str]:
    """Applies the inline's removals and additions through the playlist services, which
    keep positions 0..n-1 and refuse a song already there. Returns what was not added."""
    formset.save(commit=False)  # fills deleted_objects and new_objects, writes nothing
    for item in formset.deleted_objects:
        with contextlib.suppress(TrackNotInPlaylist):  # removed meanwhile
            playlist_services.remove_track(playlist, TrackRef(track_id=item.track_id))
    refused = []
    for item in formset.new_objects:
        try:
            playlist_services.add_track(playlist, TrackRef(track_id=item.track_id))
        except TrackAlreadyInPlaylist as exc:
            refused.append(
                f"“{item.track}” was not added: the playlist already holds it "
                f"as “{exc.item.track}” (position {exc.item.position})."
            )
    return refused


@admin.register(Playlist)
class PlaylistAdmin(admin.ModelAdmin):
    list_display = (
        "title",
        "owner",
        "is_favorites",
        "is_public_display",
        "tracks_count",
        "likes_count",
        "updated_at",
    )
    list_select_related = ("owner",)
    list_filter = (PublicFilter, "visibility", "is_favorites")
    search_fields = ("title", "owner__username")
    autocomplete_fields = ("owner",)
    fields = (
        "owner",
        "title",
        "description",
        "visibility",
        "is_favorites",
        "is_public_display",
        "created_at",
        "updated_at",
    )
    inlines = (PlaylistItemInline,)
    actions = ("delete_selected",)  # ours, in place of the site's: see below
    show_full_result_count = False
    list_per_page = 100

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                tracks_total=_count_subquery(PlaylistItem),
                likes_total=_count_subquery(PlaylistLike),
            )
        )

    def get_fields(self, request, obj=None):
        if obj is not None and obj.is_favorites:
            # Ignored for Favorites: the owner's profile switch decides ("public" shows it).
            return [name for name in self.fields if name != "visibility"]
        return self.fields

    def get_readonly_fields(self, request, obj=None):
        fixed = ["is_favorites", "is_public_display", "created_at", "updated_at"]
        if obj is not None:
            fixed.append("owner")  # a playlist does not move between users
        return fixed

    @admin.display(description="tracks", ordering="tracks_total")
    def tracks_count(self, playlist: Playlist) -> int:
        return playlist.tracks_total

    @admin.display(description="likes", ordering="likes_total")
    def likes_count(self, playlist: Playlist) -> int:
        return playlist.likes_total

    @admin.display(boolean=True, description="public")
    def is_public_display(self, playlist: Playlist) -> bool | None:
        if playlist.pk is None:
            return None
        return playlist.is_public

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        # The owner's cached reads show the title and description edited here.
        playlists_changed(obj.owner_id)

    def save_formset(self, request, form, formset, change):
        if formset.model is PlaylistItem:
            for refusal in _save_playlist_items(form.instance, formset):
                self.message_user(request, refusal, messages.WARNING)
        else:
            super().save_formset(request, form, formset, change)

    # --- Favorites stay while their owner does ---------------------------------------------

    # Not ``has_delete_permission``: deleting a user in the admin asks it about the
    # Favorites that go along, and must be allowed to.

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None and obj.is_favorites:
            context["show_delete"] = False
        return super().render_change_form(request, context, add, change, form_url, obj)

    def delete_view(self, request, object_id, extra_context=None):
        playlist = self.get_object(request, unquote(object_id))
        if playlist is not None and playlist.is_favorites:
            self.message_user(request, FAVORITES_KEPT, messages.ERROR)
            return redirect(reverse("admin:social_playlist_change", args=[playlist.pk]))
        return super().delete_view(request, object_id, extra_context)

    def delete_model(self, request, obj):
        playlist_services.delete_playlist(obj)

    def delete_queryset(self, request, queryset):
        super().delete_queryset(request, queryset.filter(is_favorites=False))

    @admin.action(permissions=["delete"], description="Delete selected playlists")
    def delete_selected(self, request, queryset):
        """Django's delete action (confirmation page included) without the Favorites."""
        kept = queryset.filter(is_favorites=True).count()
        if kept:
            self.message_user(
                request,
                f"{_counted(kept, 'Favorites playlist')} kept: {FAVORITES_KEPT}",
                messages.WARNING,
            )
        deletable = queryset.filter(is_favorites=False)
        if not deletable.exists():
            return None
        return django_delete_selected(self, request, deletable)


# --- Playlist items and the tracks report ---------------------------------------------------


class TracksReportForm(forms.Form):
    top = forms.IntegerField(
        label="Top",
        min_value=1,
        max_value=reports.MAX_TOP,
        required=False,
        widget=forms.NumberInput(attrs={"placeholder": reports.DEFAULT_TOP, "size": 5}),
    )
    source = forms.ChoiceField(choices=[("", "Any source"), *Track.Source.choices], required=False)
    genre = forms.CharField(
        max_length=64,
        required=False,
        widget=forms.TextInput(attrs={"list": "report-genres", "placeholder": "Any genre"}),
    )

    def report_filters(self) -> dict:
        data = self.cleaned_data
        return {
            "top": data["top"] or reports.DEFAULT_TOP,
            "source": data["source"],
            "genre": data["genre"].strip(),
        }


def _csv_cell(value) -> str:
    """A cell a spreadsheet shows as text: tags and usernames cannot start a formula."""
    text = "" if value is None else str(value)
    if text[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + text
    return text


def _csv_response(filename: str, header: list[str], rows: Iterable[list]) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    writer = csv.writer(response)
    writer.writerow(header)
    for row in rows:
        writer.writerow([_csv_cell(value) for value in row])
    return response


@admin.register(PlaylistItem)
class PlaylistItemAdmin(admin.ModelAdmin):
    """Where tracks are kept; edited through their playlist, which keeps positions 0..n-1."""

    list_display = ("track", "playlist", "position", "added_at")
    list_select_related = ("track__artist", "playlist__owner")
    list_filter = ("playlist__is_favorites", "track__source")
    search_fields = (
        "track__title",
        "track__artist__name",
        "playlist__title",
        "playlist__owner__username",
    )
    show_full_result_count = False
    list_per_page = 100

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_urls(self):
        site = self.admin_site
        return [
            path(
                "tracks-report/",
                site.admin_view(self.tracks_report_view),
                name="social_tracks_report",
            ),
            path(
                "tracks-report/csv/",
                site.admin_view(self.tracks_report_csv_view),
                name="social_tracks_report_csv",
            ),
            path(
                "tracks-report/<int:track_id>/",
                site.admin_view(self.track_holders_view),
                name="social_tracks_report_track",
            ),
            path(
                "tracks-report/<int:track_id>/csv/",
                site.admin_view(self.track_holders_csv_view),
                name="social_tracks_report_track_csv",
            ),
            *super().get_urls(),
        ]

    # --- The report -------------------------------------------------------------------------

    def _require_report_permission(self, request) -> None:
        if not request.user.has_perm(TRACKS_REPORT_PERMISSION):
            raise PermissionDenied

    def _report_context(self, request, title: str) -> dict:
        return {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": title,
            "report_url": reverse("admin:social_tracks_report"),
        }

    def tracks_report_view(self, request):
        self._require_report_permission(request)
        form = TracksReportForm(request.GET)
        valid = form.is_valid()
        context = {
            **self._report_context(request, "Tracks report"),
            "form": form,
            "rows": reports.top_playlisted_tracks(**form.report_filters()) if valid else [],
            "filters": form.report_filters() if valid else None,
            "genres": reports.genre_names(),
            "max_top": reports.MAX_TOP,
            "csv_url": reverse("admin:social_tracks_report_csv")
            + (f"?{request.GET.urlencode()}" if request.GET else ""),
        }
        return TemplateResponse(
            request,
            "admin/social/tracks_report.html",
            context,
            status=200 if valid else 400,
        )

    def tracks_report_csv_view(self, request):
        self._require_report_permission(request)
        form = TracksReportForm(request.GET)
        if not form.is_valid():
            return self.tracks_report_view(request)  # the page, with the errors, as a 400
        rows = reports.top_playlisted_tracks(**form.report_filters())
        return _csv_response(
            "tracks-report.csv",
            [
                "rank",
                "track_id",
                "track",
                "artist",
                "album",
                "source",
                "distinct_users",
                "playlists",
                "favorites",
            ],
            (
                [
                    row.rank,
                    row.track.pk,
                    row.track.title,
                    row.track.artist.name,
                    row.track.album.title if row.track.album_id else "",
                    row.track.source,
                    row.distinct_users,
                    row.playlists,
                    row.favorites,
                ]
                for row in rows
            ),
        )

    # --- Who keeps one track ----------------------------------------------------------------

    def _holders(self, request, track_id: int):
        self._require_report_permission(request)
        track = get_object_or_404(Track.objects.select_related("artist", "album"), pk=track_id)
        with_email = request.user.has_perm(EMAIL_PERMISSION)
        holders = reports.track_holders(track, with_email=with_email)
        return track, with_email, holders

    def track_holders_view(self, request, track_id: int):
        track, with_email, holders = self._holders(request, track_id)
        totals = reports.track_totals(track)
        context = {
            **self._report_context(request, f"Who keeps {track}"),
            "track": track,
            "totals": totals,
            "holders": holders,
            "with_email": with_email,
            "more": max(0, totals.distinct_users - len(holders)),
            "csv_url": reverse("admin:social_tracks_report_track_csv", args=[track.pk]),
        }
        return TemplateResponse(request, "admin/social/tracks_report_track.html", context)

    def track_holders_csv_view(self, request, track_id: int):
        track, with_email, holders = self._holders(request, track_id)
        header = ["user_id", "username"]
        if with_email:
            header.append("email")
        header += ["playlists", "in_favorites", "first_added_at"]

        def row(holder: reports.Holder) -> list:
            cells = [holder.user_id, holder.username]
            if with_email:
                cells.append(holder.email)
            in_favorites = "yes" if holder.in_favorites else "no"
            return [*cells, holder.playlists, in_favorites, iso_utc(holder.first_added_at)]

        return _csv_response(
            f"track-{track.pk}-users.csv", header, (row(holder) for holder in holders)
        )


# --- Likes ----------------------------------------------------------------------------------


@admin.register(PlaylistLike)
class PlaylistLikeAdmin(RecordAdmin):
    list_display = ("user", "playlist", "created_at")
    list_select_related = ("user", "playlist__owner")
    list_filter = ("playlist__is_favorites",)
    search_fields = ("user__username", "playlist__title", "playlist__owner__username")
    raw_id_fields = ("playlist", "user")


@admin.register(StarredAlbum)
class StarredAlbumAdmin(RecordAdmin):
    list_display = ("user", "album", "starred_at")
    list_select_related = ("user", "album__artist")
    search_fields = ("user__username", "album__title")
    raw_id_fields = ("user", "album")


@admin.register(StarredArtist)
class StarredArtistAdmin(RecordAdmin):
    list_display = ("user", "artist", "starred_at")
    list_select_related = ("user", "artist")
    search_fields = ("user__username", "artist__name")
    raw_id_fields = ("user", "artist")


@admin.register(Rating)
class RatingAdmin(RecordAdmin):
    list_display = ("user", "value", "track", "album", "artist", "rated_at")
    list_select_related = ("user", "track__artist", "album__artist", "artist")
    list_filter = ("value",)
    search_fields = ("user__username",)
    raw_id_fields = ("user", "track", "album", "artist")


@admin.register(CommentLike)
class CommentLikeAdmin(RecordAdmin):
    list_display = ("user", "comment_excerpt", "comment_author", "created_at")
    list_select_related = ("user", "comment__author")
    search_fields = ("user__username", "comment__text", "comment__author__username")
    raw_id_fields = ("comment", "user")

    @admin.display(description="comment")
    def comment_excerpt(self, like: CommentLike) -> str:
        return Truncator(like.comment.text).chars(EXCERPT_CHARS)

    @admin.display(description="comment author", ordering="comment__author__username")
    def comment_author(self, like: CommentLike) -> str:
        return like.comment.author.username


# --- Comments -------------------------------------------------------------------------------


class DeletedFilter(admin.SimpleListFilter):
    title = "deleted"
    parameter_name = "deleted"

    def lookups(self, request, model_admin):
        return (("yes", "Deleted (tombstone)"), ("no", "Not deleted"))

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(deleted_at__isnull=False)
        if self.value() == "no":
            return queryset.filter(deleted_at__isnull=True)
        return queryset


class ThreadPlaceFilter(admin.SimpleListFilter):
    title = "place in thread"
    parameter_name = "place"

    def lookups(self, request, model_admin):
        return (("root", "Root comments"), ("reply", "Replies"))

    def queryset(self, request, queryset):
        if self.value() == "root":
            return queryset.filter(parent__isnull=True)
        if self.value() == "reply":
            return queryset.filter(parent__isnull=False)
        return queryset


@admin.register(Comment)
class CommentAdmin(RecordAdmin):
    list_display = ("id", "excerpt", "author", "playlist", "reply_to", "created_at", "deleted")
    list_display_links = ("id", "excerpt")
    ordering = ("-created_at", "-pk")
    list_select_related = ("author", "playlist__owner")
    list_filter = (DeletedFilter, ThreadPlaceFilter)
    search_fields = ("text", "author__username", "playlist__title", "playlist__owner__username")
    raw_id_fields = ("playlist", "author", "parent", "reply_to_user")
    actions = ("delete_as_author", "delete_selected")

    @admin.action(
        permissions=["delete"],
        description="Delete selected comments as their authors would (live)",
    )
    def delete_as_author(self, request, queryset):
        """Moderation through the same service as the API: viewers of the playlist see the
        comments go at once, and a root with other people's replies stays as a tombstone
        ("comment deleted") so their replies keep their thread."""
        comments = list(queryset.select_related("playlist", "author"))
        # Replies first: deleting a root first could take its author's replies along.
        comments.sort(key=lambda comment: (comment.parent_id is None, comment.pk))
        deleted: set[int] = set()
        tombstoned = gone = 0
        for comment in comments:
            if comment.pk in deleted:
                continue
            try:
                ids, tombstones = comment_services.delete_comment(
                    user=comment.author, playlist=comment.playlist, comment=comment
                )
            except CommentGone:
                gone += 1
                continue
            deleted.update(ids)
            tombstoned += len(tombstones)
        report = [f"{_counted(len(deleted), 'comment')} deleted"]
        if tombstoned:
            report.append(
                f"{_counted(tombstoned, 'root comment')} kept as a tombstone for the "
                "replies under it"
            )
        if gone:
            report.append(f"{gone} already deleted")
        self.message_user(request, "; ".join(report) + ".")

    @admin.action(
        permissions=["delete"],
        description="Delete selected comments and their replies outright",
    )
    def delete_selected(self, request, queryset):
        return django_delete_selected(self, request, queryset)

    @admin.display(description="text")
    def excerpt(self, comment: Comment) -> str:
        return Truncator(comment.text).chars(EXCERPT_CHARS)

    @admin.display(description="reply to")
    def reply_to(self, comment: Comment) -> str:
        return f"#{comment.parent_id}" if comment.parent_id else "–"

    @admin.display(boolean=True, description="deleted", ordering="deleted_at")
    def deleted(self, comment: Comment) -> bool:
        return comment.is_deleted


# --- Notifications --------------------------------------------------------------------------


class ReadFilter(admin.SimpleListFilter):
    title = "read"
    parameter_name = "read"

    def lookups(self, request, model_admin):
        return (("no", "Unread"), ("yes", "Read"))

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(read_at__isnull=False)
        if self.value() == "no":
            return queryset.filter(read_at__isnull=True)
        return queryset


@admin.register(Notification)
class NotificationAdmin(RecordAdmin):
    list_display = ("type", "recipient", "actor", "playlist", "comment", "created_at", "read")
    list_select_related = ("recipient", "actor", "playlist__owner", "comment")
    list_filter = ("type", ReadFilter)
    search_fields = ("recipient__username", "actor__username")
    raw_id_fields = ("recipient", "actor", "playlist", "comment")
    actions = ("mark_read",)

    @admin.display(boolean=True, description="read", ordering="read_at")
    def read(self, notification: Notification) -> bool:
        return notification.read_at is not None

    @admin.action(permissions=["change"], description="Mark selected notifications read")
    def mark_read(self, request, queryset):
        """Through the service the API uses, so the recipients' open pages update at once."""
        unread_by_recipient: dict[int, list[int]] = defaultdict(list)
        for recipient_id, pk in (
            queryset.filter(read_at__isnull=True).order_by().values_list("recipient_id", "pk")
        ):
            unread_by_recipient[recipient_id].append(pk)
        recipients = get_user_model().objects.in_bulk(list(unread_by_recipient))
        marked = sum(
            notification_services.mark_read(recipients[recipient_id], ids)
            for recipient_id, ids in unread_by_recipient.items()
        )
        self.message_user(request, f"{_counted(marked, 'notification')} marked read.")
