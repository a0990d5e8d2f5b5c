"""``/history/`` as the server renders it: the listens, the top lists of a window, the heat
map in the reader's time zone, deleting a listen (by the page's form and by the API).
The delete without a reload is driven in a real browser in tests/browser/test_history.py."""

import html as html_lib
import re
from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone
from pytest_django.asserts import assertContains, assertNotContains

from rubysound.catalog.models import Listen
from rubysound.catalog.selectors import BROWSE_PAGE_SIZE
from tests.factories import AlbumFactory, ArtistFactory, ListenFactory, TrackFactory, UserFactory

pytestmark = pytest.mark.django_db

ROW = re.compile(r'<li class="track-row[^"]*" data-track-id="(\d+)"')
LISTEN_FORM = re.compile(r'data-listen-delete="(\d+)"')
NEXT = re.compile(r'<a class="button button-ghost" href="([^"]+)" rel="next"')
CELL = re.compile(r'<td class="heat heat-(\d)" title="([^"]+)">')


def page(response) -> str:
    assert response.status_code == 200
    return response.content.decode()


def heat_cells(response) -> dict[str, tuple[int, str]]:
    """Each cell's title (day, hours and count) → (its shade, the title)."""
    cells = {}
    for level, title in CELL.findall(page(response)):
        title = html_lib.unescape(title)
        cells[title.rsplit(":", 1)[0]] = (int(level), title)
    return cells


@pytest.fixture
def signed_in(client, user):
    client.force_login(user)
    return client


def test_signing_in_comes_first(client):
    response = client.get("/history/")
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


def test_without_listens_the_page_says_how_to_get_some(signed_in):
    response = signed_in.get("/history/")
    assertContains(response, "No listens yet. Play a track for a while")
    assertContains(response, "import a ListenBrainz export below")
    assertContains(response, 'href="/history/export/"')


def test_listens_newest_first_paged_and_playable(signed_in, user):
    now = timezone.now()
    tracks = [TrackFactory(title=f"Song {n}") for n in range(BROWSE_PAGE_SIZE + 5)]
    for n, track in enumerate(tracks):
        ListenFactory(user=user, track=track, listened_at=now - timedelta(minutes=n))
    ListenFactory(track=TrackFactory(title="Somebody else's"))  # another user's

    first = signed_in.get("/history/")
    listen_ids = LISTEN_FORM.findall(page(first))
    assert len(listen_ids) == BROWSE_PAGE_SIZE
    newest = Listen.objects.filter(user=user).order_by("-listened_at")
    assert [int(pk) for pk in listen_ids] == [listen.pk for listen in newest[:BROWSE_PAGE_SIZE]]
    assertContains(first, f'aria-label="Play {tracks[0].title}"')
    assertNotContains(first, "Somebody else")

    next_url = html_lib.unescape(NEXT.search(page(first)).group(1))
    assert next_url == "?page=2"
    second = signed_in.get("/history/" + next_url)
    assert [int(pk) for pk in LISTEN_FORM.findall(page(second))] == [
        listen.pk for listen in newest[BROWSE_PAGE_SIZE:]
    ]
    assert NEXT.search(page(second)) is None


def test_a_window_picks_the_top_lists_and_stays_in_the_links(signed_in, user):
    now = timezone.now()
    recent = TrackFactory(
        title="Recent Song",
        artist=ArtistFactory(name="Fresh Artist"),
        album=AlbumFactory(title="Fresh Album"),
    )
    old = TrackFactory(title="Old Song", artist=ArtistFactory(name="Old Artist"))
    for n in range(3):
        ListenFactory(user=user, track=recent, listened_at=now - timedelta(days=1, minutes=n))
    ListenFactory(user=user, track=old, listened_at=now - timedelta(days=20))
    for n in range(61):
        ListenFactory(user=user, track=old, listened_at=now - timedelta(days=200, minutes=n))

    week = signed_in.get("/history/?window=week")
    assertContains(week, "This week: 3 listens")
    top_artist = '<li><a href="/artists/{}/">{}</a>'
    assertContains(week, top_artist.format(recent.artist_id, "Fresh Artist"))
    assertContains(week, f'<li><a href="/albums/{recent.album_id}/">Fresh Album</a>')
    assertNotContains(week, top_artist.format(old.artist_id, "Old Artist"))
    # Each top track says how often it was played.
    assertContains(week, '<span class="track-plays muted">3 listens</span>', html=True)
    assertContains(week, '<a href="?window=week" aria-current="page">This week</a>', html=False)
    assert html_lib.unescape(NEXT.search(page(week)).group(1)) == "?window=week&page=2"

    month = signed_in.get("/history/")  # the default window
    assertContains(month, "This month: 4 listens")
    assertContains(month, top_artist.format(old.artist_id, "Old Artist"))

    everything = signed_in.get("/history/?window=all")
    assertContains(everything, "All time: 65 listens")
    # An unknown window is the default one.
    assertContains(signed_in.get("/history/?window=decade"), "This month: 4 listens")


def test_the_heat_map_counts_each_hour_in_the_readers_time_zone(signed_in, user, client):
    # Monday 30 November 2026, 23:30 UTC: Tuesday 00:30 in Paris (UTC+1 in winter).
    monday_night = datetime(2026, 11, 30, 23, 30, tzinfo=UTC)
    for minutes in (0, 5, 10):
        ListenFactory(user=user, listened_at=monday_night + timedelta(minutes=minutes))
    ListenFactory(user=user, listened_at=datetime(2026, 12, 2, 8, 15, tzinfo=UTC))  # Wednesday

    in_utc = heat_cells(signed_in.get("/history/?window=all"))
    assert len(in_utc) == 7 * 24
    assert in_utc["Monday 23:00–24:00"] == (4, "Monday 23:00–24:00: 3 listens")
    assert in_utc["Wednesday 08:00–09:00"] == (2, "Wednesday 08:00–09:00: 1 listen")
    assert in_utc["Tuesday 00:00–01:00"][0] == 0
    assert sum(int(title.rsplit(" ", 2)[1]) for _, title in in_utc.values()) == 4
    assertContains(signed_in.get("/history/?window=all"), "in the time zone UTC")

    in_paris = signed_in.get("/history/?window=all&tz=Europe/Paris")
    assertContains(in_paris, "in the time zone Europe/Paris")
    cells = heat_cells(in_paris)
    assert cells["Tuesday 00:00–01:00"] == (4, "Tuesday 00:00–01:00: 3 listens")
    assert cells["Monday 23:00–24:00"][0] == 0
    assert cells["Wednesday 09:00–10:00"][1].endswith(": 1 listen")

    # The cookie the page's script sets does the same; a zone nobody knows is UTC.
    signed_in.cookies["tz"] = "Europe/Paris"
    assert heat_cells(signed_in.get("/history/?window=all"))["Tuesday 00:00–01:00"][0] == 4
    unknown = signed_in.get("/history/?window=all&tz=Mars/Olympus_Mons")
    assertContains(unknown, "in the time zone Europe/Paris")
    signed_in.cookies["tz"] = "../../etc/passwd"
    assertContains(signed_in.get("/history/?window=all"), "in the time zone UTC")


def test_deleting_a_listen_from_the_page(signed_in, user):
    mine = ListenFactory(user=user, track=TrackFactory(title="Oops"))
    kept = ListenFactory(user=user)
    response = signed_in.post(f"/history/listens/{mine.pk}/delete/", follow=True)
    assertContains(response, "Listen deleted.")
    assert list(Listen.objects.filter(user=user)) == [kept]
    assert signed_in.get(f"/history/listens/{kept.pk}/delete/").status_code == 405


def test_someone_elses_listen_cannot_be_deleted(signed_in, user):
    theirs = ListenFactory(user=UserFactory())
    assert signed_in.post(f"/history/listens/{theirs.pk}/delete/").status_code == 404
    assert signed_in.post("/history/listens/999999/delete/").status_code == 404
    assert Listen.objects.filter(pk=theirs.pk).exists()


def test_the_api_deletes_only_your_own_listens(auth_client, user, api_client):
    mine = ListenFactory(user=user)
    theirs = ListenFactory(user=UserFactory())
    assert api_client.delete(f"/api/listens/{mine.pk}/").status_code == 401
    refused = auth_client.delete(f"/api/listens/{theirs.pk}/")
    assert refused.status_code == 404
    assert refused.json() == {"detail": "Listen not found.", "code": "not_found"}
    assert auth_client.delete(f"/api/listens/{mine.pk}/").status_code == 204
    assert auth_client.delete(f"/api/listens/{mine.pk}/").status_code == 404
    assert not Listen.objects.filter(pk=mine.pk).exists()
    assert Listen.objects.filter(pk=theirs.pk).exists()


def test_the_page_runs_a_fixed_number_of_queries(signed_in, user, django_assert_max_num_queries):
    def fill(count):
        now = timezone.now()
        for n in range(count):
            album = AlbumFactory()
            ListenFactory(
                user=user,
                track=TrackFactory(album=album, artist=album.artist),
                listened_at=now - timedelta(hours=n),
            )

    # Session, user, the listens with their tracks, the tracks' tallies, top artists,
    # albums and tracks with the tracks' rows, the window's count, the heat map, unread
    # notifications, favorite hearts: 12, however many listens there are.
    fill(3)
    with django_assert_max_num_queries(12):
        page(signed_in.get("/history/"))
    fill(40)
    with django_assert_max_num_queries(12):
        page(signed_in.get("/history/"))


def test_the_navigation_links_to_the_page_when_signed_in(signed_in, client):
    assertContains(signed_in.get("/"), 'href="/history/" class="main-nav-history"')
    # On a phone the top bar has no room for it: the library's tabs carry it.
    assertContains(signed_in.get("/albums/"), 'href="/history/" class="browse-tab-history"')
    signed_in.logout()
    assertNotContains(client.get("/artists/"), 'href="/history/"')
