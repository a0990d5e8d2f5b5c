"""Merged search's relevance tiers and the merge of the library's results with Last.fm's."""

import pytest

from rubysound.catalog.discovery.merged_search import _Entry, _merge, _Query, relevance

# --- relevance and merging ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "title", "artist", "tier"),
    [
        ("believe", "Believe", "Cher", 0),
        ("cher believe", "Believe", "Cher", 0),
        ("believe cher", "Believe (Remastered 2011)", "Cher", 0),
        ("cher", "Strong Enough", "Cher", 0),
        ("believe", "Believer", "Imagine Dragons", 1),
        ("imagine", "Believer", "Imagine Dragons", 1),
        ("believe", "I Still Believe", "Mariah Carey", 2),
        ("dragons bel", "Believer", "Imagine Dragons", 2),
        ("lieve", "Believer", "Imagine Dragons", 3),
        ("Live Forever", "Live Forever", "Oasis", 0),
        ("with or without you", "With or Without You", "U2", 0),
    ],
)
def test_relevance_tiers(query, title, artist, tier):
    assert relevance(_Query.of(query), title=title, artist=artist) == tier


def test_merge_keeps_each_order_and_puts_the_library_first_on_ties():
    library = [_Entry(0, info="L0"), _Entry(1, info="L1"), _Entry(3, info="L3")]
    provided = [_Entry(0, info="P0"), _Entry(2, info="P2"), _Entry(2, info="P2b")]
    merged = [entry.info for entry in _merge(library, provided)]
    assert merged == ["L0", "P0", "L1", "P2", "P2b", "L3"]
