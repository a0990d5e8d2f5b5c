"""The Last.fm client against recorded Last.fm answers, through the real Transport."""

import functools
import pickle

import httpx
import pytest

from rubysound.providers.errors import ErrorKind, ProviderError
from rubysound.providers.lastfm import LastFmClient, ResultPage
from tests.providers.conftest import recorded

ENDPOINT = "https://ws.audioscrobbler.com/2.0/"
KEY = "recorded-lastfm-key"
STAR = "2a96cbd8b46e442fc41c2b86b821562f"


answer = functools.partial(recorded, "lastfm")


@pytest.fixture
def lastfm(enable_services) -> LastFmClient:
    enable_services("lastfm", api_key=KEY)
    return LastFmClient()


def route(upstream, method: str, name: str, status: int = 200, **params):
    return upstream.get(ENDPOINT, params={"method": method, **params}).mock(
        return_value=answer(name, status)
    )


# --- search --------------------------------------------------------------------------


async def test_track_search_reads_matches_as_our_tracks(lastfm, upstream):
    searched = route(upstream, "track.search", "track_search.json", track="believe")

    tracks = await lastfm.search_tracks("believe", limit=5)

    sent = searched.calls.last.request.url.params
    assert dict(sent) == {
        "method": "track.search",
        "track": "believe",
        "page": "1",
        "limit": "5",
        "api_key": KEY,
        "format": "json",
    }
    # The fifth match has no title: skipped, the rest still read.
    assert [(t.name, t.artist) for t in tracks] == [
        ("Believe", "Cher"),
        ("Believe", "Imagine Dragons"),
        ("Believer", "Imagine Dragons"),
        ("I Still Believe (Remastered 2011)", "Mariah Carey"),
    ]
    cher = tracks[0]
    assert cher.listeners == 1120813
    assert cher.mbid == "32ca187e-ee25-4f18-b7d0-3b6713f24635"
    assert cher.url == "https://www.last.fm/music/Cher/_/Believe"
    assert cher.source == "lastfm"
    assert cher.rank is None
    assert cher.image_url == ""  # only the grey star: no image
    assert tracks[1].image_url == (
        "https://lastfm.freetls.fastly.net/i/u/300x300/9d1b5e5c1d2a4c0e8a3f6b7c8d9e0f1a.png"
    )
    assert tracks[3].listeners == 0  # "not reported"
    assert tracks[3].mbid == ""  # "not-an-mbid" must not reach MBID matching
    assert isinstance(tracks, ResultPage)
    assert tracks.total == 81234


async def test_track_search_passes_the_artist_and_page(lastfm, upstream):
    searched = route(upstream, "track.search", "track_search.json")

    await lastfm.search_tracks("  believe ", artist="Cher", page=3, limit=5)

    sent = searched.calls.last.request.url.params
    assert (sent["track"], sent["artist"], sent["page"], sent["limit"]) == (
        "believe",
        "Cher",
        "3",
        "5",
    )


async def test_a_single_match_arrives_as_an_object_and_is_still_a_list(lastfm, upstream):
    route(upstream, "track.search", "track_search_single.json")

    tracks = await lastfm.search_tracks("guns n roses medley pickin")

    assert len(tracks) == 1
    # HTML entities decoded.
    assert tracks[0].name == "Guns N' Roses Medley"
    assert tracks[0].artist == "Pickin' On Tribute"
    assert tracks[0].listeners == 37
    assert tracks.total == 1


async def test_no_match_is_an_empty_page(lastfm, upstream):
    route(upstream, "track.search", "track_search_empty.json")

    tracks = await lastfm.search_tracks("zzqxjvw")

    assert tracks == []
    assert tracks.total == 0


async def test_escaped_unicode_names_and_old_addresses(lastfm, upstream):
    route(upstream, "track.search", "track_search_unicode.json")

    kino, yoasobi = await lastfm.search_tracks("группа")

    assert (kino.name, kino.artist) == ("Группа крови", "Кино")
    assert (yoasobi.name, yoasobi.artist) == ("夜に駆ける", "YOASOBI")
    assert kino.mbid == "4ecb3c4c-2e2b-4b8b-9f7c-7e0d6b6c1a11"  # normalised to lower case
    assert kino.url.startswith("https://www.last.fm/music/%D0%9A")  # http upgraded
    assert kino.listeners == 241507


async def test_a_blank_query_asks_nothing(lastfm, upstream):
    assert await lastfm.search_tracks("   ") == []
    assert await lastfm.search_artists("") == []
    assert upstream.calls.call_count == 0


async def test_artist_search(lastfm, upstream):
    searched = route(upstream, "artist.search", "artist_search.json", artist="radiohead")

    artists = await lastfm.search_artists("radiohead", limit=3)

    assert searched.called
    assert [a.name for a in artists] == [
        "Radiohead",
        "Radiohead Tribute Band",
        "Thom Yorke & Radiohead",
    ]
    radiohead = artists[0]
    assert radiohead.listeners == 6230941
    assert radiohead.mbid == "a74b1b7f-71a5-4011-9441-d0b5e4122711"
    # "mega" is the largest size; the trailing entry with an empty size is not preferred.
    assert radiohead.image_url.endswith("/300x300/e3a1c7d1b5ab4b6c9c3d6f0b2a1e8d7c.png")
    assert artists[1].image_url == ""
    assert artists.total == 61042


# --- charts --------------------------------------------------------------------------


async def test_global_artist_chart_is_ranked_by_position(lastfm, upstream):
    route(upstream, "chart.getTopArtists", "chart_top_artists.json", limit="3")

    artists = await lastfm.top_artists(limit=3)

    assert [(a.rank, a.name) for a in artists] == [
        (1, "Taylor Swift"),
        (2, "The Weeknd"),
        (3, "Sabrina Carpenter"),
    ]
    assert artists[0].playcount == 3251871256
    assert artists[1].listeners == 6123552
    assert artists.total == 3022811


async def test_second_page_of_the_track_chart_continues_the_ranks(lastfm, upstream):
    charted = route(upstream, "chart.getTopTracks", "chart_top_tracks_page2.json")

    tracks = await lastfm.top_tracks(page=2, limit=3)

    assert charted.calls.last.request.url.params["page"] == "2"
    assert [(t.rank, t.name, t.artist) for t in tracks] == [
        (4, "Espresso", "Sabrina Carpenter"),
        (5, "BIRDS OF A FEATHER", "Billie Eilish"),
        (6, "Die With A Smile", "Lady Gaga"),
    ]
    assert tracks[0].duration == 175.0  # charts give seconds
    assert tracks[1].duration is None  # "0" means unknown
    assert tracks[1].artist_mbid == "f4abc0b5-3f7a-4eff-8f78-ac078dbce533"
    assert tracks[0].playcount == 201918264


async def test_tag_artist_chart_uses_the_ranks_last_fm_gives(lastfm, upstream):
    route(upstream, "tag.getTopArtists", "tag_top_artists.json", tag="rock")

    artists = await lastfm.tag_top_artists("rock", limit=5)

    # Rank 4 has no name: skipped, and Oasis keeps its own rank.
    assert [(a.rank, a.name) for a in artists] == [
        (1, "Radiohead"),
        (2, "Muse"),
        (3, "Arctic Monkeys"),
        (5, "Oasis"),
    ]
    assert artists[0].listeners == 0  # tag charts carry no counts
    assert artists.total == 98231


async def test_an_unused_tag_is_an_empty_chart(lastfm, upstream):
    route(upstream, "tag.getTopArtists", "tag_top_artists_unknown.json")

    artists = await lastfm.tag_top_artists("qqxxzz-nonexistent")

    assert artists == []
    assert artists.total == 0


async def test_tag_track_chart(lastfm, upstream):
    route(upstream, "tag.getTopTracks", "tag_top_tracks.json", tag="britpop")

    tracks = await lastfm.tag_top_tracks("britpop", limit=3)

    assert [(t.rank, t.name, t.artist) for t in tracks] == [
        (1, "Live Forever", "Oasis"),
        (2, "With or Without You", "U2"),
        (3, "Live and Let Die", "Wings"),
    ]
    assert tracks[0].duration == 276.0
    assert tracks[0].mbid == "3a0a4be5-3c1e-4a58-a0a4-2b6f6b95b81e"
    assert tracks[2].duration is None


async def test_more_items_than_asked_are_cut_to_the_limit(lastfm, upstream):
    route(upstream, "tag.getTopTracks", "tag_top_tracks.json")

    tracks = await lastfm.tag_top_tracks("britpop", limit=2)

    assert [t.name for t in tracks] == ["Live Forever", "With or Without You"]


# --- lookups -------------------------------------------------------------------------


async def test_track_info(lastfm, upstream):
    looked_up = route(upstream, "track.getInfo", "track_info.json")

    track = await lastfm.track_info("Cher", "Believe")

    sent = looked_up.calls.last.request.url.params
    assert (sent["artist"], sent["track"], sent["autocorrect"]) == ("Cher", "Believe", "1")
    assert "mbid" not in sent
    assert track.name == "Believe"
    assert track.artist == "Cher"
    assert track.artist_mbid == "bfcc6d75-a6a5-4bc6-8282-47aec8531818"
    assert track.duration == 240.0  # getInfo gives milliseconds
    assert (track.listeners, track.playcount) == (1120813, 9217561)
    assert track.album == "Believe"
    # No image of its own: the album's cover, largest size.
    assert track.image_url.endswith("/300x300/3b54885952161aaea4ce2965b2db1638.png")
    assert track.tags == ("pop", "dance", "80s")


async def test_track_info_by_mbid_sends_only_the_mbid(lastfm, upstream):
    looked_up = route(upstream, "track.getInfo", "track_info.json")

    await lastfm.track_info(mbid="32ca187e-ee25-4f18-b7d0-3b6713f24635")

    sent = looked_up.calls.last.request.url.params
    assert sent["mbid"] == "32ca187e-ee25-4f18-b7d0-3b6713f24635"
    assert "artist" not in sent
    assert "track" not in sent


async def test_track_info_with_one_tag_and_no_album(lastfm, upstream):
    route(upstream, "track.getInfo", "track_info_single_tag.json")

    track = await lastfm.track_info("[unknown]", "Spur 1")

    assert track.tags == ("unknown",)
    assert track.album == ""
    assert track.image_url == ""
    assert track.duration is None
    assert track.playcount == 291787


@pytest.mark.parametrize("status", [200, 404])
async def test_an_unknown_track_is_none(lastfm, upstream, status):
    route(upstream, "track.getInfo", "error_6_track.json", status=status)

    assert await lastfm.track_info("Nobody", "Nothing") is None


async def test_artist_top_albums(lastfm, upstream):
    looked_up = route(upstream, "artist.getTopAlbums", "artist_top_albums.json")

    albums = await lastfm.artist_top_albums("Radiohead", limit=4)

    assert looked_up.calls.last.request.url.params["artist"] == "Radiohead"
    # "(null)" is where Last.fm files plays without an album: not an album.
    assert [(a.title, a.playcount) for a in albums] == [
        ("OK Computer", 163450123),  # a JSON number here, unlike elsewhere
        ("In Rainbows", 139021442),
        ("Kid A", 98231441),  # and a string here
    ]
    assert all(a.artist == "Radiohead" for a in albums)
    assert albums[0].mbid == "0b6b4ba0-d36f-47bd-b4ea-6a5b91842d29"
    assert albums[1].mbid == ""
    assert albums[0].image_url.endswith("/300x300/1e2bcd0cbd0d4d41a21c0e6b08bfa0a9.png")
    assert albums.total == 1873


async def test_albums_of_an_unknown_artist_are_none_at_all(lastfm, upstream):
    route(upstream, "artist.getTopAlbums", "error_6_artist.json", status=400)

    assert await lastfm.artist_top_albums("Nobody At All") == []


async def test_similar_artists(lastfm, upstream):
    looked_up = route(upstream, "artist.getSimilar", "artist_similar.json")

    artists = await lastfm.similar_artists(mbid="a74b1b7f-71a5-4011-9441-d0b5e4122711", limit=4)

    sent = looked_up.calls.last.request.url.params
    assert sent["mbid"] == "a74b1b7f-71a5-4011-9441-d0b5e4122711"
    assert "page" not in sent
    assert [(a.name, a.match) for a in artists] == [
        ("Thom Yorke", 1.0),
        ("Atoms for Peace", 0.873214),
        ("Portishead", 0.61),
        ("The Smile", None),  # "n/a"
    ]


@pytest.mark.parametrize(
    ("name", "status"), [("artist_similar_unknown.json", 200), ("error_6_artist.json", 400)]
)
async def test_no_similar_artists_for_an_unknown_artist(lastfm, upstream, name, status):
    route(upstream, "artist.getSimilar", name, status=status)

    assert await lastfm.similar_artists("[unknown]") == []


# --- errors --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "status", "kind"),
    [
        ("error_10.json", 403, ErrorKind.INVALID_KEY),
        ("error_10.json", 200, ErrorKind.INVALID_KEY),
        ("error_26.json", 403, ErrorKind.INVALID_KEY),
        ("error_29.json", 200, ErrorKind.RATE_LIMITED),
        ("error_6_track.json", 400, ErrorKind.NOT_FOUND),
        ("error_11.json", 200, ErrorKind.UNAVAILABLE),
        ("error_16.json", 200, ErrorKind.UNAVAILABLE),
        ("error_8.json", 200, ErrorKind.UNAVAILABLE),
        ("error_3.json", 400, ErrorKind.BAD_REQUEST),
    ],
)
async def test_last_fm_error_codes_become_error_kinds(lastfm, upstream, name, status, kind):
    route(upstream, "track.search", name, status=status)

    with pytest.raises(ProviderError) as caught:
        await lastfm.search_tracks("believe")

    assert caught.value.kind is kind
    assert caught.value.service == "lastfm"
    assert caught.value.status == status
    assert KEY not in str(caught.value)


async def test_rate_limit_errors_are_transient_and_key_errors_are_not(lastfm, upstream):
    route(upstream, "chart.getTopArtists", "error_29.json")
    route(upstream, "chart.getTopTracks", "error_10.json", status=403)

    with pytest.raises(ProviderError) as limited:
        await lastfm.top_artists()
    with pytest.raises(ProviderError) as refused:
        await lastfm.top_tracks()

    assert limited.value.transient
    assert not refused.value.transient


@pytest.mark.parametrize(
    ("name", "status", "kind"),
    [
        ("error_11.json", 503, ErrorKind.UNAVAILABLE),
        ("error_16.json", 500, ErrorKind.UNAVAILABLE),
        ("error_29.json", 429, ErrorKind.RATE_LIMITED),
    ],
)
async def test_errors_the_transport_reads_from_the_status(lastfm, upstream, name, status, kind):
    route(upstream, "track.search", name, status=status)

    with pytest.raises(ProviderError) as caught:
        await lastfm.search_tracks("believe")

    assert caught.value.kind is kind


async def test_a_timeout_stays_a_timeout(lastfm, upstream):
    upstream.get(ENDPOINT).mock(side_effect=httpx.ReadTimeout("slow"))

    with pytest.raises(ProviderError) as caught:
        await lastfm.search_tracks("believe")

    assert caught.value.kind is ErrorKind.TIMEOUT


@pytest.mark.parametrize(
    ("name", "status", "kind"),
    [
        ("html_error_page.html", 200, ErrorKind.MALFORMED),
        ("truncated.json", 200, ErrorKind.MALFORMED),
        ("track_search_latin1.json", 200, ErrorKind.MALFORMED),
        # A proxy's page instead of Last.fm's own error body.
        ("html_error_page.html", 403, ErrorKind.INVALID_KEY),
        ("html_error_page.html", 400, ErrorKind.BAD_REQUEST),
    ],
)
async def test_unreadable_answers(lastfm, upstream, name, status, kind):
    route(upstream, "track.search", name, status=status)

    with pytest.raises(ProviderError) as caught:
        await lastfm.search_tracks("believe")

    assert caught.value.kind is kind


GARBAGE = [
    b"[]",
    b"null",
    b'"just a string"',
    b"42",
    b"{}",
    b'{"results": "x", "artists": [], "tracks": 5, "topartists": null, "track": []}',
    b'{"results": {"trackmatches": {"track": 5}, "artistmatches": []}}',
    b'{"artists": {"artist": 7}, "tracks": {"track": "x"}, "topalbums": {"album": true}}',
    b'{"similarartists": {"artist": {"name": {"deep": ["x"]}}}, "topartists": []}',
    b'{"error": "not a number", "message": ["x"]}',
    b'{"error": null}',
    # Items of every wrong type, and fields of every wrong type.
    b'{"results": {"opensearch:totalResults": [1], "trackmatches": {"track": [1, null, "x",'
    b' {"name": ["a"], "artist": {"name": 3}}, {"name": "A", "artist": "B", "listeners":'
    b' {"x": 1}, "image": "nope", "mbid": 5, "url": 7, "duration": "1e999"}]},'
    b' "artistmatches": {"artist": [{"name": "A", "listeners": "-5", "match": "nan",'
    b' "image": [{"#text": 5, "size": []}, "x", {"#text": "javascript:alert(1)"}]}]}},'
    b' "artists": {"artist": [{"name": "A", "playcount": 1.5e300, "@attr": []}],'
    b' "@attr": {"page": "x", "perPage": {}, "total": "1,234"}},'
    b' "tracks": {"track": [{"name": "T", "artist": ["x"]}, {"name": "T", "artist":'
    b' {"name": "A"}, "album": ["x"], "toptags": {"tag": 5}, "@attr": {"rank": "-1"}}]},'
    b' "topartists": {"artist": [{"name": "A", "@attr": {"rank": {}}}]},'
    b' "topalbums": {"album": [{"name": 5}, {"name": "X", "artist": "Y", "playcount": "z"}]},'
    b' "similarartists": {"artist": [{"name": "A", "match": {"x": 1}}]},'
    b' "track": {"name": "T", "artist": {"name": "A"}, "duration": "abc",'
    b' "album": {"title": ["x"], "image": {"#text": "https://i.example/a.png"}}}}',
]

CALLS = [
    ("search_tracks", ("q",), {}),
    ("search_artists", ("q",), {}),
    ("top_artists", (), {}),
    ("top_tracks", (), {}),
    ("tag_top_artists", ("rock",), {}),
    ("tag_top_tracks", ("rock",), {}),
    ("track_info", ("A", "T"), {}),
    ("artist_top_albums", ("A",), {}),
    ("similar_artists", ("A",), {}),
]


@pytest.mark.parametrize("body", GARBAGE)
async def test_garbage_never_escapes_as_anything_but_a_provider_error(lastfm, upstream, body):
    upstream.get(ENDPOINT).mock(return_value=httpx.Response(200, content=body))

    for method, args, kwargs in CALLS:
        try:
            result = await getattr(lastfm, method)(*args, **kwargs)
        except ProviderError as exc:
            result = exc
        if isinstance(result, ProviderError):
            assert result.kind is ErrorKind.MALFORMED, (method, result)
        else:
            items = [result] if method == "track_info" else result
            for item in items:
                assert item.name if hasattr(item, "name") else item.title
                assert isinstance(getattr(item, "listeners", 0), int)
                assert item.url == "" or item.url.startswith("https://")
                assert item.image_url == "" or item.image_url.startswith("https://")


async def test_the_garbage_that_is_still_readable_is_read(lastfm, upstream):
    upstream.get(ENDPOINT).mock(return_value=httpx.Response(200, content=GARBAGE[-1]))

    tracks = await lastfm.search_tracks("q")
    artists = await lastfm.top_artists()
    track = await lastfm.track_info("A", "T")

    assert [(t.name, t.artist, t.listeners, t.mbid, t.url) for t in tracks] == [
        ("A", "B", 0, "", "")
    ]
    assert tracks[0].duration is None
    assert [(a.name, a.playcount, a.rank) for a in artists] == [("A", 0, 1)]
    assert artists.total == 1234
    assert (track.name, track.artist, track.duration) == ("T", "A", None)
    assert track.image_url == "https://i.example/a.png"


# --- switched off, and asked wrongly -------------------------------------------------


@pytest.mark.parametrize(
    "lastfm_options",
    [
        {"enabled": False, "api_key": "", "base_url": "https://ws.audioscrobbler.com/2.0"},
        {"enabled": True, "api_key": "", "base_url": "https://ws.audioscrobbler.com/2.0"},
    ],
)
async def test_a_disabled_client_never_asks(settings, upstream, lastfm_options):
    settings.PROVIDERS = {**settings.PROVIDERS, "lastfm": lastfm_options}
    client = LastFmClient()

    for method, args, kwargs in [*CALLS, ("search_tracks", ("",), {})]:
        with pytest.raises(ProviderError) as caught:
            await getattr(client, method)(*args, **kwargs)
        assert caught.value.kind is ErrorKind.DISABLED, method

    assert upstream.calls.call_count == 0


async def test_the_default_test_settings_leave_last_fm_off(upstream):
    with pytest.raises(ProviderError) as caught:
        await LastFmClient().top_artists()

    assert caught.value.kind is ErrorKind.DISABLED
    assert upstream.calls.call_count == 0


@pytest.mark.parametrize(
    ("method", "args", "kwargs"),
    [
        ("search_tracks", ("q",), {"page": 0}),
        ("search_tracks", ("q",), {"limit": 1001}),
        ("search_artists", ("q",), {"limit": "10"}),
        ("top_tracks", (), {"page": True}),
        ("top_artists", (), {"limit": 0}),
        ("tag_top_tracks", ("  ",), {}),
        ("tag_top_artists", (None,), {}),
        ("track_info", ("Cher", ""), {}),
        ("track_info", (), {}),
        ("artist_top_albums", ("",), {}),
        ("similar_artists", (), {"limit": -1}),
    ],
)
async def test_bad_arguments_are_refused_before_any_request(lastfm, upstream, method, args, kwargs):
    with pytest.raises(ProviderError) as caught:
        await getattr(lastfm, method)(*args, **kwargs)

    assert caught.value.kind is ErrorKind.BAD_REQUEST
    assert upstream.calls.call_count == 0


async def test_a_page_survives_the_cache(lastfm, upstream):
    route(upstream, "track.search", "track_search.json")
    tracks = await lastfm.search_tracks("believe", limit=5)

    restored = pickle.loads(pickle.dumps(tracks))  # noqa: S301 - our own bytes, as the cache does

    assert restored == tracks
    assert restored.total == 81234
