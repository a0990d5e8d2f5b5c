"""The routes existing clients already speak (/music_api/...), listens and charts.

Included at the site root, so every path is written in full.
"""

from django.urls import path

from . import music_api, preview_views, wikipedia_api

urlpatterns = [
    path("music_api/search/", music_api.TrackSearchView.as_view(), name="music-search"),
    path(
        "music_api/search/artists/",
        music_api.ArtistSearchView.as_view(),
        name="music-search-artists",
    ),
    path("music_api/trending/", music_api.TrendingView.as_view(), name="music-trending"),
    path("music_api/year-chart/", music_api.YearChartView.as_view(), name="music-year-chart"),
    path("music_api/apple-chart/", music_api.AppleChartView.as_view(), name="music-apple-chart"),
    path("music_api/preview/", preview_views.preview, name="music-preview"),
    path(
        "api/wikipedia/artists/",
        wikipedia_api.WikipediaArtistsView.as_view(),
        name="wikipedia-artists",
    ),
    path("api/listens/", music_api.ListensView.as_view(), name="listens"),
    path("api/listens/stats/", music_api.ListenStatsView.as_view(), name="listens-stats"),
    path("api/charts/artists/", music_api.TopArtistsChartView.as_view(), name="charts-artists"),
    path("api/charts/tracks/", music_api.TopTracksChartView.as_view(), name="charts-tracks"),
    path(
        "api/charts/trending/artists/",
        music_api.TrendingArtistsChartView.as_view(),
        name="charts-trending-artists",
    ),
    path(
        "api/charts/trending/tracks/",
        music_api.TrendingTracksChartView.as_view(),
        name="charts-trending-tracks",
    ),
]
