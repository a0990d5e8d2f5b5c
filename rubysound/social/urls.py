"""Social routes under /api/ (each area's views and routes live in ``social/api/<area>.py``)."""

from .api import comments, notifications, playlists, public

urlpatterns = [
    *playlists.urlpatterns,
    *public.urlpatterns,
    *comments.urlpatterns,
    *notifications.urlpatterns,
]
