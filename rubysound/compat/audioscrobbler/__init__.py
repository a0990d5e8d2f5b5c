"""An Audioscrobbler 2.0 (Last.fm API) compatible endpoint at ``/2.0/``, for Last.fm
scrobblers that let the user change the server (as for Libre.fm): ``auth.getMobileSession``,
``track.updateNowPlaying`` and ``track.scrobble``.

Sign-in is with an app password (never the account password): ``username`` + ``password``,
or ``authToken = md5(username + md5(app password))``. The session key answered is a new API
key of the user's, named after the protocol, which they can revoke in settings like any
other. ``api_key`` must be present but any value is accepted, and ``api_sig`` is not
checked: a client's shared secret is Last.fm's, which we never have, and the endpoints of
ListenBrainz and Libre.fm that speak this protocol behave the same way.
"""
