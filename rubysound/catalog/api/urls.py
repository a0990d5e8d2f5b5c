"""Catalog API under /api/: tracks, artists, albums, genres, streaming, covers, waveforms,
listens, charts, the user's play queue (me/queue/) and the services their listens are passed
on to (users/me/scrobbling/)."""

from django.urls import path

from rubysound.catalog.api import charts, library, listens, play_queue, scrobbling

urlpatterns = [
    path("tracks/", library.TrackListView.as_view(), name="track-list"),
    path("tracks/<int:pk>/", library.TrackDetailView.as_view(), name="track-detail"),
    path("tracks/<int:pk>/stream", library.track_stream, name="track-stream"),
    path("tracks/<int:pk>/waveform", library.TrackWaveformView.as_view(), name="track-waveform"),
    path("artists/", library.ArtistListView.as_view(), name="artist-list"),
    path("artists/<int:pk>/", library.ArtistDetailView.as_view(), name="artist-detail"),
    path("albums/<int:pk>/", library.AlbumDetailView.as_view(), name="album-detail"),
    path("albums/<int:pk>/cover", library.album_cover, name="album-cover"),
    path("genres/", library.GenreListView.as_view(), name="genre-list"),
    path("me/queue/", play_queue.MyPlayQueueView.as_view(), name="me-queue"),
    path("listens/", listens.ListensView.as_view(), name="listens"),
    path("listens/<int:pk>/", listens.ListenDetailView.as_view(), name="listen-detail"),
    path("listens/stats/", listens.ListenStatsView.as_view(), name="listens-stats"),
    path("listens/now-playing/", listens.NowPlayingView.as_view(), name="listens-now-playing"),
    path("users/me/scrobbling/", scrobbling.ScrobbleLinkListView.as_view(), name="scrobble-links"),
    path(
        "users/me/scrobbling/<slug:service>/",
        scrobbling.ScrobbleLinkDetailView.as_view(),
        name="scrobble-link",
    ),
    path("charts/artists/", charts.TopArtistsChartView.as_view(), name="charts-artists"),
    path("charts/tracks/", charts.TopTracksChartView.as_view(), name="charts-tracks"),
    path(
        "charts/trending/artists/",
        charts.TrendingArtistsChartView.as_view(),
        name="charts-trending-artists",
    ),
    path(
        "charts/trending/tracks/",
        charts.TrendingTracksChartView.as_view(),
        name="charts-trending-tracks",
    ),
]
