"""Catalog API under /api/: tracks, artists, albums, genres, streaming, covers, waveforms."""

from django.urls import path

from . import api

urlpatterns = [
    path("tracks/", api.TrackListView.as_view(), name="track-list"),
    path("tracks/<int:pk>/", api.TrackDetailView.as_view(), name="track-detail"),
    path("tracks/<int:pk>/stream", api.track_stream, name="track-stream"),
    path("tracks/<int:pk>/waveform", api.TrackWaveformView.as_view(), name="track-waveform"),
    path("artists/", api.ArtistListView.as_view(), name="artist-list"),
    path("artists/<int:pk>/", api.ArtistDetailView.as_view(), name="artist-detail"),
    path("albums/<int:pk>/", api.AlbumDetailView.as_view(), name="album-detail"),
    path("albums/<int:pk>/cover", api.album_cover, name="album-cover"),
    path("genres/", api.GenreListView.as_view(), name="genre-list"),
]
