"""The one normaliser that decides whether two services mean the same track or artist."""

import pytest

from rubysound.providers.matching import (
    artist_credited,
    credited_artists,
    normalise_artist,
    normalise_title,
    pick_track,
    same_artist,
    same_track,
    strip_version,
    track_key,
)
from rubysound.providers.types import TrackInfo

# Titles the old normaliser mangled by dropping "with", "live" and "and" as words.
REAL_TITLES = ["With or Without You", "Live and Let Die", "Live Forever", "Without You", "Die"]


@pytest.mark.parametrize("title", REAL_TITLES)
def test_real_titles_keep_every_word(title):
    assert normalise_title(title) == title.lower()


def test_real_titles_match_themselves_and_not_each_other():
    keys = [normalise_title(title) for title in REAL_TITLES]
    assert len(set(keys)) == len(REAL_TITLES)
    assert same_track("U2", "With or Without You", "U2", "WITH OR WITHOUT YOU")
    assert not same_track("U2", "With or Without You", "U2", "Without You")
    assert not same_track("Wings", "Live and Let Die", "Wings", "Let Die")
    assert not same_track("Oasis", "Live Forever", "Oasis", "Forever")


@pytest.mark.parametrize(
    "variant",
    [
        "Let It Be (Remastered 2009)",
        "Let It Be - Remastered 2009",
        "Let It Be - 2009 Remaster",
        "Let It Be [2009 Digital Remaster]",
        "Let It Be (Remastered)",
        "Let It Be - Remastered Version",
        "Let It Be (2015 Remastered Version)",
        "Let It Be (Single Version)",
        "Let It Be - Mono",
        "Let It Be (Explicit)",
        "Let It Be (Deluxe Edition)",
        "Let It Be (50th Anniversary Deluxe Edition)",
        "  let it be  ",
    ],
)
def test_version_tags_of_the_same_recording_are_ignored(variant):
    assert normalise_title(variant) == "let it be"


@pytest.mark.parametrize(
    "variant",
    [
        "Crazy in Love (feat. Jay-Z)",
        "Crazy in Love (Feat Jay-Z)",
        "Crazy in Love [ft. Jay-Z]",
        "Crazy in Love feat. Jay-Z",
        "Crazy in Love ft. Jay-Z",
        "Crazy in Love featuring Jay-Z",
        "Crazy in Love (with Jay-Z)",
        "Crazy in Love (feat. Jay-Z) [Remastered 2011]",
    ],
)
def test_featured_artist_credits_are_ignored(variant):
    assert normalise_title(variant) == "crazy in love"


def test_feat_as_a_word_of_the_title_is_kept():
    assert normalise_title("A Feat of Clay") == "a feat of clay"
    assert normalise_title("Featuring You") == "featuring you"
    assert normalise_title("Stay With Me") == "stay with me"


def test_live_remix_and_acoustic_versions_are_different_recordings():
    studio = normalise_title("Live Forever")
    assert normalise_title("Live Forever (Live)") != studio
    assert normalise_title("Live Forever [Live at Knebworth]") != studio
    assert normalise_title("Live Forever - Live at Wembley") != studio
    assert normalise_title("Live Forever (Remix)") != studio
    assert normalise_title("Live Forever (Acoustic)") != studio
    assert normalise_title("Live Forever (Demo)") != studio


def test_brackets_that_belong_to_the_title_are_kept():
    assert normalise_title("(I Can't Get No) Satisfaction") == "i cant get no satisfaction"
    assert normalise_title("Sgt. Pepper's Lonely Hearts Club Band - Reprise") == (
        "sgt peppers lonely hearts club band reprise"
    )


def test_case_accents_punctuation_and_spacing_fold():
    assert normalise_title("Señorita") == normalise_title("senorita")
    assert normalise_title("Don’t Stop Me Now") == normalise_title("Dont Stop Me Now!")
    assert normalise_title("Harder,  Better, Faster, Stronger") == ("harder better faster stronger")
    assert same_artist("Beyoncé", "BEYONCE")
    assert same_artist("Björk", "Bjork")
    assert same_artist("Sigur Rós", "sigur ros")


def test_cyrillic_folds_yo_but_keeps_short_i():
    assert normalise_title("Ёлка") == normalise_title("елка")
    assert normalise_artist("Кино") == "кино"
    # й is its own letter, not an accented и: "Мой" (my) is not "Мои" (mine, plural).
    assert normalise_title("Мой друг") != normalise_title("Мои друг")
    assert normalise_title("Группа крови") == "группа крови"


def test_japanese_voiced_marks_are_kept():
    assert normalise_title("ガラス") != normalise_title("カラス")
    # Full-width letters fold to their ordinary forms.
    assert normalise_title("ＡＢＣ") == "abc"


def test_names_of_punctuation_alone_still_have_an_identity():
    assert normalise_artist("!!!") == "!!!"
    assert normalise_artist("!!!") != normalise_artist("???")
    assert normalise_title("...") != ""


def test_leading_the_is_ignored_for_artists_only():
    assert same_artist("The Beatles", "Beatles")
    assert same_artist("Beatles, The", "The Beatles")
    assert normalise_artist("The The") == "the"
    assert normalise_title("The Scientist") == "the scientist"


def test_ampersand_plus_and_and_are_the_same_in_artist_names():
    assert same_artist("Simon & Garfunkel", "Simon and Garfunkel")
    assert same_artist("Florence + the Machine", "Florence and the Machine")
    assert same_artist("Earth, Wind & Fire", "Earth Wind and Fire")
    assert not same_artist("Simon & Garfunkel", "Simon")


def test_featured_artists_are_dropped_from_artist_names():
    assert same_artist("Jay-Z feat. Rihanna", "JAY Z")
    assert same_artist("Beyoncé (feat. Jay-Z)", "Beyonce")
    assert normalise_artist("Little Feat") == "little feat"


def test_track_key_is_the_dedupe_key():
    assert track_key("The Beatles", "Let It Be - Remastered 2009") == track_key(
        "Beatles", "Let It Be"
    )
    assert track_key("Paul McCartney", "Live and Let Die") != track_key(
        "Paul McCartney", "Live and Let Die (Live)"
    )


def test_credited_artists_lists_every_name_of_a_credit():
    assert credited_artists("Queen & David Bowie") == ["queen", "david bowie"]
    assert credited_artists("Jay-Z feat. Rihanna, Kanye West") == ["jay z", "rihanna", "kanye west"]
    assert credited_artists("Lil Nas X") == ["lil nas x"]


def test_artist_credited_takes_the_lead_artist_only():
    assert artist_credited("Queen", "Queen & David Bowie")
    assert artist_credited("Paul McCartney", "Paul McCartney & Wings")
    assert not artist_credited("David Bowie", "Queen & David Bowie")
    assert artist_credited("Simon & Garfunkel", "Simon and Garfunkel")


def _track(artist, name, preview=""):
    return TrackInfo(name=name, artist=artist, source="test", preview_url=preview)


def test_pick_track_prefers_an_exact_match_with_a_preview():
    candidates = [
        _track("Karaoke Stars", "Live Forever"),
        _track("Oasis", "Live Forever (Live)", "https://p/live.m4a"),
        _track("Oasis", "Live Forever (Remastered)"),
        _track("Oasis", "Live Forever", "https://p/studio.m4a"),
    ]
    assert pick_track(candidates, "Oasis", "Live Forever").preview_url == "https://p/studio.m4a"


def test_pick_track_falls_back_to_the_lead_artist_then_to_nothing():
    duet = _track("Queen & David Bowie", "Under Pressure")
    assert pick_track([duet], "Queen", "Under Pressure") is duet
    assert pick_track([duet], "David Bowie", "Under Pressure") is None
    assert pick_track([_track("U2", "Without You")], "U2", "With or Without You") is None
    assert pick_track([], "U2", "One") is None


def test_strip_version_never_leaves_an_empty_title():
    assert strip_version("(Remastered 2011)") == "(Remastered 2011)"
    assert strip_version("") == ""


@pytest.mark.parametrize("odd", [None, "", "   ", "\u0301", "\u0301abc", "\x00", "\ud800", 42])
def test_odd_input_never_raises(odd):
    assert isinstance(normalise_title(odd), str)
    assert isinstance(normalise_artist(odd), str)
    assert isinstance(track_key(odd, odd), tuple)


def test_every_apostrophe_joins_the_same_way():
    assert {normalise_title(t) for t in ["Don't", "Don’t", "Don´t", "Don`t", "Dont"]} == {"dont"}
