"""Concurrent image decodes are bounded (rubysound.core.images): eight at once, as in the
issue's probe, and never more than IMAGE_DECODE_CONCURRENCY of them decoding together,
whether they are profile pictures, album covers being stored or covers being resized."""

import threading
import time

import pytest
from django.db import connections
from PIL import ImageFile

from rubysound.accounts.images import AVATAR, BANNER, process_image
from rubysound.catalog.library import covers
from rubysound.catalog.library.artwork import set_album_cover
from rubysound.core.images import image_decoding
from tests.factories import AlbumFactory, image_upload

pytestmark = pytest.mark.django_db(transaction=True)

BOUND = 2


class HeldDecodes:
    """Pillow's pixel decoding (``ImageFile.load``), held until released, counting how many
    images are inside it at once."""

    def __init__(self, monkeypatch):
        self.release = threading.Event()
        self.inside = 0
        self.most = 0
        self._lock = threading.Lock()
        original = ImageFile.ImageFile.load

        def held_load(image):
            if self.release.is_set():
                return original(image)
            with self._lock:
                self.inside += 1
                self.most = max(self.most, self.inside)
            try:
                self.release.wait(timeout=30)
                return original(image)
            finally:
                with self._lock:
                    self.inside -= 1

        monkeypatch.setattr(ImageFile.ImageFile, "load", held_load)


def in_thread(work) -> tuple[threading.Thread, list]:
    outcome: list = []

    def run():
        try:
            outcome.append(work())
        except Exception as exc:  # reported by the test
            outcome.append(exc)
        finally:
            connections.close_all()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread, outcome


def wait_until(condition, timeout: float = 15) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.01)


def test_eight_concurrent_decodes_run_at_most_the_bound_at_once(settings, monkeypatch):
    settings.IMAGE_DECODE_CONCURRENCY = BOUND
    png = image_upload(size=(640, 480)).read()
    albums = [AlbumFactory(), AlbumFactory()]
    work = [
        *(lambda: process_image(image_upload(size=(640, 480)), AVATAR) for _ in range(2)),
        lambda: process_image(image_upload(size=(1600, 400)), BANNER),
        *(lambda: covers.render(png, 300, covers.JPEG) for _ in range(3)),
        *(lambda album=album: set_album_cover(album, png) for album in albums),
    ]
    decodes = HeldDecodes(monkeypatch)

    started = [in_thread(job) for job in work]
    # Every job is either decoding or waiting for a turn, or one too many got in.
    wait_until(
        lambda: (
            decodes.inside > BOUND
            or (decodes.inside == BOUND and image_decoding.waiting == len(work) - BOUND)
        )
    )
    assert decodes.inside == BOUND

    decodes.release.set()
    for thread, _ in started:
        thread.join(timeout=30)
    outcomes = [outcome[0] for _, outcome in started]
    assert not [result for result in outcomes if isinstance(result, Exception)], outcomes
    assert decodes.most == BOUND
    assert outcomes[-2:] == [True, True]  # both covers stored
    assert image_decoding.in_progress == 0


def test_a_refused_image_gives_its_turn_back(settings):
    settings.IMAGE_DECODE_CONCURRENCY = 1
    with pytest.raises(covers.CoverUnavailable):
        covers.render(b"not an image", 300, covers.JPEG)
    assert set_album_cover(AlbumFactory(), b"not an image either") is False
    # Still free: a turn held by a failed decode would block this forever.
    content = process_image(image_upload(), AVATAR)
    assert content.name.endswith(".webp")
    assert image_decoding.in_progress == 0
