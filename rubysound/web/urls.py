from django.urls import path

from . import catalog_views, favorite_views, home_views, playlist_views, pwa, views

urlpatterns = [
    path("", home_views.home, name="home"),
    path("manifest.json", pwa.manifest, name="manifest"),
    path("service-worker.js", pwa.service_worker, name="service-worker"),
    path("offline/", pwa.offline, name="offline"),
    path("signup/", views.signup, name="signup"),
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", views.logout, name="logout"),
    path("profile/", views.profile, name="profile"),
    path("u/<str:username>/", views.public_profile, name="public-profile"),
    path("music_api/index/", catalog_views.search, name="search"),
    path("artists/<int:pk>/", catalog_views.artist_page, name="artist-page"),
    path("albums/<int:pk>/", catalog_views.album_page, name="album-page"),
    path("favorites/", favorite_views.toggle_favorite, name="favorite-toggle"),
    path("playlists/", playlist_views.playlists_page, name="playlists"),
    path("playlists/new/", playlist_views.create_playlist, name="playlist-create"),
    path("playlists/<int:pk>/", playlist_views.playlists_page, name="playlist-page"),
    path("playlists/<int:pk>/edit/", playlist_views.edit_playlist, name="playlist-edit"),
    path("playlists/<int:pk>/delete/", playlist_views.delete_playlist, name="playlist-delete"),
    path("playlists/<int:pk>/tracks/", playlist_views.playlist_track_action, name="playlist-track"),
]
