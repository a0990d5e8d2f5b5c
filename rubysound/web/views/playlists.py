"""``/playlists/``: the signed-in user's playlists, one of them open with its tracks.

Everything works as plain forms (and so with htmx boosting them): creating, editing and
deleting playlists, removing and moving tracks are POSTs answered with a redirect back to the
page. ``components/playlists.js`` enhances the page: moves (buttons and drag and drop) go
through ``PATCH /api/playlists/<id>/tracks/`` without reloading, and are undone on screen
with a message when the server refuses them.
"""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.csrf import ensure_csrf_cookie
from django.views.decorators.http import require_GET, require_POST

from rubysound.catalog import selectors as catalog
from rubysound.core.http.caching import private
from rubysound.core.http.redirects import safe_next
from rubysound.social.errors import TrackNotInPlaylist
from rubysound.social.models import DESCRIPTION_MAX_LENGTH, TITLE_MAX_LENGTH, Playlist
from rubysound.social.selectors import playlists as selectors
from rubysound.social.selectors.access import access_playlist
from rubysound.social.services import playlists as services

# Tracks shown per page of a playlist; moves by button or drag stay within a page.
TRACKS_PER_PAGE = 200
# The owner's search on the playlist page ("find"): this many matches, each with an Add button.
FIND_RESULTS = 20
FIND_MAX_LENGTH = 200
YEAR_MAX = 9999

SORT_CHOICES = [
    (selectors.SORT_POSITION, gettext_lazy("Playlist order")),
    (selectors.SORT_NEWEST, gettext_lazy("Newest added first")),
    (selectors.SORT_OLDEST, gettext_lazy("Oldest added first")),
]
VISIBILITY_CHOICES = [
    (Playlist.Visibility.PRIVATE, gettext_lazy("Only me")),
    (Playlist.Visibility.PUBLIC, gettext_lazy("Anyone (public)")),
]


def _relative(url: str) -> str:
    """Track objects keep our own site-relative URLs on the page (no host baked in)."""
    return url or ""


# --- Forms ---------------------------------------------------------------------------------


class PlaylistForm(forms.Form):
    title = forms.CharField(
        label=gettext_lazy("Title"),
        max_length=TITLE_MAX_LENGTH,
        error_messages={
            "required": gettext_lazy("Give the playlist a title."),
            "max_length": gettext_lazy("That title is too long (at most %(limit_value)d)."),
        },
    )
    description = forms.CharField(
        label=gettext_lazy("Description"),
        max_length=DESCRIPTION_MAX_LENGTH,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    visibility = forms.ChoiceField(
        label=gettext_lazy("Who can see it"),
        choices=VISIBILITY_CHOICES,
        initial=Playlist.Visibility.PRIVATE,
    )

    def __init__(self, *args, favorites: bool = False, prefix: str | None = None, **kwargs):
        super().__init__(*args, prefix=prefix, **kwargs)
        if favorites:
            # Favorites follow the profile's privacy switch (the page says so).
            del self.fields["visibility"]


class TrackFilterForm(forms.Form):
    """The GET form narrowing the open playlist's tracks; empty fields mean no filter."""

    artist = forms.CharField(label=gettext_lazy("Artist"), required=False, max_length=255)
    year_from = forms.IntegerField(
        label=gettext_lazy("Year from"), required=False, min_value=0, max_value=YEAR_MAX
    )
    year_to = forms.IntegerField(
        label=gettext_lazy("Year to"), required=False, min_value=0, max_value=YEAR_MAX
    )
    sort = forms.ChoiceField(label=gettext_lazy("Sort"), choices=SORT_CHOICES, required=False)

    def clean(self):
        data = super().clean()
        low, high = data.get("year_from"), data.get("year_to")
        if low is not None and high is not None and low > high:
            raise forms.ValidationError(_("“Year from” must not be after “Year to”."))
        return data

    def item_filters(self) -> selectors.ItemFilters:
        """The filters when the form is valid, else none at all (the errors are shown)."""
        if not self.is_valid():
            return selectors.ItemFilters()
        data = self.cleaned_data
        return selectors.ItemFilters(
            artist=(data.get("artist") or "").strip(),
            year_from=data.get("year_from"),
            year_to=data.get("year_to"),
            sort=data.get("sort") or selectors.SORT_POSITION,
        )


# --- Reading ---------------------------------------------------------------------------------


def _with_form_errors(request, pk: int | None = None, **forms_with_errors):
    """The page again with the refused form's messages: 400, except to htmx, which swaps it
    in either way but reports a 4xx as a script error. htmx would also show the form's
    action (``/playlists/new/``) as the page's address: it keeps the page's own instead."""
    htmx = request.headers.get("HX-Request") == "true"
    response = _render_page(request, pk, status=200 if htmx else 400, **forms_with_errors)
    if htmx:
        response["HX-Replace-Url"] = f"/playlists/{pk}/" if pk is not None else "/playlists/"
    return response


def _page_url(playlist: Playlist | None) -> str:
    return f"/playlists/{playlist.pk}/" if playlist is not None else "/playlists/"


def _render_page(
    request,
    pk: int | None = None,
    *,
    create_form: PlaylistForm | None = None,
    edit_form: PlaylistForm | None = None,
    status: int = 200,
):
    user = request.user
    playlists = list(selectors.playlists_of(user))
    if pk is None:
        selected = playlists[0] if playlists else None
    else:
        selected = next((playlist for playlist in playlists if playlist.pk == pk), None)
        if selected is None:
            # Someone else's public playlist can be read (not changed); a private one, or a
            # missing one, is the 404 page alike.
            selected = access_playlist(user, pk)
    is_owner = selected is not None and selected.owner_id == user.pk

    filter_form = TrackFilterForm(request.GET or None)
    filters = filter_form.item_filters()
    filtered = filters != selectors.ItemFilters()
    tracks, page = [], None
    if selected is not None:
        paginator = Paginator(selectors.filtered_items(selected, filters), TRACKS_PER_PAGE)
        page = paginator.get_page(request.GET.get("page"))
        tracks = [track.as_json(_relative) for track in selectors.playlist_tracks(page.object_list)]

    if selected is not None and is_owner and edit_form is None:
        edit_form = PlaylistForm(
            initial={
                "title": selected.title,
                "description": selected.description,
                "visibility": selected.visibility,
            },
            favorites=selected.is_favorites,
            prefix="edit",
        )
    find = " ".join(request.GET.get("find", "").split())[:FIND_MAX_LENGTH] if is_owner else ""
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "find": find,
        "found": _found(selected, find) if find else [],
        "playlists": playlists,
        "selected": selected,
        "is_owner": is_owner,
        "tracks": tracks,
        "page": page,
        "page_query": query.urlencode(),
        "filter_form": filter_form,
        "filtered": filtered,
        "can_reorder": is_owner and not filtered and len(tracks) > 1,
        "last_position": (selected.tracks_count - 1) if selected is not None else 0,
        "create_form": create_form or PlaylistForm(prefix="new"),
        "edit_form": edit_form,
        "page_url": _page_url(selected),
        "config": {
            "playlistId": selected.pk if selected is not None else None,
            "canReorder": is_owner and not filtered and len(tracks) > 1,
            # The playlist position of the first row shown (pages after the first).
            "offset": (page.start_index() - 1) if page is not None and tracks else 0,
            "total": selected.tracks_count if selected is not None else 0,
            "text": {
                "moved": _("Moved “%(title)s” to position %(position)s of %(count)s."),
                "failed": _(
                    "The new order could not be saved, so the previous order is back. %(reason)s"
                ),
                "offline": _("You seem to be offline."),
                "signIn": _("Your session has ended: sign in again."),
            },
        },
    }
    return render(request, "web/playlists.html", context, status=status)


def _found(playlist: Playlist, find: str) -> list[dict]:
    """The library's tracks matching the owner's search on the playlist page, each marked
    ``in_playlist`` when the playlist holds it already."""
    rows = [
        card.as_json(_relative)
        for card in catalog.library_tracks(find, limit=FIND_RESULTS).cards
        if card.id is not None
    ]
    present = selectors.tracks_in(playlist, [row["id"] for row in rows])
    for row in rows:
        row["in_playlist"] = row["id"] in present
    return rows


@require_GET
@private  # personal, and it carries a CSRF token
@login_required
@ensure_csrf_cookie  # the page's script sends the token with its API calls
def playlists_page(request, pk: int | None = None):
    return _render_page(request, pk)


# --- Writing -----------------------------------------------------------------------------------


def _back(request, playlist: Playlist):
    """Back to the playlist page, keeping its filters when the form sent them along."""
    page = _page_url(playlist)
    target = safe_next(request, page)
    # Only this playlist's own page.
    return redirect(target if target.startswith(page) else page)


@require_POST
@login_required
def create_playlist(request):
    form = PlaylistForm(request.POST, prefix="new")
    if not form.is_valid():
        return _with_form_errors(request, create_form=form)
    playlist = services.create_playlist(
        request.user,
        title=form.cleaned_data["title"].strip(),
        description=form.cleaned_data["description"].strip(),
        visibility=form.cleaned_data["visibility"],
    )
    messages.success(request, _("Playlist “%(title)s” created.") % {"title": playlist.title})
    return redirect(_page_url(playlist))


@require_POST
@login_required
def edit_playlist(request, pk: int):
    playlist = access_playlist(request.user, pk, owner_only=True)
    form = PlaylistForm(request.POST, favorites=playlist.is_favorites, prefix="edit")
    if not form.is_valid():
        return _with_form_errors(request, pk, edit_form=form)
    services.update_playlist(
        playlist,
        title=form.cleaned_data["title"].strip(),
        description=form.cleaned_data["description"].strip(),
        visibility=form.cleaned_data.get("visibility"),
    )
    messages.success(request, _("Playlist saved."))
    return redirect(_page_url(playlist))


@require_POST
@login_required
def delete_playlist(request, pk: int):
    playlist = access_playlist(request.user, pk, owner_only=True)
    if playlist.is_favorites:
        messages.error(request, _("Favorites cannot be deleted."))
        return redirect(_page_url(playlist))
    title = playlist.title
    services.delete_playlist(playlist)
    messages.success(request, _("Playlist “%(title)s” deleted.") % {"title": title})
    return redirect("/playlists/")


def _track_id(request) -> int | None:
    try:
        value = int(request.POST.get("track_id", ""))
    except ValueError:
        return None
    return value if value > 0 else None


@require_POST
@login_required
def playlist_track_action(request, pk: int):
    """Remove a track, or move it one place up or down (the page's buttons without JS)."""
    playlist = access_playlist(request.user, pk, owner_only=True)
    track_id = _track_id(request)
    action = request.POST.get("action", "")
    if track_id is None or action not in {"remove", "up", "down"}:
        messages.error(request, _("That did not work. Please try again."))
        return _back(request, playlist)
    item = selectors.playlist_items(playlist).filter(track_id=track_id).first()
    if item is None:  # the page was older than the playlist
        messages.error(request, TrackNotInPlaylist.page_message)
    elif action == "remove":
        item = services.remove_track(playlist, services.TrackRef(track_id=track_id))
        messages.success(request, _("Removed “%(title)s”.") % {"title": item.track.title})
    else:
        position = item.position - 1 if action == "up" else item.position + 1
        services.move_track(playlist, track_id=track_id, position=max(position, 0))
    return _back(request, playlist)
