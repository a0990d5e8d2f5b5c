"""Browsing the library: ``/artists/`` (A–Z), ``/albums/`` (the cover grid), ``/genres/`` and
a genre's page, ``/tracks/`` (the tracks table).

Sort, filters and page live in the query string, so every view can be shared and bookmarked.
A value the page does not know falls back to the default (an unknown sort, a letter, a
decade, a genre nobody filed) instead of failing; a page past the end is an empty page.
Pages are ``BROWSE_PAGE_SIZE`` rows; the last row of each is a "Next page" link that htmx
follows when it scrolls into view (``hx-trigger="revealed"``) and appends the next rows in
place, and that still works as a plain link without scripts.

Caching: nothing here is personal to an anonymous visitor (``public_when_anonymous``).
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from django.views.decorators.http import require_GET

from rubysound.catalog import selectors
from rubysound.catalog.types import Absolutizer
from rubysound.core.http.caching import public_when_anonymous

GENRE_PAGE_ALBUMS = 12
MAX_TEXT_LENGTH = 200
_NUMBER = re.compile(r"^[0-9]{1,7}$")
_SLUG = re.compile(r"^[-a-zA-Z0-9_]{1,64}$")
# Control characters (NUL among them: PostgreSQL refuses it in text) never match a title.
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")

ARTIST_SORT_LABELS = {
    "name": _("Name"),
    "plays": _("Most played"),
    "added": _("Recently added"),
}
ALBUM_SORT_LABELS = {
    "added": _("Recently added"),
    "year": _("Release year"),
    "title": _("A–Z"),
    "plays": _("Most played"),
    "random": _("Random"),
}
TRACK_SORT_LABELS = {
    "title": _("Title"),
    "artist": _("Artist"),
    "album": _("Album"),
    "year": _("Year"),
    "duration": _("Duration"),
    "plays": pgettext_lazy("column", "Plays"),
    "added": pgettext_lazy("column", "Added"),
}


def _sort_links(query, labels: dict, current: str, **changes_by_sort) -> list[dict]:
    return [
        {
            "value": value,
            "label": label,
            "url": query.url(sort=value, page=1, **changes_by_sort.get(value, {})),
            "current": value == current,
        }
        for value, label in labels.items()
    ]


# --- query strings ---------------------------------------------------------------------------


def _number(raw: str | None) -> int | None:
    raw = (raw or "").strip()
    return int(raw) if _NUMBER.match(raw) else None


def _page_number(request) -> int:
    number = _number(request.GET.get("page"))
    return number if number and number >= 1 else 1


def _choice(raw: str | None, choices, default: str) -> str:
    return raw if raw in choices else default


def _decade(request) -> int | None:
    decade = _number(request.GET.get("decade"))
    return decade if decade is not None and selectors.is_decade(decade) else None


def _genre(request):
    slug = (request.GET.get("genre") or "").strip()
    return selectors.genre_by_slug(slug) if _SLUG.match(slug) else None


@dataclass
class Query:
    """A browse page's query string: ``defaults`` are left out of the links it makes."""

    values: dict[str, object]
    defaults: dict[str, object] = field(default_factory=dict)

    def url(self, **changes) -> str:
        values = {**self.values, **changes}
        kept = {
            key: value
            for key, value in values.items()
            if value not in ("", None) and value != self.defaults.get(key)
        }
        return "?" + urlencode(kept) if kept else "?"

    def next_url(self, page) -> str:
        return self.url(page=page.number + 1) if page.has_next else ""


def _page_context(page, query: Query) -> dict:
    return {
        "page": page,
        "next_url": query.next_url(page),
        "first_url": query.url(page=1) if page.number > 1 else "",
    }


# --- artists ---------------------------------------------------------------------------------


def _artist_image(artist) -> str:
    """The artist's own photo, else a cover of one of their albums, else "" (a letter)."""
    if artist.image:
        return artist.image.url
    if artist.cover_album_id:
        return f"/api/albums/{artist.cover_album_id}/cover?size=300"
    return ""


def _letter_label(letter: str) -> str:
    return letter.upper()


@require_GET
@public_when_anonymous
def artists(request):
    """``/artists/?letter=a&sort=name&page=2``: the artists index."""
    sort = _choice(request.GET.get("sort"), selectors.ARTIST_SORTS, "name")
    raw_letter = (request.GET.get("letter") or "").strip().lower()
    letter = (
        raw_letter
        if raw_letter in selectors.LETTERS or raw_letter == selectors.OTHER_LETTER
        else ""
    )
    query = Query(
        {"sort": sort, "letter": letter, "page": _page_number(request)},
        defaults={"sort": "name", "page": 1},
    )
    page = selectors.browse_artists(sort=sort, letter=letter, page=query.values["page"])
    cards = [
        {
            "id": artist.pk,
            "name": artist.name,
            "image_url": _artist_image(artist),
            # The circle shows the name's own first letter ("Ø", "К"), whatever index it is in.
            "initial": (artist.name.strip()[:1] or "#").upper(),
            "album_count": artist.album_count,
            "track_count": artist.track_count,
        }
        for artist in page.items
    ]
    letters = [
        {
            "value": value,
            "label": _letter_label(value),
            "url": query.url(letter=value, page=1),
            "current": value == letter,
        }
        for value in (*selectors.LETTERS, selectors.OTHER_LETTER)
    ]
    return render(
        request,
        "web/browse/artists.html",
        {
            "artists": cards,
            "sort": sort,
            "letter": letter,
            "letter_label": _letter_label(letter) if letter else "",
            "letters": letters,
            "all_letters_url": query.url(letter="", page=1),
            "sorts": _sort_links(query, ARTIST_SORT_LABELS, sort),
            **_page_context(page, query),
        },
    )


# --- albums ----------------------------------------------------------------------------------


@require_GET
@public_when_anonymous
def albums(request):
    """``/albums/?sort=year&genre=rock&decade=1990&page=2``: the cover grid; ``sort=random``
    needs a ``seed`` (one is added by a redirect) so its pages keep one shuffle."""
    sort = _choice(request.GET.get("sort"), selectors.ALBUM_SORTS, "added")
    seed = _number(request.GET.get("seed"))
    if sort == "random" and not (seed and 1 <= seed <= selectors.SEED_MAX):
        params = request.GET.copy()
        params["seed"] = str(random.randint(1, selectors.SEED_MAX))  # noqa: S311 - an order, not a secret
        params.pop("page", None)
        return HttpResponseRedirect("?" + params.urlencode())
    genre = _genre(request)
    decade = _decade(request)
    query = Query(
        {
            "sort": sort,
            "genre": genre.slug if genre else "",
            "decade": decade or "",
            "seed": seed if sort == "random" else "",
            "page": _page_number(request),
        },
        defaults={"sort": "added", "page": 1},
    )
    page = selectors.browse_albums(
        sort=sort, genre=genre, decade=decade, seed=seed or 1, page=query.values["page"]
    )
    shuffle_seed = random.randint(1, selectors.SEED_MAX)  # noqa: S311 - an order, not a secret
    return render(
        request,
        "web/browse/albums.html",
        {
            "albums": page.items,
            "sort": sort,
            "genre": genre,
            "decade": decade,
            "genres": selectors.genre_choices(),
            "decades": selectors.album_decades(),
            # Each pick of "Random" is a fresh shuffle; the other orders need no seed.
            "sorts": _sort_links(
                query,
                ALBUM_SORT_LABELS,
                sort,
                **{
                    value: {"seed": shuffle_seed if value == "random" else ""}
                    for value in selectors.ALBUM_SORTS
                },
            ),
            "seed": seed if sort == "random" else None,
            "clear_filters_url": query.url(genre="", decade="", page=1),
            **_page_context(page, query),
        },
    )


# --- genres ----------------------------------------------------------------------------------


@require_GET
@public_when_anonymous
def genres(request):
    """``/genres/``: every genre with its numbers of tracks and albums."""
    query = Query({"page": _page_number(request)}, defaults={"page": 1})
    page = selectors.browse_genres(page=query.values["page"])
    return render(
        request, "web/browse/genres.html", {"genres": page.items, **_page_context(page, query)}
    )


@require_GET
@public_when_anonymous
def genre_page(request, slug: str):
    """``/genres/<slug>/``: a genre's albums and most played tracks, to play or shuffle."""
    genre = selectors.genre_detail(slug)
    if genre is None:
        raise Http404
    album_page = selectors.browse_albums(sort="plays", genre=genre, size=GENRE_PAGE_ALBUMS)
    absolute = Absolutizer(request)
    tracks = [
        card.as_json(absolute) for card in selectors.track_cards(selectors.genre_top_tracks(genre))
    ]
    return render(
        request,
        "web/browse/genre.html",
        {
            "genre": genre,
            "albums": album_page.items,
            "more_albums": album_page.has_next,
            "tracks": tracks,
        },
    )


# --- tracks ----------------------------------------------------------------------------------


@require_GET
@public_when_anonymous
def tracks(request):
    """``/tracks/?sort=-year&genre=jazz&decade=1960&q=blue&page=2``: the tracks table."""
    sorts = (*selectors.TRACK_SORTS, *(f"-{value}" for value in selectors.TRACK_SORTS))
    sort = _choice(request.GET.get("sort"), sorts, "title")
    genre = _genre(request)
    decade = _decade(request)
    text = " ".join(_CONTROL.sub(" ", request.GET.get("q") or "").split())[:MAX_TEXT_LENGTH]
    query = Query(
        {
            "sort": sort,
            "genre": genre.slug if genre else "",
            "decade": decade or "",
            "q": text,
            "page": _page_number(request),
        },
        defaults={"sort": "title", "page": 1},
    )
    page = selectors.browse_tracks(
        sort=sort, genre=genre, decade=decade, text=text, page=query.values["page"]
    )
    absolute = Absolutizer(request)
    rows = [card.as_json(absolute) for card in selectors.track_cards(page.items)]
    columns = []
    for value in selectors.TRACK_SORTS:
        current = sort.lstrip("-") == value
        descending = sort.startswith("-")
        columns.append(
            {
                "value": value,
                "label": TRACK_SORT_LABELS[value],
                "current": current,
                "reversed": current and descending,
                # The current column's link reverses it; another column starts its own way.
                "url": query.url(sort=f"-{value}" if current and not descending else value, page=1),
            }
        )
    return render(
        request,
        "web/browse/tracks.html",
        {
            "tracks": rows,
            "sort": sort,
            "columns": columns,
            "genre": genre,
            "decade": decade,
            "text": text,
            "genres": selectors.genre_choices(),
            "decades": selectors.album_decades(),
            "clear_filters_url": query.url(genre="", decade="", q="", page=1),
            **_page_context(page, query),
        },
    )
