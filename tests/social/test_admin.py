"""The social admin: lists that cost the same few queries at any length, searches and
filters, actions that say what they did, Favorites that go only with their owner, and a
playlist's tracks edited inline with positions kept 0..n-1."""

import asyncio

import pytest
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from rubysound.catalog.models import Track
from rubysound.social.models import Comment, Notification, Playlist, PlaylistItem
from rubysound.social.realtime import comments_group, notifications_group
from rubysound.social.services import annotations
from tests.factories import (
    AlbumFactory,
    CommentFactory,
    CommentLikeFactory,
    NotificationFactory,
    PlaylistFactory,
    PlaylistItemFactory,
    PlaylistLikeFactory,
    TrackFactory,
    UserFactory,
    favorites_of,
)

pytestmark = pytest.mark.django_db

LIST_QUERY_BOUND = 6  # session, user, the count and the page: not one per row


@pytest.fixture
def staff_client(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


def messages_of(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def social_activity(rows: int) -> None:
    """``rows`` of everything: a playlist with a track, a like, a thread, notifications."""
    for _ in range(rows):
        playlist = PlaylistFactory()
        PlaylistItemFactory(playlist=playlist)
        PlaylistLikeFactory(playlist=playlist)
        root = CommentFactory(playlist=playlist)
        CommentFactory(playlist=playlist, parent=root, reply_to_user=root.author)
        CommentLikeFactory(comment=root)
        NotificationFactory(
            recipient=playlist.owner,
            actor=root.author,
            type=Notification.Type.PLAYLIST_COMMENT,
            playlist=playlist,
            comment=root,
        )


async def received(layer, channel: str, count: int) -> list[dict]:
    """The next ``count`` messages of a channel, read in one event loop."""
    async with asyncio.timeout(5):
        return [await layer.receive(channel) for _ in range(count)]


def queries_for(client, url: str, params: dict) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, params)
    assert response.status_code == 200, response.content[:500]
    return len(captured)


CHANGELISTS = [
    ("/admin/social/playlist/", {}),
    ("/admin/social/playlist/", {"q": "listener", "visibility__exact": "public"}),
    ("/admin/social/playlist/", {"public": "yes", "is_favorites__exact": "1"}),
    ("/admin/social/playlistitem/", {"q": "song"}),
    ("/admin/social/playlistlike/", {"q": "mix"}),
    ("/admin/social/comment/", {"q": "great", "deleted": "no", "place": "root"}),
    ("/admin/social/commentlike/", {"q": "great"}),
    ("/admin/social/notification/", {"q": "listener", "read": "no"}),
    ("/admin/social/notification/", {"type__exact": "playlist_comment"}),
]


@pytest.mark.parametrize(("url", "params"), CHANGELISTS)
def test_lists_cost_the_same_queries_for_a_few_rows_as_for_many(staff_client, url, params):
    social_activity(2)
    queries_for(staff_client, url, params)  # warm-up: content types, permissions
    few = queries_for(staff_client, url, params)
    social_activity(25)
    many = queries_for(staff_client, url, params)
    assert many == few
    assert many <= LIST_QUERY_BOUND


def test_playlists_are_found_by_owner_or_title_and_filtered(staff_client):
    octavia = UserFactory(username="Octavia", is_public_favorites=False)
    PlaylistFactory(owner=octavia, title="Cello suites", visibility=Playlist.Visibility.PRIVATE)
    PlaylistFactory(title="Road trip", visibility=Playlist.Visibility.PUBLIC)

    body = staff_client.get("/admin/social/playlist/", {"q": "octav"}).content.decode()
    assert "Cello suites" in body
    assert "Road trip" not in body

    body = staff_client.get("/admin/social/playlist/", {"q": "road"}).content.decode()
    assert "Road trip" in body
    assert "Cello suites" not in body

    # Octavia's private Favorites and private playlist are not public; Road trip is.
    public = staff_client.get("/admin/social/playlist/", {"public": "yes"})
    shown = {p.title for p in public.context["cl"].result_list}
    assert "Road trip" in shown
    assert "Cello suites" not in shown
    hidden = staff_client.get("/admin/social/playlist/", {"public": "no", "q": "octavia"})
    assert {(p.title, p.is_favorites) for p in hidden.context["cl"].result_list} == {
        ("Cello suites", False),
        ("Favorites", True),
    }

    favorites = staff_client.get("/admin/social/playlist/", {"is_favorites__exact": "1"})
    assert all(p.is_favorites for p in favorites.context["cl"].result_list)


def test_playlist_list_counts_tracks_and_likes_without_multiplying_them(staff_client):
    playlist = PlaylistFactory(title="Counted")
    for _ in range(3):
        PlaylistItemFactory(playlist=playlist)
    for _ in range(2):
        PlaylistLikeFactory(playlist=playlist)
    response = staff_client.get("/admin/social/playlist/", {"q": "counted"})
    (row,) = response.context["cl"].result_list
    assert (row.tracks_total, row.likes_total) == (3, 2)


def test_comments_are_found_by_text_or_author_and_filtered(staff_client):
    author = UserFactory(username="Bartok")
    root = CommentFactory(author=author, text="The second movement is <b>wild</b>")
    reply = CommentFactory(playlist=root.playlist, parent=root, text="Agreed, the ostinato!")
    Comment.objects.filter(pk=root.pk).update(deleted_at=reply.created_at)

    body = staff_client.get("/admin/social/comment/", {"q": "movement"}).content.decode()
    assert "The second movement is &lt;b&gt;wild&lt;/b&gt;" in body  # escaped, not markup
    assert "ostinato" not in body

    by_author = staff_client.get("/admin/social/comment/", {"q": "bartok"})
    assert [c.pk for c in by_author.context["cl"].result_list] == [root.pk]

    deleted = staff_client.get("/admin/social/comment/", {"deleted": "yes"})
    assert [c.pk for c in deleted.context["cl"].result_list] == [root.pk]
    replies = staff_client.get("/admin/social/comment/", {"place": "reply"})
    assert [c.pk for c in replies.context["cl"].result_list] == [reply.pk]


def test_notifications_are_filtered_by_type_and_read_state(staff_client):
    recipient = UserFactory(username="Clara")
    unread = NotificationFactory(recipient=recipient)
    read = NotificationFactory(
        recipient=recipient, type=Notification.Type.COMMENT_LIKE, read_at=unread.created_at
    )
    listed = staff_client.get("/admin/social/notification/", {"q": "clara", "read": "no"})
    assert [n.pk for n in listed.context["cl"].result_list] == [unread.pk]
    by_type = staff_client.get("/admin/social/notification/", {"type__exact": "comment_like"})
    assert [n.pk for n in by_type.context["cl"].result_list] == [read.pk]


def test_mark_notifications_read_says_how_many_and_tells_the_recipients_pages(
    staff_client, django_capture_on_commit_callbacks
):
    clara, dora = UserFactory(), UserFactory()
    notifications = [NotificationFactory(recipient=clara) for _ in range(3)]
    notifications.append(NotificationFactory(recipient=dora))
    already_read = NotificationFactory(recipient=dora)
    Notification.objects.filter(pk=already_read.pk).update(read_at=already_read.created_at)
    untouched = NotificationFactory(recipient=dora)

    layer = get_channel_layer()
    channel = async_to_sync(layer.new_channel)()
    async_to_sync(layer.group_add)(notifications_group(clara.pk), channel)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            response = staff_client.post(
                "/admin/social/notification/",
                {
                    "action": "mark_read",
                    "_selected_action": [n.pk for n in [*notifications, already_read]],
                },
                follow=True,
            )
        (pushed,) = async_to_sync(received)(layer, channel, 1)
    finally:
        async_to_sync(layer.group_discard)(notifications_group(clara.pk), channel)
        async_to_sync(layer.flush)()

    assert "4 notifications marked read." in messages_of(response)
    assert list(Notification.objects.filter(read_at__isnull=True)) == [untouched]
    assert pushed["payload"]["type"] == "notifications_read"
    assert sorted(pushed["payload"]["ids"]) == sorted(n.pk for n in notifications[:3])
    assert pushed["payload"]["unread_count"] == 0


def test_records_of_what_users_did_are_viewed_not_written(staff_client):
    comment = CommentFactory(text="Mine, as I wrote it")
    like = PlaylistLikeFactory()
    notification = NotificationFactory()
    for url in (
        f"/admin/social/comment/{comment.pk}/change/",
        f"/admin/social/playlistlike/{like.pk}/change/",
        f"/admin/social/notification/{notification.pk}/change/",
    ):
        page = staff_client.get(url)
        assert page.status_code == 200
        assert 'name="_save"' not in page.content.decode()
    assert (
        "Mine, as I wrote it"
        in staff_client.get(f"/admin/social/comment/{comment.pk}/change/").content.decode()
    )
    for model in ("comment", "commentlike", "playlistlike", "notification", "playlistitem"):
        assert staff_client.get(f"/admin/social/{model}/add/").status_code == 403

    # Posting to the view page changes nothing.
    staff_client.post(f"/admin/social/comment/{comment.pk}/change/", {"text": "Not mine"})
    comment.refresh_from_db()
    assert comment.text == "Mine, as I wrote it"


def test_a_staff_member_without_social_permissions_cannot_act(client):
    staff = UserFactory(is_staff=True)
    client.force_login(staff)
    assert client.get("/admin/social/notification/").status_code == 403
    notification = NotificationFactory()
    client.post(
        "/admin/social/notification/",
        {"action": "mark_read", "_selected_action": [notification.pk]},
    )
    notification.refresh_from_db()
    assert notification.read_at is None


# --- Favorites go only with their owner --------------------------------------------------------


def test_favorites_have_no_delete_button_and_their_delete_page_sends_back(staff_client):
    favorites = favorites_of(UserFactory())
    ordinary = PlaylistFactory()

    change_url = f"/admin/social/playlist/{favorites.pk}/change/"
    delete_url = f"/admin/social/playlist/{favorites.pk}/delete/"
    assert delete_url not in staff_client.get(change_url).content.decode()
    for attempt in (staff_client.get(delete_url), staff_client.post(delete_url, {"post": "yes"})):
        assert attempt.status_code == 302
        assert attempt["Location"] == change_url
    page = staff_client.get(change_url)
    assert "Favorites are deleted only with their owner." in messages_of(page)
    assert Playlist.objects.filter(pk=favorites.pk).exists()

    page = staff_client.get(f"/admin/social/playlist/{ordinary.pk}/change/").content.decode()
    assert f"/admin/social/playlist/{ordinary.pk}/delete/" in page


def test_bulk_delete_leaves_favorites_out_and_says_so(staff_client):
    favorites = favorites_of(UserFactory())
    ordinary = PlaylistFactory(title="Disposable")
    selection = {"action": "delete_selected", "_selected_action": [favorites.pk, ordinary.pk]}

    confirm = staff_client.post("/admin/social/playlist/", selection)
    assert confirm.status_code == 200
    assert list(confirm.context["queryset"]) == [ordinary]
    assert "1 Favorites playlist kept: Favorites are deleted only with their owner." in (
        messages_of(confirm)
    )

    # The confirmation page posts back only what it listed.
    done = staff_client.post(
        "/admin/social/playlist/",
        {"action": "delete_selected", "_selected_action": [ordinary.pk], "post": "yes"},
        follow=True,
    )
    assert "Successfully deleted 1 playlist." in messages_of(done)
    assert not Playlist.objects.filter(pk=ordinary.pk).exists()

    # Even a hand-made confirmation naming the Favorites deletes nothing of them.
    staff_client.post("/admin/social/playlist/", {**selection, "post": "yes"})
    assert Playlist.objects.filter(pk=favorites.pk).exists()


def test_only_favorites_selected_shows_the_list_again(staff_client):
    favorites = favorites_of(UserFactory())
    response = staff_client.post(
        "/admin/social/playlist/",
        {"action": "delete_selected", "_selected_action": [favorites.pk]},
        follow=True,
    )
    assert response.redirect_chain  # back to the list, no confirmation page
    assert "1 Favorites playlist kept" in " ".join(messages_of(response))
    assert Playlist.objects.filter(pk=favorites.pk).exists()


def test_deleting_the_owner_takes_their_favorites_along(staff_client):
    owner = UserFactory()
    favorites = favorites_of(owner)
    response = staff_client.post(f"/admin/accounts/user/{owner.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert not Playlist.objects.filter(pk=favorites.pk).exists()


def test_favorites_visibility_and_any_owner_are_not_editable(staff_client):
    favorites = favorites_of(UserFactory())
    form = staff_client.get(f"/admin/social/playlist/{favorites.pk}/change/").context["adminform"]
    assert "visibility" not in form.form.fields
    assert "owner" not in form.form.fields
    ordinary = PlaylistFactory()
    form = staff_client.get(f"/admin/social/playlist/{ordinary.pk}/change/").context["adminform"]
    assert "visibility" in form.form.fields
    assert "owner" not in form.form.fields


# --- A playlist's tracks, inline -----------------------------------------------------------------


def inline_post(playlist: Playlist, items: list[PlaylistItem], **changes) -> dict:
    """The change form as a browser would send it; ``delete`` ids, ``add`` track ids."""
    delete = set(changes.get("delete", ()))
    add = list(changes.get("add", ()))
    data = {
        "title": playlist.title,
        "description": playlist.description,
        "visibility": playlist.visibility,
        "items-TOTAL_FORMS": len(items) + len(add),
        "items-INITIAL_FORMS": len(items),
        "items-MIN_NUM_FORMS": 0,
        "items-MAX_NUM_FORMS": 1000,
        "_save": "Save",
    }
    for index, item in enumerate(items):
        data[f"items-{index}-id"] = item.pk
        data[f"items-{index}-playlist"] = playlist.pk
        if item.pk in delete:
            data[f"items-{index}-DELETE"] = "on"
    for offset, track_id in enumerate(add, start=len(items)):
        data[f"items-{offset}-playlist"] = playlist.pk
        data[f"items-{offset}-track"] = track_id
    return data


def positions(playlist: Playlist) -> list[tuple[int, int]]:
    return list(
        PlaylistItem.objects.filter(playlist=playlist)
        .order_by("position")
        .values_list("position", "track_id")
    )


def test_playlist_page_lists_its_tracks_in_order_at_a_constant_query_cost(staff_client):
    playlist = PlaylistFactory()
    first, second = (PlaylistItemFactory(playlist=playlist) for _ in range(2))
    PlaylistItem.objects.filter(pk=first.pk).update(position=1)
    PlaylistItem.objects.filter(pk=second.pk).update(position=0)
    url = f"/admin/social/playlist/{playlist.pk}/change/"

    staff_client.get(url)
    few = queries_for(staff_client, url, {})
    body = staff_client.get(url).content.decode()
    assert body.index(second.track.title) < body.index(first.track.title)
    assert 'data-ajax--url="/admin/autocomplete/"' in body  # adding a track: autocomplete

    for _ in range(20):
        PlaylistItemFactory(playlist=playlist)
    assert queries_for(staff_client, url, {}) == few


def test_removing_and_adding_tracks_inline_keeps_positions_without_gaps(staff_client):
    playlist = PlaylistFactory()
    items = [PlaylistItemFactory(playlist=playlist) for _ in range(4)]
    newcomer = TrackFactory()

    response = staff_client.post(
        f"/admin/social/playlist/{playlist.pk}/change/",
        inline_post(playlist, items, delete=[items[1].pk], add=[newcomer.pk]),
    )
    assert response.status_code == 302, response.context["errors"]
    assert positions(playlist) == [
        (0, items[0].track_id),
        (1, items[2].track_id),
        (2, items[3].track_id),
        (3, newcomer.pk),
    ]


def test_adding_a_track_already_in_the_playlist_is_an_error_on_the_form(staff_client):
    playlist = PlaylistFactory()
    item = PlaylistItemFactory(playlist=playlist)
    response = staff_client.post(
        f"/admin/social/playlist/{playlist.pk}/change/",
        inline_post(playlist, [item], add=[item.track_id]),
    )
    assert response.status_code == 200
    assert f"“{item.track}” is already in this playlist" in response.content.decode()
    assert positions(playlist) == [(0, item.track_id)]


def test_existing_items_keep_their_track(staff_client):
    playlist = PlaylistFactory()
    item = PlaylistItemFactory(playlist=playlist)
    other = TrackFactory()
    data = inline_post(playlist, [item])
    data["items-0-track"] = other.pk  # a forged change of an existing row
    staff_client.post(f"/admin/social/playlist/{playlist.pk}/change/", data)
    item.refresh_from_db()
    assert item.track_id != other.pk


def test_the_same_song_under_another_catalog_track_is_not_added_twice(staff_client):
    playlist = PlaylistFactory()
    item = PlaylistItemFactory(playlist=playlist, track=TrackFactory(title="Blue in Green"))
    twin = TrackFactory(
        title="blue  in green",
        artist=item.track.artist,
        album=None,
        source=Track.Source.REMOTE,
        path="",
    )
    response = staff_client.post(
        f"/admin/social/playlist/{playlist.pk}/change/",
        inline_post(playlist, [item], add=[twin.pk]),
        follow=True,
    )
    assert any(
        message.startswith(f"“{twin}” was not added: the playlist already holds it")
        for message in messages_of(response)
    )
    assert positions(playlist) == [(0, item.track_id)]


# --- Comment moderation ---------------------------------------------------------------------------


def test_moderators_delete_comments_as_their_authors_would_and_viewers_see_it_live(
    staff_client, django_capture_on_commit_callbacks
):
    playlist = PlaylistFactory()
    discussed = CommentFactory(playlist=playlist, text="Spam with answers")
    answer = CommentFactory(playlist=playlist, parent=discussed, reply_to_user=discussed.author)
    lonely = CommentFactory(playlist=playlist, text="Spam alone")
    self_thread = CommentFactory(playlist=playlist)
    own_reply = CommentFactory(
        playlist=playlist, parent=self_thread, author=self_thread.author, text="Me again"
    )
    earlier_tombstone = CommentFactory(playlist=playlist)
    CommentFactory(playlist=playlist, parent=earlier_tombstone)
    Comment.objects.filter(pk=earlier_tombstone.pk).update(deleted_at=timezone.now())

    layer = get_channel_layer()
    channel = async_to_sync(layer.new_channel)()
    async_to_sync(layer.group_add)(comments_group(playlist.pk), channel)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            response = staff_client.post(
                "/admin/social/comment/",
                {
                    "action": "delete_as_author",
                    "_selected_action": [
                        discussed.pk,
                        lonely.pk,
                        self_thread.pk,
                        earlier_tombstone.pk,
                    ],
                },
                follow=True,
            )
        events = async_to_sync(received)(layer, channel, 3)
    finally:
        async_to_sync(layer.group_discard)(comments_group(playlist.pk), channel)
        async_to_sync(layer.flush)()

    assert (
        "3 comments deleted; 1 root comment kept as a tombstone for the replies under it; "
        "1 already deleted."
    ) in messages_of(response)
    discussed.refresh_from_db()
    assert discussed.is_deleted
    assert discussed.text == "Spam with answers"  # kept in the database, no longer shown
    assert Comment.objects.filter(pk=answer.pk).exists()
    assert not Comment.objects.filter(pk__in=[lonely.pk, self_thread.pk, own_reply.pk]).exists()

    assert {event["type"] for event in events} == {"comment.event"}
    assert sorted(id for event in events for id in event["deleted_ids"]) == sorted(
        [lonely.pk, self_thread.pk, own_reply.pk]
    )
    assert [t["id"] for event in events for t in event["tombstones"]] == [discussed.pk]


def test_permanent_comment_deletion_asks_for_confirmation(staff_client):
    comment = CommentFactory()
    reply = CommentFactory(playlist=comment.playlist, parent=comment)
    selection = {"action": "delete_selected", "_selected_action": [comment.pk]}
    confirm = staff_client.post("/admin/social/comment/", selection)
    assert confirm.status_code == 200
    assert str(reply) in confirm.content.decode()  # the replies going along are listed
    staff_client.post("/admin/social/comment/", {**selection, "post": "yes"})
    assert not Comment.objects.filter(pk__in=[comment.pk, reply.pk]).exists()


def test_staff_create_a_playlist_for_a_user_with_its_first_tracks(staff_client):
    owner = UserFactory()
    first, second = TrackFactory(), TrackFactory()
    data = inline_post(Playlist(title="Made by staff", visibility="public"), [], add=[])
    data.update(
        {
            "owner": owner.pk,
            "items-TOTAL_FORMS": 2,
            "items-0-track": first.pk,
            "items-1-track": second.pk,
        }
    )
    response = staff_client.post("/admin/social/playlist/add/", data)
    assert response.status_code == 302, response.context["errors"]
    playlist = Playlist.objects.get(title="Made by staff")
    assert (playlist.owner, playlist.is_favorites) == (owner, False)
    assert positions(playlist) == [(0, first.pk), (1, second.pk)]


def test_stars_and_ratings_are_records_listed_in_a_bounded_number_of_queries(staff_client):
    def annotate(count):
        for _ in range(count):
            user, album = UserFactory(), AlbumFactory()
            annotations.star(user, "album", [album.pk])
            annotations.star(user, "artist", [album.artist_id])
            annotations.set_rating(user, "album", album.pk, 4)
            annotations.set_rating(user, "track", TrackFactory().pk, 2)

    annotate(2)
    urls = ["/admin/social/starredalbum/", "/admin/social/starredartist/", "/admin/social/rating/"]
    few = {}
    for url in urls:
        queries_for(staff_client, url, {})  # warm-up
        few[url] = queries_for(staff_client, url, {})
    annotate(10)
    for url in urls:
        assert queries_for(staff_client, url, {}) == few[url] <= LIST_QUERY_BOUND
        assert staff_client.get(f"{url}add/").status_code == 403
