"""Typo tolerance: which words are one edit apart."""

import pytest

from rubysound.catalog.search.typos import one_edit_apart


@pytest.mark.parametrize(
    ("a", "b", "near"),
    [
        ("metallica", "metalica", True),
        ("metallica", "metallicca", True),
        ("metallica", "metallika", True),
        ("metallica", "mteallica", True),
        ("blur", "blir", True),
        ("blur", "blur", True),
        ("blur", "bulr", True),
        ("metallica", "mtalicca", False),
        ("abcd", "badc", False),
        ("abc", "abcde", False),
    ],
)
def test_one_edit_apart(a, b, near):
    assert one_edit_apart(a, b) is near
    assert one_edit_apart(b, a) is near
