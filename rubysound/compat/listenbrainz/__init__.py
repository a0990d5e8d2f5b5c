"""A ListenBrainz-compatible API at ``/1/``: scrobblers that speak ListenBrainz (Web Scrobbler,
Pano Scrobbler, liblistenbrainz, Navidrome...) submit listens here and read them back.

The token is one of the user's API keys (``/api/users/me/api-keys/``). The business is the
catalog's (``record_scrobbles``, ``set_now_playing_scrobble``, the history selectors); this
package only maps ListenBrainz's JSON to them and back, with ListenBrainz's error shape
``{"code": <status>, "error": "<message>"}``.
"""
