"""Reading a query: normalised exactly as the search documents are."""

import importlib

import pytest
from django.db import connection

from rubysound.catalog.search import query
from rubysound.core.text import fold
from tests.factories import ArtistFactory

pytestmark = pytest.mark.django_db


def test_query_and_documents_are_normalised_alike():
    """The migration keeps its own copy of the punctuation lists (migrations are frozen):
    a change on one side only would make words stop matching."""
    migration = importlib.import_module("rubysound.catalog.migrations.0002_search")
    assert migration.TOKEN_SPACE == query.TOKEN_SPACE
    assert migration.TOKEN_DELETE == query.TOKEN_DELETE
    ArtistFactory(name="¡Don’t   Stop! (R.E.M.)—Live")
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("SELECT name FROM catalog_search_artist_fts")
        else:
            cursor.execute("SELECT doc FROM catalog_search_artist")
        (document,) = cursor.fetchone()
    assert document == " " + query.normalize(fold("¡Don’t   Stop! (R.E.M.)—Live"))
    assert document == " dont stop rem live"
