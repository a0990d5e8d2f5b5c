"""Demo names: plausible for their genre, and usable as file names."""

import random

from rubysound.demo.names import artist_name, name_key, safe_name, track_title


def test_names_follow_the_genre():
    rng = random.Random(1)
    assert artist_name(rng, "Rock").startswith("The ")
    assert track_title(rng, "Classical", 3).startswith("III. ")


def test_file_names_lose_the_characters_filesystems_refuse():
    assert safe_name('AC/DC: "Live"?') == "AC-DC- -Live--"
    assert safe_name(" ... ") == "untitled"


def test_names_are_compared_as_the_catalog_matches_artists():
    assert name_key("Chloé  Marchand") == name_key("chloe marchand")
