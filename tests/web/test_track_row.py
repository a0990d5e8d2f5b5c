"""The shared track rows (web/_track_row.html, web/_track_list.html), their template filters,
and the player bar's markup in every page."""

import datetime
import html
import json
import re

import pytest
from django.template.loader import render_to_string

from rubysound.web.templatetags.web_tags import display_datetime, duration, json_attr, player_track

TRACK = {
    "id": 7,
    "name": 'Rose "<b>Red</b>" & Gold',
    "artist": "The <Ruby> Band",
    "artist_id": 3,
    "album": "First & Last",
    "album_id": 5,
    "url": "/api/tracks/7/stream",
    "image_url": "/api/albums/5/cover?size=300",
    "duration": 201.6,
    "source": "library",
    "listeners": 12,
    "playcount": 40,
    "mbid": "",
}

DATA_TRACK = re.compile(r'data-track="([^"]*)"')


def rows(content: str) -> list[str]:
    return re.findall(r"<li class=\"track-row.*?</li>", content, flags=re.S)


def test_json_attr_escapes_everything_that_could_close_the_attribute():
    value = json_attr({"a": '"><script>alert(1)</script>', "b": "it's"})
    assert '"' not in value
    assert "<" not in value
    assert ">" not in value
    assert "'" not in value
    assert json.loads(html.unescape(value)) == {"a": '"><script>alert(1)</script>', "b": "it's"}


def test_player_track_keeps_only_what_the_player_needs():
    data = json.loads(html.unescape(player_track(TRACK)))
    assert data == {key: TRACK[key] for key in data}
    assert set(data) == {
        "id",
        "name",
        "artist",
        "artist_id",
        "album",
        "album_id",
        "url",
        "image_url",
        "duration",
        "source",
    }
    assert json.loads(html.unescape(player_track(None))) == {}


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (0, "0:00"),
        (5.4, "0:05"),
        (59.6, "0:59"),
        (201.6, "3:21"),
        (3599.9, "59:59"),
        (3725, "1:02:05"),
    ],
)
def test_duration(seconds, text):
    assert duration(seconds) == text


@pytest.mark.parametrize("seconds", [None, "", "abc", -3, float("nan"), float("inf")])
def test_duration_unknown(seconds):
    assert duration(seconds) == ""


def test_row_renders_a_labelled_play_button_links_and_safe_data():
    content = render_to_string("web/_track_row.html", {"track": TRACK})
    assert content.count("<li") == 1
    assert 'class="track-row"' in content
    assert 'data-track-id="7"' in content
    button = re.search(r"<button[^>]*data-play[^>]*>", content).group(0)
    assert 'type="button"' in button
    assert "disabled" not in button
    label = re.search(r'aria-label="([^"]*)"', button).group(1)
    assert html.unescape(label) == 'Play Rose "<b>Red</b>" & Gold'
    # User text is escaped everywhere, and the JSON survives the attribute intact.
    assert "<b>" not in content
    assert "<Ruby>" not in content
    data = json.loads(html.unescape(DATA_TRACK.search(content).group(1)))
    assert data["name"] == TRACK["name"]
    assert data["url"] == TRACK["url"]
    assert 'href="/artists/3/"' in content
    assert 'href="/albums/5/"' in content
    assert "3:21" in content
    assert 'src="/api/albums/5/cover?size=300"' in content
    assert 'alt=""' in content


def test_row_without_audio_has_a_disabled_play_button_and_no_links_without_ids():
    track = {**TRACK, "url": "", "artist_id": None, "album_id": None, "duration": None}
    content = render_to_string("web/_track_row.html", {"track": track})
    button = re.search(r"<button[^>]*data-play[^>]*>", content).group(0)
    assert " disabled" in button
    assert "track-row-unplayable" in content
    assert 'href="/artists/' not in content
    assert 'href="/albums/' not in content
    assert "The &lt;Ruby&gt; Band" in content
    assert "Duration" not in content


def test_row_includes_actions_template_and_rank():
    content = render_to_string(
        "web/_track_row.html", {"track": TRACK, "rank": 3, "actions": "web/_field.html"}
    )
    assert '<span class="track-rank">3</span>' in content
    assert 'class="track-actions"' in content


@pytest.mark.django_db
def test_list_wraps_rows_in_a_queue_list(django_assert_num_queries):
    tracks = [{**TRACK, "id": n, "name": f"Song {n}"} for n in range(1, 6)]
    with django_assert_num_queries(0):
        content = render_to_string(
            "web/_track_list.html",
            {"tracks": tracks, "numbered": True, "label": "Chart", "list_id": "chart"},
        )
    assert re.search(
        r'<ol class="track-list" data-tracklist id="chart" aria-label="Chart">', content
    )
    assert len(rows(content)) == 5
    assert [int(n) for n in re.findall(r'class="track-rank">(\d+)<', content)] == [1, 2, 3, 4, 5]
    assert re.findall(r'aria-label="Play (Song \d)"', content) == [f"Song {n}" for n in range(1, 6)]


def test_empty_list_says_so():
    assert "No tracks here yet." in render_to_string("web/_track_list.html", {"tracks": []})
    content = render_to_string("web/_track_list.html", {"tracks": [], "empty": "Nothing!"})
    assert "Nothing!" in content
    assert "<ol" not in content


@pytest.mark.django_db
def test_every_page_has_the_player_bar_hidden_until_something_plays(client):
    content = client.get("/login/").content.decode()
    section = re.search(r'<section id="player"[^>]*>', content).group(0)
    assert 'data-component="player"' in section
    assert "hidden" in section
    assert "<audio" in content
    assert 'data-signed-in="false"' in content
    for name in ("Previous track", "Play", "Next track", "Mute", "Volume", "Seek"):
        assert f'aria-label="{name}"' in content
    assert 'role="slider"' in content
    assert 'aria-live="polite"' in content


@pytest.mark.django_db
def test_player_knows_a_signed_in_listener(logged_in_client):
    content = logged_in_client.get("/settings/profile/").content.decode()
    assert 'data-signed-in="true"' in content


def test_display_datetime_is_a_plain_utc_fallback():
    two_hours_east = datetime.timezone(datetime.timedelta(hours=2))
    moment = datetime.datetime(2026, 12, 6, 10, 56, tzinfo=two_hours_east)
    assert display_datetime(moment) == "2026-12-06 08:56 UTC"
    assert display_datetime(None) == ""


def test_a_row_has_a_menu_with_the_tracks_album_and_artist():
    content = render_to_string("web/_track_row.html", {"track": TRACK})
    assert 'aria-label="More for Rose &quot;&lt;b&gt;Red&lt;/b&gt;&quot; &amp; Gold"' in content
    assert 'data-album-url="/albums/5/"' in content
    assert 'data-artist-url="/artists/3/"' in content
    assert "data-add-url" not in content  # anonymous: nothing to add to


def test_a_row_with_nothing_to_offer_has_no_menu():
    known_by_name = {"name": "Somewhere", "artist": "Someone", "url": "", "image_url": ""}
    content = render_to_string("web/_track_row.html", {"track": known_by_name})
    assert "track-menu-button" not in content
