"""The routes existing clients already speak: /music_api/..., /api/wikipedia/, Subsonic's
/rest/, ListenBrainz's /1/ and Last.fm's /2.0/.

Included at the site root, so every path is written in full.
"""

from django.urls import include, path

from rubysound.compat import wikipedia
from rubysound.compat.music import charts, search
from rubysound.compat.previews import views as previews

urlpatterns = [
    path("music_api/search/", search.TrackSearchView.as_view(), name="music-search"),
    path(
        "music_api/search/artists/",
        search.ArtistSearchView.as_view(),
        name="music-search-artists",
    ),
    path("music_api/trending/", charts.TrendingView.as_view(), name="music-trending"),
    path("music_api/year-chart/", charts.YearChartView.as_view(), name="music-year-chart"),
    path("music_api/apple-chart/", charts.AppleChartView.as_view(), name="music-apple-chart"),
    path("music_api/preview/", previews.preview, name="music-preview"),
    path("", include("rubysound.compat.subsonic.urls")),
    path("", include("rubysound.compat.listenbrainz.urls")),
    path("", include("rubysound.compat.audioscrobbler.urls")),
    path(
        "api/wikipedia/artists/",
        wikipedia.WikipediaArtistsView.as_view(),
        name="wikipedia-artists",
    ),
]
