"""The demo: a generated library of real, tagged audio files, and demo listeners.

``library.generate_demo_library`` writes the files (planned by ``plan``, named by ``names``,
sounded by ``synthesis``, tagged and illustrated by ``artwork``); the ``demo_library``
command scans them and lets ``activity`` add listeners, favorites and listens through the
accounts, social and catalog services, as any other client of those domains would.
"""
