"""The compat routes are tested on the same generated library as the catalog's own API."""

import pytest

from tests.catalog.conftest import (  # noqa: F401 - fixtures, registered by import
    audio_file,
    library_root,
    scanned_library,
    tiny_library,
)

# Its checks then fail with the values compared, like the tests' own asserts.
pytest.register_assert_rewrite("tests.compat.music.shapes")
