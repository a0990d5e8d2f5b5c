"""Putting tracks into playlists from anywhere: a track's menu, "Add all", a playlist's search.

Plain forms first, so everything works without scripts:

- ``GET /tracks/<id>/add-to-playlist/`` (or ``/tracks/add-to-playlist/?track=1&track=2``): a
  page listing the user's playlists, each a POST button, and a "New playlist" form.
- ``POST /playlists/<id>/add/`` (``track`` once or more, ``next``): appends the tracks.
- ``POST /playlists/add-to-new/`` (``title``, ``track``…, ``next``): a new playlist with them.

Each POST goes back to ``next`` with a message saying what happened (added, or already
there). ``components/track-menu.js`` shows the same picker inside the track's menu (it fetches
this page's picker) and sends the same forms without leaving the page, reading the message
from the page the redirect leads to.
"""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_GET, require_POST

from rubysound.catalog import selectors as catalog
from rubysound.core.http.caching import private
from rubysound.core.http.redirects import SeeOther, safe_next
from rubysound.social.errors import TrackNotFound
from rubysound.social.models import TITLE_MAX_LENGTH, Playlist
from rubysound.social.selectors import playlists as selectors
from rubysound.social.selectors.access import access_playlist
from rubysound.social.services import playlists as services

ID_MAX = 2**31 - 1


class NewPlaylistForm(forms.Form):
    title = forms.CharField(
        label=gettext_lazy("New playlist"),
        max_length=TITLE_MAX_LENGTH,
        error_messages={
            "required": gettext_lazy("Give the playlist a title."),
            "max_length": gettext_lazy("That title is too long (at most %(limit_value)d)."),
        },
    )


def track_ids_of(values: list[str]) -> list[int]:
    """The positive integer ids among ``values`` (a form's repeated ``track``), in order;
    anything else is dropped. At most ``services.MAX_TRACKS_PER_ADD`` + 1 are read: one
    more than allowed is enough for the service to refuse the request."""
    ids = []
    for value in values[: services.MAX_TRACKS_PER_ADD + 1]:
        value = value.strip()
        if value.isascii() and value.isdigit() and 0 < int(value) <= ID_MAX:
            ids.append(int(value))
    return ids


def _posted_track_ids(request) -> list[int]:
    ids = track_ids_of(request.POST.getlist("track"))
    if not ids:
        raise TrackNotFound
    return ids


def _say_added(request, playlist: Playlist, result: services.TracksAdded) -> None:
    title = playlist.title
    added, already = result.added, result.already
    if len(added) == 1:
        messages.success(
            request,
            _("Added “%(track)s” to “%(playlist)s”.")
            % {"track": added[0].track.title, "playlist": title},
        )
    elif added:
        messages.success(
            request,
            ngettext(
                "Added %(count)s track to “%(playlist)s”.",
                "Added %(count)s tracks to “%(playlist)s”.",
                len(added),
            )
            % {"count": len(added), "playlist": title},
        )
    if len(already) == 1 and not added:
        messages.info(
            request,
            _("“%(track)s” is already in “%(playlist)s”.")
            % {"track": already[0].title, "playlist": title},
        )
    elif already:
        messages.info(
            request,
            ngettext(
                "%(count)s track was already in “%(playlist)s” and was left out.",
                "%(count)s tracks were already in “%(playlist)s” and were left out.",
                len(already),
            )
            % {"count": len(already), "playlist": title},
        )


@require_GET
@private
@login_required
def add_picker(request, pk: int | None = None):
    """The user's playlists to put one track (``pk``) or several (``?track=``) into."""
    ids = [pk] if pk is not None else track_ids_of(request.GET.getlist("track"))
    ids = ids[: services.MAX_TRACKS_PER_ADD]
    tracks = catalog.tracks_named(ids)
    if not tracks:
        raise Http404
    fallback = f"/albums/{tracks[0].album_id}/" if tracks[0].album_id else "/"
    return render(
        request,
        "web/add_to_playlist.html",
        {
            "tracks": tracks,
            "playlists": list(selectors.playlists_of(request.user)),
            "next": safe_next(request, fallback),
            "new_form": NewPlaylistForm(),
        },
    )


@require_POST
@login_required
def add_to_playlist(request, pk: int):
    playlist = access_playlist(request.user, pk, owner_only=True)
    result = services.add_tracks(playlist, _posted_track_ids(request))
    _say_added(request, playlist, result)
    return SeeOther(safe_next(request, f"/playlists/{playlist.pk}/"))


@require_POST
@login_required
def add_to_new_playlist(request):
    track_ids = _posted_track_ids(request)
    form = NewPlaylistForm(request.POST)
    if not form.is_valid():
        messages.error(request, form.errors["title"][0])
        return SeeOther(safe_next(request, "/playlists/"))
    title = " ".join(form.cleaned_data["title"].split())
    if not title:
        messages.error(request, _("Give the playlist a title."))
        return SeeOther(safe_next(request, "/playlists/"))
    playlist, result = services.create_playlist_with_tracks(
        request.user, title=title, track_ids=track_ids
    )
    messages.success(request, _("Playlist “%(title)s” created.") % {"title": title})
    _say_added(request, playlist, result)
    return SeeOther(safe_next(request, "/playlists/"))
