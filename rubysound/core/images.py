"""One bound on image decoding in a process: ``with image_decoding:`` or ``@image_decoding``.

Decoding an upload at the pixel cap (25 megapixels) takes about a hundred megabytes and a
second of CPU, and resizing and re-encoding it as much again. Eight at once took a worker to
1.3 GB and every other request to seconds of latency. Every place that decodes an image a
user sent or the library holds (profile pictures, album covers stored and resized) does it
inside this bound: at most ``IMAGE_DECODE_CONCURRENCY`` at a time, the others waiting their
turn in their own thread (the event loop never decodes).
"""

import threading
from contextlib import ContextDecorator

from django.conf import settings


class DecodeSlots(ContextDecorator):
    def __init__(self):
        self._turns = threading.Condition()
        self.in_progress = 0
        self.waiting = 0

    def __enter__(self):
        with self._turns:
            self.waiting += 1
            try:
                self._turns.wait_for(lambda: self.in_progress < settings.IMAGE_DECODE_CONCURRENCY)
            finally:
                self.waiting -= 1
            self.in_progress += 1
        return self

    def __exit__(self, *exc_info):
        with self._turns:
            self.in_progress -= 1
            self._turns.notify()
        return False


image_decoding = DecodeSlots()
