"""The admin's tracks report: tracks ranked by how many people keep them in playlists.

Staff with ``social.view_tracks_report`` only; emails of the people listed only for staff
who may also view users (``accounts.view_user``).
"""

import csv
import io

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext

from rubysound.accounts.models import User
from rubysound.catalog.models import Track
from tests.factories import (
    GenreFactory,
    PlaylistFactory,
    PlaylistItemFactory,
    TrackFactory,
    UserFactory,
    favorites_of,
)

pytestmark = pytest.mark.django_db

REPORT = "/admin/social/playlistitem/tracks-report/"
REPORT_CSV = "/admin/social/playlistitem/tracks-report/csv/"
REPORT_QUERY_BOUND = 8  # session, user, 2 for permissions, the aggregate, its tracks, genres


def staff_with(*permissions: str, **fields):
    user = UserFactory(**{"is_staff": True, **fields})
    for name in permissions:
        app_label, codename = name.split(".")
        user.user_permissions.add(
            Permission.objects.get(content_type__app_label=app_label, codename=codename)
        )
    return user


@pytest.fixture
def reporter(client):
    """Staff who may see the report, but not users' details."""
    client.force_login(staff_with("social.view_tracks_report"))
    return client


@pytest.fixture
def user_admin(client):
    """Staff who may see the report and users' details."""
    client.force_login(staff_with("social.view_tracks_report", "accounts.view_user"))
    return client


def keep(track: Track, *playlists) -> None:
    for playlist in playlists:
        PlaylistItemFactory(playlist=playlist, track=track)


@pytest.fixture
def crowd_and_hoarder():
    """A track kept by three people (one in Favorites), one kept by a single person five
    times over."""
    crowd_pleaser = TrackFactory(title="Crowd Pleaser")
    hoarded = TrackFactory(title="Hoarded")
    alice, bob, carol = (UserFactory(username=name) for name in ("alice", "bob", "carol"))
    keep(crowd_pleaser, favorites_of(alice), PlaylistFactory(owner=bob))
    keep(crowd_pleaser, PlaylistFactory(owner=carol), PlaylistFactory(owner=carol))
    hoarder = UserFactory(username="hoarder", email="hoarder@secret.example")
    keep(hoarded, favorites_of(hoarder), *(PlaylistFactory(owner=hoarder) for _ in range(4)))
    return crowd_pleaser, hoarded


def rows_of(response) -> list[tuple]:
    return [
        (row.rank, row.track.title, row.distinct_users, row.playlists, row.favorites)
        for row in response.context["rows"]
    ]


def csv_rows(response) -> list[list[str]]:
    assert response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"].startswith("attachment;")
    return list(csv.reader(io.StringIO(response.content.decode())))


# --- Who may see it -----------------------------------------------------------------------------


def test_anonymous_visitors_are_sent_to_the_admin_login(client):
    for url in (REPORT, REPORT_CSV, f"{REPORT}1/", f"{REPORT}1/csv/"):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/admin/login/")


def test_a_listener_even_with_the_permission_is_sent_to_the_login(client):
    client.force_login(staff_with("social.view_tracks_report", is_staff=False))
    assert client.get(REPORT)["Location"].startswith("/admin/login/")


def test_staff_without_the_permission_are_refused(client):
    track = TrackFactory()
    client.force_login(staff_with("social.view_playlistitem", "accounts.view_user"))
    for url in (REPORT, REPORT_CSV, f"{REPORT}{track.pk}/", f"{REPORT}{track.pk}/csv/"):
        assert client.get(url).status_code == 403
    # ...and are not shown a link to it.
    body = client.get("/admin/social/playlistitem/").content.decode()
    assert REPORT not in body


def test_superusers_and_staff_with_the_permission_see_it_linked(client, reporter):
    assert reporter.get(REPORT).status_code == 200
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    assert client.get(REPORT).status_code == 200
    for page in ("/admin/social/", "/admin/social/playlist/", "/admin/social/playlistitem/"):
        assert REPORT in client.get(page).content.decode(), page


# --- What it says -------------------------------------------------------------------------------


def test_three_people_outrank_one_person_with_five_playlists(reporter, crowd_and_hoarder):
    response = reporter.get(REPORT)
    assert response.status_code == 200
    assert rows_of(response) == [
        (1, "Crowd Pleaser", 3, 4, 1),
        (2, "Hoarded", 1, 5, 1),
    ]
    body = response.content.decode()
    assert body.index("Crowd Pleaser") < body.index("Hoarded")
    crowd_pleaser = crowd_and_hoarder[0]
    for column in (crowd_pleaser.artist.name, crowd_pleaser.album.title):
        assert column in body


def test_top_n_source_and_genre_filters(reporter, crowd_and_hoarder):
    hoarded = crowd_and_hoarder[1]
    assert [row[1] for row in rows_of(reporter.get(REPORT, {"top": 1}))] == ["Crowd Pleaser"]

    remote = TrackFactory(title="Provider Only", source=Track.Source.REMOTE, path="")
    keep(remote, PlaylistFactory())
    only_remote = reporter.get(REPORT, {"source": "remote"})
    assert [row[1] for row in rows_of(only_remote)] == ["Provider Only"]
    library = reporter.get(REPORT, {"source": "library"})
    assert "Provider Only" not in [row[1] for row in rows_of(library)]

    hip_hop = GenreFactory(name="Hip Hop", slug="hip-hop")
    hoarded.genres.add(hip_hop)
    for spelled in ("Hip Hop", "hip-hop", "HIP HOP"):
        in_genre = reporter.get(REPORT, {"genre": spelled})
        assert rows_of(in_genre) == [(1, "Hoarded", 1, 5, 1)], spelled
    assert rows_of(reporter.get(REPORT, {"genre": "polka"})) == []


@pytest.mark.parametrize("top", ["0", "501", "-3", "many"])
def test_out_of_range_top_is_a_400_page_that_says_why(reporter, top):
    response = reporter.get(REPORT, {"top": top})
    assert response.status_code == 400
    assert response.context["form"].errors["top"]
    assert rows_of(response) == []
    assert reporter.get(REPORT_CSV, {"top": top}).status_code == 400


def test_an_unknown_source_is_a_400(reporter):
    assert reporter.get(REPORT, {"source": "vinyl"}).status_code == 400


def test_the_report_costs_the_same_queries_for_three_rows_as_for_fifty_one(reporter):
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            response = reporter.get(REPORT, {"top": 500})
        assert response.status_code == 200
        return len(captured)

    for _ in range(3):
        keep(TrackFactory(), PlaylistFactory())
    queries()  # warm-up
    few = queries()
    for _ in range(48):
        keep(TrackFactory(), PlaylistFactory(), PlaylistFactory())
    many = queries()
    assert many == few
    assert many <= REPORT_QUERY_BOUND
    assert len(reporter.get(REPORT).context["rows"]) == 50  # the default top


def test_csv_export_has_the_same_rows(reporter, crowd_and_hoarder):
    rows = csv_rows(reporter.get(REPORT_CSV, {"top": 10}))
    assert rows[0] == [
        "rank",
        "track_id",
        "track",
        "artist",
        "album",
        "source",
        "distinct_users",
        "playlists",
        "favorites",
    ]
    assert [(row[0], row[2], row[6], row[7], row[8]) for row in rows[1:]] == [
        ("1", "Crowd Pleaser", "3", "4", "1"),
        ("2", "Hoarded", "1", "5", "1"),
    ]


def test_csv_cells_cannot_start_a_spreadsheet_formula(reporter):
    keep(TrackFactory(title='=HYPERLINK("http://evil.example","x")'), PlaylistFactory())
    rows = csv_rows(reporter.get(REPORT_CSV))
    assert rows[1][2] == '\'=HYPERLINK("http://evil.example","x")'


# --- Who keeps a track, and whose email shows -----------------------------------------------


def test_the_people_keeping_a_track_are_listed_without_emails(reporter, crowd_and_hoarder):
    crowd_pleaser, hoarded = crowd_and_hoarder
    response = reporter.get(f"{REPORT}{hoarded.pk}/")
    assert response.status_code == 200
    body = response.content.decode()
    assert "hoarder" in body
    assert "hoarder@secret.example" not in body
    assert "@" not in "".join(str(h.email) for h in response.context["holders"])

    page = reporter.get(f"{REPORT}{crowd_pleaser.pk}/")
    holders = [(h.username, h.playlists, h.in_favorites) for h in page.context["holders"]]
    assert holders == [("carol", 2, False), ("alice", 1, True), ("bob", 1, False)]
    assert "example.com" not in page.content.decode()

    rows = csv_rows(reporter.get(f"{REPORT}{hoarded.pk}/csv/"))
    assert rows[0] == ["user_id", "username", "playlists", "in_favorites", "first_added_at"]
    assert rows[1][1:4] == ["hoarder", "5", "yes"]
    assert (
        "hoarder@secret.example" not in reporter.get(f"{REPORT}{hoarded.pk}/csv/").content.decode()
    )


def test_staff_who_may_view_users_see_the_emails(user_admin, crowd_and_hoarder):
    hoarded = crowd_and_hoarder[1]
    body = user_admin.get(f"{REPORT}{hoarded.pk}/").content.decode()
    assert "hoarder@secret.example" in body

    rows = csv_rows(user_admin.get(f"{REPORT}{hoarded.pk}/csv/"))
    assert rows[0] == [
        "user_id",
        "username",
        "email",
        "playlists",
        "in_favorites",
        "first_added_at",
    ]
    assert rows[1][1:5] == ["hoarder", "hoarder@secret.example", "5", "yes"]
    assert rows[1][5].endswith("Z")


def test_a_track_page_is_linked_from_the_report_and_missing_tracks_are_404(
    reporter, crowd_and_hoarder
):
    crowd_pleaser = crowd_and_hoarder[0]
    assert f"{REPORT}{crowd_pleaser.pk}/" in reporter.get(REPORT).content.decode()
    assert reporter.get(f"{REPORT}999999/").status_code == 404


def test_a_track_page_costs_the_same_queries_for_two_people_as_for_forty(reporter):
    track = TrackFactory()
    keep(track, PlaylistFactory(), PlaylistFactory())
    url = f"{REPORT}{track.pk}/"

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert reporter.get(url).status_code == 200
        return len(captured)

    queries()
    few = queries()
    for _ in range(38):
        keep(track, PlaylistFactory())
    assert queries() == few


def test_superusers_follow_a_listed_user_to_their_playlists(client, crowd_and_hoarder):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    hoarded = crowd_and_hoarder[1]
    hoarder = User.objects.get(username="hoarder")
    body = client.get(f"{REPORT}{hoarded.pk}/").content.decode()
    link = f"/admin/social/playlist/?owner__id__exact={hoarder.pk}"
    assert link in body
    listed = client.get(link)
    assert listed.status_code == 200
    assert {p.owner_id for p in listed.context["cl"].result_list} == {hoarder.pk}
    assert len(listed.context["cl"].result_list) == 5
