"""What a scan covers: paths given on the command line, and library folders inside others."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from rubysound.catalog.library.scan_targets import ScanError
from rubysound.catalog.library.scanner import scan_library
from rubysound.catalog.models import Track
from tests.catalog.conftest import write_audio

pytestmark = pytest.mark.django_db


def test_a_path_that_does_not_exist_is_a_fatal_error(library_root):
    with pytest.raises(ScanError, match="does not exist"):
        scan_library([library_root / "nope"])
    with pytest.raises(CommandError, match="does not exist"):
        call_command("scan_library", str(library_root / "nope"), stdout=StringIO())


def test_a_library_folder_inside_another_is_scanned_once(library_root, settings):
    write_audio(library_root / "Incoming" / "new.flac")
    settings.LIBRARY_DIRS = [library_root, library_root / "Incoming"]

    summary = scan_library()

    assert summary.added == 1
    assert list(Track.objects.values_list("library_root", "path")) == [
        (str(library_root), "Incoming/new.flac")
    ]
