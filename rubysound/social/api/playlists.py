"""Stub: filled in by the playlists work."""

urlpatterns: list = []
