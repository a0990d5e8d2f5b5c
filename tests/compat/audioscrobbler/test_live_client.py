"""A real Last.fm client (pylast, from PyPI) against a live server over HTTPS (pylast only
speaks HTTPS: the server has a self-signed certificate the client is told to trust with
SSL_CERT_FILE): a mobile session from an app password, now playing, scrobbles one by one and
in a batch of more than 50 (which pylast splits)."""

import importlib
import time

import pytest

from rubysound.accounts import services as account_services
from rubysound.catalog import selectors as catalog_selectors
from rubysound.catalog.models import Listen
from tests.factories import ArtistFactory, TrackFactory, UserFactory
from tests.servers import self_signed_tls, serve

pytestmark = pytest.mark.django_db(transaction=True)


def rubysound_network(pylast, host: str, **credentials):
    """pylast's own network class, aimed at our server as its LibreFMNetwork is at Libre.fm."""
    return pylast._Network(
        name="RubySound",
        homepage=f"https://{host}",
        ws_server=(host, "/2.0/"),
        api_key="rubysound-tests",
        api_secret="not-checked",
        session_key=credentials.get("session_key", ""),
        username=credentials.get("username", ""),
        password_hash=credentials.get("password_hash", ""),
        domain_names={pylast.DOMAIN_ENGLISH: host},
        urls={},
    )


def test_a_scrobbling_session_with_pylast(tmp_path, monkeypatch):
    tls = self_signed_tls(tmp_path)
    monkeypatch.setenv("SSL_CERT_FILE", tls.certfile)
    pylast = importlib.reload(importlib.import_module("pylast"))  # its TLS context reads it

    user = UserFactory(username="ines")
    _, app_password = account_services.create_app_password(user, "pylast")
    library_track = TrackFactory(title="So What", artist=ArtistFactory(name="Miles Davis"))
    now = int(time.time())
    with serve(tls=tls) as base_url:
        host = base_url.removeprefix("https://")
        with pytest.raises(pylast.WSError) as refused:
            rubysound_network(pylast, host, username="ines", password_hash=pylast.md5("wrong"))
        assert refused.value.status == "4"

        # auth.getMobileSession with authToken = md5(username + md5(app password)).
        network = rubysound_network(
            pylast, host, username="ines", password_hash=pylast.md5(app_password)
        )
        assert network.session_key
        assert account_services.user_for_api_key(network.session_key) == user

        network.update_now_playing("miles davis", "so what", duration=545)
        assert catalog_selectors.now_playing_of(user).track == library_track

        network.scrobble("Miles Davis", "So What", timestamp=now - 600, album="Kind of Blue")
        network.scrobble_many(
            [
                {"artist": "Someone Else", "title": f"Song {n}", "timestamp": now - 86400 - n}
                for n in range(60)
            ]
        )
        # Another client reusing the session key it was given.
        again = rubysound_network(pylast, host, session_key=network.session_key)
        again.scrobble("Miles Davis", "So What", timestamp=now - 600)  # the same listen

    listens = Listen.objects.filter(user=user, source=Listen.Source.AUDIOSCROBBLER)
    assert listens.count() == 61
    assert listens.filter(track=library_track).count() == 1
