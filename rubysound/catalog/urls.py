"""Catalog API under /api/: tracks, artists, albums, genres, streaming, covers, waveforms."""

urlpatterns: list = []
