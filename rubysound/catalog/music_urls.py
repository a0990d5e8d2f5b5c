"""The routes existing clients already speak (/music_api/...) and listen reporting."""

urlpatterns: list = []
